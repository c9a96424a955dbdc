// lib/core/tenant-registry.ts
// TenantRegistry: the integrations held in an LRU (cache.max); static ones made on first use, loaded ones asked of the loader.
import { LRUCache } from 'lru-cache';
import { GRAFX_ERROR_CODES, GrafxAuthError } from './errors.js';
import { InFlight } from './in-flight.js';
import type { Logger } from './logger.js';
import {
  type IntegrationLoader,
  type ResolvedIntegration,
  type ResolvedOptions,
  resolveLoadedIntegration,
} from './options.js';
import { quotedKey } from './redaction.js';
import type { Tenant } from './tenant.js';
import { storeKey } from './token-store.js';

/** After a reload of credentials failed, the held ones are used this long before the loader is asked again. */
const RELOAD_RETRY_MS = 5_000;

/** What the registry tells the token cache. */
export interface TenantHooks {
  /** A tenant left the registry (evicted, forgotten, revoked): its token goes with it. */
  dropped(key: string): void;
  /** A reload changed a tenant's credentials: its next token must come from the new ones. */
  rotated(key: string): void;
}

export class TenantRegistry {
  readonly #options: ResolvedOptions;
  readonly #static: ReadonlyMap<string, ResolvedIntegration>;
  readonly #loader: IntegrationLoader | undefined;
  readonly #clock: () => number;
  readonly #logger: Logger;
  readonly #hooks: TenantHooks;
  readonly #cache: LRUCache<string, Tenant>;
  /** Keys the loader did not know, remembered briefly (a negative cache, bounded). */
  readonly #unknown: LRUCache<string, true> | undefined;
  readonly #loads = new InFlight<Tenant | undefined>();
  #generation = 0;
  /** What, besides URL and client, decides which token the login server grants: the audience and any tokenParams. */
  readonly #requestIdentity: string;

  constructor(options: ResolvedOptions, hooks: TenantHooks) {
    this.#options = options;
    this.#static = options.integrations;
    this.#loader = options.loader;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#hooks = hooks;
    const { audience, tokenParams } = options;
    this.#requestIdentity = tokenParams.length === 0 ? audience : JSON.stringify([audience, tokenParams]);
    this.#cache = new LRUCache<string, Tenant>({
      max: options.cacheMax,
      // A load in flight still answers the callers waiting for it when its entry is evicted.
      ignoreFetchAbort: true,
      // 'set' is a reload replacing a tenant: `rotated` says so once the new one is held.
      dispose: (_tenant, key, reason) => {
        this.#generation += 1;
        if (reason !== 'set') hooks.dropped(key);
      },
      onInsert: () => {
        this.#generation += 1;
      },
      fetchMethod: (key, stale) => this.#load(key, stale),
    });
    if (options.loader !== undefined && options.unknownTtlMs > 0) {
      this.#unknown = new LRUCache<string, true>({
        max: options.unknownMax,
        ttl: options.unknownTtlMs,
        perf: { now: options.clock },
      });
    }
  }

  /** Whether integrations are loaded on demand (`integrations` is a function). */
  get loads(): boolean {
    return this.#loader !== undefined;
  }

  /** Changes whenever a tenant is held, replaced or dropped: while it stays the same, a held tenant is still held. */
  get generation(): number {
    return this.#generation;
  }

  /** How many tenants are held. */
  get size(): number {
    return this.#cache.size;
  }

  /** The static integration of `key`, if configured. */
  configured(key: string): ResolvedIntegration | undefined {
    return this.#static.get(key);
  }

  /**
   * The tenant of `key` if it can be had synchronously: held, or static (then made now). When a loaded tenant's
   * credentials are due to be asked for again, starts that in the background and still returns it.
   */
  peek(key: string): Tenant | undefined {
    const held = this.#cache.get(key);
    if (held !== undefined) {
      if (this.#loader !== undefined) {
        const now = this.#clock();
        if (now >= held.reloadAt) this.#reload(held, now);
      }
      return held;
    }
    const integration = this.#static.get(key);
    if (integration === undefined) return undefined;
    const created = this.#create(key, integration, Infinity);
    this.#cache.set(key, created);
    return created;
  }

  /** The tenant of `key`: held, made, or loaded (once for all concurrent callers). Unknown: a 400 GrafxAuthError. */
  tenant(key: string): Tenant | Promise<Tenant> {
    const held = this.peek(key);
    if (held !== undefined) return held;
    if (this.#loader === undefined || this.#unknown?.has(key) === true) throw unknownIntegration(key);
    return this.#loads
      .run(key, () => this.#cache.fetch(key))
      .then((tenant) => {
        if (tenant === undefined) throw unknownIntegration(key);
        return tenant;
      });
  }

  /** Whether the tenant of `key` is held now. */
  holds(key: string): boolean {
    return this.#cache.has(key);
  }

  /** The tenants held, least recently used last. */
  held(): IterableIterator<[string, Tenant]> {
    return this.#cache.entries();
  }

  /** Drops a tenant at once (its token with it); a key the loader did not know is asked for again. */
  forget(key: string): void {
    this.#loads.drop(key);
    this.#unknown?.delete(key);
    this.#cache.delete(key);
    this.#hooks.dropped(key);
  }

  clear(): void {
    this.#cache.clear();
    this.#unknown?.clear();
  }

  #create(key: string, integration: ResolvedIntegration, reloadAt: number): Tenant {
    const { store, tokenURL } = this.#options;
    const { clientId, clientSecret } = integration;
    const fleetKey =
      store === undefined ? undefined : storeKey(tokenURL, this.#requestIdentity, clientId, clientSecret);
    return { key, integration, storeKey: fleetKey, reloadAt, api: undefined, workflows: undefined };
  }

  /** Asks the loader again in the background; requests keep the held credentials meanwhile (and if it fails). */
  #reload(held: Tenant, now: number): void {
    held.reloadAt = now + Math.min(RELOAD_RETRY_MS, this.#options.reloadAfterMs);
    const { key } = held;
    this.#loads
      .run(key, () => this.#cache.fetch(key, { forceRefresh: true, allowStaleOnFetchRejection: true }))
      .then(
        (fresh) => {
          if (fresh !== undefined && fresh !== held) this.#hooks.rotated(key);
        },
        () => undefined,
      );
  }

  async #load(key: string, stale: Tenant | undefined): Promise<Tenant | undefined> {
    const loader = this.#loader;
    if (loader === undefined) return undefined;
    let config: unknown;
    try {
      config = await loader(key);
    } catch (cause) {
      const error = loadFailed(key, cause);
      if (stale !== undefined) this.#warnReloadFailed(key, error);
      throw error;
    }
    if (config === undefined || config === null) {
      // Revoked: the held tenant goes at once.
      if (stale !== undefined) this.forget(key);
      this.#unknown?.set(key, true);
      return undefined;
    }
    let integration: ResolvedIntegration;
    try {
      integration = resolveLoadedIntegration(key, config, this.#options);
    } catch (error) {
      if (stale !== undefined) this.#warnReloadFailed(key, error as GrafxAuthError);
      throw error;
    }
    const reloadAt = this.#clock() + this.#options.reloadAfterMs;
    if (stale !== undefined && sameIntegration(stale.integration, integration)) {
      stale.reloadAt = reloadAt;
      return stale;
    }
    return this.#create(key, integration, reloadAt);
  }

  #warnReloadFailed(key: string, error: GrafxAuthError): void {
    this.#logger.warn(
      `express-grafx-auth: asking again for the credentials of integration ${quotedKey(key)} failed (${error.code}): ` +
        'keeping the held ones, asking again in a few seconds',
    );
  }
}

function sameIntegration(a: ResolvedIntegration, b: ResolvedIntegration): boolean {
  return (
    a.clientId === b.clientId &&
    a.clientSecret === b.clientSecret &&
    a.environment === b.environment &&
    a.apiBaseURL === b.apiBaseURL &&
    a.browser === b.browser
  );
}

export function unknownIntegration(key: string): GrafxAuthError {
  return new GrafxAuthError(GRAFX_ERROR_CODES.INTEGRATION_UNKNOWN, `Unknown GraFx integration ${quotedKey(key)}`, {
    status: 400,
    integration: key,
  });
}

function loadFailed(key: string, cause: unknown): GrafxAuthError {
  return new GrafxAuthError(
    GRAFX_ERROR_CODES.INTEGRATION_LOAD_FAILED,
    `Loading GraFx integration ${quotedKey(key)} failed: the \`integrations\` function threw or rejected`,
    { status: 503, integration: key, cause },
  );
}
