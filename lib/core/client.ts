// lib/core/client.ts
// createGrafxClient(): the framework-free core: tenants (static or loaded) + token cache + one API client per tenant.
import type { AxiosInstance } from 'axios';
import { ApiClients } from './api-client.js';
import { BoundedWaits } from './bounded-wait.js';
import { tokenChannel, traceCachedToken } from './diagnostics.js';
import { BrowserScopeWarnings } from './browser-scopes.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, clientClosedError } from './errors.js';
import { type GrafxClientOptions, type ResolvedIntegration, parseOptions } from './options.js';
import { type GrafxClientEvents, Telemetry } from './telemetry.js';
import type { Tenant } from './tenant.js';
import { TenantRegistry, unknownIntegration } from './tenant-registry.js';
import { TokenCache } from './token-cache.js';
import { NO_SLOT } from './slot-lru.js';
import type { WarmTokens } from './warm-tokens.js';
import { axiosTransport } from './transport.js';
import type { TokenRecord } from './token-record.js';
import type { GrafxOutputFormat, GrafxTaskResult } from './api-types.js';
import type { DownloadOptions, GrafxDownload } from './download.js';
import type { TaskWaitOptions } from './output-task.js';
import type { GrafxQueryParams, PaginateOptions } from './paginate.js';
import { type GrafxContext, RequestContext, type TenantTools } from './grafx-context.js';
import { scopeSet } from './scopes.js';
import { type GrafxWorkflows, createWorkflows } from './workflows.js';

export type { GrafxContext } from './grafx-context.js';

/** What may be known of an integration outside the core: never its secret. */
export interface IntegrationInfo {
  readonly key: string;
  readonly environment: string | undefined;
  /** The environment API base URL, without a trailing slash. */
  readonly apiBaseURL: string;
  /** Whether its tokens may be handed to a browser (`browser: true` in its config). */
  readonly browser: boolean;
}

/** The health of one integration: nothing secret (no token, no secret, the client ID shortened). */
export interface IntegrationHealth {
  /** It has a usable token, or its last token request did not fail. */
  canServe: boolean;
  hasToken: boolean;
  /** Seconds until the cached token expires; null without one. */
  expiresInSeconds: number | null;
  /** When a token was last obtained (ISO 8601); null before the first. */
  lastRenewalAt: string | null;
  /** The code of the last failure, cleared by the next success. */
  lastErrorCode: string | null;
  renewals: number;
  failures: number;
  retries: number;
  /**
   * The API's latest answers refused freshly issued tokens (a wrong environment name or API base URL, or missing
   * permissions); cleared when it accepts a request again. Does not change `canServe`.
   */
  apiRejectingTokens: boolean;
  /** When the API last refused a fresh token (ISO 8601); null if it never did. */
  lastTokenRejectionAt: string | null;
  /**
   * While its token requests fail: when the login server is asked again at the earliest (ISO 8601; the end of its
   * backoff: 0.5 s doubling to 15 s, or the server's Retry-After up to 10 minutes). Requests meanwhile get the last
   * error at once, and a still-valid token keeps serving. Null when not failing.
   */
  nextAttemptAt: string | null;
  /** The first characters of the client ID, to tell integrations apart. */
  clientId: string;
  environment: string | null;
  /** The permissions of the cached token (its `scope`), sorted; empty without a token or when the server sent none. */
  scopes: string[];
}

/**
 * The health of the client, a readiness answer first: `ok` (the health handler's 200 or 503) when every static
 * integration can serve; tenants loaded on demand are counted and never make it false, unless the app set
 * `readiness.maxFailingTenantShare`. Counts by default, read in O(1) whatever the number of tenants held; the detail
 * of loaded tenants only when asked for (`health({ tenants: { limit } })`, at most 1000 a call).
 */
export interface GrafxHealth {
  /** Ready: the client is open and every static integration can serve (loaded tenants: see `readiness`). */
  ok: boolean;
  /**
   * `ready`; `degraded`: ready, but some integration is failing or its API refuses fresh tokens; `unready`: not ok.
   */
  status: 'ready' | 'degraded' | 'unready';
  /** Whether a shared token store is configured, and whether it is in an outage. */
  store: { configured: boolean; down: boolean };
  /** The integrations held in memory, counted (each count kept at every change, so reading them costs nothing). */
  tenants: HealthCounts;
  /**
   * By key: every static integration; for integrations loaded on demand, none unless asked for
   * (`health({ tenants: { limit, offset } })`: the most recently used first). Every key is an own property
   * (`__proto__` included).
   */
  integrations: Record<string, IntegrationHealth>;
}

/** The counts of health(): held tenants, and how many are failing, refused or degraded. */
export interface HealthCounts {
  /** Integrations held in memory (at most `max`: `cache.max`). */
  held: number;
  max: number;
  /** Whether integrations are loaded on demand. */
  loadedOnDemand: boolean;
  /** Held integrations whose last token request failed (cleared by the next success). */
  failing: number;
  /** Of the failing, those whose credentials the login server refused (`GRAFX_CREDENTIALS_REJECTED`). */
  rejected: number;
  /** Integrations whose API refuses freshly issued tokens (wrong environment or API base URL, permissions). */
  apiRejectingTokens: number;
}

/** What health() lists of the tenants loaded on demand (the counts are always there). */
export interface HealthOptions {
  tenants?: {
    /** How many loaded tenants to detail, most recently used first. @default 0 (counts only); at most 1000. */
    limit?: number;
    /** How many to skip first (paging). @default 0 */
    offset?: number;
  };
}

/** The most loaded tenants one health() call details. */
export const MAX_HEALTH_DETAIL = 1000;

const CLIENT_BRAND = Symbol.for('express-grafx-auth.client');

/** Tokens and API clients for a set of GraFx integrations; usable in requests, queue workers, scripts and tests. */
export class GrafxClient {
  /** The configured integration keys (none when they are loaded on demand). */
  readonly integrations: readonly string[];
  /** The key used when none is given: the only integration's; undefined when there are several (or a loader). */
  readonly defaultIntegration: string | undefined;
  /** Whether integrations are loaded on demand (`integrations` given as a function). */
  readonly loadsIntegrations: boolean;
  readonly #tenants: TenantRegistry;
  /** What a warm look-up reads of each held tenant's token, by slot (the registry's). */
  readonly #warm: WarmTokens;
  readonly #tokens: TokenCache;
  readonly #telemetry: Telemetry;
  readonly #clock: () => number;
  readonly #storeConfigured: boolean;
  readonly #cacheMax: number;
  readonly #maxFailingTenantShare: number | undefined;
  readonly #apis: ApiClients;
  readonly #waits: BoundedWaits;
  readonly #browserWarnings: BrowserScopeWarnings;
  /** How contexts make their tenant's API client and helpers on first use. */
  readonly #tools: TenantTools = {
    apiOf: (tenant) => this.#apiOf(tenant),
    workflowsOf: (tenant) => this.#workflowsOf(tenant),
  };
  constructor(options: GrafxClientOptions) {
    const resolved = parseOptions(options);
    this.integrations = [...resolved.integrations.keys()];
    this.defaultIntegration = resolved.defaultIntegration;
    this.loadsIntegrations = resolved.loader !== undefined;
    this.#clock = resolved.clock;
    this.#storeConfigured = resolved.store !== undefined;
    this.#cacheMax = resolved.cacheMax;
    this.#maxFailingTenantShare = resolved.maxFailingTenantShare;
    this.#telemetry = new Telemetry(
      Math.max(resolved.cacheMax, resolved.integrations.size),
      resolved.openTelemetry,
      resolved.logger,
    );
    const loaded = this.loadsIntegrations;
    // The client's own signal: close() aborts it, and with it every wait (the loader's, resolveIntegration's, the
    // store's, the login server's).
    const closing = new AbortController();
    this.#waits = new BoundedWaits(closing.signal);
    this.#tenants = new TenantRegistry(
      resolved,
      {
        dropped: (key) => {
          this.#tokens.delete(key);
          if (loaded) this.#telemetry.forget(key);
        },
        rotated: (key) => this.#tokens.renew(key),
      },
      closing.signal,
    );
    this.#warm = this.#tenants.warm;
    this.#tokens = new TokenCache(resolved, this.#telemetry, this.#tenants, closing);
    const { clock, rejectionRenewalIntervalMs, apiMaxResponseBytes, allowTokenThroughTransport } = resolved;
    // The proxy rules were read once (parseOptions); the API client's agents are made once per client, here.
    const transport = axiosTransport(resolved.transport, { keepAlive: true, timeout: 5000, scheduling: 'lifo' });
    this.#apis = new ApiClients(this.#tokens, {
      events: this.#telemetry,
      clock,
      rejectionRenewalIntervalMs,
      maxResponseBytes: apiMaxResponseBytes,
      allowTokenThroughTransport,
      transport,
    });
    const warnedMax = Math.max(resolved.cacheMax, resolved.integrations.size);
    this.#browserWarnings = new BrowserScopeWarnings(resolved.logger, this.#telemetry, warnedMax);
    Object.defineProperty(this, CLIENT_BRAND, { value: true });
  }

  /** Whether `integration` is a configured key (or, for integrations loaded on demand, one held right now). */
  has(integration: string): boolean {
    return (
      this.#tenants.configured(integration) !== undefined ||
      (this.loadsIntegrations && this.#tenants.holds(integration))
    );
  }

  /**
   * The integration's key, environment, API base URL and browser flag (never its credentials). For integrations
   * loaded on demand, only while held: `lookup()` loads it when needed.
   */
  integration(integration?: string): IntegrationInfo {
    const key = this.#key(integration);
    const configured = this.#tenants.configured(key);
    if (configured !== undefined) return infoOf(configured);
    return infoOf(this.#heldTenant(key, 'integration').integration);
  }

  /** The integration's key, environment, API base URL and browser flag, loading it when needed. */
  async lookup(integration?: string): Promise<IntegrationInfo> {
    const key = this.#key(integration);
    if (this.#tokens.closed) throw clientClosedError(key);
    return infoOf((await this.#tenants.tenant(key)).integration);
  }

  /** A valid access token of the integration (cached; fetched once for all concurrent callers). */
  async getToken(integration?: string): Promise<string> {
    const key = this.#key(integration);
    if (this.#tokens.closed) throw clientClosedError(key);
    // Like context(): a held tenant is made the most recently used, so a tenant used only through getToken stays
    // held. One not held is made (or loaded) by the token cache's shared fetch, as before.
    const slot = this.#tenants.touchHeldSlot(key);
    let tenant: Tenant | undefined;
    if (slot !== NO_SLOT) {
      const now = this.#clock();
      const warm = this.#warm;
      let token: string | undefined;
      if (now < warm.until(slot)) token = warm.token(slot);
      else {
        tenant = this.#tenants.tenantAt(slot);
        token = this.#coolRecord(tenant, now)?.token;
      }
      if (token !== undefined) {
        if (tokenChannel.hasSubscribers) traceCachedToken(key);
        return token;
      }
    }
    const found = this.#tokens.get(key, tenant);
    if (found instanceof Promise) return (await found).token;
    if (tokenChannel.hasSubscribers) traceCachedToken(key);
    return found.token;
  }

  /**
   * The integration's API client (one instance per integration while it is held, created on first use). For
   * integrations loaded on demand, only while held: use `(await client.context(key)).api` otherwise.
   */
  api(integration?: string): AxiosInstance {
    const key = this.#key(integration);
    return this.#apiOf(this.#tenants.peek(key) ?? this.#heldTenant(key, 'api'));
  }

  /**
   * Every item of every page of a list endpoint of the integration (see `req.grafx.paginate`). An integration
   * loaded on demand is loaded (and its options checked) when the loop starts.
   */
  paginate<T = unknown>(
    integration: string | undefined,
    path: string,
    params?: GrafxQueryParams,
    options?: PaginateOptions,
  ): AsyncIterable<T> {
    const key = this.#key(integration);
    const held = this.#tenants.peek(key);
    if (held !== undefined) return this.#workflowsOf(held).paginate<T>(path, params, options);
    const context = (): GrafxContext | Promise<GrafxContext> => this.context(key);
    return {
      async *[Symbol.asyncIterator]() {
        yield* (await context()).paginate<T>(path, params, options);
      },
    };
  }

  /** Starts an output of the integration and waits for its task (see `req.grafx.generateOutput`). */
  async generateOutput(
    integration: string | undefined,
    format: GrafxOutputFormat,
    body: unknown,
    options?: TaskWaitOptions,
  ): Promise<GrafxTaskResult> {
    return (await this.context(integration)).generateOutput(format, body, options);
  }

  /** Fetches a file of the integration's environment API as a stream (see `req.grafx.download`). */
  async download(integration: string | undefined, link: string, options?: DownloadOptions): Promise<GrafxDownload> {
    return (await this.context(integration)).download(link, options);
  }

  /** Waits for a task of the integration (see `req.grafx.waitForTask`). */
  async waitForTask(
    integration: string | undefined,
    taskInfoPath: string,
    options?: TaskWaitOptions,
  ): Promise<GrafxTaskResult> {
    return (await this.context(integration)).waitForTask(taskInfoPath, options);
  }

  /**
   * Token, expiry and API client of the integration. Returns synchronously when it is held with a valid token,
   * else a Promise (an integration loaded on demand is loaded first); throws a GrafxAuthError (4xx) for a key that
   * is not configured. `await` works either way.
   */
  context(integration?: string): GrafxContext | Promise<GrafxContext> {
    const key = integration ?? this.#key(undefined);
    // The warm path: one walk of one LRU, the tenants' (none when the key is the one looked up last and no tenant was
    // held or dropped since: see touchHeldSlot()), and one clock read: the token's fields are in the registry's
    // dense arrays, by the tenant's slot (WarmTokens), so nothing of the tenant's own objects is read. A static tenant
    // is made on first use.
    const slot = this.#tenants.touchSlot(key);
    if (slot === NO_SLOT && !this.loadsIntegrations) throw unknownIntegration(key);
    if (this.#tokens.closed) return Promise.reject(clientClosedError(key));
    if (slot === NO_SLOT) return this.#contextWhenReady(key, undefined);
    const now = this.#clock();
    const warm = this.#warm;
    if (now < warm.until(slot)) {
      if (tokenChannel.hasSubscribers) traceCachedToken(key);
      const tenant = this.#tenants.tenantAt(slot);
      return new RequestContext(key, warm.token(slot), warm.expiresAt(slot), warm.scope(slot), tenant, this.#tools);
    }
    const tenant = this.#tenants.tenantAt(slot);
    const record = this.#coolRecord(tenant, now);
    if (record === undefined) return this.#contextWhenReady(key, tenant);
    if (tokenChannel.hasSubscribers) traceCachedToken(key);
    return this.#contextOf(tenant, record);
  }

  /**
   * The API refused `token` of the integration outside this process (GraFx Studio in a browser, which got it from
   * the token route): a context with a renewed token, under the same per-integration limit as `req.grafx.api`'s own
   * renewals after a 401 (one token request per `rejectionRenewalIntervalMs`, shared with them). When `token` is no
   * longer the cached one (renewed already), or the limit allows no renewal now, the cached token comes back.
   */
  async renewRefusedToken(integration: string | undefined, token: string): Promise<GrafxContext> {
    const key = this.#key(integration);
    if (this.#tokens.closed) throw clientClosedError(key);
    const tenant = this.#tenants.peek(key) ?? (await this.#tenants.tenant(key));
    return this.#contextOf(tenant, await this.#apis.renewRefused(this.#apiOf(tenant), token));
  }

  /**
   * As `context()`, for a token that goes to a browser (what `grafxTokenHandler()` uses): the first time a token of
   * the integration with a `:write` or `output:` permission is handed out this way, a coded warning
   * (`GRAFX_BROWSER_TOKEN_NOT_READ_ONLY`) goes to the logger and the `warning` event, once per integration.
   */
  async browserContext(integration: string): Promise<GrafxContext> {
    const context = await this.context(integration);
    this.#browserWarnings.handedOut(context.integration, context.scopes);
    return context;
  }

  /**
   * Readiness from the first second: fetches the tokens of `integrations` (a key or keys; default: every configured
   * integration) and resolves when each has one, or rejects with the first failure (a GrafxAuthError: bad
   * credentials, an unreachable login server...). Call it at start-up, so that bad credentials show at deploy time
   * and `health()` (the health handler) reports them before any traffic. An unknown key rejects before anything is
   * fetched; no integrations (an empty list) resolves at once. With integrations loaded on demand (a loader
   * function), nothing is configured up front: `ready()` resolves at once, `ready(keys)` loads and fetches those.
   * Tokens it fetches are cached as any other.
   */
  async ready(integrations: string | readonly string[] = this.integrations): Promise<void> {
    const keys = (typeof integrations === 'string' ? [integrations] : integrations).map((key) => this.#key(key));
    await Promise.all(keys.map((key) => this.getToken(key)));
  }

  /** Forgets every cached token (the next use fetches new ones). */
  clearTokens(): void {
    this.#tokens.clear();
  }

  /**
   * Drops an integration at once: its credentials, token and API client (credentials revoked, tenant deleted). Its
   * next use loads it again (asks the loader; a static integration starts with a new token).
   */
  forget(integration: string): void {
    this.#tokens.forget(integration);
    this.#tenants.forget(integration);
  }

  /**
   * Listens to the client's events: `tokenRenewed`, `tokenRenewalFailed`, `requestRetried`,
   * `apiRejectsFreshTokens`, `storeFault`, `storeRecovered`, `warning`. Payloads carry integration keys, timings and error codes, never a token or a secret.
   * A listener that throws does not disturb requests.
   */
  on<E extends keyof GrafxClientEvents>(event: E, listener: (payload: GrafxClientEvents[E]) => void): this {
    this.#telemetry.on(event, listener);
    return this;
  }

  off<E extends keyof GrafxClientEvents>(event: E, listener: (payload: GrafxClientEvents[E]) => void): this {
    this.#telemetry.off(event, listener);
    return this;
  }

  /**
   * Readiness and counts, in O(1) whatever the number of tenants held (see GrafxHealth): nothing secret. Lists every
   * static integration; loaded tenants only when `options.tenants.limit` asks for them (at most 1000 a call).
   */
  health(options: HealthOptions = {}): GrafxHealth {
    const closed = this.#tokens.closed;
    const { failing, rejected } = this.#tokens.counts();
    const counts: HealthCounts = {
      held: this.#tenants.size,
      max: this.#cacheMax,
      loadedOnDemand: this.loadsIntegrations,
      failing,
      rejected,
      apiRejectingTokens: this.#telemetry.apiRejecting,
    };
    let ok = !closed;
    const integrations: Record<string, IntegrationHealth> = {};
    if (this.loadsIntegrations) {
      const share = this.#maxFailingTenantShare;
      if (share !== undefined && counts.held > 0 && failing / counts.held > share) ok = false;
      const limit = boundedCount(options.tenants?.limit, 0, MAX_HEALTH_DETAIL);
      let skip = boundedCount(options.tenants?.offset, 0, Number.MAX_SAFE_INTEGER);
      if (limit > 0) {
        for (const [key, tenant] of this.#tenants.entries()) {
          if (skip > 0) {
            skip -= 1;
            continue;
          }
          if (Object.keys(integrations).length >= limit) break;
          addHealth(integrations, key, this.#integrationHealth(key, tenant.integration, closed));
        }
      }
    } else {
      for (const [key, integration] of this.#tenantsConfigured()) {
        const health = this.#integrationHealth(key, integration, closed);
        ok &&= health.canServe;
        addHealth(integrations, key, health);
      }
    }
    const storeDown = this.#tokens.storeDown;
    const degraded = failing > 0 || counts.apiRejectingTokens > 0 || storeDown;
    return {
      ok,
      status: ok ? (degraded ? 'degraded' : 'ready') : 'unready',
      store: { configured: this.#storeConfigured, down: storeDown },
      tenants: counts,
      integrations,
    };
  }

  #integrationHealth(key: string, { clientId, environment }: ResolvedIntegration, closed: boolean): IntegrationHealth {
    const { record, failing } = this.#tokens.status(key);
    const tenant = this.#tenants.held(key);
    const stats = this.#telemetry.peekStats(key);
    const retryAt = failing ? this.#tokens.retryAt(key) : undefined;
    return {
      canServe: !closed && (record !== undefined || !failing),
      hasToken: record !== undefined,
      expiresInSeconds:
        record === undefined ? null : Math.max(0, Math.floor((record.expiresAt - this.#clock()) / 1000)),
      lastRenewalAt: isoTime(tenant?.lastRenewalAt),
      lastErrorCode: stats?.lastErrorCode ?? null,
      renewals: tenant?.renewals ?? 0,
      failures: stats?.failures ?? 0,
      retries: stats?.retries ?? 0,
      apiRejectingTokens: stats?.apiRejectingTokens ?? false,
      lastTokenRejectionAt: isoTime(stats?.lastTokenRejectionAt),
      nextAttemptAt: isoTime(retryAt),
      clientId: `${clientId.slice(0, Math.min(4, Math.floor(clientId.length / 3)))}…`,
      environment: environment ?? null,
      scopes: record === undefined ? [] : [...scopeSet(record.scope)].sort(),
    };
  }

  /**
   * Waits for an app's own promise (the Express adapter's `resolveIntegration` answer) at most `timeoutMs`
   * milliseconds, and no longer than the client is open: rejects with `timedOut()` once the time has passed, or with
   * GRAFX_CLIENT_CLOSED (503) when the client closes meanwhile.
   */
  waitFor<T>(pending: PromiseLike<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
    return this.#waits.wait(pending, { timeoutMs, timedOut, closed: () => clientClosedError() });
  }

  /**
   * Closes the client: ends every wait at once (callers of `getToken`, `context`, `ready` and the middleware get
   * GRAFX_CLIENT_CLOSED, even while the `integrations` loader or `resolveIntegration` has not answered; the loader's
   * `signal` is aborted), aborts token requests in flight, starts no more renewals, forgets the tokens and drops the
   * event listeners, so a process (or a test runner) can exit. Resolves once the token requests in flight have ended
   * (promptly: none waits for the app's functions). Using the client afterwards fails with GRAFX_CLIENT_CLOSED.
   */
  async close(): Promise<void> {
    await this.#tokens.close();
    this.#tenants.clear();
    this.#telemetry.removeAllListeners();
  }

  /**
   * The held tenant's usable token, synchronously, or undefined (the caller then waits for one), when its warm slot
   * did not serve it (see WarmTokens): the token cache's, which starts a due renewal in the background, and warms the
   * slot again. Starts a due reload of the tenant's credentials in the background, as every warm use does.
   */
  #coolRecord(tenant: Tenant, now: number): TokenRecord | undefined {
    if (now >= tenant.reloadAt) this.#tenants.reloadIfDue(tenant, now);
    const record = this.#tokens.peek(tenant.key);
    if (record !== undefined && this.#tenants.held(tenant.key) === tenant) this.#tenants.warmUp(tenant.key, record);
    return record;
  }

  async #contextWhenReady(key: string, held: Tenant | undefined): Promise<GrafxContext> {
    const tenant = held ?? (await this.#tenants.tenant(key));
    const found = this.#tokens.get(key, tenant);
    return this.#contextOf(tenant, found instanceof Promise ? await found : found);
  }

  #contextOf(tenant: Tenant, record: TokenRecord): GrafxContext {
    return new RequestContext(tenant.key, record.token, record.expiresAtDate, record.scope, tenant, this.#tools);
  }

  /** The tenant's workflow helpers, made once next to its API client. */
  #workflowsOf(tenant: Tenant): GrafxWorkflows {
    tenant.workflows ??= createWorkflows(tenant.key, this.#apiOf(tenant), tenant.integration.apiBaseURL);
    return tenant.workflows;
  }

  /** The tenant's API client, made on its first use; it goes with the tenant (its token source is the key). */
  #apiOf(tenant: Tenant): AxiosInstance {
    if (tenant.api === undefined) {
      tenant.api = this.#apis.create(tenant.key, tenant.integration.apiBaseURL);
    }
    return tenant.api;
  }

  *#tenantsConfigured(): Generator<[string, ResolvedIntegration]> {
    for (const key of this.integrations) {
      const integration = this.#tenants.configured(key);
      if (integration !== undefined) yield [key, integration];
    }
  }

  #heldTenant(key: string, method: string): Tenant {
    const tenant = this.#tenants.peek(key);
    if (tenant !== undefined) return tenant;
    if (!this.loadsIntegrations) throw unknownIntegration(key);
    throw new GrafxAuthError(
      GRAFX_ERROR_CODES.INTEGRATION_NOT_LOADED,
      `client.${method}(key) answers at once, and the integration is loaded on demand and not held now: use ` +
        (method === 'api' ? '(await client.context(key)).api' : 'await client.lookup(key)'),
      { status: 500, integration: key },
    );
  }

  #key(integration: string | undefined): string {
    if (integration === undefined) {
      if (this.defaultIntegration === undefined) {
        throw new GrafxAuthError(
          GRAFX_ERROR_CODES.INTEGRATION_MISSING,
          this.loadsIntegrations
            ? 'GraFx integrations are loaded on demand: name the one to use'
            : `Several GraFx integrations are configured (${this.integrations.join(', ')}): name the one to use`,
          { status: 400 },
        );
      }
      return this.defaultIntegration;
    }
    if (!this.loadsIntegrations && this.#tenants.configured(integration) === undefined) {
      throw unknownIntegration(integration);
    }
    return integration;
  }
}

function infoOf({ key, environment, apiBaseURL, browser }: ResolvedIntegration): IntegrationInfo {
  return { key, environment, apiBaseURL, browser };
}

/** defineProperty: a key such as `__proto__` is a property like any other, never the object's prototype. */
function addHealth(integrations: Record<string, IntegrationHealth>, key: string, health: IntegrationHealth): void {
  Object.defineProperty(integrations, key, { enumerable: true, writable: true, configurable: true, value: health });
}

/** A whole number from `min` to `max` (a value that is not one counts as `min`). */
function boundedCount(value: unknown, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min;
}

function isoTime(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

/** Creates a client for code outside requests; pass it to `grafxAuth(client)` so an app and its workers share one cache. */
export function createGrafxClient(options: GrafxClientOptions): GrafxClient {
  return new GrafxClient(options);
}

/** Whether `value` is a GrafxClient (also one from the other module format of this package). */
export function isGrafxClient(value: unknown): value is GrafxClient {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CLIENT_BRAND] === true;
}
