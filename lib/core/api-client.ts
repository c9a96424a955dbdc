// lib/core/api-client.ts
// createApiClient(): an axios instance bound to one environment API that sends the bearer token and retries once on 401.
import axios, {
  type AxiosInstance,
  type AxiosRequestConfig,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
} from 'axios';
import { REDACTED_AUTHORIZATION, scrubApiError } from './api-error-scrubber.js';
import { DEFAULT_REJECTION_RENEWAL_INTERVAL_MS } from './options.js';
import { RejectionGuard } from './rejection-guard.js';
import type { ApiRejectsFreshTokensEvent, RequestRetriedEvent } from './telemetry.js';
import type { TokenRecord } from './token-record.js';

/** What the API client tells (the client's Telemetry satisfies it): retries, refused and accepted tokens. */
export interface ApiClientEvents {
  requestRetried(event: RequestRetriedEvent): void;
  /** The API refused a fresh token; `event` only for the first refusal since the last renewal. */
  tokenRefused(integration: string, now: number, event?: ApiRejectsFreshTokensEvent): void;
  /** The API accepted a request again after refusing fresh tokens. */
  tokenAccepted(integration: string): void;
}

/** Where the API client gets its tokens: the core's TokenCache satisfies it. */
export interface TokenSource {
  get(integration: string): TokenRecord | Promise<TokenRecord>;
  renewAfterRejection(integration: string, failedToken: string): Promise<TokenRecord>;
}

export interface ApiClientSettings {
  /** axios defaults of the instance (its `baseURL` is always `apiBaseURL`). */
  defaults?: CreateAxiosDefaults;
  events?: ApiClientEvents;
  /** @default Date.now */
  clock?: () => number;
  /** At most one token request caused by a 401 per this many milliseconds. @default 30000 */
  rejectionRenewalIntervalMs?: number;
}

/** Marks a request already repeated after a 401 (a string key: axios's mergeConfig drops symbols). */
const RETRIED = '__grafxRetriedAfter401';
/** axios's own test for an absolute URL (protocol-relative `//host` included). */
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

type MarkedConfig = InternalAxiosRequestConfig & { [RETRIED]?: true };
type BeforeRedirect = NonNullable<AxiosRequestConfig['beforeRedirect']>;
/** Marks the package's redirect hooks (so a retried request is not wrapped twice). */
const GUARDS_REDIRECTS = Symbol('express-grafx-auth.guardsRedirects');
type GuardedHook = BeforeRedirect & { [GUARDS_REDIRECTS]?: true };
/** What an answer's request shows of the URLs it went through: follow-redirects' (http adapter), or XHR's. */
interface AnsweredRequest {
  res?: { responseUrl?: unknown; redirects?: unknown };
  responseURL?: unknown;
}

/**
 * An axios instance whose base URL is `apiBaseURL`. Requests to that origin carry `Authorization: Bearer <token>`
 * (never requests to another origin, nor a redirect away from it); a 401 from the API renews the token (if no one
 * else did) and repeats the request once, unless the login server hands back the very token refused, or a 401
 * already caused a token request within `rejectionRenewalIntervalMs`: then the 401 is handed back. Errors it rejects
 * with keep `response.status` and `response.data` but not the token, in no property, hidden ones included.
 */
export function createApiClient(
  integration: string,
  apiBaseURL: string,
  tokens: TokenSource,
  settings: ApiClientSettings = {},
): AxiosInstance {
  const { events, clock = Date.now } = settings;
  const apiOrigin = new URL(apiBaseURL).origin;
  const api = axios.create({ ...settings.defaults, baseURL: apiBaseURL });
  const guard = new RejectionGuard(settings.rejectionRenewalIntervalMs ?? DEFAULT_REJECTION_RENEWAL_INTERVAL_MS, clock);

  const goesToApi = (config: InternalAxiosRequestConfig): boolean => {
    const url = config.url ?? '';
    if (config.allowAbsoluteUrls !== false && ABSOLUTE_URL.test(url))
      return new URL(url, apiBaseURL).origin === apiOrigin;
    const base = config.baseURL;
    return base === apiBaseURL || (base !== undefined && new URL(base, apiBaseURL).origin === apiOrigin);
  };

  // A redirect hook that drops the token when a redirect leaves the API origin: one per instance (no allocation per
  // request); a request with a hook of the app's own gets a wrapper that calls the app's first, then ours.
  const stripTokenOffApi: BeforeRedirect = (options) => {
    if (originOf(options.href) === apiOrigin) return;
    const headers = options.headers as Record<string, unknown> | undefined;
    for (const name of Object.keys(headers ?? {})) {
      if (name.toLowerCase() === 'authorization') delete headers?.[name];
    }
  };
  const appDefaultHook = settings.defaults?.beforeRedirect;
  const instanceHook = appDefaultHook === undefined ? stripTokenOffApi : chainHooks(appDefaultHook, stripTokenOffApi);
  api.defaults.beforeRedirect = instanceHook;
  const guardRedirects = (config: InternalAxiosRequestConfig): void => {
    const hook = config.beforeRedirect as GuardedHook | undefined;
    if (hook === instanceHook || hook?.[GUARDS_REDIRECTS] === true) return;
    config.beforeRedirect = hook === undefined ? instanceHook : chainHooks(hook, stripTokenOffApi);
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
    guardRedirects(config);
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

  /** The token to repeat a request refused with `sent`: a newer one, or undefined when renewing is pointless now. */
  const tokenForRetry = async (sent: string): Promise<TokenRecord | undefined> => {
    const found = tokens.get(integration);
    if (found instanceof Promise) return found; // the cache lost it meanwhile: fetched (or joined) as any request would
    if (found.token !== sent) return found; // someone renewed it already: no token request
    return guard.renew(sent, () => tokens.renewAfterRejection(integration, sent));
  };

  const refused = (config: MarkedConfig, sameToken: boolean): void => {
    const event: ApiRejectsFreshTokensEvent | undefined = guard.refused()
      ? {
          integration,
          method: methodOf(config),
          path: pathOf(config.url),
          sameToken,
          nextRenewalAt: new Date(guard.nextRenewalAt),
        }
      : undefined;
    events?.tokenRefused(integration, clock(), event);
  };

  const accepted = (response: AxiosResponse): AxiosResponse => {
    if (guard.rejecting) {
      const config = response.config as MarkedConfig;
      if (!leftApi(response.request, apiOrigin) && sentToken(config) !== undefined && guard.accepted())
        events?.tokenAccepted(integration);
    }
    return response;
  };

  api.interceptors.response.use(accepted, async (error: unknown) => {
    if (!axios.isAxiosError(error)) throw error;
    const config = error.config as MarkedConfig | undefined;
    const sent = sentToken(config);
    // Only the API's own 401 to a request that carried a token says anything about the token.
    if (
      error.response?.status !== 401 ||
      config === undefined ||
      sent === undefined ||
      leftApi(error.request, apiOrigin)
    )
      throw scrubApiError(error, sent);
    if (config[RETRIED] === true) {
      refused(config, false); // the renewed token was refused as well
      throw scrubApiError(error, sent);
    }
    if (!isReplayable(config.data)) throw scrubApiError(error, sent);
    let record: TokenRecord | undefined;
    try {
      record = await tokenForRetry(sent);
    } catch (renewalError) {
      scrubApiError(error, sent);
      throw renewalError;
    }
    if (record === undefined || record.token === sent) {
      // The login server handed back the very token refused, or a 401 renewed it moments ago: repeating is pointless.
      refused(config, record !== undefined);
      throw scrubApiError(error, sent);
    }
    config[RETRIED] = true;
    events?.requestRetried({ integration, method: methodOf(config), path: pathOf(config.url) });
    return api.request(config);
  });

  return api;
}

/** A redirect hook that runs the app's hook, then the package's (marked, so a retried request is not wrapped twice). */
function chainHooks(app: BeforeRedirect, ours: BeforeRedirect): GuardedHook {
  const hook: GuardedHook = (options, response, request) => {
    app(options, response, request);
    ours(options, response, request);
  };
  hook[GUARDS_REDIRECTS] = true;
  return hook;
}

/** Whether an answer came from (or through) another origin than the API's, after redirects. */
function leftApi(request: unknown, apiOrigin: string): boolean {
  const seen = request as AnsweredRequest | undefined;
  const urls: unknown[] = [seen?.res?.responseUrl, seen?.responseURL];
  const redirects = seen?.res?.redirects;
  if (Array.isArray(redirects)) for (const hop of redirects) urls.push((hop as { url?: unknown } | null)?.url);
  return urls.some((url) => typeof url === 'string' && url !== '' && originOf(url) !== apiOrigin);
}

function originOf(href: unknown): string | undefined {
  try {
    return typeof href === 'string' ? new URL(href).origin : undefined;
  } catch {
    return undefined;
  }
}

function methodOf(config: InternalAxiosRequestConfig): string {
  return (config.method ?? 'get').toUpperCase();
}

/** The path of a request URL, without query string or host (for events and logs). */
function pathOf(url: string | undefined): string {
  const path = (url ?? '').replace(/^([a-z][a-z\d+\-.]*:)?\/\/[^/]*/i, '');
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function sentToken(config: InternalAxiosRequestConfig | undefined): string | undefined {
  const header = config?.headers.get('Authorization');
  return typeof header === 'string' && header.startsWith('Bearer ') && header !== REDACTED_AUTHORIZATION
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
