// lib/core/api-client.ts
// ApiClients: an axios instance per integration, bound to its environment API: bearer token, renewal, one retry on 401.
import axios, {
  type AxiosAdapter,
  type AxiosError,
  type AxiosInstance,
  type AxiosPromise,
  type AxiosRequestConfig,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { goesToApi } from './api-destination.js';
import { REDACTED_AUTHORIZATION, scrubApiError } from './api-error-scrubber.js';
import { apiBaseOf } from './api-link.js';
import { type BeforeRedirect, leftApi, redirectGuard } from './api-redirects.js';
import { axiosFacades, facadeContext, mergeDefaults } from './axios-facade.js';
import { GRAFX_ERROR_CODES, GrafxAuthError } from './errors.js';
import { DEFAULT_API_MAX_RESPONSE_BYTES, DEFAULT_REJECTION_RENEWAL_INTERVAL_MS } from './options.js';
import { pathBelowBase, permissionFor } from './permissions.js';
import { scopeSet } from './scopes.js';
import { RejectionGuard } from './rejection-guard.js';
import type { ApiRetryMessage } from './diagnostics.js';
import type { ApiRejectsFreshTokensEvent, RequestRetriedEvent } from './telemetry.js';
import type { TokenRecord } from './token-record.js';

/**
 * An error of `req.grafx.api`: an AxiosError, and on a 403 whose cause is known (a documented endpoint whose
 * permission the token's scope lacks) the permission missing, e.g. `'template:write'`.
 */
export type GrafxApiError<T = unknown> = AxiosError<T> & { missingPermission?: string };

/** What the API client tells (the client's Telemetry satisfies it): retries, refused and accepted tokens. */
export interface ApiClientEvents {
  requestRetried(event: RequestRetriedEvent): void;
  /** Runs the repeated request under the retry tracing channel and span (when anybody listens). */
  traceRetry<T>(message: ApiRetryMessage, run: () => Promise<T>): Promise<T>;
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
  events?: ApiClientEvents;
  /** @default Date.now */
  clock?: () => number;
  /** At most one token request caused by a 401 per this many milliseconds. @default 30000 */
  rejectionRenewalIntervalMs?: number;
  /** The largest API answer read into memory, in bytes (axios's `maxContentLength` of every request). @default 33554432 */
  maxResponseBytes?: number;
  /** Let requests whose transport options send them elsewhere than their URL carry the token. @default false */
  allowTokenThroughTransport?: boolean;
  /**
   * The client's transport (see transport.ts's axiosTransport): `proxy: false` and the agents that follow the
   * client's proxy rules, CA and agents; put in every integration's defaults.
   */
  transport?: {
    proxy: false;
    httpAgent?: AxiosRequestConfig['httpAgent'];
    httpsAgent?: AxiosRequestConfig['httpsAgent'];
  };
}

// String keys, not symbols: axios's mergeConfig runs twice per request, and symbol keys cost it several percent.
/** The integration whose API client made a request (carried in its defaults, so in every config axios makes). */
const INTEGRATION = '__grafxIntegration';
/** The adapter the app's config named (or axios's default list), which the package's adapter calls. */
const APP_ADAPTER = '__grafxAppAdapter';
/** Marks a request already repeated after a 401. */
const RETRIED = '__grafxRetriedAfter401';
/** Marks a request one of whose redirects left the API's origin (set by its redirect hook). */
const LEFT_API = '__grafxLeftApi';
/** The package's redirect hook of a request, and the app's hook it runs first (kept for a repeated request). */
const OWN_HOOK = '__grafxRedirectGuard';
const APP_HOOK = '__grafxAppRedirectHook';

type MarkedConfig = InternalAxiosRequestConfig & {
  [INTEGRATION]?: IntegrationApi;
  [APP_ADAPTER]?: AxiosRequestConfig['adapter'];
  [RETRIED]?: true;
  [LEFT_API]?: true;
  [OWN_HOOK]?: BeforeRedirect;
  [APP_HOOK]?: BeforeRedirect;
};

/**
 * The API clients of one GrafxClient: one AxiosInstance per integration, each a light facade (see axiosFacades) over
 * one shared axios core whose interceptors serve every integration. Requests to the integration's API origin carry
 * `Authorization: Bearer <token>` (never requests to another origin, nor a redirect away from it); a 401 from the API
 * renews the token (if no one else did) and repeats the request once, unless the login server hands back the very
 * token refused, or a 401 already caused a token request within `rejectionRenewalIntervalMs`: then the 401 is handed
 * back. Errors it rejects with keep `response.status` and `response.data` but not the token, in no property, hidden
 * ones included.
 */
export class ApiClients {
  readonly #shared: SharedSettings;

  constructor(tokens: TokenSource, settings: ApiClientSettings = {}) {
    const maxResponseBytes = settings.maxResponseBytes ?? DEFAULT_API_MAX_RESPONSE_BYTES;
    // axios's defaults as they were when the client was made, shared (never written) by every integration's: a copy
    // with fast properties (axios's merge makes a null-prototype object), spread for each request's defaults.
    const axiosDefaults = { ...mergeDefaults(axios.defaults, {}) };
    this.#shared = {
      tokens,
      events: settings.events,
      clock: settings.clock ?? Date.now,
      rejectionRenewalIntervalMs: settings.rejectionRenewalIntervalMs ?? DEFAULT_REJECTION_RENEWAL_INTERVAL_MS,
      allowTokenThroughTransport: settings.allowTokenThroughTransport === true,
      maxResponseBytes,
      axiosAdapter: axiosDefaults.adapter,
      // What every integration's defaults hold besides its base URL and state: the transport (proxy off, the
      // client's agents), the package's adapter, the cap of answers read into memory.
      commonDefaults: {
        ...axiosDefaults,
        ...settings.transport,
        adapter: packageAdapter,
        maxContentLength: maxResponseBytes,
        // Each integration's own, set in its copy (see requestDefaults): keys the copy already has are stored fast.
        baseURL: undefined,
        [INTEGRATION]: undefined,
      },
      defaultsOf: undefined,
      defaults: undefined,
      lastRecord: undefined,
      lastHeader: '',
    };
  }

  /**
   * The API client of `integration`: an AxiosInstance whose base URL is `apiBaseURL`, whose answers read into memory
   * are bounded (`maxContentLength`). Its defaults name the package's adapter, so that a request the app did not give
   * an adapter of its own needs no change on its way (the defaults the app reads, once it reads them, show axios's
   * own instead: see `ownDefaults`).
   */
  create(integration: string, apiBaseURL: string): AxiosInstance {
    const state = new IntegrationApi(integration, apiBaseURL, this.#shared);
    return state.bind(FACADES.facadeOf(state));
  }

  /**
   * The API refused `token` to someone outside this process (a browser that got it from the token route): a renewed
   * token, under the same per-integration limit as the API client's own renewals after a 401 (one token request per
   * `rejectionRenewalIntervalMs`, shared with them); the cached token when the limit allows none now, or when
   * `token` is no longer the cached one.
   */
  renewRefused(api: AxiosInstance, token: string): Promise<TokenRecord> {
    const state = facadeContext(api);
    if (!(state instanceof IntegrationApi) || !state.sharesSettings(this.#shared))
      throw new TypeError('renewRefused(): not an API client of this GrafxClient');
    return state.renewRefused(token);
  }
}

interface SharedSettings {
  readonly tokens: TokenSource;
  readonly events: ApiClientEvents | undefined;
  readonly clock: () => number;
  readonly rejectionRenewalIntervalMs: number;
  readonly allowTokenThroughTransport: boolean;
  /** The cap of answers read into memory (the defaults' `maxContentLength`). */
  readonly maxResponseBytes: number;
  /** axios's adapter list when the client was made (what the app sees in its defaults instead of the package's). */
  readonly axiosAdapter: AxiosRequestConfig['adapter'];
  /** The defaults of every integration but `baseURL` and the integration itself. */
  readonly commonDefaults: Record<string, unknown>;
  /** The defaults made last, and for which integration: the reads of one request (axios reads them up to 4 times). */
  defaultsOf: IntegrationApi | undefined;
  defaults: AxiosInstance['defaults'] | undefined;
  /**
   * The header of the last token sent, built once per token rather than once per request; one for all integrations
   * (one per integration would keep a second copy of each token once the header is flattened on its way out).
   */
  lastRecord: TokenRecord | undefined;
  lastHeader: string;
}

/** The request interceptor: hands the request to the package's adapter, keeping the app's adapter for it to call. */
function routeThroughPackage(config: MarkedConfig): MarkedConfig {
  if (config[INTEGRATION] !== undefined && config.adapter !== packageAdapter) {
    config[APP_ADAPTER] = config.adapter;
    config.adapter = packageAdapter;
  }
  return config;
}

/**
 * The adapter of every API client: it sees the request as it goes out (after the app's interceptors and axios's
 * transforms), adds the token when it goes to the API's origin (waiting only when there is no usable token), and
 * calls the app's adapter.
 */
const packageAdapter: AxiosAdapter = (config) => {
  const marked = config as MarkedConfig;
  const adapter = axios.getAdapter(marked[APP_ADAPTER] ?? axios.defaults.adapter, config);
  const integration = marked[INTEGRATION];
  return integration === undefined ? adapter(config) : integration.send(marked, adapter);
};

function accepted(response: AxiosResponse): AxiosResponse {
  (response.config as MarkedConfig | undefined)?.[INTEGRATION]?.accepted(response);
  return response;
}

function rejected(error: unknown): Promise<AxiosResponse> {
  if (!axios.isAxiosError(error)) return Promise.reject(error);
  const config = error.config as MarkedConfig | undefined;
  const integration = config?.[INTEGRATION];
  if (config === undefined || integration === undefined) return Promise.reject(scrubApiError(error, sentToken(config)));
  return integration.rejected(error, config);
}

/** The interceptors of the package's core, or a set for an API client whose interceptors the app asked for. */
function packageInterceptors(): AxiosInstance['interceptors'] {
  const made = new axios.Axios({}).interceptors;
  // Synchronous: with no interceptor of the app's, axios then runs a request as it does with no interceptor.
  made.request.use(routeThroughPackage, undefined, { synchronous: true });
  made.response.use(accepted, rejected);
  return made;
}

/**
 * One axios core for every API client of the process: its interceptors dispatch by the integration a request's config
 * names (its defaults' INTEGRATION), whose GrafxClient's settings it carries.
 */
const FACADES = axiosFacades({
  interceptors: packageInterceptors(),
  ownInterceptors: packageInterceptors,
  privateKeys: [INTEGRATION],
  // Made when a request reads them, not kept: an integration's client costs nothing for its defaults.
  defaultsOf: (context) => (context as IntegrationApi).requestDefaults(),
  // What the app sees and sets: axios's adapter list, as on any instance; the request interceptor puts the package's
  // adapter in front of whatever the app sets there (and the adapter a redirect hook in each request).
  ownDefaults: (defaults) => ({
    ...defaults,
    adapter:
      defaults.adapter === packageAdapter
        ? (defaults as unknown as MarkedConfig)[INTEGRATION]?.axiosAdapter
        : defaults.adapter,
  }),
});

/**
 * What one integration's API client holds: its origin, the header of its last token, its 401 limit and redirect hook
 * (made on first need). Only private fields: what reaches a request config (and so an error) shows nothing of them.
 */
class IntegrationApi extends FACADES.Context {
  readonly #key: string;
  readonly #apiBaseURL: string;
  /** The API base without a trailing slash, and its origin (parts of `apiBaseURL` when it is written so: no copies). */
  readonly #apiHref: string;
  readonly #apiOrigin: string;
  readonly #shared: SharedSettings;
  #api: AxiosInstance | undefined;
  #guard: RejectionGuard | undefined;

  constructor(key: string, apiBaseURL: string, shared: SharedSettings) {
    super();
    this.#key = key;
    this.#apiBaseURL = apiBaseURL;
    const { href, origin } = apiBaseOf(apiBaseURL);
    this.#apiHref = href === apiBaseURL ? apiBaseURL : href;
    this.#apiOrigin = apiBaseURL.startsWith(origin) ? apiBaseURL.slice(0, origin.length) : origin;
    this.#shared = shared;
  }

  /** The base URL its defaults name (as configured). */
  get apiBaseURL(): string {
    return this.#apiBaseURL;
  }

  /** axios's adapter list when its GrafxClient was made. */
  get axiosAdapter(): AxiosRequestConfig['adapter'] {
    return this.#shared.axiosAdapter;
  }

  /** Its defaults for a request (see FacadeCore.defaultsOf): made from the client's common ones, the last kept. */
  requestDefaults(): AxiosInstance['defaults'] {
    const shared = this.#shared;
    if (shared.defaultsOf !== this || shared.defaults === undefined) {
      // A copy whose keys are all the common defaults' (V8 copies them as they are), then two of them set: a copy
      // given a key of its own (`{ ...common, [INTEGRATION]: this }`) costs about 2 µs, this about 0.1.
      const defaults = { ...shared.commonDefaults };
      defaults.baseURL = this.#apiBaseURL;
      defaults[INTEGRATION] = this;
      shared.defaults = defaults as unknown as AxiosInstance['defaults'];
      shared.defaultsOf = this;
    }
    return shared.defaults;
  }

  /** Whether this state belongs to the API clients of `shared` (one GrafxClient). */
  sharesSettings(shared: SharedSettings): boolean {
    return this.#shared === shared;
  }

  /** Ties this state to its API client (through which a refused request is repeated). */
  bind(api: AxiosInstance): AxiosInstance {
    this.#api = api;
    return api;
  }

  /** Sends a request with the app's adapter, with the token when it goes to the API's origin. */
  send(config: MarkedConfig, adapter: AxiosAdapter): AxiosPromise {
    // The cap is for answers read into memory: a stream is read by the app at its pace (unless it set a cap itself).
    if (config.responseType === 'stream' && config.maxContentLength === this.#shared.maxResponseBytes)
      config.maxContentLength = -1;
    if (!goesToApi(config, this.#apiOrigin, this.#apiHref, this.#shared.allowTokenThroughTransport)) {
      config.headers.delete('Authorization');
      return adapter(config);
    }
    // With a cached token, no promise of its own (the warm path); only a request that must wait for a token gets one.
    const found = this.#shared.tokens.get(this.#key);
    return found instanceof Promise
      ? found.then((record) => adapter(this.#authorize(config, record)))
      : adapter(this.#authorize(config, found));
  }

  accepted(response: AxiosResponse): void {
    const guard = this.#guard;
    if (guard?.rejecting !== true) return;
    const config = response.config as MarkedConfig;
    if (!this.#left(config, response.request) && sentToken(config) !== undefined && guard.accepted())
      this.#shared.events?.tokenAccepted(this.#key);
  }

  async rejected(error: AxiosError, config: MarkedConfig): Promise<AxiosResponse> {
    const sent = sentToken(config);
    if (isTooLarge(error)) throw this.#tooLarge(scrubApiError(error, sent), config);
    if (error.response?.status === 403 && sent !== undefined && !this.#left(config, error.request))
      this.#nameMissingPermission(error, config, sent);
    // Only the API's own 401 to a request that carried a token and never left the API says anything about the token.
    if (error.response?.status !== 401 || sent === undefined || this.#left(config, error.request))
      throw scrubApiError(error, sent);
    if (config[RETRIED] === true) {
      this.#refused(config, false); // the renewed token was refused as well
      throw scrubApiError(error, sent);
    }
    if (!isReplayable(config.data)) throw scrubApiError(error, sent);
    let record: TokenRecord | undefined;
    try {
      record = await this.#tokenForRetry(sent);
    } catch (renewalError) {
      scrubApiError(error, sent);
      throw renewalError;
    }
    if (record === undefined || record.token === sent) {
      // The login server handed back the very token refused, or a 401 renewed it moments ago: repeating is pointless.
      this.#refused(config, record !== undefined);
      throw scrubApiError(error, sent);
    }
    config[RETRIED] = true;
    const retry = { integration: this.#key, method: methodOf(config), path: pathOf(config.url) };
    const events = this.#shared.events;
    events?.requestRetried(retry);
    const api = this.#api;
    if (api === undefined) throw scrubApiError(error, sent);
    return events === undefined ? api(config) : events.traceRetry({ ...retry, resendCount: 1 }, () => api(config));
  }

  /** Whether a request left the API's origin on its way: marked by its redirect hook, or shown by its answer. */
  #left(config: MarkedConfig, request: unknown): boolean {
    return config[LEFT_API] === true || leftApi(request, this.#apiOrigin);
  }

  #tooLarge(error: AxiosError, config: MarkedConfig): GrafxAuthError {
    const limit = typeof config.maxContentLength === 'number' ? config.maxContentLength : 'the limit';
    return new GrafxAuthError(
      GRAFX_ERROR_CODES.API_RESPONSE_TOO_LARGE,
      `The API's answer to ${methodOf(config)} ${pathOf(config.url)} is larger than ${limit} bytes ` +
        "(`apiMaxResponseBytes`, or the request's `maxContentLength`): it was not read further",
      { status: 502, integration: this.#key, cause: error },
    );
  }

  /**
   * A 403 to a call whose permission the table knows and the refused token's scope lacks: the error says which
   * (`missingPermission`, and in its message). Calls the table does not know, and tokens without a scope, stay as
   * they were. Only on the error path: nothing of this runs for an answered request.
   */
  #nameMissingPermission(error: AxiosError, config: MarkedConfig, sent: string): void {
    const last = this.#shared.lastRecord;
    const found = last?.integration === this.#key && last.token === sent ? last : this.#shared.tokens.get(this.#key);
    if (found instanceof Promise || found?.token !== sent) return;
    const scopes = scopeSet(found.scope);
    if (scopes.size === 0) return;
    const method = methodOf(config);
    const path = pathBelowBase(this.#apiHref, config.url, config.baseURL);
    const permission = path === undefined ? undefined : permissionFor(method, path);
    if (permission === undefined || scopes.has(permission)) return;
    (error as GrafxApiError).missingPermission = permission;
    error.message =
      `${error.message}: the token lacks the permission "${permission}" that ${method} ${pathOf(path)} needs ` +
      "(add it on the integration's Permissions tab in the GraFx platform)";
  }

  #authorize(config: MarkedConfig, record: TokenRecord): InternalAxiosRequestConfig {
    const shared = this.#shared;
    if (record !== shared.lastRecord) {
      shared.lastRecord = record;
      shared.lastHeader = `Bearer ${record.token}`;
    }
    config.headers.set('Authorization', shared.lastHeader);
    this.#guardRedirects(config);
    return config;
  }

  /**
   * The request's own redirect hook (after any of the app's): a hop away from the API's origin loses the token and
   * marks the request, whose 401 then renews nothing (a repeated request gets a new hook, around the same app hook).
   */
  #guardRedirects(config: MarkedConfig): void {
    const hook = config.beforeRedirect;
    const app = hook !== undefined && hook === config[OWN_HOOK] ? config[APP_HOOK] : hook;
    const guard = redirectGuard(this.#apiOrigin, app, () => {
      config[LEFT_API] = true;
    });
    config[APP_HOOK] = app;
    config[OWN_HOOK] = guard;
    config.beforeRedirect = guard;
  }

  #guardOf(): RejectionGuard {
    this.#guard ??= new RejectionGuard(this.#shared.rejectionRenewalIntervalMs, this.#shared.clock);
    return this.#guard;
  }

  /** See ApiClients.renewRefused. */
  async renewRefused(refused: string): Promise<TokenRecord> {
    const renewed = await this.#tokenForRetry(refused);
    if (renewed !== undefined) return renewed;
    const found = this.#shared.tokens.get(this.#key);
    return found instanceof Promise ? found : Promise.resolve(found);
  }

  /** The token to repeat a request refused with `sent`: a newer one, or undefined when renewing is pointless now. */
  async #tokenForRetry(sent: string): Promise<TokenRecord | undefined> {
    const { tokens } = this.#shared;
    const found = tokens.get(this.#key);
    if (found instanceof Promise) return found; // the cache lost it meanwhile: fetched (or joined) as any request would
    if (found.token !== sent) return found; // someone renewed it already: no token request
    return this.#guardOf().renew(sent, () => tokens.renewAfterRejection(this.#key, sent));
  }

  #refused(config: MarkedConfig, sameToken: boolean): void {
    const guard = this.#guardOf();
    const event: ApiRejectsFreshTokensEvent | undefined = guard.refused()
      ? {
          integration: this.#key,
          method: methodOf(config),
          path: pathOf(config.url),
          sameToken,
          nextRenewalAt: new Date(guard.nextRenewalAt),
        }
      : undefined;
    this.#shared.events?.tokenRefused(this.#key, this.#shared.clock(), event);
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

/** axios's error for an answer past `maxContentLength` (its http and fetch adapters stop reading there). */
function isTooLarge(error: AxiosError): boolean {
  return error.code === 'ERR_BAD_RESPONSE' && /^maxContentLength size of -?\d+ exceeded$/.test(error.message);
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
