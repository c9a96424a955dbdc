// lib/core/tenant-registry.ts
// TenantRegistry: the integrations held in an LRU (cache.max); static ones made on first use, loaded ones asked of the loader.
import { MAX_INTEGRATION_KEY_LENGTH } from './bounds.js';
import { BoundedWaits, type WaitLimit } from './bounded-wait.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, clientClosedError } from './errors.js';
import { InFlight } from './in-flight.js';
import { LazyAbort } from './lazy-abort.js';
import { LoadMarks } from './load-marks.js';
import { NO_SLOT, SlotLRU } from './slot-lru.js';
import type { Logger } from './logger.js';
import {
  type IntegrationLoader,
  type ResolvedIntegration,
  type ResolvedOptions,
  resolveLoadedIntegration,
} from './options.js';
import { createRedactor, quotedKey, sanitizeServerText } from './redaction.js';
import type { Tenant } from './tenant.js';
import type { TokenRecord } from './token-record.js';
import { WarmTokens } from './warm-tokens.js';
import { LazyLRU } from './lazy-lru.js';

/** After a reload of credentials failed, the held ones are used this long before the loader is asked again. */
const RELOAD_RETRY_MS = 5_000;
/**
 * Reloads come due spread over the last fifth of `loading.reloadAfterMs` (12 of 15 minutes to 15), so that tenants
 * loaded together (a deploy, a burst) are not all asked for again in the same minute.
 */
const RELOAD_SPREAD = 0.2;
/** At most this many reloads run at once; a tenant due meanwhile is looked at again a little later. */
export const MAX_RELOADS_IN_FLIGHT = 8;
/** How much later a due tenant is looked at again when the reloads in flight are at their bound: 1 to 2 seconds. */
const RELOAD_DEFER_MS = 1_000;

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
  readonly #cache: SlotLRU<Tenant>;
  /** What a warm look-up reads of each held tenant, by its slot in #cache (kept so by warmUp and coolDown). */
  readonly warm: WarmTokens;
  /** Keys the loader did not know, remembered briefly (a negative cache, bounded). */
  readonly #unknown: LazyLRU<string, true> | undefined;
  readonly #loads = new InFlight<Tenant | undefined>();
  /** The first loads in flight, each by a mark of its own: one forgotten (or cleared) meanwhile is not held when done. */
  readonly #loading = new LoadMarks();
  /** Every call of the loader is waited for at most `loading.timeoutMs`, and never once the client closes. */
  readonly #waits: BoundedWaits;
  #reloading = 0;
  // The slot the last look-up of the LRU found (made the most recently used by it). Forgotten at every change of
  // the LRU but look-ups (a tenant held, replaced or dropped): while it is remembered, its tenant is still held and
  // still the most recently used, so a look-up of its key needs no walk.
  #lastKey: string | undefined;
  #lastSlot = NO_SLOT;

  /** @param closing the client's: aborting it ends every wait for the loader (GRAFX_CLIENT_CLOSED) and aborts its signal. */
  constructor(options: ResolvedOptions, hooks: TenantHooks, closing: AbortSignal) {
    this.#options = options;
    this.#static = options.integrations;
    this.#loader = options.loader;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#hooks = hooks;
    this.#waits = new BoundedWaits(closing);
    // 'set' is a reload replacing a tenant: `rotated` says so once the new one is held. Its slot cools either way:
    // the next look-up asks the token cache again (see WarmTokens).
    this.#cache = new SlotLRU<Tenant>(
      options.cacheMax,
      (_tenant, key, reason, slot) => {
        this.#forgetLast();
        this.warm.cool(slot);
        if (reason !== 'set') hooks.dropped(key);
      },
      (capacity) => this.warm.grow(capacity),
    );
    this.warm = new WarmTokens(this.#cache.capacity);
    if (options.loader !== undefined && options.unknownTtlMs > 0) {
      this.#unknown = new LazyLRU<string, true>({
        max: options.unknownMax,
        // Bounded in bytes too: the keys' text (2 bytes a character) plus what an entry costs besides.
        maxSize: options.unknownMaxBytes,
        sizeCalculation: (_value, key) => 2 * key.length + UNKNOWN_ENTRY_BYTES,
        ttl: options.unknownTtlMs,
        perf: { now: options.clock },
      });
    }
  }

  /** Whether integrations are loaded on demand (`integrations` is a function). */
  get loads(): boolean {
    return this.#loader !== undefined;
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
    const held = this.touch(key);
    if (held !== undefined) this.reloadIfDue(held, this.#clock());
    return held;
  }

  /**
   * The tenant of `key`, made the most recently used (held, or static: then made now); undefined when it is not
   * held. Unlike peek(), it leaves reloads to the caller (reloadIfDue), who reads the clock once for everything.
   */
  touch(key: string): Tenant | undefined {
    const slot = this.touchSlot(key);
    return slot === NO_SLOT ? undefined : this.#cache.at(slot);
  }

  /** The slot of the tenant of `key` (see touch(): held, or static and made now); NO_SLOT when not held. */
  touchSlot(key: string): number {
    const held = this.touchHeldSlot(key);
    if (held !== NO_SLOT) return held;
    const integration = this.#static.get(key);
    if (integration === undefined) return NO_SLOT;
    return this.#hold(key, this.#create(key, integration, Infinity));
  }

  /** The slot of the tenant of `key` if held, made the most recently used; NO_SLOT when not held (nothing is made). */
  touchHeldSlot(key: string): number {
    if (key === this.#lastKey) return this.#lastSlot;
    const slot = this.#cache.touch(key);
    if (slot !== NO_SLOT) {
      this.#lastKey = key;
      this.#lastSlot = slot;
    }
    return slot;
  }

  /** The tenant held in `slot` (a slot touchSlot() or touchHeldSlot() just returned). */
  tenantAt(slot: number): Tenant {
    return this.#cache.at(slot) as Tenant;
  }

  /**
   * The token cache holds `record` for `key`: while the tenant of `key` is held, its warm look-ups serve it until its
   * renewal time (or the tenant's reload time, if earlier).
   */
  warmUp(key: string, record: TokenRecord): void {
    const slot = this.#cache.slotOf(key);
    if (slot !== NO_SLOT) this.warm.warm(slot, record, this.tenantAt(slot).reloadAt);
  }

  /** The token cache dropped `record` of `key`: a warm look-up no longer serves it. */
  coolDown(key: string, record: TokenRecord): void {
    const slot = this.#cache.slotOf(key);
    if (slot !== NO_SLOT && this.warm.serves(slot, record)) this.warm.cool(slot);
  }

  /** The tenant of `key` if held, without making it the most recently used (the token cache's bookkeeping). */
  held(key: string): Tenant | undefined {
    return this.#cache.peek(key);
  }

  /** Starts asking the loader again for a held tenant whose reload time has come (static ones never come due). */
  reloadIfDue(tenant: Tenant, now: number): void {
    if (now >= tenant.reloadAt) this.#reload(tenant, now);
  }

  /**
   * The tenant of `key`: held, made, or loaded (once for all concurrent callers). Unknown (or longer than
   * MAX_INTEGRATION_KEY_LENGTH): a 400 GrafxAuthError. More than `loading.maxInFlight` other keys loading: a 503.
   */
  tenant(key: string): Tenant | Promise<Tenant> {
    const held = this.peek(key);
    if (held !== undefined) return held;
    if (this.#loader === undefined || this.#unknown?.has(key) === true) throw unknownIntegration(key);
    if (key === '' || key.length > MAX_INTEGRATION_KEY_LENGTH) throw keyTooLong(key);
    if (!this.#loads.has(key) && this.#loads.size >= this.#options.loadMaxInFlight) throw loadBusy(key, this.#options);
    return this.#loads
      .run(key, () => this.#loadNew(key))
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
  entries(): Iterator<[string, Tenant]> & Iterable<[string, Tenant]> {
    return this.#cache.entries();
  }

  /** Drops a tenant at once (its token with it); a key the loader did not know is asked for again. */
  forget(key: string): void {
    this.#loads.drop(key);
    this.#loading.drop(key);
    this.#unknown?.delete(key);
    this.#cache.delete(key);
    this.#hooks.dropped(key);
  }

  clear(): void {
    this.#loading.clear();
    this.#cache.clear();
    this.#unknown?.clear();
  }

  /** Holds `tenant` as the most recently used (past `cache.max`, the least recently used goes); its slot. */
  #hold(key: string, tenant: Tenant): number {
    this.#forgetLast();
    return this.#cache.set(key, tenant);
  }

  /**
   * The first load of `key` (once for all its callers: see tenant()): held when the loader knows it, unless the key was
   * forgotten (or the client closed) meanwhile; its callers get it either way.
   */
  async #loadNew(key: string): Promise<Tenant | undefined> {
    const mark = this.#loading.begin(key);
    try {
      const loaded = await this.#load(key, undefined);
      if (loaded !== undefined && this.#loading.current(key, mark)) this.#hold(key, loaded);
      return loaded;
    } finally {
      this.#loading.end(key, mark);
    }
  }

  /**
   * A reload of the held tenant: the answer is held (made the most recently used) if `held` still is; when the loader
   * fails, `held` serves on. Undefined when the loader no longer knows the key (then #load dropped it).
   */
  async #reloadHeld(key: string, held: Tenant): Promise<Tenant | undefined> {
    let fresh: Tenant | undefined;
    try {
      fresh = await this.#load(key, held);
    } catch {
      return held;
    }
    if (fresh !== undefined && this.#cache.peek(key) === held) this.#hold(key, fresh);
    return fresh;
  }

  #forgetLast(): void {
    this.#lastKey = undefined;
    this.#lastSlot = NO_SLOT;
  }

  #create(key: string, integration: ResolvedIntegration, reloadAt: number): Tenant {
    return {
      key,
      integration,
      reloadAt,
      renewals: 0,
      lastRenewalAt: undefined,
      api: undefined,
      workflows: undefined,
    };
  }

  /**
   * Asks the loader again in the background; requests keep the held credentials meanwhile (and if it fails). At most
   * MAX_RELOADS_IN_FLIGHT at once: a tenant due while they run is looked at again a second or two later, so a
   * request costs the same whether reloads are due or not.
   */
  #reload(held: Tenant, now: number): void {
    if (this.#reloading >= MAX_RELOADS_IN_FLIGHT) {
      held.reloadAt = now + RELOAD_DEFER_MS + Math.floor(Math.random() * RELOAD_DEFER_MS);
      return;
    }
    held.reloadAt = now + Math.min(RELOAD_RETRY_MS, this.#options.reloadAfterMs);
    const { key } = held;
    // Past the bound, the held credentials serve on; the reload is tried again in a few seconds.
    if (!this.#loads.has(key) && this.#loads.size >= this.#options.loadMaxInFlight) return;
    this.#reloading += 1;
    const done = (): void => {
      this.#reloading -= 1;
    };
    this.#loads
      .run(key, () => this.#reloadHeld(key, held))
      .then((fresh) => {
        done();
        if (fresh !== undefined && fresh !== held) this.#hooks.rotated(key);
      }, done);
  }

  /** When credentials loaded now are asked for again: after `reloadAfterMs`, less up to a fifth of it (spread). */
  #reloadTime(now: number): number {
    const after = this.#options.reloadAfterMs;
    return now + after - Math.floor(Math.random() * after * RELOAD_SPREAD);
  }

  async #load(key: string, stale: Tenant | undefined): Promise<Tenant | undefined> {
    const loader = this.#loader;
    if (loader === undefined) return undefined;
    let config: unknown;
    try {
      // The signal is made only if the loader reads it (an own enumerable getter: a spread of the options keeps it).
      const controller = new LazyAbort();
      const answer = loader(key, {
        get signal() {
          return controller.signal;
        },
      });
      // (a plain answer is awaited too: what follows runs a tick later, as for a promise)
      config = isThenable(answer) ? await this.#waits.wait(answer, this.#loadLimit(key), controller) : await answer;
    } catch (cause) {
      const error = cause instanceof GrafxAuthError ? cause : loadFailed(key, cause);
      if (stale !== undefined && error.code !== GRAFX_ERROR_CODES.CLIENT_CLOSED) this.#warnReloadFailed(stale, error);
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
    } catch (cause) {
      // A row that throws while read (a getter, a decrypting column, a Proxy trap) failed to load, like a loader that threw.
      const error = cause instanceof GrafxAuthError ? cause : loadFailed(key, cause);
      if (stale !== undefined) this.#warnReloadFailed(stale, error);
      throw error;
    }
    const reloadAt = this.#reloadTime(this.#clock());
    if (stale !== undefined && sameIntegration(stale.integration, integration)) {
      stale.reloadAt = reloadAt;
      return stale;
    }
    const fresh = this.#create(key, integration, reloadAt);
    if (stale !== undefined) {
      // Rotated credentials: the same integration, its counts go on.
      fresh.renewals = stale.renewals;
      fresh.lastRenewalAt = stale.lastRenewalAt;
    }
    return fresh;
  }

  /** The time limit of one loader call, and what its callers get when it passes or the client closes. */
  #loadLimit(key: string): WaitLimit {
    const { loadTimeoutMs } = this.#options;
    return {
      timeoutMs: loadTimeoutMs,
      timedOut: () => loadTimedOut(key, loadTimeoutMs),
      closed: () => clientClosedError(key),
    };
  }

  /** Names the failure and its cause (the held secret removed from it, one line, bounded), never "undefined". */
  #warnReloadFailed(held: Tenant, error: GrafxAuthError): void {
    const { clientId, clientSecret } = held.integration;
    const cause =
      error.cause === undefined ? '' : `: ${describeCause(error.cause, createRedactor([clientSecret], clientId))}`;
    this.#logger.warn(
      `express-grafx-auth: asking again for the credentials of integration ${quotedKey(held.key)} failed (${error.code}${cause}): ` +
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

/** What an entry of the unknown keys costs besides its key's text, in bytes (lru-cache's slots and the key's header). */
const UNKNOWN_ENTRY_BYTES = 64;

function loadFailed(key: string, cause: unknown): GrafxAuthError {
  return new GrafxAuthError(
    GRAFX_ERROR_CODES.INTEGRATION_LOAD_FAILED,
    `Loading GraFx integration ${quotedKey(key)} failed: the \`integrations\` function threw or rejected, or its answer could not be read`,
    { status: 503, integration: key, cause },
  );
}

function loadTimedOut(key: string, timeoutMs: number): GrafxAuthError {
  return new GrafxAuthError(
    GRAFX_ERROR_CODES.INTEGRATION_LOAD_TIMEOUT,
    `Loading GraFx integration ${quotedKey(key)} took longer than ${timeoutMs} ms (\`loading.timeoutMs\`)`,
    { status: 504, integration: key },
  );
}

function loadBusy(key: string, options: ResolvedOptions): GrafxAuthError {
  return new GrafxAuthError(
    GRAFX_ERROR_CODES.INTEGRATION_LOAD_BUSY,
    `GraFx integration ${quotedKey(key)} was not loaded: ${options.loadMaxInFlight} other loads are waiting for the \`integrations\` function (\`loading.maxInFlight\`)`,
    { status: 503, integration: key, retryAfter: 1 },
  );
}

function keyTooLong(key: string): GrafxAuthError {
  return new GrafxAuthError(
    GRAFX_ERROR_CODES.INTEGRATION_UNKNOWN,
    `Unknown GraFx integration: a key is 1 to ${MAX_INTEGRATION_KEY_LENGTH} characters long, this one has ${key.length}`,
    { status: 400 },
  );
}

/** Whether a loader's answer is a promise of any kind (read once: a getter or Proxy trap that throws is a failed load). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** `Name: message` of an app's error, scrubbed and on one line; reading it may throw too (a Proxy), then says so. */
function describeCause(cause: unknown, redact: (text: string) => string): string {
  try {
    const text =
      cause instanceof Error ? `${String(cause.name)}: ${String(cause.message)}` : `a thrown ${typeof cause}`;
    return sanitizeServerText(text, redact);
  } catch {
    return 'an error that could not be read';
  }
}
