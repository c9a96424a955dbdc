// lib/core/redaction.ts
// The one redaction module: server text loses control characters and every form of a secret before it reaches a message.
import { MAX_SERVER_TEXT_LENGTH } from './bounds.js';

/** What stands in a text where a secret or a token was. */
export const REDACTED = '[redacted]';
/** Terminal escape sequences as a whole: CSI (`ESC [ ... m`) and OSC (`ESC ] ... BEL`). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPE_SEQUENCES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g;
/** C0/C1 controls (CR, LF, ESC, ...), format characters (zero-width, bidi overrides) and line/paragraph separators. */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;

/**
 * `text` without control or invisible format characters (each run becomes one space: no forged log lines), at most
 * `max` characters. For text that holds no secret (a stored failure message); server text goes through
 * {@link sanitizeServerText}.
 */
export function sanitizeText(text: string, max: number): string {
  return truncate(text.replace(UNSAFE_CHARACTERS, ' '), max);
}

/** `text` cut to at most `max` characters, the last of them `…` when it was cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** A key (an integration's, from a request or a loader) as a message may show it: JSON-quoted, at most 64 characters. */
export function quotedKey(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}

/** `text` with every occurrence of `form` replaced by {@link REDACTED}. */
export function eraseAll(text: string, form: string): string {
  return form !== '' && text.includes(form) ? text.split(form).join(REDACTED) : text;
}

/** One form of a value as `application/x-www-form-urlencoded` writes it (space as `+`, `~` as `%7E`). */
export function formEncode(value: string): string {
  // The characters the form serializer leaves as they are (most client IDs and secrets are made of them only).
  if (FORM_SAFE.test(value)) return value;
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** What `application/x-www-form-urlencoded` writes unchanged: ASCII letters and digits, `*`, `-`, `.` and `_`. */
const FORM_SAFE = /^[A-Za-z0-9*\-._]*$/;

/** `\uXXXX` for every character outside printable ASCII: JSON as an ASCII-only serialiser writes it. */
function jsonAsciiEscape(value: string, upperHex: boolean): string {
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/[^\x20-\x7e]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upperHex ? hex.toUpperCase() : hex}`;
    });
}

/**
 * The base64 characters that stand for `bytes` wherever they sit in a longer base64 text: for each of the three
 * alignments, the characters whose six bits all come from `bytes` (so `base64("id:" + secret + …)` is caught too).
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const text = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const core = text.slice(first, end);
    if (core.length >= 4) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/**
 * Every form in which a server could echo `secret`: as sent, URL- and form-encoded, JSON-escaped, inside base64 (and,
 * given the client ID, the whole base64 `id:secret` of a Basic header, plain and form-urlencoded).
 */
export function secretForms(secret: string, clientId?: string): string[] {
  if (secret === '') return [];
  const textual = new Set([secret, encodeURIComponent(secret), formEncode(secret)]);
  for (const form of [...textual]) {
    textual.add(form.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  }
  textual.add(JSON.stringify(secret).slice(1, -1));
  textual.add(jsonAsciiEscape(secret, false));
  textual.add(jsonAsciiEscape(secret, true));
  const forms = new Set(textual);
  for (const form of textual) for (const core of base64Cores(Buffer.from(form, 'utf8'))) forms.add(core);
  if (clientId !== undefined) {
    for (const pair of [`${clientId}:${secret}`, `${formEncode(clientId)}:${formEncode(secret)}`]) {
      forms.add(Buffer.from(pair, 'utf8').toString('base64'));
      forms.add(Buffer.from(pair, 'utf8').toString('base64url'));
    }
  }
  // Longest first, so a longer form is removed whole before a shorter one could leave pieces of it.
  return [...forms].filter((form) => form !== '').sort((a, b) => b.length - a.length);
}

/** A function that removes every form of each secret from a text. */
export type Redactor = (text: string) => string;

/**
 * A redactor of each secret; `clientId` adds the whole Basic-header forms of `clientId:secret`. The forms are worked
 * out on its first use: a token answer that is a grant never needs them.
 */
export function createRedactor(secrets: readonly string[], clientId?: string): Redactor {
  let forms: string[] | undefined;
  return (text) => {
    forms ??= secrets.flatMap((secret) => secretForms(secret, clientId)).sort((a, b) => b.length - a.length);
    let result = text;
    for (const form of forms) result = eraseAll(result, form);
    return result;
  };
}

/**
 * Server text made fit for an error message: every form of the secrets removed, control and format characters
 * dropped (CR, LF, ESC: no forged log lines) and the secrets removed again (should those characters have split one),
 * whitespace collapsed, and only then cut to `maxLength`, so no prefix of a secret survives the cut.
 */
export function sanitizeServerText(text: string, redact: Redactor, maxLength = MAX_SERVER_TEXT_LENGTH): string {
  const cleaned = redact(redact(text).replace(ESCAPE_SEQUENCES, '').replace(UNSAFE_CHARACTERS, ''))
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(cleaned, maxLength);
}
