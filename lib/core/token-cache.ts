// lib/core/token-cache.ts
// TokenCache: one access token per integration in an LRU, fetched once for all concurrent callers, renewed before expiry.
import { LRUCache } from 'lru-cache';
import { GRAFX_ERROR_CODES, GrafxAuthError, clientClosedError } from './errors.js';
import { type FetchPurpose, FleetTokenFetch, learnedFailureEnd } from './fleet-token-fetch.js';
import { InFlight } from './in-flight.js';
import type { ResolvedIntegration, ResolvedOptions } from './options.js';
import type { Tenant } from './tenant.js';
import { TenantRegistry } from './tenant-registry.js';
import { TokenEndpoint } from './token-endpoint.js';
import type { TokenAcquisitionMessage } from './diagnostics.js';
import type { Telemetry } from './telemetry.js';
import { type TokenRecord, tokenRecord } from './token-record.js';
import { storeKey } from './token-store.js';
import { LazyLRU } from './lazy-lru.js';
import { LoadMarks } from './load-marks.js';

/** Where the token cache finds an integration's credentials (the client's TenantRegistry). */
export interface TenantSource {
  tenant(key: string): Tenant | Promise<Tenant>;
  /** The token cache now holds `record` for `key` (stored, renewed): what warm look-ups of a held tenant serve. */
  warmUp?(key: string, record: TokenRecord): void;
  /** The token cache dropped `record` of `key` (replaced, deleted, evicted): warm look-ups no longer serve it. */
  coolDown?(key: string, record: TokenRecord): void;
}

/** Failure bookkeeping of one integration: a failing login server is asked again only after a backoff. */
interface FailureState {
  failures: number;
  retryAt: number;
  lastError: GrafxAuthError | undefined;
  /** The login server refused the credentials (GRAFX_CREDENTIALS_REJECTED): counted apart for health. */
  rejected: boolean;
}

/** What health reports of the token side, kept as counts at each change: O(1) to read. */
export interface TokenCounts {
  /** Integrations whose last token request failed (cleared by the next success, or when the tenant leaves). */
  failing: number;
  /** Of those, the ones whose credentials the login server refused. */
  rejected: number;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15_000;

export class TokenCache {
  readonly #tenants: TenantSource;
  readonly #endpoint: TokenEndpoint;
  readonly #clock: () => number;
  readonly #refreshWindowMs: number;
  /** Bounded like the tenants: a failure recorded after its tenant left is forgotten in time. */
  readonly #failures: LazyLRU<string, FailureState>;
  readonly #cache: LRUCache<string, TokenRecord>;
  /**
   * The token fetches in flight, by integration: one for all its callers until it settles, even once its tenant was
   * dropped. This, not lru-cache's `fetch()`, coalesces them: `fetch()` would share a fetch only while its entry stays
   * in the LRU, and costs an AbortController and a placeholder entry per fetch, which nothing here reads.
   */
  readonly #pending = new InFlight<TokenRecord>();
  /** The mark of each fetch in flight: a fetch whose integration was dropped (or cleared) meanwhile is not held. */
  readonly #fetching = new LoadMarks();
  readonly #fleet: FleetTokenFetch | undefined;
  readonly #tokenURL: string;
  /** What, besides URL and client, decides which token the login server grants: the audience and any tokenParams. */
  readonly #requestIdentity: string;
  readonly #telemetry: Telemetry;
  readonly #closing: AbortController;
  /** `#closing.signal.aborted`, as a plain field: read on every request (AbortSignal's getter checks its receiver). */
  #closed = false;
  #rejected = 0;

  /**
   * @param tenants where credentials come from; by default a registry of the options' static integrations.
   * @param controller the client's: `close()` aborts it, which ends every wait of the client (see BoundedWaits).
   */
  constructor(
    options: ResolvedOptions,
    telemetry: Telemetry,
    tenants?: TenantSource,
    controller: AbortController = new AbortController(),
  ) {
    this.#closing = controller;
    const closing = controller.signal;
    const hooks = { dropped: (key: string) => this.delete(key), rotated: (key: string) => this.renew(key) };
    this.#tenants = tenants ?? new TenantRegistry(options, hooks, closing);
    this.#telemetry = telemetry;
    this.#endpoint = new TokenEndpoint(options, closing);
    this.#clock = options.clock;
    this.#refreshWindowMs = options.refreshWindowMs;
    this.#tokenURL = options.tokenURL;
    const { audience, tokenParams } = options;
    this.#requestIdentity = tokenParams.length === 0 ? audience : JSON.stringify([audience, tokenParams]);
    if (options.store !== undefined) {
      const { clock, timeoutMs, logger } = options;
      this.#fleet = new FleetTokenFetch(options.store, { clock, timeoutMs, logger, telemetry, closing });
    }
    this.#failures = new LazyLRU<string, FailureState>({
      max: Math.max(options.cacheMax, options.integrations.size),
      // The counts follow every entry that leaves (success, drop, eviction).
      dispose: (state) => {
        if (state.rejected) this.#rejected -= 1;
      },
    });
    this.#cache = new LRUCache<string, TokenRecord>({
      max: options.cacheMax,
      // No ttl: every read checks the record's own times (usableUntil, refreshDueAt), and lru-cache's ttl would set
      // aside two numbers per slot, tenants or not. An unusable record is replaced by the next fetch (see #fetch).
      // What a warm request reads of a held tenant's token (the registry's WarmTokens) follows the token cached for
      // its key, kept so here, where every store, renewal and drop passes: a warm request walks one LRU, the
      // tenants', and never this one. This LRU holds tokens of held tenants only (a tenant's drop deletes its token),
      // so no more than the tenants LRU does: it never evicts by its own recency, which warm requests need not keep.
      onInsert: (record, key) => this.#tenants.warmUp?.(key, record),
      dispose: (record, key) => this.#tenants.coolDown?.(key, record),
    });
  }

  /**
   * The cached token of `integration` if it is usable now (and is not `unless`), synchronously; else undefined.
   * When its renewal is due, starts one in the background (shared by every caller) and still returns it.
   */
  peek(integration: string, unless?: string): TokenRecord | undefined {
    const record = this.#cache.get(integration);
    if (record === undefined || record.token === unless) return undefined;
    const now = this.#clock();
    if (now >= record.usableUntil) return undefined;
    if (now >= record.refreshDueAt) this.#renewInBackground(integration, now);
    return record;
  }

  /**
   * A usable token: the cached one, or one fetched for all concurrent callers at once. `tenant` saves looking the
   * integration up again when the caller holds it.
   */
  get(integration: string, tenant?: Tenant): TokenRecord | Promise<TokenRecord> {
    return this.peek(integration) ?? this.#load(integration, false, undefined, tenant);
  }

  /**
   * After the API refused `failedToken`: a renewed token. Renews only if `failedToken` is still the cached
   * one; if another caller renewed it already (or is renewing it), that token is used instead.
   */
  renewAfterRejection(integration: string, failedToken: string): Promise<TokenRecord> {
    const record = this.peek(integration, failedToken);
    return record === undefined ? this.#load(integration, true, failedToken) : Promise.resolve(record);
  }

  /** Starts a renewal now, in the background (the credentials changed); the held token serves meanwhile. */
  renew(integration: string): void {
    if (this.#closing.signal.aborted) return;
    this.#startRenewal(integration);
  }

  /** Drops the integration's token (its tenant left); a fetch in flight still answers the callers waiting for it. */
  delete(integration: string): void {
    this.#fetching.drop(integration);
    this.#cache.delete(integration);
    this.#failures.delete(integration);
  }

  /** Drops the integration's token and stops sharing its fetch in flight (its credentials were revoked). */
  forget(integration: string): void {
    this.#pending.drop(integration);
    this.delete(integration);
  }

  /** Forgets every cached token. */
  clear(): void {
    this.#fetching.clear();
    this.#cache.clear();
  }

  /** What the health report shows of an integration: its usable token (if any) and whether its last fetch failed. */
  status(integration: string): { record: TokenRecord | undefined; failing: boolean; storeDown: boolean } {
    const record = this.#cache.peek(integration);
    const now = this.#clock();
    return {
      record: record !== undefined && now < record.usableUntil ? record : undefined,
      failing: this.#failures.has(integration),
      storeDown: this.#fleet?.down ?? false,
    };
  }

  /** Whether the shared token store is in an outage. */
  get storeDown(): boolean {
    return this.#fleet?.down ?? false;
  }

  /** Failing and rejected integrations, counted at each change (health's O(1) summary). */
  counts(): TokenCounts {
    return { failing: this.#failures.size, rejected: this.#rejected };
  }

  /** The failing integrations (only those): key, whether a usable token still serves, when it is asked again. */
  *failing(): Generator<{ key: string; canServe: boolean; retryAt: number; code: string | undefined }> {
    const now = this.#clock();
    for (const [key, state] of this.#failures.entries()) {
      const record = this.#cache.peek(key);
      const canServe = record !== undefined && now < record.usableUntil;
      yield { key, canServe, retryAt: state.retryAt, code: state.lastError?.code };
    }
  }

  /** When a failing integration's login server is asked again (its backoff's end); undefined when not failing. */
  retryAt(integration: string): number | undefined {
    return this.#failures.peek(integration)?.retryAt;
  }

  /** Stops for good: aborts token requests in flight, starts no renewal, forgets every token. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    await Promise.allSettled([...this.#pending.values()]);
    this.#cache.clear();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The token fetch of `integration`, shared with every caller until it settles (see InFlight). */
  #load(integration: string, forceRefresh: boolean, rejected?: string, held?: Tenant): Promise<TokenRecord> {
    return this.#pending.run(integration, () => this.#fetch(integration, forceRefresh, false, rejected, held));
  }

  #renewInBackground(integration: string, now: number): void {
    if (this.#closing.signal.aborted) return;
    const failure = this.#failures.get(integration);
    if (failure !== undefined && now < failure.retryAt) return;
    this.#startRenewal(integration);
  }

  /** A renewal in the background: requests keep the still-valid token; a failed one keeps it (retried after a backoff). */
  #startRenewal(integration: string): void {
    this.#pending.run(integration, () => this.#fetch(integration, true, true)).catch(() => undefined);
  }

  /**
   * One token fetch (see #load): the cached token when it is still usable and `force` is not set, else a new one,
   * held once it comes unless its integration was dropped meanwhile. When a fetch fails, a renewal in the background
   * leaves the cached token in place (it is still usable); any other fetch drops the record it was to replace
   * (unusable, or refused by the API).
   */
  async #fetch(
    key: string,
    force: boolean,
    background: boolean,
    rejected?: string,
    held?: Tenant,
  ): Promise<TokenRecord> {
    const tenant = held ?? (await this.#tenants.tenant(key));
    const cached = this.#cache.peek(key);
    if (!force && cached !== undefined && this.#clock() < cached.usableUntil) return cached;
    const mark = this.#fetching.begin(key);
    try {
      const record = await this.#fetchToken(key, cached, tenant, rejected);
      if (this.#fetching.current(key, mark)) this.#cache.set(key, record);
      return record;
    } catch (error) {
      if (!background && cached !== undefined && this.#cache.peek(key) === cached) this.#cache.delete(key);
      throw error;
    } finally {
      this.#fetching.end(key, mark);
    }
  }

  async #fetchToken(
    key: string,
    stale: TokenRecord | undefined,
    tenant: Tenant,
    rejected: string | undefined,
  ): Promise<TokenRecord> {
    const integration = tenant.integration;
    if (this.#closing.signal.aborted) throw clientClosedError(key);
    const failure = this.#failures.get(key);
    if (failure?.lastError !== undefined && this.#clock() < failure.retryAt) {
      const retryAfter =
        failure.lastError.retryAfter === undefined ? undefined : Math.ceil((failure.retryAt - this.#clock()) / 1000);
      throw failure.lastError.copy(retryAfter);
    }
    const started = performance.now();
    const purpose: FetchPurpose =
      stale !== undefined && stale.token !== rejected && this.#clock() < stale.usableUntil ? 'renewal' : 'cold';
    const renewal = purpose === 'renewal';
    const message: TokenAcquisitionMessage = { integration: key, source: undefined, renewal };
    try {
      const record = await this.#telemetry.traceToken(message, () => this.#acquire(integration, purpose, rejected, message));
      this.#failures.delete(key);
      const durationMs = Math.round(performance.now() - started);
      const source = message.source === 'store' ? 'store' : 'login-server';
      tenant.renewals += 1;
      tenant.lastRenewalAt = this.#clock();
      this.#telemetry.tokenRenewed(
        { integration: key, durationMs, expiresAt: record.expiresAtDate, source, renewal },
        this.#clock(),
      );
      return record;
    } catch (error) {
      if (error instanceof GrafxAuthError) {
        const { code, status } = error;
        const durationMs = Math.round(performance.now() - started);
        this.#telemetry.tokenRenewalFailed({ integration: key, durationMs, code, status, renewal });
      }
      throw this.#recordFailure(key, error);
    }
  }

  /**
   * The token from the login server, or through the shared store (which may hand one another instance got); says
   * which in `message.source` before it resolves.
   */
  async #acquire(
    integration: ResolvedIntegration,
    purpose: FetchPurpose,
    rejected: string | undefined,
    message: TokenAcquisitionMessage,
  ): Promise<TokenRecord> {
    const fleet = this.#fleet;
    if (fleet === undefined) {
      const record = await this.#grant(integration);
      message.source = 'login-server';
      return record;
    }
    let asked = false;
    const grant = (): Promise<TokenRecord> => {
      asked = true;
      return this.#grant(integration);
    };
    // Its key in the shared store, worked out per fetch (an HMAC: not kept on every held tenant).
    const fleetKey = storeKey(this.#tokenURL, this.#requestIdentity, integration.clientId, integration.clientSecret);
    const record = await fleet.fetch(fleetKey, integration.key, purpose, grant, rejected);
    message.source = asked ? 'login-server' : 'store';
    return record;
  }

  async #grant(integration: ResolvedIntegration): Promise<TokenRecord> {
    const { key, clientId, clientSecret } = integration;
    const grant = await this.#endpoint.request({ integration: key, clientId, clientSecret });
    return tokenRecord(key, grant.accessToken, grant.lifetimeMs, grant.scope, this.#clock(), this.#refreshWindowMs);
  }

  #recordFailure(key: string, error: unknown): GrafxAuthError | unknown {
    if (!(error instanceof GrafxAuthError) || error.code === 'GRAFX_CLIENT_CLOSED') return error;
    const state = this.#failures.get(key) ?? { failures: 0, retryAt: 0, lastError: undefined, rejected: false };
    state.failures += 1;
    const rejected = error.code === GRAFX_ERROR_CODES.CREDENTIALS_REJECTED;
    if (rejected !== state.rejected) this.#rejected += rejected ? 1 : -1;
    state.rejected = rejected;
    // A Retry-After of zero (or below) still leaves the minimum backoff in place.
    const backoff =
      error.retryAfter !== undefined
        ? Math.max(BACKOFF_BASE_MS, error.retryAfter * 1000)
        : Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (state.failures - 1));
    // A failure learned from the shared store lasts no longer than the store's record of it.
    state.retryAt = Math.min(this.#clock() + backoff, learnedFailureEnd(error) ?? Infinity);
    state.lastError = error;
    this.#failures.set(key, state);
    return error;
  }
}
