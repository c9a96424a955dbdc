// lib/core/options.ts
// The public options of the client (with their defaults), the resolved configuration, and parseOptions().
import {
  MAX_CACHE_MAX,
  MAX_INTEGRATION_KEY_LENGTH,
  MAX_TIMER_MS,
  MAX_TOKEN_PARAMS,
  MAX_TOKEN_PARAM_LENGTH,
  MAX_TOKEN_REQUESTS_CONCURRENT,
  isIntegerIn,
} from './bounds.js';
import { configError } from './errors.js';
import { checkKnownKeys as refuseUnknownKeys, refuseStandIn } from './option-keys.js';
import type { Logger } from './logger.js';
import type { OpenTelemetrySettings } from './open-telemetry.js';
import { quotedKey } from './redaction.js';
import type { TokenStore } from './token-store.js';
import { type CertificateAuthorities, type Transport, type TransportAgents, parseTransport } from './transport.js';

/**
 * Token requests at the login server at once, at most (per client): a cold start of 1,000 tenants in two round
 * trips (docs/reference/performance.md), few enough not to flood a login server (a 429 halves it for a while).
 */
export const DEFAULT_TOKEN_REQUESTS_MAX_CONCURRENT = 512;
/** How long a token request may wait for its turn (behind the others at the login server) before it fails: 30 s. */
export const DEFAULT_TOKEN_QUEUE_TIMEOUT_MS = 30_000;

/** The key of the integration given by top-level `clientId` / `clientSecret` / `environment`. */
export const DEFAULT_INTEGRATION = 'default';

/** The platform's login endpoint (OAuth2 client-credentials grant). */
export const DEFAULT_TOKEN_URL = 'https://integration-login.chiligrafx.com/oauth/token';
export const DEFAULT_AUDIENCE = 'https://chiligrafx.com';
export const DEFAULT_CACHE_MAX = 100;
/** Five minutes: well inside the hour before expiry in which the login server hands out a new token. */
export const DEFAULT_REFRESH_WINDOW_MS = 5 * 60_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Integrations from a loader are asked for again after this long (secret rotation): 15 minutes. */
export const DEFAULT_RELOAD_AFTER_MS = 15 * 60_000;
/** A key the loader did not know is answered unknown without asking again for this long. */
export const DEFAULT_UNKNOWN_TTL_MS = 10_000;
/** How many unknown keys are remembered at once. */
export const DEFAULT_UNKNOWN_MAX = 10_000;
const MAX_UNKNOWN_MAX = 1_000_000;
/** How much key text the unknown keys remembered may hold together, in bytes (2 MiB; a key counts 2 bytes a character). */
export const DEFAULT_UNKNOWN_MAX_BYTES = 2 * 1024 * 1024;
const MAX_UNKNOWN_MAX_BYTES = 1024 * 1024 * 1024;
/** The time limit of one call of the `integrations` loader: 10 seconds. */
export const DEFAULT_LOAD_TIMEOUT_MS = 10_000;
/** How many keys may wait for the `integrations` loader at once. */
export const DEFAULT_LOAD_MAX_IN_FLIGHT = 1000;
const MAX_LOAD_MAX_IN_FLIGHT = 100_000;
/** After a 401 from the API, at most one token request per 30 seconds and integration. */
export const DEFAULT_REJECTION_RENEWAL_INTERVAL_MS = 30_000;
/** The longest `rejectionRenewalIntervalMs`: one hour. */
export const MAX_REJECTION_RENEWAL_INTERVAL_MS = 3_600_000;
/** The shortest `rejectionRenewalIntervalMs`: one second (a shorter one would let a refusing API cost a token request per call). */
export const MIN_REJECTION_RENEWAL_INTERVAL_MS = 1000;
/**
 * The largest API answer read into memory, in bytes: 32 MiB. Well above any JSON answer of the platform (a list page,
 * a document; an output request itself may be at most 20 MB), and a bound on what one answer costs: a hostile or
 * broken API (a 50 MB body on a 401, a gzip bomb) is stopped there. Files are better fetched as streams (not capped).
 */
export const DEFAULT_API_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** The range of `apiMaxResponseBytes`: 1 KiB to 1 GiB. */
const MIN_API_MAX_RESPONSE_BYTES = 1024;
const MAX_API_MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

/** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';
export const DEFAULT_CLIENT_AUTH_METHOD: ClientAuthMethod = 'client_secret_post';
const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_post', 'client_secret_basic'];

/** Form fields the package writes itself: `tokenParams` cannot set them. */
const RESERVED_TOKEN_PARAMS: Record<string, string> = {
  grant_type: 'it is always client_credentials',
  client_id: 'it comes from `clientId`',
  client_secret: 'it comes from `clientSecret`',
  audience: 'use the `audience` option',
};

/** The GraFx environment API of an environment (note the singular `environment`). */
export function defaultApiBaseURL(environment: string): string {
  return `https://${environment}.chili-publish.online/grafx/api/v1/environment/${environment}`;
}

/** One GraFx integration: the client credentials created in the platform for one environment. */
export interface IntegrationConfig {
  /** The integration's client ID. */
  clientId: string;
  /** The integration's client secret. Server-side only; never logged, never sent anywhere but the login server. */
  clientSecret: string;
  /** The environment's technical name, e.g. `cp-abc-123`. Required unless `apiBaseURL` is given. */
  environment?: string;
  /** This integration's environment API base URL; wins over the top-level `apiBaseURL`. */
  apiBaseURL?: string;
  /**
   * Whether this integration's tokens may be handed to a browser (GraFx Studio) by `grafxTokenHandler()`.
   * Mark only a read-only integration so.
   * @default false
   */
  browser?: boolean;
}

/** What the `integrations` loader is given besides the key. */
export interface IntegrationLoadOptions {
  /**
   * Aborted when the client stops waiting for this call: `loading.timeoutMs` passed, or the client is closing
   * (`client.close()`). Pass it to your database or HTTP call, so that a hung load is cancelled rather than left
   * running; the client answers its callers without waiting for the loader either way.
   */
  signal: AbortSignal;
}

/**
 * Loads one integration on its first use (integrations loaded on demand: one per tenant, from a database or a
 * secrets manager). `undefined` (or `null`) means no such integration. Called once for all concurrent first uses
 * of a key; asked again after `loading.reloadAfterMs`. The second argument carries a `signal` to pass on (see
 * {@link IntegrationLoadOptions}). Its keys are 1 to 256 characters long (`MAX_INTEGRATION_KEY_LENGTH`).
 */
export type IntegrationLoader = (
  key: string,
  options: IntegrationLoadOptions,
) => IntegrationConfig | undefined | null | PromiseLike<IntegrationConfig | undefined | null>;

/** Options of the integrations loaded on demand (`integrations` given as a function). */
export interface LoadingOptions {
  /**
   * How long a loaded integration's credentials are used before the loader is asked again (secret rotation).
   * Requests keep using the held credentials while it answers; when the secret changed, the next token comes from
   * the new one. When the loader now answers `undefined`, the tenant is dropped.
   * @default 900000 (15 minutes)
   */
  reloadAfterMs?: number;
  /**
   * How long a key the loader answered `undefined` for is answered 400 `GRAFX_INTEGRATION_UNKNOWN` without asking
   * the loader again (so a flood of unknown keys does not flood your database). `0` asks every time.
   * @default 10000 (10 seconds)
   */
  unknownTtlMs?: number;
  /**
   * How many unknown keys are remembered at once (least recently seen forgotten first).
   * @default 10000
   */
  unknownMax?: number;
  /**
   * How much key text the unknown keys remembered hold together, in bytes (a key counts 2 bytes per character):
   * the least recently seen are forgotten first past it, whatever `unknownMax` says.
   * @default 2097152 (2 MiB)
   */
  unknownMaxBytes?: number;
  /**
   * The time limit of one call of the loader, in milliseconds (1 to 2147483647). Past it, the callers waiting for that
   * key get a 504 `GRAFX_INTEGRATION_LOAD_TIMEOUT` and the loader's `signal` is aborted; a held tenant being
   * reloaded keeps its credentials.
   * @default 10000 (10 seconds)
   */
  timeoutMs?: number;
  /**
   * How many keys may wait for the loader at once (1 to 100000). A new key past it gets a 503
   * `GRAFX_INTEGRATION_LOAD_BUSY` (`Retry-After: 1`) at once, without calling the loader: nothing queues, so a
   * database that stopped answering holds at most this many loads in memory. Callers of a key already being loaded
   * share its load, as always.
   * @default 1000
   */
  maxInFlight?: number;
}

/** What readiness requires (see `client.health()`): static integrations must all serve; loaded ones are counted. */
export interface ReadinessOptions {
  /**
   * With integrations loaded on demand: not ready once more than this share (0 to 1) of the tenants held are failing
   * (their last token request failed). Unset, loaded tenants are counted and reported but never make the instance
   * unready: one customer's refused credentials must not take every instance out of the load balancer.
   * @default undefined (loaded tenants never fail readiness)
   */
  maxFailingTenantShare?: number;
}

/** Options of `createGrafxClient()`; `grafxAuth()` takes the same plus `resolveIntegration`. */
export interface GrafxClientOptions {
  /** Client ID of the single integration (key `'default'`). Use either this trio or `integrations`. */
  clientId?: string;
  /** Client secret of the single integration. */
  clientSecret?: string;
  /** Environment technical name of the single integration, e.g. `cp-abc-123`. */
  environment?: string;
  /**
   * Whether the single integration's tokens may be handed to a browser by `grafxTokenHandler()`.
   * @default false
   */
  browser?: boolean;
  /**
   * Several integrations: an object by key, or a function loading one by key on its first use (one integration per
   * tenant; `cache.max` then bounds the tenants held in memory). With a function, `grafxAuth()` needs
   * `resolveIntegration`.
   */
  integrations?: Record<string, IntegrationConfig> | IntegrationLoader;
  /** For `integrations` given as a function: when credentials are asked for again, how unknown keys are remembered. */
  loading?: LoadingOptions;
  /**
   * The login server's token endpoint.
   * @default 'https://integration-login.chiligrafx.com/oauth/token'
   */
  tokenURL?: string;
  /**
   * The `audience` form field of the token request (always sent; a server that does not know it ignores it).
   * @default 'https://chiligrafx.com'
   */
  audience?: string;
  /**
   * Extra form fields of the token request, e.g. `{ resource: 'https://api.example' }` (RFC 8707) or
   * `{ scope: 'read write' }`. An array value sends the field once per item. `grant_type`, `client_id`,
   * `client_secret` and `audience` cannot be set here.
   * @default {}
   */
  tokenParams?: Record<string, string | readonly string[]>;
  /**
   * How the client authenticates to the token endpoint: `'client_secret_post'` (ID and secret in the form body, the
   * platform's way) or `'client_secret_basic'` (an `Authorization: Basic` header of the form-urlencoded ID and
   * secret, RFC 6749 §2.3.1; then neither is in the body).
   * @default 'client_secret_post'
   */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * Allow plain `http://` for a `tokenURL` or `apiBaseURL` whose host is not loopback. Without it such a URL is
   * refused: the secret and the tokens would cross the network in clear. Loopback (`127.0.0.1`, `::1`,
   * `localhost`) is always allowed.
   * @default false
   */
  allowInsecureHttp?: boolean;
  /**
   * The environment API base URL: a string, or a function of the environment name.
   * @default (env) => `https://${env}.chili-publish.online/grafx/api/v1/environment/${env}`
   */
  apiBaseURL?: string | ((environment: string) => string);
  /** The token cache (an LRU keyed by integration). */
  cache?: {
    /**
     * How many integrations the cache holds at once (each with its token and API client); the least recently used
     * is dropped first and simply loaded again on its next use. With `integrations` as a function: the tenants held.
     * At most 100000.
     * @default 100
     */
    max?: number;
  };
  /**
   * How long before expiry a token is renewed (in the background: requests keep using the still-valid
   * token meanwhile). For a token whose remaining lifetime is shorter than twice this window, renewal
   * is due halfway through its remaining lifetime instead, so short tokens work and a renewal that
   * returns the same token never triggers another one at once.
   * @default 300000 (5 minutes)
   */
  refreshWindowMs?: number;
  /**
   * Time limit of one token request, in milliseconds (at most 2147483647, the longest a Node.js timer holds).
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * After a 401 from the environment API, at most one token request per this many milliseconds and integration
   * (concurrent 401s share it). A 401 within the interval is handed back without renewing: an API that refuses every
   * token (a wrong environment or API base URL, missing permissions) costs one token request per interval, not one
   * per call. Whatever the interval, a 401 is never repeated when the renewal hands back the very token refused.
   * From 1000 (one second) to 3600000 (one hour).
   * @default 30000 (30 seconds)
   */
  rejectionRenewalIntervalMs?: number;
  /**
   * The largest answer of the environment API that `req.grafx.api` reads into memory, in bytes, as received and
   * once decompressed (axios's `maxContentLength` for every request of the API clients; a request may set its own).
   * Past it the read stops and the request rejects with `GRAFX_API_RESPONSE_TOO_LARGE`. Answers read as streams
   * (`responseType: 'stream'`) are not capped. From 1024 to 1073741824 (1 GiB).
   * @default 33554432 (32 MiB)
   */
  apiMaxResponseBytes?: number;
  /**
   * Let an API request carry the token when a transport option sends it somewhere its URL does not say:
   * `socketPath`, a request `proxy`, a custom `lookup` or `transport`, HTTP/2 options with their own `lookup` or
   * `createConnection`, a custom `env.fetch` or `fetchOptions.dispatcher`, an `httpAgent`/`httpsAgent` that is not
   * one of Node's own agents connecting where the URL says (a proxy agent). Without it such requests go without the
   * token. Only for an app that sets such options itself, for the API.
   * @default false
   */
  allowTokenThroughTransport?: boolean;
  /**
   * How many token requests this client sends to the login server at once, and how long one may wait for its turn.
   * Time spent waiting is not counted in `timeoutMs`. After a 429, every token request pauses until its Retry-After
   * (at most 60 s; 1 s without one) and the number at once is halved, then grows back with each success.
   */
  tokenRequests?: TokenRequestsOptions;
  /**
   * The proxy of the token request and of the API client: a URL (`http://proxy.example:3128`, credentials as
   * `http://user:password@…`), or `false` for none. By default the environment decides, as curl does:
   * `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY` for http ones (then `all_proxy`/`ALL_PROXY`),
   * except for the hosts in `no_proxy`/`NO_PROXY` (which also applies to this option). Read once, when the client is
   * made. https targets go through a CONNECT tunnel: the proxy never sees the secret or a token.
   * @default undefined (the environment variables)
   */
  proxy?: string | false;
  /**
   * Certificate authorities (PEM) trusted for the login server and the API, e.g. a company's TLS-inspecting proxy's.
   * As Node's `ca`, it replaces the default list: pass `[...tls.rootCertificates, yourCa]` to add to it.
   * @default undefined (Node's default CAs)
   */
  ca?: CertificateAuthorities;
  /**
   * Your own agents for the token request and the API client (`{ https: new https.Agent({...}) }`); used as they are,
   * so `proxy` and `ca` do not apply to their protocol. Give one with `maxSockets` of at least
   * `tokenRequests.maxConcurrent`: time waiting for one of its sockets counts in `timeoutMs`.
   * @default undefined (agents of the package's own)
   */
  agent?: TransportAgents;
  /**
   * A shared token store (e.g. `RedisTokenStore` from `express-grafx-auth/redis`) so that the instances of an app
   * share one token per integration and one of them asks the login server. The in-memory cache stays in front.
   * @default undefined (each instance asks for its own tokens)
   */
  store?: TokenStore;
  /**
   * Where warnings go (a token store outage, once per outage). Never given a secret or a token.
   * @default console
   */
  logger?: Logger;
  /** What readiness (`client.health().ok`, the health handler's 200 or 503) requires. */
  readiness?: ReadinessOptions;
  /**
   * OpenTelemetry metrics and spans (token acquisitions, renewals, failures by code, 401 retries, store outages),
   * recorded when the app has `@opentelemetry/api` installed (an optional peer, `>=1 <2`) and an SDK registered;
   * without the package nothing is loaded. `false` turns it off (the package is not even looked for).
   * `{ integrationAttribute: true }` adds the integration key as the `grafx.integration` attribute (off by default:
   * with thousands of tenants it would multiply every metric's series). No token, secret or client ID is ever an
   * attribute.
   * @default true
   */
  openTelemetry?: boolean | { integrationAttribute?: boolean };
  /**
   * The clock, in milliseconds since the epoch. For tests only.
   * @default Date.now
   */
  clock?: () => number;
}

/** Options of the token requests' turn-taking (see `GrafxClientOptions.tokenRequests`). */
export interface TokenRequestsOptions {
  /**
   * Token requests at the login server at once, at most (from 1 to 10000). The others wait for their turn.
   * @default 256
   */
  maxConcurrent?: number;
  /**
   * How long a token request may wait for its turn before it fails with `GRAFX_TOKEN_QUEUE_TIMEOUT` (503) without
   * being sent. `timeoutMs` starts once it is sent.
   * @default 30000 (30 seconds)
   */
  queueTimeoutMs?: number;
}

/** One integration, validated, with its API base URL computed. */
export interface ResolvedIntegration {
  readonly key: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly environment: string | undefined;
  readonly apiBaseURL: string;
  readonly browser: boolean;
}

/** The client's configuration after parseOptions(): every default applied, everything validated. */
export interface ResolvedOptions {
  /** The static integrations (empty with a loader). */
  readonly integrations: ReadonlyMap<string, ResolvedIntegration>;
  /** The loader of integrations loaded on demand, when `integrations` is a function. */
  readonly loader: IntegrationLoader | undefined;
  readonly reloadAfterMs: number;
  readonly unknownTtlMs: number;
  readonly unknownMax: number;
  readonly unknownMaxBytes: number;
  readonly loadTimeoutMs: number;
  readonly loadMaxInFlight: number;
  /** The top-level `apiBaseURL` option as given (loaded integrations are resolved with it). */
  readonly apiBaseURL: string | ((environment: string) => string) | undefined;
  /** The key used when none is given: the only integration's, or undefined when there are several. */
  readonly defaultIntegration: string | undefined;
  readonly tokenURL: string;
  readonly audience: string;
  /** `tokenParams` as form fields, in order (an array value gives one pair per item). */
  readonly tokenParams: ReadonlyArray<readonly [string, string]>;
  readonly clientAuthMethod: ClientAuthMethod;
  readonly allowInsecureHttp: boolean;
  readonly cacheMax: number;
  readonly refreshWindowMs: number;
  readonly timeoutMs: number;
  readonly rejectionRenewalIntervalMs: number;
  readonly apiMaxResponseBytes: number;
  readonly allowTokenThroughTransport: boolean;
  readonly tokenRequests: { readonly maxConcurrent: number; readonly queueTimeoutMs: number };
  /** Proxy rules, CA and agents: decided once, shared by the token request and the API client. */
  readonly transport: Transport;
  readonly store: TokenStore | undefined;
  readonly logger: Logger;
  /** `false`: OpenTelemetry is off; else how to record to it. */
  readonly openTelemetry: OpenTelemetrySettings | false;
  readonly clock: () => number;
  /** `readiness.maxFailingTenantShare`, when set. */
  readonly maxFailingTenantShare: number | undefined;
}

/** Every option key, checked by the compiler: adding an option without listing it here fails the build. */
export const CLIENT_OPTION_KEYS: Record<keyof GrafxClientOptions, true> = {
  clientId: true,
  clientSecret: true,
  environment: true,
  browser: true,
  integrations: true,
  loading: true,
  tokenURL: true,
  audience: true,
  tokenParams: true,
  clientAuthMethod: true,
  allowInsecureHttp: true,
  apiBaseURL: true,
  cache: true,
  refreshWindowMs: true,
  timeoutMs: true,
  rejectionRenewalIntervalMs: true,
  apiMaxResponseBytes: true,
  allowTokenThroughTransport: true,
  tokenRequests: true,
  proxy: true,
  ca: true,
  agent: true,
  store: true,
  logger: true,
  openTelemetry: true,
  readiness: true,
  clock: true,
};
export const LOADING_KEYS: Record<keyof LoadingOptions, true> = {
  reloadAfterMs: true,
  unknownTtlMs: true,
  unknownMax: true,
  unknownMaxBytes: true,
  timeoutMs: true,
  maxInFlight: true,
};
const INTEGRATION_KEYS: Record<keyof IntegrationConfig, true> = {
  clientId: true,
  clientSecret: true,
  environment: true,
  apiBaseURL: true,
  browser: true,
};

const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Validates the options and applies the defaults. Throws a GrafxAuthError (`GRAFX_CONFIG_INVALID`)
 * whose message names the option at fault. `extraKeys` are options of a wrapper (the Express adapter).
 */
export function parseOptions(options: unknown, extraKeys: readonly string[] = []): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw configError(`options must be an object, received ${describe(options)}`);
  }
  const opts = options as Record<string, unknown>;
  refuseStandIn(opts);
  checkKnownKeys(opts, [...Object.keys(CLIENT_OPTION_KEYS), ...extraKeys], '');

  if (opts.allowInsecureHttp !== undefined && typeof opts.allowInsecureHttp !== 'boolean') {
    throw configError(`\`allowInsecureHttp\` must be true or false, received ${describe(opts.allowInsecureHttp)}`);
  }
  const allowInsecureHttp = opts.allowInsecureHttp === true;
  const httpURL = (value: unknown, name: string): string | undefined => optionalHttpURL(value, name, allowInsecureHttp);
  const tokenURL = httpURL(opts.tokenURL, 'tokenURL') ?? DEFAULT_TOKEN_URL;
  const audience = optionalString(opts.audience, 'audience') ?? DEFAULT_AUDIENCE;
  const tokenParams = parseTokenParams(opts.tokenParams);
  const clientAuthMethod = opts.clientAuthMethod ?? DEFAULT_CLIENT_AUTH_METHOD;
  if (!CLIENT_AUTH_METHODS.includes(clientAuthMethod as ClientAuthMethod)) {
    throw configError(
      `\`clientAuthMethod\` must be 'client_secret_post' or 'client_secret_basic', received ${describe(clientAuthMethod)}`,
    );
  }
  const apiBaseURL = opts.apiBaseURL;
  if (apiBaseURL !== undefined && typeof apiBaseURL !== 'function')
    apiBase(httpURL(apiBaseURL, 'apiBaseURL'), 'apiBaseURL');

  let cacheMax = DEFAULT_CACHE_MAX;
  if (opts.cache !== undefined) {
    if (typeof opts.cache !== 'object' || opts.cache === null) {
      throw configError(`\`cache\` must be an object like { max: 100 }, received ${describe(opts.cache)}`);
    }
    const cache = opts.cache as Record<string, unknown>;
    checkKnownKeys(cache, ['max'], 'cache.');
    if (cache.max !== undefined) cacheMax = positiveInteger(cache.max, 'cache.max', MAX_CACHE_MAX);
  }
  const refreshWindowMs =
    opts.refreshWindowMs === undefined
      ? DEFAULT_REFRESH_WINDOW_MS
      : nonNegativeInteger(opts.refreshWindowMs, 'refreshWindowMs', MAX_TIMER_MS);
  const timeoutMs =
    opts.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : positiveInteger(opts.timeoutMs, 'timeoutMs', MAX_TIMER_MS);
  const rejectionRenewalIntervalMs =
    opts.rejectionRenewalIntervalMs === undefined
      ? DEFAULT_REJECTION_RENEWAL_INTERVAL_MS
      : nonNegativeInteger(opts.rejectionRenewalIntervalMs, 'rejectionRenewalIntervalMs', Number.MAX_SAFE_INTEGER);
  if (
    rejectionRenewalIntervalMs < MIN_REJECTION_RENEWAL_INTERVAL_MS ||
    rejectionRenewalIntervalMs > MAX_REJECTION_RENEWAL_INTERVAL_MS
  ) {
    throw configError(
      `\`rejectionRenewalIntervalMs\` must be from ${MIN_REJECTION_RENEWAL_INTERVAL_MS} (one second) to ${MAX_REJECTION_RENEWAL_INTERVAL_MS} (one hour) milliseconds, received ${rejectionRenewalIntervalMs}`,
    );
  }
  const apiMaxResponseBytes =
    opts.apiMaxResponseBytes === undefined
      ? DEFAULT_API_MAX_RESPONSE_BYTES
      : boundedInteger(
          opts.apiMaxResponseBytes,
          'apiMaxResponseBytes',
          MIN_API_MAX_RESPONSE_BYTES,
          MAX_API_MAX_RESPONSE_BYTES,
        );
  if (opts.allowTokenThroughTransport !== undefined && typeof opts.allowTokenThroughTransport !== 'boolean') {
    throw configError(
      `\`allowTokenThroughTransport\` must be true or false, received ${describe(opts.allowTokenThroughTransport)}`,
    );
  }
  const allowTokenThroughTransport = opts.allowTokenThroughTransport === true;
  if (opts.clock !== undefined && typeof opts.clock !== 'function') {
    throw configError(`\`clock\` must be a function returning milliseconds, received ${describe(opts.clock)}`);
  }
  const clock = (opts.clock as (() => number) | undefined) ?? Date.now;
  const tokenRequests = parseTokenRequests(opts.tokenRequests);
  const transport = parseTransport(opts);
  const store = opts.store === undefined ? undefined : checkStore(opts.store);
  if (opts.logger !== undefined && typeof (opts.logger as Partial<Logger> | null)?.warn !== 'function') {
    throw configError('`logger` must be an object with a warn(message) method, such as console');
  }
  const logger = (opts.logger as Logger | undefined) ?? console;
  const openTelemetry = parseOpenTelemetry(opts.openTelemetry);

  const integrations = new Map<string, ResolvedIntegration>();
  let loader: IntegrationLoader | undefined;
  const single =
    opts.clientId !== undefined ||
    opts.clientSecret !== undefined ||
    opts.environment !== undefined ||
    opts.browser !== undefined;
  if (opts.integrations !== undefined) {
    if (single) {
      throw configError(
        'use either `clientId`/`clientSecret`/`environment` (one integration) or `integrations` (several), not both',
      );
    }
    if (typeof opts.integrations === 'function') {
      loader = opts.integrations as IntegrationLoader;
    } else {
      if (typeof opts.integrations !== 'object' || opts.integrations === null || Array.isArray(opts.integrations)) {
        throw configError(
          `\`integrations\` must be an object of { [key]: { clientId, clientSecret, environment } }, or a function (key) => that`,
        );
      }
      // Own keys only, read as data: keys such as `__proto__` or `constructor` are integrations like any other.
      const entries = Object.entries(opts.integrations as Record<string, unknown>);
      if (entries.length === 0) throw configError('`integrations` is empty: configure at least one integration');
      for (const [key, value] of entries) {
        if (key.length > MAX_INTEGRATION_KEY_LENGTH) {
          throw configError(
            `\`integrations\` has a key longer than ${MAX_INTEGRATION_KEY_LENGTH} characters (${quotedKey(key)})`,
          );
        }
        if (key === '') throw configError('`integrations` has an empty key: name each integration');
        integrations.set(key, resolveConfig(key, value, `integrations.${key}.`, apiBaseURL, httpURL));
      }
    }
  } else {
    integrations.set(DEFAULT_INTEGRATION, resolveIntegration(DEFAULT_INTEGRATION, opts, '', apiBaseURL, httpURL));
  }
  const loading = parseLoading(opts.loading, loader !== undefined);
  const maxFailingTenantShare = parseReadiness(opts.readiness, loader !== undefined);

  return {
    integrations,
    loader,
    ...loading,
    apiBaseURL: apiBaseURL as ResolvedOptions['apiBaseURL'],
    defaultIntegration: integrations.size === 1 ? [...integrations.keys()][0] : undefined,
    tokenURL,
    audience,
    tokenParams,
    clientAuthMethod: clientAuthMethod as ClientAuthMethod,
    allowInsecureHttp,
    cacheMax,
    refreshWindowMs,
    timeoutMs,
    rejectionRenewalIntervalMs,
    apiMaxResponseBytes,
    allowTokenThroughTransport,
    tokenRequests,
    transport,
    store,
    logger,
    openTelemetry,
    clock,
    maxFailingTenantShare,
  };
}

const OPEN_TELEMETRY_KEYS: Record<keyof Exclude<GrafxClientOptions['openTelemetry'], boolean | undefined>, true> = {
  integrationAttribute: true,
};

function parseOpenTelemetry(value: unknown): OpenTelemetrySettings | false {
  if (value === undefined || value === true) return { integrationAttribute: false };
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(
      `\`openTelemetry\` must be true, false or { integrationAttribute: boolean }, received ${describe(value)}`,
    );
  }
  const given = value as Record<string, unknown>;
  checkKnownKeys(given, Object.keys(OPEN_TELEMETRY_KEYS), 'openTelemetry.');
  if (given.integrationAttribute !== undefined && typeof given.integrationAttribute !== 'boolean') {
    throw configError(
      `\`openTelemetry.integrationAttribute\` must be true or false, received ${describe(given.integrationAttribute)}`,
    );
  }
  return { integrationAttribute: given.integrationAttribute === true };
}

function parseReadiness(value: unknown, hasLoader: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(
      `\`readiness\` must be an object like { maxFailingTenantShare: 0.5 }, received ${describe(value)}`,
    );
  }
  const given = value as Record<string, unknown>;
  checkKnownKeys(given, ['maxFailingTenantShare'], 'readiness.');
  const share = given.maxFailingTenantShare;
  if (share === undefined) return undefined;
  if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 1) {
    throw configError(`\`readiness.maxFailingTenantShare\` must be a number from 0 to 1, received ${describe(share)}`);
  }
  if (!hasLoader) {
    throw configError(
      '`readiness.maxFailingTenantShare` applies to integrations loaded on demand (static ones must all serve)',
    );
  }
  return share;
}

function parseTokenRequests(value: unknown): ResolvedOptions['tokenRequests'] {
  const parsed = {
    maxConcurrent: DEFAULT_TOKEN_REQUESTS_MAX_CONCURRENT,
    queueTimeoutMs: DEFAULT_TOKEN_QUEUE_TIMEOUT_MS,
  };
  if (value === undefined) return parsed;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(`\`tokenRequests\` must be an object like { maxConcurrent: 512 }, received ${describe(value)}`);
  }
  const given = value as Record<string, unknown>;
  checkKnownKeys(given, ['maxConcurrent', 'queueTimeoutMs'], 'tokenRequests.');
  if (given.maxConcurrent !== undefined) {
    parsed.maxConcurrent = boundedInteger(
      given.maxConcurrent,
      'tokenRequests.maxConcurrent',
      1,
      MAX_TOKEN_REQUESTS_CONCURRENT,
    );
  }
  if (given.queueTimeoutMs !== undefined) {
    parsed.queueTimeoutMs = boundedInteger(given.queueTimeoutMs, 'tokenRequests.queueTimeoutMs', 1, MAX_TIMER_MS);
  }
  return parsed;
}

function parseLoading(
  value: unknown,
  hasLoader: boolean,
): Pick<
  ResolvedOptions,
  'reloadAfterMs' | 'unknownTtlMs' | 'unknownMax' | 'unknownMaxBytes' | 'loadTimeoutMs' | 'loadMaxInFlight'
> {
  const loading = {
    reloadAfterMs: DEFAULT_RELOAD_AFTER_MS,
    unknownTtlMs: DEFAULT_UNKNOWN_TTL_MS,
    unknownMax: DEFAULT_UNKNOWN_MAX,
    unknownMaxBytes: DEFAULT_UNKNOWN_MAX_BYTES,
    loadTimeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
    loadMaxInFlight: DEFAULT_LOAD_MAX_IN_FLIGHT,
  };
  if (value === undefined) return loading;
  if (!hasLoader) {
    throw configError(
      '`loading` applies to integrations loaded on demand: give `integrations` as a function (key) => config',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(`\`loading\` must be an object like { reloadAfterMs: 900000 }, received ${describe(value)}`);
  }
  const given = value as Record<string, unknown>;
  checkKnownKeys(given, Object.keys(LOADING_KEYS), 'loading.');
  if (given.reloadAfterMs !== undefined) {
    loading.reloadAfterMs = boundedInteger(given.reloadAfterMs, 'loading.reloadAfterMs', 1, MAX_TIMER_MS);
  }
  if (given.unknownTtlMs !== undefined) {
    loading.unknownTtlMs = boundedInteger(given.unknownTtlMs, 'loading.unknownTtlMs', 0, MAX_TIMER_MS);
  }
  if (given.unknownMax !== undefined) {
    loading.unknownMax = boundedInteger(given.unknownMax, 'loading.unknownMax', 1, MAX_UNKNOWN_MAX);
  }
  if (given.unknownMaxBytes !== undefined) {
    loading.unknownMaxBytes = boundedInteger(
      given.unknownMaxBytes,
      'loading.unknownMaxBytes',
      2 * MAX_INTEGRATION_KEY_LENGTH,
      MAX_UNKNOWN_MAX_BYTES,
    );
  }
  if (given.timeoutMs !== undefined) {
    loading.loadTimeoutMs = boundedInteger(given.timeoutMs, 'loading.timeoutMs', 1, MAX_TIMER_MS);
  }
  if (given.maxInFlight !== undefined) {
    loading.loadMaxInFlight = boundedInteger(given.maxInFlight, 'loading.maxInFlight', 1, MAX_LOAD_MAX_IN_FLIGHT);
  }
  return loading;
}

/**
 * Validates an integration returned by the loader for `key`, like a static one. Throws GRAFX_CONFIG_INVALID naming
 * the field (`integrations("key").clientSecret`), never a value.
 */
export function resolveLoadedIntegration(key: string, value: unknown, options: ResolvedOptions): ResolvedIntegration {
  return resolveConfig(key, value, `integrations(${quotedKey(key)}).`, options.apiBaseURL, (url, name) =>
    optionalHttpURL(url, name, options.allowInsecureHttp),
  );
}

function resolveConfig(
  key: string,
  value: unknown,
  prefix: string,
  topLevelBase: unknown,
  httpURL: (value: unknown, name: string) => string | undefined,
): ResolvedIntegration {
  const name = prefix.slice(0, -1);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(
      `\`${name}\` must be an object of { clientId, clientSecret, environment }, received ${describe(value)}`,
    );
  }
  checkKnownKeys(value as Record<string, unknown>, Object.keys(INTEGRATION_KEYS), prefix);
  return resolveIntegration(key, value as Record<string, unknown>, prefix, topLevelBase, httpURL);
}

const STORE_METHODS = [
  'get',
  'set',
  'deleteIfToken',
  'acquireLock',
  'releaseLock',
  'setFailure',
  'getFailure',
] as const;

function checkStore(store: unknown): TokenStore {
  const missing = STORE_METHODS.filter(
    (name) => typeof (store as Record<string, unknown> | null)?.[name] !== 'function',
  );
  if (typeof store !== 'object' || store === null || missing.length > 0) {
    throw configError(
      `\`store\` must implement the TokenStore interface (missing: ${missing.join(', ') || 'everything'}), e.g. new RedisTokenStore({ client })`,
    );
  }
  return store as TokenStore;
}

function resolveIntegration(
  key: string,
  config: Record<string, unknown>,
  prefix: string,
  topLevelBase: unknown,
  httpURL: (value: unknown, name: string) => string | undefined,
): ResolvedIntegration {
  const clientId = requiredString(config.clientId, `${prefix}clientId`);
  const clientSecret = requiredString(config.clientSecret, `${prefix}clientSecret`, true);
  const environment = optionalString(config.environment, `${prefix}environment`);
  if (environment !== undefined && !ENVIRONMENT_NAME.test(environment)) {
    throw configError(
      `\`${prefix}environment\` must be an environment's technical name such as "cp-abc-123" (letters, digits, '-', '.', '_')`,
    );
  }
  const own =
    prefix === '' ? undefined : apiBase(httpURL(config.apiBaseURL, `${prefix}apiBaseURL`), `${prefix}apiBaseURL`);
  let apiBaseURL = own;
  if (apiBaseURL === undefined && typeof topLevelBase === 'string') apiBaseURL = topLevelBase;
  if (apiBaseURL === undefined) {
    if (environment === undefined) {
      throw configError(
        `\`${prefix}environment\` is required (or give \`${prefix === '' ? '' : prefix}apiBaseURL\` as a URL string)`,
      );
    }
    if (typeof topLevelBase === 'function') {
      const computed: unknown = (topLevelBase as (env: string) => unknown)(environment);
      const name = `apiBaseURL(${JSON.stringify(environment)})`;
      apiBaseURL = apiBase(httpURL(computed, name), name);
      if (apiBaseURL === undefined) throw configError(`\`apiBaseURL\` returned nothing for "${environment}"`);
    } else {
      apiBaseURL = defaultApiBaseURL(environment);
    }
  }
  if (config.browser !== undefined && typeof config.browser !== 'boolean') {
    throw configError(`\`${prefix}browser\` must be true or false, received ${describe(config.browser)}`);
  }
  const browser = config.browser === true;
  return { key, clientId, clientSecret, environment, apiBaseURL: apiBaseURL.replace(/\/+$/, ''), browser };
}

function checkKnownKeys(object: Record<string, unknown>, known: readonly string[], prefix: string): void {
  if (prefix === '' && Object.hasOwn(object, 'resolveIntegration') && !known.includes('resolveIntegration')) {
    throw configError(
      '`resolveIntegration` is an option of grafxAuth(), not of the client: use grafxAuth(client, { resolveIntegration })',
    );
  }
  refuseUnknownKeys(object, known, prefix);
}

/** A non-empty string. For a `secret`, the error names only the received type, never a value of any type. */
function requiredString(value: unknown, name: string, secret = false): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const received = secret ? describeType(value) : describe(value);
    throw configError(`\`${name}\` is required (a non-empty string), received ${received}`);
  }
  return value;
}

/** `tokenParams` as ordered form pairs: string (or string array) values of bounded size, no reserved field. */
function parseTokenParams(value: unknown): Array<readonly [string, string]> {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(
      `\`tokenParams\` must be an object of form fields such as { resource: 'https://api.example' }, received ${describe(value)}`,
    );
  }
  const pairs: Array<readonly [string, string]> = [];
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
    const option = `tokenParams.${name}`;
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) {
      throw configError(
        `\`tokenParams\` has a field name that is not a plain form field name (letters, digits, _ . : -)`,
      );
    }
    const reserved = Object.hasOwn(RESERVED_TOKEN_PARAMS, name) ? RESERVED_TOKEN_PARAMS[name] : undefined;
    if (reserved !== undefined) throw configError(`\`${option}\` cannot be set in tokenParams: ${reserved}`);
    const values: unknown[] = Array.isArray(field) ? field : [field];
    if (
      values.length === 0 ||
      values.some((item) => typeof item !== 'string' || item.length > MAX_TOKEN_PARAM_LENGTH)
    ) {
      throw configError(
        `\`${option}\` must be a string or an array of strings of at most ${MAX_TOKEN_PARAM_LENGTH} characters, received ${describeType(field)}`,
      );
    }
    for (const item of values as string[]) pairs.push([name, item]);
  }
  if (pairs.length > MAX_TOKEN_PARAMS) {
    throw configError(`\`tokenParams\` may hold at most ${MAX_TOKEN_PARAMS} form fields, received ${pairs.length}`);
  }
  return pairs;
}

function optionalString(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requiredString(value, name);
}

/** Whether a URL's host is this machine: 127.0.0.0/8, ::1, `localhost` and `*.localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^::ffff:7f[0-9a-f]{2}:/.test(host)
  );
}

/**
 * An absolute https URL, or http to a loopback host (or anywhere with `allowInsecureHttp`), without credentials.
 * The error never echoes the URL (it could carry a password).
 */
function optionalHttpURL(value: unknown, name: string, allowInsecureHttp = false): string | undefined {
  if (value === undefined) return undefined;
  const text = requiredString(value, name);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError(`\`${name}\` must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError(`\`${name}\` must be an absolute http(s) URL, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw configError(`\`${name}\` must not carry credentials (user:password@): give them as options instead`);
  }
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw configError(
      `\`${name}\` uses plain http:// to a host that is not loopback: use https://, or set \`allowInsecureHttp: true\``,
    );
  }
  return text;
}

/**
 * An API base URL is a base: requests append paths to it, so a `?query` or `#fragment` (even an empty one) would end
 * up in the middle of every request's path. Refused, whichever way the URL was given.
 */
function apiBase(url: string | undefined, name: string): string | undefined {
  if (url !== undefined && /[?#]/.test(url)) {
    throw configError(`\`${name}\` must not have a ?query or #fragment: give the API's base path only`);
  }
  return url;
}

function positiveInteger(value: unknown, name: string, max: number): number {
  if (!isIntegerIn(value, 1, max)) {
    throw configError(`\`${name}\` must be a positive integer of at most ${max}, received ${describe(value)}`);
  }
  return value;
}

function boundedInteger(value: unknown, name: string, min: number, max: number): number {
  if (!isIntegerIn(value, min, max)) {
    throw configError(`\`${name}\` must be an integer from ${min} to ${max}, received ${describe(value)}`);
  }
  return value;
}

function nonNegativeInteger(value: unknown, name: string, max: number): number {
  if (!isIntegerIn(value, 0, max)) {
    throw configError(
      `\`${name}\` must be a non-negative integer of at most ${max} (milliseconds), received ${describe(value)}`,
    );
  }
  return value;
}

/** The type of a received value and nothing of its content: for secrets, whatever their type. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string' && value === '') return 'an empty string';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Describes a received value without ever printing a string's content (it could be a secret). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `${value}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
