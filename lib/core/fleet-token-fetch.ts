// lib/core/fleet-token-fetch.ts
// FleetTokenFetch: gets a token through a shared TokenStore, so that one instance of the fleet asks the login server.
import { setTimeout as sleep } from 'node:timers/promises';
import { BoundedWaits } from './bounded-wait.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, clientClosedError } from './errors.js';
import type { Telemetry } from './telemetry.js';
import type { Logger } from './logger.js';
import { type CheckedFailure, checkStoredFailure, checkStoredToken } from './store-records.js';
import { type TokenRecord, knownTokenRecord } from './token-record.js';
import type { StoredFailure, StoredToken, TokenStore } from './token-store.js';

/** How often an instance waiting for another's token request looks at the store. */
const POLL_MS = 25;
/** After a store command failed or timed out, the store is left alone this long (a slow store costs one command
 * timeout per period). A store that says it is unavailable (disconnected) is skipped at no cost and used again as
 * soon as it says it is back. */
const STORE_RETRY_MS = 5_000;
/** How long a failure without Retry-After stays recorded for the waiters. */
const FAILURE_TTL_MS = 1_000;
/** Errors learned from a store's failure record, with the clock time that record ends (see learnedFailureEnd). */
const learnedFailures = new WeakMap<GrafxAuthError, number>();

/**
 * When the store's failure record that `error` was learned from ends (clock time), or undefined for an error this
 * instance met itself. The token cache backs off no longer than that: once the record is gone, it asks again.
 */
export function learnedFailureEnd(error: unknown): number | undefined {
  return error instanceof GrafxAuthError ? learnedFailures.get(error) : undefined;
}

/** What the fetch is for: nothing usable is cached (`cold`), or a still-valid token is due for renewal. */
export type FetchPurpose = 'cold' | 'renewal';

class StoreFault extends Error {}
/** What a store command's wait ends with when the client closes (not a fault of the store). */
const CLOSED = Symbol('closed');

export class FleetTokenFetch {
  readonly #store: TokenStore;
  readonly #clock: () => number;
  readonly #lockTtlMs: number;
  readonly #commandLimitMs: number;
  readonly #logger: Logger;
  readonly #telemetry: Telemetry;
  readonly #closing: AbortSignal;
  /** Every store command is waited for at most #commandLimitMs, and not once the client closes. */
  readonly #waits: BoundedWaits;
  #down = false;
  /** When (clock time) a store command last failed; the store is left alone STORE_RETRY_MS from then. */
  #faultAt: number | undefined;

  /**
   * @param timeoutMs the token request's time limit: the lock lives a little longer, and waiters wait that long.
   * @param closing stops waiting when the client closes.
   */
  constructor(
    store: TokenStore,
    options: { clock: () => number; timeoutMs: number; logger: Logger; telemetry: Telemetry; closing: AbortSignal },
  ) {
    this.#store = store;
    this.#clock = options.clock;
    this.#lockTtlMs = options.timeoutMs + 1_000;
    this.#commandLimitMs = Math.min(options.timeoutMs, 5_000);
    this.#logger = options.logger;
    this.#telemetry = options.telemetry;
    this.#closing = options.closing;
    this.#waits = new BoundedWaits(options.closing);
  }

  /**
   * A token for the integration: a usable one from the store, else one this instance asks for (under the fleet's
   * lock, shared through the store), else, when the store fails or the holder takes too long, one of its own.
   * `rejected` is a token the API refused: it is deleted from the store if it is still there, and never adopted.
   */
  async fetch(
    key: string,
    integration: string,
    purpose: FetchPurpose,
    grant: () => Promise<TokenRecord>,
    rejected?: string,
  ): Promise<TokenRecord> {
    if (!this.#usable()) return grant();
    try {
      return await this.#fetchShared(key, integration, purpose, grant, rejected);
    } catch (error) {
      if (!(error instanceof StoreFault)) throw error;
      return grant();
    }
  }

  async #fetchShared(
    key: string,
    integration: string,
    purpose: FetchPurpose,
    grant: () => Promise<TokenRecord>,
    rejected: string | undefined,
  ): Promise<TokenRecord> {
    if (rejected !== undefined) await this.#call((store) => store.deleteIfToken(key, rejected));
    const deadline = performance.now() + this.#lockTtlMs;
    for (;;) {
      const shared = await this.#sharedAnswer(key, integration, purpose, rejected);
      if (shared !== undefined) return shared;
      const lock = await this.#call((store) => store.acquireLock(key, this.#lockTtlMs));
      if (lock !== undefined) return this.#fetchHoldingLock(key, integration, purpose, grant, rejected, lock);
      // Another instance is asking: wait for its answer, at most as long as its lock lives.
      if (performance.now() >= deadline) return grant();
      await sleep(POLL_MS, undefined, { ref: false });
      if (this.#closing.aborted) throw clientClosedError(integration);
    }
  }

  async #fetchHoldingLock(
    key: string,
    integration: string,
    purpose: FetchPurpose,
    grant: () => Promise<TokenRecord>,
    rejected: string | undefined,
    lock: string,
  ): Promise<TokenRecord> {
    try {
      // The holder before us may have stored its token, or its failure, between our look and our lock.
      const shared = await this.#sharedAnswer(key, integration, purpose, rejected);
      if (shared !== undefined) return shared;
      let record: TokenRecord;
      try {
        record = await grant();
      } catch (error) {
        // A closing client's abort is not the login server's failure: the fleet must not fail with it.
        if (error instanceof GrafxAuthError && error.code !== GRAFX_ERROR_CODES.CLIENT_CLOSED) {
          const ttl =
            error.retryAfter === undefined ? FAILURE_TTL_MS : Math.max(FAILURE_TTL_MS, error.retryAfter * 1000);
          await this.#attempt((store) => store.setFailure(key, storedFailure(error), ttl));
        }
        throw error;
      }
      await this.#attempt((store) => store.set(key, storedToken(record)));
      return record;
    } finally {
      void this.#attempt((store) => store.releaseLock(key, lock));
    }
  }

  /**
   * What the fleet already has for the integration: a token this instance may use, or a failure it must share
   * (thrown); undefined when the login server is to be asked. Looked at before the lock and again once it is held.
   */
  async #sharedAnswer(
    key: string,
    integration: string,
    purpose: FetchPurpose,
    rejected: string | undefined,
  ): Promise<TokenRecord | undefined> {
    const adopted = await this.#adoptable(key, integration, purpose, rejected);
    if (adopted !== undefined) return adopted;
    const asked = this.#clock();
    const failure = checkStoredFailure(await this.#call((store) => store.getFailure(key)), FAILURE_TTL_MS);
    if (failure !== undefined) throw failureError(failure, integration, asked);
    return undefined;
  }

  /** The stored token if this instance may use it: usable, not the rejected one, and not due (unless we have none). */
  async #adoptable(
    key: string,
    integration: string,
    purpose: FetchPurpose,
    rejected: string | undefined,
  ): Promise<TokenRecord | undefined> {
    const now = this.#clock();
    const stored = checkStoredToken(await this.#call((store) => store.get(key)), now);
    if (stored === undefined || stored.token === rejected) return undefined;
    if (now >= stored.usableUntil) return undefined;
    if (now >= stored.refreshDueAt && purpose === 'renewal') return undefined;
    return knownTokenRecord(integration, stored.token, stored, stored.scope);
  }

  #usable(): boolean {
    const now = this.#clock();
    // (a clock that went back before the fault ends the pause rather than stretching it)
    if (this.#faultAt !== undefined && now >= this.#faultAt && now < this.#faultAt + STORE_RETRY_MS) return false;
    if (this.#store.available?.() === false) {
      this.#warnOnce('not connected');
      return false;
    }
    return true;
  }

  /**
   * One store command, bounded in time and by the client's close; any failure becomes a StoreFault (and marks an
   * outage), but the client closing is not the store's failure (GRAFX_CLIENT_CLOSED, no outage).
   */
  async #call<T>(command: (store: TokenStore) => Promise<T>): Promise<T> {
    try {
      const result = await this.#waits.wait(command(this.#store), {
        timeoutMs: this.#commandLimitMs,
        timedOut: () => new StoreFault('timed out'),
        closed: () => CLOSED,
      });
      this.#markUp();
      return result;
    } catch (error) {
      if (error === CLOSED) throw clientClosedError();
      const reason = error instanceof StoreFault ? error.message : describeFault(error);
      this.#markDown(reason);
      throw new StoreFault(reason);
    }
  }

  /** A store command whose failure does not matter to the caller (it is still counted as an outage). */
  async #attempt(command: (store: TokenStore) => Promise<unknown>): Promise<void> {
    try {
      await this.#call(command);
    } catch {
      // the outage is recorded and warned about in #call
    }
  }

  #markDown(reason: string): void {
    this.#faultAt = this.#clock();
    this.#warnOnce(reason);
  }

  /** One warning per outage: from the first fault until the store answers again. */
  #warnOnce(reason: string): void {
    if (this.#down) return;
    this.#down = true;
    this.#logger.warn(
      `express-grafx-auth: the token store is unavailable (${reason}); using per-instance tokens until it is back`,
    );
    this.#telemetry.storeFault(reason);
  }

  #markUp(): void {
    this.#faultAt = undefined;
    if (!this.#down) return;
    this.#down = false;
    this.#telemetry.storeRecovered();
  }

  /** Whether the store is in an outage (for the health report). */
  get down(): boolean {
    return this.#down;
  }
}

function describeFault(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'error';
}

function storedToken(record: TokenRecord): StoredToken {
  return {
    token: record.token,
    expiresAt: record.expiresAt,
    usableUntil: record.usableUntil,
    refreshDueAt: record.refreshDueAt,
    scope: record.scope,
  };
}

function storedFailure(error: GrafxAuthError): StoredFailure {
  return { code: error.code, status: error.status, message: error.message, retryAfter: error.retryAfter };
}

/** The error of a failure read from the store at `asked`: it says to retry no later than the record ends. */
function failureError(failure: CheckedFailure, integration: string, asked: number): GrafxAuthError {
  const { code, message, status, retryAfter, remainingMs } = failure;
  const error = new GrafxAuthError(code, message, {
    status,
    integration,
    retryAfter: retryAfter === undefined ? undefined : Math.min(retryAfter, Math.ceil(remainingMs / 1000)),
  });
  learnedFailures.set(error, asked + remainingMs);
  return error;
}
