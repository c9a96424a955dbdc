// lib/core/errors.ts
// GrafxAuthError: the one error type of the package, with an HTTP `status` and a stable `GRAFX_*` code.
import { errorDocsURL } from './docs-link.js';

/** Every code a {@link GrafxAuthError} can carry. docs/reference/errors.md has a section on each (`err.docs`). */
export const GRAFX_ERROR_CODES = {
  /** The options given to `grafxAuth()` / `createGrafxClient()` are wrong (thrown at set-up time). */
  CONFIG_INVALID: 'GRAFX_CONFIG_INVALID',
  /** `resolveIntegration` returned nothing (no key) for this request. */
  INTEGRATION_MISSING: 'GRAFX_INTEGRATION_MISSING',
  /** The integration key is not one of the configured integrations (or the loader answered `undefined` for it). */
  INTEGRATION_UNKNOWN: 'GRAFX_INTEGRATION_UNKNOWN',
  /** The `integrations` loader threw or rejected (503; the loader's error is the `cause`). */
  INTEGRATION_LOAD_FAILED: 'GRAFX_INTEGRATION_LOAD_FAILED',
  /** The `integrations` loader did not answer within `loading.timeoutMs` (504); its signal was aborted. */
  INTEGRATION_LOAD_TIMEOUT: 'GRAFX_INTEGRATION_LOAD_TIMEOUT',
  /**
   * `loading.maxInFlight` loads of other keys were already waiting for the `integrations` loader: this key is not
   * asked for now (503, `Retry-After: 1`); nothing queues.
   */
  INTEGRATION_LOAD_BUSY: 'GRAFX_INTEGRATION_LOAD_BUSY',
  /** `resolveIntegration` (of `grafxAuth()` or the token route) did not answer within `resolveTimeoutMs` (504). */
  INTEGRATION_RESOLVE_TIMEOUT: 'GRAFX_INTEGRATION_RESOLVE_TIMEOUT',
  /**
   * A synchronous method (`client.api(key)`, `client.integration(key)`) was called for an integration loaded on
   * demand that is not held right now: use `await client.context(key)` or `await client.lookup(key)` (500).
   */
  INTEGRATION_NOT_LOADED: 'GRAFX_INTEGRATION_NOT_LOADED',
  /**
   * The login server refused the client credentials: `invalid_client`, `access_denied`, `unauthorized_client`, or a
   * 401/403 without a standard OAuth error code.
   */
  CREDENTIALS_REJECTED: 'GRAFX_CREDENTIALS_REJECTED',
  /**
   * The login server refused the token request for another reason (`invalid_request`, `invalid_scope`,
   * `invalid_target`, `unsupported_grant_type`, `invalid_grant`, or another 4xx): a wrong audience, resource or
   * scope. The message says what the server said.
   */
  TOKEN_REQUEST_REFUSED: 'GRAFX_TOKEN_REQUEST_REFUSED',
  /** The login server answered with a 5xx. */
  TOKEN_SERVER_ERROR: 'GRAFX_TOKEN_SERVER_ERROR',
  /** The login server rate-limited the token request (429). */
  TOKEN_RATE_LIMITED: 'GRAFX_TOKEN_RATE_LIMITED',
  /**
   * The login server's answer was not a usable token response: HTML, truncated JSON, no access_token, a token_type
   * other than Bearer, an expires_in below the minimum, a body past the size cap, a redirect.
   */
  TOKEN_INVALID_RESPONSE: 'GRAFX_TOKEN_INVALID_RESPONSE',
  /** The login server did not answer within `timeoutMs`. */
  TOKEN_TIMEOUT: 'GRAFX_TOKEN_TIMEOUT',
  /** The login server could not be reached (connection refused, reset, DNS failure). */
  TOKEN_UNREACHABLE: 'GRAFX_TOKEN_UNREACHABLE',
  /**
   * The token request waited `tokenRequests.queueTimeoutMs` for its turn (other token requests of this client held
   * every place at the login server, or all were paused after a 429) and was never sent (503, with Retry-After).
   */
  TOKEN_QUEUE_TIMEOUT: 'GRAFX_TOKEN_QUEUE_TIMEOUT',
  /** The proxy refused to forward the request: its answer to CONNECT was not 2xx (403, 407, 502...) (502). */
  PROXY_REFUSED: 'GRAFX_PROXY_REFUSED',
  /** The proxy could not be reached, or closed the connection before it answered (502). */
  PROXY_UNREACHABLE: 'GRAFX_PROXY_UNREACHABLE',
  /** The token route was asked for an integration not marked `browser: true` (403). */
  INTEGRATION_NOT_FOR_BROWSER: 'GRAFX_INTEGRATION_NOT_FOR_BROWSER',
  /** The token route's `authorize(req)` refused the request (403). */
  TOKEN_ROUTE_FORBIDDEN: 'GRAFX_TOKEN_ROUTE_FORBIDDEN',
  /** The client was closed (`client.close()`): it hands out no token any more (503). */
  CLIENT_CLOSED: 'GRAFX_CLIENT_CLOSED',
  /** The token route was called with a method other than GET (405, `Allow: GET`). */
  METHOD_NOT_ALLOWED: 'GRAFX_METHOD_NOT_ALLOWED',
  /** `req.grafx` was read on a route that is not behind `grafxAuth()` (500): a mistake in the app's routing. */
  MIDDLEWARE_MISSING: 'GRAFX_MIDDLEWARE_MISSING',
  /** `paginate()`: a page was not `{ data: [...] }`, or its next-page link led back to a page already fetched (502). */
  LIST_INVALID_RESPONSE: 'GRAFX_LIST_INVALID_RESPONSE',
  /** `paginate()`: the listing waited for the API longer than its `timeoutMs`, all pages together (504). */
  LIST_TIMEOUT: 'GRAFX_LIST_TIMEOUT',
  /**
   * A next-page, task or download link points outside the environment API (another origin or base path), carries a
   * user name or password, or is too long (502).
   */
  LINK_REFUSED: 'GRAFX_LINK_REFUSED',
  /** `generateOutput()` was given a format other than pdf, png, jpg, gif, mp4, html (400). */
  OUTPUT_FORMAT_INVALID: 'GRAFX_OUTPUT_FORMAT_INVALID',
  /** An output task's answer was not usable: no `taskId`, no `links.download`, an unexpected status (502). */
  TASK_INVALID_RESPONSE: 'GRAFX_TASK_INVALID_RESPONSE',
  /** The output task failed on the platform (its 500 answer); `problem` holds its `title`, `detail`, `traceId` (502). */
  TASK_FAILED: 'GRAFX_TASK_FAILED',
  /** The task did not finish within `timeoutMs`; `taskId` says which one, to look again later (504). */
  TASK_TIMEOUT: 'GRAFX_TASK_TIMEOUT',
  /**
   * An API answer read into memory (any `responseType` but `'stream'`) was larger than `apiMaxResponseBytes` (or the
   * request's own `maxContentLength`), as received or once decompressed: the read was stopped there (502).
   */
  API_RESPONSE_TOO_LARGE: 'GRAFX_API_RESPONSE_TOO_LARGE',
  /**
   * A download (a finished output's `links.download`) is no longer available: the platform keeps finished outputs
   * about 4 hours. Start the output again (410).
   */
  DOWNLOAD_EXPIRED: 'GRAFX_DOWNLOAD_EXPIRED',
  /** A detail health route (`grafxHealthHandler(client, { detail: true })`) got a bad `limit` or `offset` (400). */
  HEALTH_QUERY_INVALID: 'GRAFX_HEALTH_QUERY_INVALID',
} as const;

export type GrafxErrorCode = (typeof GRAFX_ERROR_CODES)[keyof typeof GRAFX_ERROR_CODES];

export interface GrafxAuthErrorOptions {
  /** The HTTP status an Express error handler should answer with. */
  status: number;
  /** The integration key the failure concerns, when there is one. */
  integration?: string;
  /** Seconds the caller should wait before trying again (rate limiting, backoff). */
  retryAfter?: number;
  /** Response headers that go with the error (e.g. `allow`); `retry-after` is added from `retryAfter`. */
  headers?: Record<string, string>;
  /** The underlying failure, already stripped of anything secret. */
  cause?: unknown;
}

/**
 * A failure of express-grafx-auth itself. It never carries the client secret, an access token or
 * the raw HTTP exchange of the token request, so logging it (or `JSON.stringify` of it) is safe.
 */
const ERROR_BRAND = Symbol.for('express-grafx-auth.error');

export class GrafxAuthError extends Error {
  /** `instanceof` also recognises an error from the other module format's copy of this package (CJS and ESM). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ERROR_BRAND] === true;
  }

  override readonly name = 'GrafxAuthError';
  readonly code: GrafxErrorCode;
  /** HTTP status for the response (`next(err)` handlers and Express's default handler read it). */
  readonly status: number;
  /** Alias of `status`, read by some error handlers. */
  readonly statusCode: number;
  readonly integration: string | undefined;
  /** Seconds to wait before trying again, when the failure says so. */
  readonly retryAfter: number | undefined;
  /** Headers an error handler may send with the response (`Retry-After` when known). */
  readonly headers: Record<string, string>;

  constructor(code: GrafxErrorCode, message: string, options: GrafxAuthErrorOptions) {
    super(withDocsLink(code, message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.statusCode = options.status;
    this.integration = options.integration;
    this.retryAfter = options.retryAfter;
    Object.defineProperty(this, ERROR_BRAND, { value: true });
    this.headers = { ...options.headers };
    if (options.retryAfter !== undefined) this.headers['retry-after'] = String(options.retryAfter);
  }

  /** The section of the errors reference about this error's code: its cause and its fix. */
  get docs(): string {
    return errorDocsURL(this.code);
  }

  /** A fresh copy (own stack) for another caller, so callers never share one mutable error object. */
  copy(retryAfter?: number): GrafxAuthError {
    return new GrafxAuthError(this.code, this.message, {
      status: this.status,
      integration: this.integration,
      retryAfter: retryAfter ?? this.retryAfter,
      headers: this.headers,
      cause: this.cause,
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      message: this.message,
      integration: this.integration,
      retryAfter: this.retryAfter,
    };
  }
}

/**
 * A configuration error's message ends with the link to its section of the errors reference (once: a copy keeps
 * it), the way express-rate-limit's validation errors do; other messages stay as they are (`err.docs` has the link).
 */
function withDocsLink(code: GrafxErrorCode, message: string): string {
  if (code !== GRAFX_ERROR_CODES.CONFIG_INVALID) return message;
  const link = errorDocsURL(code);
  return message.includes(link) ? message : `${message} (see ${link})`;
}

export function configError(message: string): GrafxAuthError {
  return new GrafxAuthError(GRAFX_ERROR_CODES.CONFIG_INVALID, `express-grafx-auth: ${message}`, { status: 500 });
}

export function clientClosedError(integration?: string): GrafxAuthError {
  return new GrafxAuthError(GRAFX_ERROR_CODES.CLIENT_CLOSED, 'The GraFx client is closed', {
    status: 503,
    integration,
  });
}

/** Whether `value` is a GrafxAuthError (also one from the other module format's copy of this package). */
export function isGrafxAuthError(value: unknown): value is GrafxAuthError {
  return value instanceof GrafxAuthError;
}
