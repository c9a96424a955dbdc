// lib/core/token-endpoint.ts
// requestToken(): one OAuth2 client-credentials request to the login server, every failure mapped to a GrafxAuthError.
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { MAX_RETRY_AFTER_SECONDS } from './bounds.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, type GrafxErrorCode, clientClosedError } from './errors.js';

/** What the login server granted. */
export interface GrantedToken {
  accessToken: string;
  /** Lifetime in milliseconds, from `expires_in`. */
  lifetimeMs: number;
  scope: string | undefined;
}

export interface TokenRequest {
  integration: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The HTTP client of the token endpoint: its own axios instance, never the API client's, so no
 * interceptor of the user's can see the client secret.
 */
export class TokenEndpoint {
  private readonly http: AxiosInstance;

  /**
   * @param closing aborts every request in flight when the client closes.
   */
  constructor(
    private readonly tokenURL: string,
    private readonly audience: string,
    private readonly timeoutMs: number,
    private readonly closing: AbortSignal,
  ) {
    this.http = axios.create({
      timeout: timeoutMs,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  /** Asks for a token. Resolves with the grant, or rejects with a GrafxAuthError that holds no secret. */
  async request({ integration, clientId, clientSecret }: TokenRequest): Promise<GrantedToken> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      audience: this.audience,
      client_id: clientId,
      client_secret: clientSecret,
    }).toString();
    if (this.closing.aborted) throw clientClosedError(integration);
    let response: AxiosResponse<unknown>;
    try {
      const signal = AbortSignal.any([this.closing, AbortSignal.timeout(this.timeoutMs)]);
      response = await this.http.post(this.tokenURL, form, { signal });
    } catch (error) {
      if (this.closing.aborted) throw clientClosedError(integration);
      throw this.networkError(integration, error);
    }
    return parseTokenResponse(integration, response, clientSecret);
  }

  private networkError(integration: string, error: unknown): GrafxAuthError {
    const code = (error as { code?: unknown }).code;
    const name = (error as { name?: unknown }).name;
    const timedOut =
      code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED' || name === 'CanceledError';
    // Only the error code and a fixed message travel on: axios errors hold the request config, form body included.
    const cause = new Error(typeof code === 'string' ? code : 'network error');
    if (timedOut) {
      return new GrafxAuthError(
        GRAFX_ERROR_CODES.TOKEN_TIMEOUT,
        `The GraFx login server did not answer within ${this.timeoutMs} ms`,
        { status: 504, integration, cause },
      );
    }
    return new GrafxAuthError(
      GRAFX_ERROR_CODES.TOKEN_UNREACHABLE,
      `The GraFx login server could not be reached (${typeof code === 'string' ? code : 'network error'})`,
      { status: 502, integration, cause },
    );
  }
}

function parseTokenResponse(integration: string, response: AxiosResponse<unknown>, secret: string): GrantedToken {
  const { status } = response;
  const body = parseJson(response.data);
  const oauthError = describeOAuthError(body, secret);
  const fail = (code: GrafxErrorCode, message: string, httpStatus: number, retryAfter?: number): GrafxAuthError =>
    new GrafxAuthError(code, message, { status: httpStatus, integration, retryAfter });

  if (status === 429) {
    const retryAfter = retryAfterSeconds(response.headers as Record<string, unknown>);
    throw fail(
      GRAFX_ERROR_CODES.TOKEN_RATE_LIMITED,
      `The GraFx login server rate-limited the token request${retryAfter === undefined ? '' : `; retry after ${retryAfter} s`}`,
      503,
      retryAfter,
    );
  }
  if (status >= 400 && status < 500) {
    throw fail(
      GRAFX_ERROR_CODES.CREDENTIALS_REJECTED,
      `The GraFx login server rejected the client credentials of integration "${integration}" (HTTP ${status}${oauthError})`,
      502,
    );
  }
  if (status >= 500) {
    throw fail(
      GRAFX_ERROR_CODES.TOKEN_SERVER_ERROR,
      `The GraFx login server failed (HTTP ${status}${oauthError})`,
      502,
    );
  }
  if (status !== 200) {
    throw fail(GRAFX_ERROR_CODES.TOKEN_INVALID_RESPONSE, `The GraFx login server answered HTTP ${status}`, 502);
  }
  if (typeof body !== 'object' || body === null) {
    throw fail(
      GRAFX_ERROR_CODES.TOKEN_INVALID_RESPONSE,
      'The GraFx login server answered with something other than JSON',
      502,
    );
  }
  const { access_token: accessToken, expires_in: expiresIn, scope } = body as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw fail(
      GRAFX_ERROR_CODES.TOKEN_INVALID_RESPONSE,
      'The GraFx login server answered without an access_token',
      502,
    );
  }
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw fail(
      GRAFX_ERROR_CODES.TOKEN_INVALID_RESPONSE,
      'The GraFx login server answered without a valid expires_in',
      502,
    );
  }
  return { accessToken, lifetimeMs: Math.round(seconds * 1000), scope: typeof scope === 'string' ? scope : undefined };
}

function parseJson(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

/** `: error_code: description` of an OAuth error body, secret-proofed, or ''. */
function describeOAuthError(body: unknown, secret: string): string {
  if (typeof body !== 'object' || body === null) return '';
  const { error, error_description: description } = body as Record<string, unknown>;
  if (typeof error !== 'string') return '';
  const text = typeof description === 'string' ? `${error}: ${description}` : error;
  return `: ${text.slice(0, 200).split(secret).join('[redacted]')}`;
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
