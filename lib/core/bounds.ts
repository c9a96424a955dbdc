// lib/core/bounds.ts
// The bounds put on values from outside the process (login server, store records): lifetimes, lengths, retry times.

/** The longest Retry-After honoured, in seconds; a longer one is treated as this (a bad header must not block for hours). */
export const MAX_RETRY_AFTER_SECONDS = 600;

/** The longest token lifetime accepted, in seconds (48 hours; GraFx tokens last about 10 to 22 hours). */
export const MAX_TOKEN_LIFETIME_SECONDS = 172_800;

/** The longest access token accepted, in characters (real ones are 1 to 3 KB). */
export const MAX_ACCESS_TOKEN_LENGTH = 16_384;

/** The longest text from outside (a server's error description, a stored message) that reaches a message. */
export const MAX_MESSAGE_LENGTH = 500;

// C0 controls (CR, LF, ESC...), DEL, C1 controls, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** `text` without control characters (each run becomes one space: no forged log lines), at most `max` characters. */
export function sanitizeText(text: string, max: number): string {
  const clean = text.replace(CONTROL_CHARACTERS, ' ');
  return clean.length <= max ? clean : `${clean.slice(0, Math.max(0, max - 1))}…`;
}
