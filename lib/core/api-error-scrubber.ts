// lib/core/api-error-scrubber.ts
// scrubApiError(): takes the bearer token out of an axios error, hidden parts included, before any handler sees it.
import { ClientRequest } from 'node:http';
import type { AxiosError, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { REDACTED, eraseAll } from './redaction.js';

/** The Authorization header an error's config shows instead of the token. */
export const REDACTED_AUTHORIZATION = `Bearer ${REDACTED}`;
/**
 * What stands in an error's data where the walk did not look: a value nested deeper than {@link MAX_SCRUB_DEPTH}, or
 * a container whose values would pass {@link MAX_SCRUB_VALUES} (it could hold the token, so it is not kept).
 */
export const UNCHECKED = '[redacted: too deep or too large to check]';
/** How deep the walk goes into an answer (no real API answer nests past a few dozen levels). */
export const MAX_SCRUB_DEPTH = 256;
/** How many values the walk looks at in each part of an error (the body, its headers, the request config). */
export const MAX_SCRUB_VALUES = 100_000;

/** What an error keeps of the request it was made for, in place of the raw request object. */
export interface SentRequest {
  readonly method: string;
  /** The URL the request went to last (after redirects), without query string. */
  readonly url: string;
}

/**
 * Removes `token` from everything an API client error holds, and never fails: the Authorization header of its
 * config is masked; the raw request objects (a ClientRequest's `_header` text holds the header; follow-redirects
 * keeps its options) are replaced by a {@link SentRequest} summary, and defused in place where the error still
 * reaches them (a stream body's `req`); every string reachable from the error's message, stack, config, answer
 * (`statusText`, body, headers), object keys and header names included, loses the token (an iterative walk, at
 * most {@link MAX_SCRUB_DEPTH} deep and {@link MAX_SCRUB_VALUES} values per part: what lies past that is replaced by
 * {@link UNCHECKED}); a cause that is an axios error is scrubbed too. The error keeps its type and fields.
 */
export function scrubApiError(error: AxiosError, token: string | undefined): AxiosError {
  try {
    scrubOne(error, token, 0);
  } catch {
    lastResort(error);
  }
  return error;
}

/** Should the scrub itself fail (a hostile object's trap): nothing of the answer that might hold the token is kept. */
function lastResort(error: AxiosError): void {
  try {
    maskAuthorization(error.config);
    const response = error.response as AxiosResponse | undefined;
    if (response !== undefined) {
      response.data = UNCHECKED;
      response.statusText = UNCHECKED;
      response.headers = {} as typeof response.headers;
    }
  } catch {
    // nothing more can be done with such an error
  }
}

function scrubOne(error: AxiosError, token: string | undefined, depth: number): void {
  maskAuthorization(error.config);
  const erasing = token !== undefined && token !== '';
  if (erasing) {
    error.message = eraseAll(error.message, token);
    if (typeof error.stack === 'string') error.stack = eraseAll(error.stack, token);
    if (typeof error.code === 'string') error.code = eraseAll(error.code, token);
  }
  replaceRequest(error, error.config, token);
  const response = error.response as AxiosResponse | undefined;
  if (response !== undefined) {
    maskAuthorization(response.config);
    replaceRequest(response, response.config, token);
    if (erasing) {
      defuse((response.data as { req?: unknown } | null | undefined)?.req, token);
      if (typeof response.statusText === 'string') response.statusText = eraseAll(response.statusText, token);
      eraseEverywhere(response, 'data', token);
      eraseEverywhere(response, 'headers', token);
      if (response.config !== error.config) eraseEverywhere(response, 'config', token);
    }
  }
  if (erasing) eraseEverywhere(error, 'config', token);
  const cause: unknown = error.cause;
  if (depth < 3 && isAxiosLike(cause)) scrubOne(cause, token, depth + 1);
  else if (erasing && cause instanceof Error) {
    cause.message = eraseAll(cause.message, token);
    if (typeof cause.stack === 'string') cause.stack = eraseAll(cause.stack, token);
  }
}

function isAxiosLike(value: unknown): value is AxiosError {
  return typeof value === 'object' && value !== null && (value as { isAxiosError?: unknown }).isAxiosError === true;
}

function maskAuthorization(config: InternalAxiosRequestConfig | undefined): void {
  const headers = config?.headers;
  if (headers === undefined || headers === null) return;
  if (typeof headers.has === 'function') {
    if (headers.has('Authorization')) headers.set('Authorization', REDACTED_AUTHORIZATION);
    return;
  }
  for (const name of Object.keys(headers as object)) {
    if (name.toLowerCase() === 'authorization') (headers as Record<string, unknown>)[name] = REDACTED_AUTHORIZATION;
  }
}

/** Replaces `owner.request` (kept non-enumerable, as axios code reads `err.request`) by a summary; defuses the raw one. */
function replaceRequest(
  owner: object,
  config: InternalAxiosRequestConfig | undefined,
  token: string | undefined,
): void {
  const raw: unknown = (owner as { request?: unknown }).request;
  if (raw === undefined || raw === null || isSentRequest(raw)) return;
  if (token !== undefined && token !== '') defuse(raw, token);
  Object.defineProperty(owner, 'request', {
    value: summarise(raw, config),
    enumerable: false,
    writable: true,
    configurable: true,
  });
}

const SUMMARIES = new WeakSet<object>();

function isSentRequest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && SUMMARIES.has(value);
}

function summarise(raw: unknown, config: InternalAxiosRequestConfig | undefined): SentRequest {
  let method = (config?.method ?? 'get').toUpperCase();
  let url = '';
  if (raw instanceof ClientRequest) {
    method = raw.method;
    const host = raw.getHeader('host');
    url = `${raw.protocol}//${typeof host === 'string' ? host : raw.host}${raw.path}`;
  } else if (typeof raw === 'object' && raw !== null) {
    const current = (raw as { _currentUrl?: unknown; url?: unknown })._currentUrl ?? (raw as { url?: unknown }).url;
    if (typeof current === 'string') url = current;
  }
  if (url === '' && config !== undefined) url = `${config.baseURL ?? ''}${config.url ?? ''}`;
  const query = url.search(/[?#]/);
  const summary: SentRequest = Object.freeze({ method, url: query === -1 ? url : url.slice(0, query) });
  SUMMARIES.add(summary);
  return summary;
}

/**
 * Erases the token from a raw request object in place, where other references (a stream body's `req`, a socket's
 * `_httpMessage`) still reach it: a ClientRequest's header text, header map and unsent output; a follow-redirects
 * request's options and current ClientRequest. Only the object's own fields, one level down: never a socket or agent.
 */
function defuse(raw: unknown, token: string): void {
  if (typeof raw !== 'object' || raw === null) return;
  const redirectable = raw as { _options?: { headers?: unknown }; _currentRequest?: unknown; _redirectable?: unknown };
  if (raw instanceof ClientRequest) {
    eraseOwnFields(raw, token);
    if (redirectable._redirectable !== undefined && redirectable._redirectable !== raw)
      defuseRedirectable(redirectable._redirectable, token);
    return;
  }
  defuseRedirectable(raw, token);
}

function defuseRedirectable(raw: unknown, token: string): void {
  if (typeof raw !== 'object' || raw === null) return;
  const redirectable = raw as { _options?: { headers?: unknown }; _currentRequest?: unknown };
  if (typeof redirectable._options === 'object' && redirectable._options !== null) {
    eraseEverywhere(redirectable._options, 'headers', token);
  }
  if (redirectable._currentRequest instanceof ClientRequest) eraseOwnFields(redirectable._currentRequest, token);
}

function eraseOwnFields(request: ClientRequest, token: string): void {
  const fields = request as unknown as Record<string | symbol, unknown>;
  for (const key of Reflect.ownKeys(request)) {
    const descriptor = Object.getOwnPropertyDescriptor(request, key);
    if (descriptor === undefined || !('value' in descriptor) || !descriptor.writable) continue;
    const value: unknown = descriptor.value;
    if (typeof value === 'string') {
      if (value.includes(token)) fields[key] = eraseAll(value, token);
    } else if (Array.isArray(value) || (typeof value === 'object' && value !== null && isPlain(value))) {
      // the header map ([name, value] pairs) and pending output ({ data }) entries
      eraseEverywhere(fields, key, token);
    }
  }
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** One value to look at: `holder[key]`, `depth` levels below the part's root. */
interface Slot {
  holder: Record<PropertyKey, unknown>;
  key: PropertyKey;
  depth: number;
}

/**
 * Erases `token` from `holder[key]` and everything below it, in place: strings, keys of objects and header names,
 * Buffers, ArrayBuffers, arrays, plain objects and AxiosHeaders (other objects, such as agents or streams, are not
 * entered). Iterative (no recursion: a 40,000-deep body cannot overflow the stack), cycle-safe, at most
 * {@link MAX_SCRUB_DEPTH} deep and {@link MAX_SCRUB_VALUES} values: a container past either is replaced by
 * {@link UNCHECKED}. A value that throws when read (a getter, a revoked Proxy) is replaced by it too.
 */
function eraseEverywhere(holder: object, key: PropertyKey, token: string): void {
  const seen = new Set<object>();
  const slots: Slot[] = [{ holder: holder as Record<PropertyKey, unknown>, key, depth: 0 }];
  let left = MAX_SCRUB_VALUES;
  for (let slot = slots.pop(); slot !== undefined; slot = slots.pop()) {
    try {
      const value = slot.holder[slot.key];
      const erased = erasedLeaf(value, token);
      if (erased !== value) {
        slot.holder[slot.key] = erased;
        continue;
      }
      if (typeof value !== 'object' || value === null || seen.has(value) || !isWalked(value)) continue;
      seen.add(value);
      const container = value as Record<PropertyKey, unknown>;
      const keys = Object.keys(container);
      if (slot.depth >= MAX_SCRUB_DEPTH || keys.length > left) {
        slot.holder[slot.key] = UNCHECKED;
        continue;
      }
      left -= keys.length;
      for (const name of keys) {
        let at = name;
        if (name.includes(token)) {
          // the key itself holds the token: its value moves to the erased key
          at = eraseAll(name, token);
          const moved = container[name];
          Reflect.deleteProperty(container, name);
          container[at] = moved;
        }
        slots.push({ holder: container, key: at, depth: slot.depth + 1 });
      }
    } catch {
      try {
        slot.holder[slot.key] = UNCHECKED;
      } catch {
        // a holder that refuses writes as well: left as it is (it is not the API's parsed answer)
      }
    }
  }
}

/** A string or byte value with the token erased (the same value when it holds none, or is no such value). */
function erasedLeaf(value: unknown, token: string): unknown {
  if (typeof value === 'string') return eraseAll(value, token);
  if (Buffer.isBuffer(value)) {
    return value.includes(token) ? Buffer.from(eraseAll(value.toString('latin1'), token), 'latin1') : value;
  }
  if (value instanceof ArrayBuffer) {
    const bytes = Buffer.from(value);
    if (!bytes.includes(token)) return value;
    const erased = Buffer.from(eraseAll(bytes.toString('latin1'), token), 'latin1');
    return erased.buffer.slice(erased.byteOffset, erased.byteOffset + erased.byteLength);
  }
  return value;
}

/** The containers the walk enters: arrays, plain objects (parsed JSON, header maps) and axios's AxiosHeaders. */
function isWalked(value: object): boolean {
  return Array.isArray(value) || isPlain(value) || isAxiosHeaders(value);
}

/** axios's AxiosHeaders (response headers): a class, its header values own string fields. */
function isAxiosHeaders(value: object): boolean {
  return typeof (value as { normalize?: unknown }).normalize === 'function';
}
