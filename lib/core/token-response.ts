// lib/core/token-response.ts
// parseTokenResponse(): a login server's answer checked field by field into a bounded grant, or a GrafxAuthError.
import type { IncomingHttpHeaders } from 'node:http';
import {
  MAX_ACCESS_TOKEN_LENGTH,
  MAX_RETRY_AFTER_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  MIN_TOKEN_LIFETIME_SECONDS,
} from './bounds.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, type GrafxErrorCode } from './errors.js';
import { type Redactor, sanitizeServerText } from './redaction.js';
import { parseScope } from './scopes.js';

/** What the login server granted. */
export interface GrantedToken {
  accessToken: string;
  /** Lifetime in milliseconds, from `expires_in`, within the lifetime bounds. */
  lifetimeMs: number;
  /** The granted permissions (`scope`), checked and bounded (see parseScope); undefined when none or unusable. */
  scope: string | undefined;
}

/** The status, headers and (bounded) body text of a token answer. */
export interface TokenAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** OAuth error codes that mean "these credentials may not have a token" (RFC 6749 §5.2, RFC 6750). */
const CREDENTIAL_ERRORS = new Set(['invalid_client', 'access_denied', 'unauthorized_client']);
/** OAuth error codes that refuse the request itself: a wrong audience, resource or scope is not a wrong secret. */
const REQUEST_ERRORS = new Set([
  'invalid_request',
  'invalid_scope',
  'invalid_target',
  'unsupported_grant_type',
  'invalid_grant',
]);
/** An RFC 6750 b64token and more: visible ASCII only, so a token can never break a header. */
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;

/**
 * Checks a token answer. 200 with a JSON object holding a bounded `access_token`, a `token_type` of Bearer (when
 * present) and an `expires_in` within the lifetime bounds is a grant; anything else throws a GrafxAuthError whose
 * message says what the server said (sanitised by `redact`, never a secret).
 */
export function parseTokenResponse(integration: string, answer: TokenAnswer, redact: Redactor): GrantedToken {
  const { status } = answer;
  const body = parseJson(answer.text);
  const fail = (code: GrafxErrorCode, message: string, httpStatus = 502, retryAfter?: number): GrafxAuthError =>
    new GrafxAuthError(code, message, { status: httpStatus, integration, retryAfter });

  if (status !== 200) {
    const said = serverSays(body, redact);
    const detail = `HTTP ${status}${said.text === '' ? '' : ` ${said.text}`}`;
    if (status === 429) {
      const retryAfter = retryAfterSeconds(answer.headers as Record<string, unknown>);
      throw fail(
        GRAFX_ERROR_CODES.TOKEN_RATE_LIMITED,
        `The login server rate-limited the token request (${detail})${retryAfter === undefined ? '' : `; retry after ${retryAfter} s`}`,
        503,
        retryAfter,
      );
    }
    if (status >= 500) throw fail(GRAFX_ERROR_CODES.TOKEN_SERVER_ERROR, `The login server failed (${detail})`);
    if (status >= 400) {
      if (isCredentialRefusal(said.error, status)) {
        throw fail(
          GRAFX_ERROR_CODES.CREDENTIALS_REJECTED,
          `The login server rejected the client credentials of integration "${integration}" (${detail})`,
        );
      }
      throw fail(
        GRAFX_ERROR_CODES.TOKEN_REQUEST_REFUSED,
        `The login server refused the token request of integration "${integration}" (${detail})`,
      );
    }
    const redirect = status >= 300 && status < 400 ? '; redirects are not followed' : '';
    throw fail(GRAFX_ERROR_CODES.TOKEN_INVALID_RESPONSE, `The login server answered HTTP ${status}${redirect}`);
  }

  const invalid = (what: string): GrafxAuthError =>
    fail(GRAFX_ERROR_CODES.TOKEN_INVALID_RESPONSE, `The login server's token answer ${what}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('is not a JSON object');
  const fields = body as Record<string, unknown>;
  const accessToken = own(fields, 'access_token');
  if (typeof accessToken !== 'string' || accessToken === '') throw invalid('has no access_token');
  if (accessToken.length > MAX_ACCESS_TOKEN_LENGTH) {
    throw invalid(`has an access_token longer than ${MAX_ACCESS_TOKEN_LENGTH} characters`);
  }
  if (!TOKEN_CHARACTERS.test(accessToken)) throw invalid('has an access_token with characters a token cannot hold');
  const tokenType = own(fields, 'token_type');
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    throw invalid('has a token_type other than Bearer');
  }
  const lifetimeMs = lifetimeFrom(own(fields, 'expires_in'), invalid);
  return { accessToken, lifetimeMs, scope: parseScope(own(fields, 'scope')) };
}

/** Milliseconds from `expires_in` (a number or a numeric string): refused below the minimum, clamped above the maximum. */
function lifetimeFrom(expiresIn: unknown, invalid: (what: string) => GrafxAuthError): number {
  const seconds = typeof expiresIn === 'string' && expiresIn.trim() !== '' ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) throw invalid('has no valid expires_in');
  if (seconds < MIN_TOKEN_LIFETIME_SECONDS) {
    throw invalid(`has an expires_in below the minimum of ${MIN_TOKEN_LIFETIME_SECONDS} s`);
  }
  return Math.round(Math.min(seconds, MAX_TOKEN_LIFETIME_SECONDS) * 1000);
}

/**
 * Whether a 4xx refuses the credentials (`invalid_client`, `access_denied`, `unauthorized_client`, or a 401/403 with
 * no standard code) rather than the request (`invalid_request`, `invalid_scope`, `invalid_target`, ...).
 */
function isCredentialRefusal(error: string | undefined, status: number): boolean {
  if (error !== undefined && CREDENTIAL_ERRORS.has(error)) return true;
  if (error !== undefined && REQUEST_ERRORS.has(error)) return false;
  return status === 401 || status === 403;
}

/** A property the object has itself (never one inherited through a `__proto__` key). */
function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * What an error body says: an OAuth error (`error`, `error_description`) or an RFC 7807 problem (`title`, `detail`),
 * sanitised. `error` is the OAuth code when it is one (printable ASCII, at most 64 characters).
 */
function serverSays(body: unknown, redact: Redactor): { error: string | undefined; text: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: undefined, text: '' };
  const fields = body as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = own(fields, key);
    if (typeof value !== 'string') return undefined;
    const clean = sanitizeServerText(value, redact);
    return clean === '' ? undefined : clean;
  };
  const rawError = own(fields, 'error');
  const error =
    typeof rawError === 'string' && /^[\x20-\x7e]{1,64}$/.test(rawError) && redact(rawError) === rawError
      ? rawError
      : undefined;
  const description = text('error_description');
  const parts = description === undefined ? [error, text('title'), text('detail')] : [error, description];
  return { error, text: parts.filter((part) => part !== undefined).join(': ') };
}

/** Seconds from `Retry-After` (seconds or HTTP date), else from Auth0's `x-ratelimit-reset` (epoch seconds). */
export function retryAfterSeconds(headers: Record<string, unknown>, now = Date.now()): number | undefined {
  const clamp = (seconds: number): number => Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil(seconds)));
  const retryAfter = headers['retry-after'];
  if (typeof retryAfter === 'string' && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return clamp(seconds);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return clamp((date - now) / 1000);
  }
  const reset = Number(headers['x-ratelimit-reset']);
  if (typeof headers['x-ratelimit-reset'] === 'string' && Number.isFinite(reset) && reset > 1e9) {
    return clamp(reset - now / 1000);
  }
  return undefined;
}
