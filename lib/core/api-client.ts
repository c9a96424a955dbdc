// lib/core/api-client.ts
// createApiClient(): an axios instance bound to one environment API that sends the bearer token and retries once on 401.
import axios, {
  type AxiosError,
  type AxiosInstance,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { TokenRecord } from './token-record.js';

/** Told of each request repeated after a 401 (the client's `requestRetried` event). */
export type RetryListener = (event: { integration: string; method: string; path: string }) => void;

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
  onRetry?: RetryListener,
): AxiosInstance {
  const apiOrigin = new URL(apiBaseURL).origin;
  const api = axios.create({ ...defaults, baseURL: apiBaseURL });

  const goesToApi = (config: InternalAxiosRequestConfig): boolean => {
    const url = config.url ?? '';
    if (config.allowAbsoluteUrls !== false && ABSOLUTE_URL.test(url))
      return new URL(url, apiBaseURL).origin === apiOrigin;
    const base = config.baseURL;
    return base === apiBaseURL || (base !== undefined && new URL(base, apiBaseURL).origin === apiOrigin);
  };

  // The header of the last token seen, built once per token rather than once per request.
  let lastRecord: TokenRecord | undefined;
  let lastHeader = '';
  const authorize = (config: InternalAxiosRequestConfig, record: TokenRecord): InternalAxiosRequestConfig => {
    if (record !== lastRecord) {
      lastRecord = record;
      lastHeader = `Bearer ${record.token}`;
    }
    config.headers.set('Authorization', lastHeader);
    return config;
  };
  // Not an async function: with a cached token the config is returned at once, no promise of its own (the warm path);
  // only a request that must wait for a token gets a promise.
  api.interceptors.request.use((config) => {
    if (!goesToApi(config)) {
      config.headers.delete('Authorization');
      return config;
    }
    const found = tokens.get(integration);
    return found instanceof Promise ? found.then((record) => authorize(config, record)) : authorize(config, found);
  });

  api.interceptors.response.use(undefined, async (error: unknown) => {
    if (!axios.isAxiosError(error)) throw error;
    const config = error.config as (InternalAxiosRequestConfig & { [RETRIED]?: true }) | undefined;
    const sent = sentToken(config);
    if (error.response?.status === 401 && config !== undefined && sent !== undefined && !config[RETRIED]) {
      if (isReplayable(config.data)) {
        config[RETRIED] = true;
        onRetry?.({ integration, method: (config.method ?? 'get').toUpperCase(), path: pathOf(config.url) });
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

/** The path of a request URL, without query string or host (for events and logs). */
function pathOf(url: string | undefined): string {
  const path = (url ?? '').replace(/^([a-z][a-z\d+\-.]*:)?\/\/[^/]*/i, '');
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function sentToken(config: InternalAxiosRequestConfig | undefined): string | undefined {
  const header = config?.headers.get('Authorization');
  return typeof header === 'string' && header.startsWith('Bearer ') && header !== REDACTED
    ? header.slice(7)
    : undefined;
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
    if (error.response.config?.headers?.has('Authorization'))
      error.response.config.headers.set('Authorization', REDACTED);
    hide(error.response, 'request');
  }
  return error;
}

function hide(object: object, property: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(object, property);
  if (descriptor?.enumerable) Object.defineProperty(object, property, { ...descriptor, enumerable: false });
}
