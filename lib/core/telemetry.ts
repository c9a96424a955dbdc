// lib/core/telemetry.ts
// Telemetry: the client's events, `DEBUG=express-grafx-auth*` logging, and per-integration counters for health.
import { EventEmitter } from 'node:events';
import createDebug from 'debug';
import { LRUCache } from 'lru-cache';

/** A token was obtained: from the login server, or from the shared store (another instance asked for it). */
export interface TokenRenewedEvent {
  integration: string;
  /** How long getting it took, in milliseconds. */
  durationMs: number;
  expiresAt: Date;
  source: 'login-server' | 'store';
  /** True when it replaced a still-valid token (a background renewal); false for a cold cache or after a 401. */
  renewal: boolean;
}

/** Getting a token failed (the error is what requests get, as `next(err)`). */
export interface TokenRenewalFailedEvent {
  integration: string;
  durationMs: number;
  code: string;
  status: number;
  renewal: boolean;
}

/** A request through `api` met a 401 and is repeated once with a renewed token. */
export interface RequestRetriedEvent {
  integration: string;
  method: string;
  /** The request's path (no query string, no host). */
  path: string;
}

/** The shared token store failed (once per outage) or came back. */
export interface StoreEvent {
  reason: string;
}

/** The events of a GrafxClient, by name. Payloads never hold a token, a secret or a client ID. */
export interface GrafxClientEvents {
  tokenRenewed: TokenRenewedEvent;
  tokenRenewalFailed: TokenRenewalFailedEvent;
  requestRetried: RequestRetriedEvent;
  storeFault: StoreEvent;
  storeRecovered: StoreEvent;
}

/** Counters of one integration, for the health handler. */
export interface IntegrationStats {
  renewals: number;
  failures: number;
  retries: number;
  lastRenewalAt: number | undefined;
  lastErrorCode: string | undefined;
}

const log = {
  token: createDebug('express-grafx-auth:token'),
  api: createDebug('express-grafx-auth:api'),
  store: createDebug('express-grafx-auth:store'),
  events: createDebug('express-grafx-auth:events'),
};

export class Telemetry {
  readonly #emitter = new EventEmitter();
  readonly #stats: LRUCache<string, IntegrationStats>;

  /** @param statsMax how many integrations' counters are kept (those of tenants no longer held go first). */
  constructor(statsMax = 10_000) {
    this.#stats = new LRUCache<string, IntegrationStats>({ max: statsMax });
  }

  on<E extends keyof GrafxClientEvents>(event: E, listener: (payload: GrafxClientEvents[E]) => void): void {
    this.#emitter.on(event, listener);
  }

  off<E extends keyof GrafxClientEvents>(event: E, listener: (payload: GrafxClientEvents[E]) => void): void {
    this.#emitter.off(event, listener);
  }

  stats(integration: string): IntegrationStats {
    let stats = this.#stats.get(integration);
    if (stats === undefined) {
      stats = { renewals: 0, failures: 0, retries: 0, lastRenewalAt: undefined, lastErrorCode: undefined };
      this.#stats.set(integration, stats);
    }
    return stats;
  }

  /** Forgets the counters of an integration (a loaded tenant that left). */
  forget(integration: string): void {
    this.#stats.delete(integration);
  }

  tokenRenewed(event: TokenRenewedEvent, now: number): void {
    const stats = this.stats(event.integration);
    stats.renewals += 1;
    stats.lastRenewalAt = now;
    stats.lastErrorCode = undefined;
    log.token(
      '%s: token %s in %d ms from the %s, expires %s',
      event.integration,
      event.renewal ? 'renewed' : 'obtained',
      event.durationMs,
      event.source === 'store' ? 'shared store' : 'login server',
      event.expiresAt.toISOString(),
    );
    this.#emit('tokenRenewed', event);
  }

  tokenRenewalFailed(event: TokenRenewalFailedEvent): void {
    const stats = this.stats(event.integration);
    stats.failures += 1;
    stats.lastErrorCode = event.code;
    log.token(
      '%s: getting a token failed in %d ms: %s (%d)',
      event.integration,
      event.durationMs,
      event.code,
      event.status,
    );
    this.#emit('tokenRenewalFailed', event);
  }

  requestRetried(event: RequestRetriedEvent): void {
    this.stats(event.integration).retries += 1;
    log.api(
      '%s: %s %s answered 401; renewing the token and repeating it once',
      event.integration,
      event.method,
      event.path,
    );
    this.#emit('requestRetried', event);
  }

  storeFault(reason: string): void {
    log.store('the token store is unavailable (%s)', reason);
    this.#emit('storeFault', { reason });
  }

  storeRecovered(): void {
    log.store('the token store answers again');
    this.#emit('storeRecovered', { reason: 'answered' });
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }

  /** Emits without letting a listener's exception reach the token or request path. */
  #emit<E extends keyof GrafxClientEvents>(event: E, payload: GrafxClientEvents[E]): void {
    try {
      this.#emitter.emit(event, payload);
    } catch (error) {
      log.events('a %s listener threw: %s', event, error instanceof Error ? error.message : String(error));
    }
  }
}
