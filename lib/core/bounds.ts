// lib/core/bounds.ts
// Every limit the package puts on values from outside the process (login server, store records, options), in one place.

/** The largest token answer read, in bytes, on the wire and again after decompression (a real one is ~2 KB). */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** The longest access token accepted, in characters (real ones are 1 to 3 KB). */
export const MAX_ACCESS_TOKEN_LENGTH = 16_384;
/** The shortest token lifetime accepted, in seconds: a shorter `expires_in` is refused (every request would renew). */
export const MIN_TOKEN_LIFETIME_SECONDS = 1;
/**
 * The longest token lifetime, in seconds (48 hours; GraFx tokens last about 10 to 22 hours): a longer `expires_in` is
 * clamped to this (the token is renewed sooner, never used longer); a store record past it is a miss.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 172_800;
/** The longest Retry-After honoured, in seconds; a longer one is treated as this (a bad header must not block for hours). */
export const MAX_RETRY_AFTER_SECONDS = 600;
/**
 * The longest pause of every token request after the login server answered 429, in milliseconds (60 s): a longer
 * Retry-After still holds for the rate-limited integration itself, but the others are tried again after this.
 */
export const MAX_LOGIN_PAUSE_MS = 60_000;
/** The most token requests at the login server at once that `tokenRequests.maxConcurrent` accepts. */
export const MAX_TOKEN_REQUESTS_CONCURRENT = 10_000;
/** The longest server text (an OAuth `error_description`, a problem `detail`) put into an error message, in characters. */
export const MAX_SERVER_TEXT_LENGTH = 200;
/** The longest text from outside (a server's error description, a stored message) that reaches a message. */
export const MAX_MESSAGE_LENGTH = 500;
/** The longest delay a Node.js timer holds (2^31 − 1 ms, about 24.8 days): the ceiling of every time option. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The largest `cache.max` accepted (lru-cache allocates arrays of `max` entries up front). */
export const MAX_CACHE_MAX = 100_000;
/**
 * The longest integration key, in characters (a header can carry 16 KB: a key is a tenant's name or ID). A longer one
 * is unknown (400) without reaching the loader or any memory of the client.
 */
export const MAX_INTEGRATION_KEY_LENGTH = 256;
/** How many extra form fields `tokenParams` may hold, and the longest value of one, in characters. */
export const MAX_TOKEN_PARAMS = 32;
export const MAX_TOKEN_PARAM_LENGTH = 4096;

/** The longest `scope` kept from a token answer or store record, in characters (the documented full list is ~300). */
export const MAX_SCOPE_LENGTH = 4096;
/** The most permissions a `scope` may hold (the documented full list has 17). */
export const MAX_SCOPES = 256;
/** The longest single permission, e.g. `template_collection:write`, in characters. */
export const MAX_SCOPE_ITEM_LENGTH = 128;

/** Whether `value` is a safe integer from `min` to `max`. */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}
