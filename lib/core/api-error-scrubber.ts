// lib/core/api-error-scrubber.ts
// scrubApiError(): takes the bearer token out of an axios error, hidden parts included, before any handler sees it.
import { ClientRequest } from 'node:http';
import type { AxiosError, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { REDACTED, eraseAll } from './redaction.js';

/** The Authorization header an error's config shows instead of the token. */
export const REDACTED_AUTHORIZATION = `Bearer ${REDACTED}`;
/** How many values of an error body are looked at for an echoed token (a body is the API's, bounded by axios). */
const MAX_BODY_VALUES = 10_000;

/** What an error keeps of the request it was made for, in place of the raw request object. */
export interface SentRequest {
  readonly method: string;
  /** The URL the request went to last (after redirects), without query string. */
  readonly url: string;
}

/**
 * Removes `token` from everything an API client error holds: the Authorization header of its config is masked; the
 * raw request objects (a ClientRequest's `_header` text holds the header; follow-redirects keeps its options) are
 * replaced by a {@link SentRequest} summary, and defused in place where the error still reaches them (a stream
 * body's `req`); an API answer that echoes the token loses it; a cause that is an axios error is scrubbed too.
 */
export function scrubApiError(error: AxiosError, token: string | undefined): AxiosError {
  scrubOne(error, token, 0);
  return error;
}

function scrubOne(error: AxiosError, token: string | undefined, depth: number): void {
  maskAuthorization(error.config);
  if (token !== undefined && token !== '') {
    error.message = eraseAll(error.message, token);
    if (error.stack !== undefined) error.stack = eraseAll(error.stack, token);
  }
  replaceRequest(error, error.config, token);
  const response = error.response as AxiosResponse | undefined;
  if (response !== undefined) {
    maskAuthorization(response.config);
    replaceRequest(response, response.config, token);
    if (token !== undefined && token !== '') {
      defuse((response.data as { req?: unknown } | null | undefined)?.req, token);
      response.data = eraseDeep(response.data, token, { left: MAX_BODY_VALUES });
      response.headers = eraseDeep(response.headers, token, { left: MAX_BODY_VALUES }) as typeof response.headers;
    }
  }
  const cause: unknown = error.cause;
  if (depth < 3 && isAxiosLike(cause)) scrubOne(cause, token, depth + 1);
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
    redirectable._options.headers = eraseDeep(redirectable._options.headers, token, { left: 100 });
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
      eraseDeep(value, token, { left: 1000 });
    }
  }
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * `value` with every string holding the token erased: strings, Buffers, arrays, plain objects and axios headers,
 * walked up to `budget.left` values; arrays and objects are changed in place. Anything else is left as it is.
 */
function eraseDeep(value: unknown, token: string, budget: { left: number }): unknown {
  if (typeof value === 'string') return eraseAll(value, token);
  if (typeof value !== 'object' || value === null || budget.left <= 0) return value;
  if (Buffer.isBuffer(value))
    return value.includes(token) ? Buffer.from(eraseAll(value.toString('latin1'), token), 'latin1') : value;
  if (!Array.isArray(value) && !isPlain(value) && !isAxiosHeaders(value)) return value;
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    budget.left -= 1;
    if (budget.left <= 0) break;
    const entry = object[key];
    const erased = eraseDeep(entry, token, budget);
    if (erased !== entry) object[key] = erased;
  }
  return value;
}

/** axios's AxiosHeaders (response headers): a class, its header values own string fields. */
function isAxiosHeaders(value: object): boolean {
  return typeof (value as { normalize?: unknown }).normalize === 'function';
}
