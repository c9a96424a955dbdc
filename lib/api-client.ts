// lib/api-client.ts
// createApiClient(): an axios instance bound to one environment API that sends the bearer token and retries once on 401.
import axios, { type AxiosError, type AxiosInstance, type CreateAxiosDefaults, type InternalAxiosRequestConfig } from 'axios';
import type { TokenRecord } from './token-cache.js';

/** Where the API client gets its tokens: the core's TokenCache satisfies it. */
export interface TokenSource {
  get(integration: string): TokenRecord | Promise<TokenRecord>;
  renewAfterRejection(integration: string, failedToken: string): Promise<TokenRecord>;
}

/** Marks a request already repeated after a 401 (a string key: axios's mergeConfig drops symbols). */
const RETRIED = '__grafxRetriedAfter401';
const REDACTED = 'Bearer [redacted]';
/** axios's own test for an absolute URL (protocol-relative `//host` included). */
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * An axios instance whose base URL is `apiBaseURL`. Requests to that origin carry `Authorization: Bearer <token>`
 * (never requests to another origin); a 401 renews the token (if no one else did) and repeats the request once.
 * Errors it rejects with keep `response.status` and `response.data` but not the token.
 */
export function createApiClient(
  integration: string,
  apiBaseURL: string,
  tokens: TokenSource,
  defaults: CreateAxiosDefaults = {},
): AxiosInstance {
  const apiOrigin = new URL(apiBaseURL).origin;
  const api = axios.create({ ...defaults, baseURL: apiBaseURL });

  const goesToApi = (config: InternalAxiosRequestConfig): boolean => {
    const url = config.url ?? '';
    if (config.allowAbsoluteUrls !== false && ABSOLUTE_URL.test(url)) return new URL(url, apiBaseURL).origin === apiOrigin;
    const base = config.baseURL;
    return base === apiBaseURL || (base !== undefined && new URL(base, apiBaseURL).origin === apiOrigin);
  };

  api.interceptors.request.use(async (config) => {
    if (!goesToApi(config)) {
      config.headers.delete('Authorization');
      return config;
    }
    const found = tokens.get(integration);
    const record = found instanceof Promise ? await found : found;
    config.headers.set('Authorization', `Bearer ${record.token}`);
    return config;
  });

  api.interceptors.response.use(undefined, async (error: unknown) => {
    if (!axios.isAxiosError(error)) throw error;
    const config = error.config as (InternalAxiosRequestConfig & { [RETRIED]?: true }) | undefined;
    const sent = sentToken(config);
    if (error.response?.status === 401 && config !== undefined && sent !== undefined && !config[RETRIED]) {
      if (isReplayable(config.data)) {
        config[RETRIED] = true;
        try {
          await tokens.renewAfterRejection(integration, sent);
        } catch (renewalError) {
          redact(error);
          throw renewalError;
        }
        return api.request(config);
      }
    }
    throw redact(error);
  });

  return api;
}

function sentToken(config: InternalAxiosRequestConfig | undefined): string | undefined {
  const header = config?.headers.get('Authorization');
  return typeof header === 'string' && header.startsWith('Bearer ') && header !== REDACTED ? header.slice(7) : undefined;
}

/** Bodies that can be sent again as they were: a stream, once read, cannot. */
export function isReplayable(data: unknown): boolean {
  if (data === undefined || data === null || typeof data === 'string') return true;
  if (Buffer.isBuffer(data) || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return true;
  if (data instanceof URLSearchParams) return true;
  if (typeof data !== 'object') return false;
  const prototype = Object.getPrototypeOf(data) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * Strips the bearer token from an axios error handed to route handlers: the Authorization header is masked and the
 * raw request objects (whose header text holds the token) are made non-enumerable, out of `inspect` and `JSON`.
 */
function redact(error: AxiosError): AxiosError {
  if (error.config?.headers.has('Authorization')) error.config.headers.set('Authorization', REDACTED);
  hide(error, 'request');
  if (error.response !== undefined) {
    if (error.response.config?.headers?.has('Authorization')) error.response.config.headers.set('Authorization', REDACTED);
    hide(error.response, 'request');
  }
  return error;
}

function hide(object: object, property: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(object, property);
  if (descriptor?.enumerable) Object.defineProperty(object, property, { ...descriptor, enumerable: false });
}
