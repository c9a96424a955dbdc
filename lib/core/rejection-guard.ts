// lib/core/rejection-guard.ts
// RejectionGuard: at most one 401-triggered token renewal per interval for one integration, and whether the API refuses fresh tokens.
import type { TokenRecord } from './token-record.js';

/** The last renewal a 401 started: for which refused token, when, and (while it runs) its outcome. */
interface Renewal {
  readonly refused: string;
  readonly at: number;
  readonly result: Promise<TokenRecord>;
  pending: boolean;
  /** Whether a refusal after it was reported already (one event per renewal). */
  reported: boolean;
}

/**
 * One integration's limit on renewals after a 401. The login server hands back the same token until about an hour
 * before expiry, so an API that refuses a token (a wrong environment or API base URL, missing permissions) would
 * otherwise cost a token request per call. Concurrent 401s for the same token share one renewal.
 */
export class RejectionGuard {
  #last: Renewal | undefined;
  #rejecting = false;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: () => number,
  ) {}

  /** Whether the API's latest answers refused fresh tokens (cleared by its next accepted request). */
  get rejecting(): boolean {
    return this.#rejecting;
  }

  /**
   * A renewal after the API refused `refused` (still the cached token): the one in flight for it, a new one from
   * `start` when none ran within the interval, or undefined when the limit allows none now.
   */
  renew(refused: string, start: () => Promise<TokenRecord>): Promise<TokenRecord> | undefined {
    const last = this.#last;
    if (last?.pending === true && last.refused === refused) return last.result;
    const now = this.clock();
    if (last !== undefined && now - last.at < this.intervalMs) return undefined;
    const renewal: Renewal = { refused, at: now, result: start(), pending: true, reported: false };
    const settled = (): void => {
      renewal.pending = false;
    };
    renewal.result.then(settled, settled);
    this.#last = renewal;
    return renewal.result;
  }

  /** When a 401 may next start a token request. */
  get nextRenewalAt(): number {
    return this.#last === undefined ? this.clock() : this.#last.at + this.intervalMs;
  }

  /** Notes that the API refused a fresh token; true for the first refusal since the latest renewal (to report). */
  refused(): boolean {
    this.#rejecting = true;
    const last = this.#last;
    if (last === undefined || last.reported) return false;
    last.reported = true;
    return true;
  }

  /** Notes an accepted request; true when that ends a spell of refusals. */
  accepted(): boolean {
    const was = this.#rejecting;
    this.#rejecting = false;
    return was;
  }
}
