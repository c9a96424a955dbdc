// lib/redis/record-freshness.ts
// RecordFreshness: per integration, the newest sealed write this instance saw; an older sealed record is a replay.
import { LRUCache } from 'lru-cache';

/** How many integrations an instance remembers the newest write of (about 200 bytes each). */
export const MAX_REMEMBERED_WRITES = 10_000;

/**
 * Sealed records cannot be forged without the key, but a Redis writer can copy a genuine one back to its key later.
 * An instance that wrote or read a newer record of an integration (token or failure) takes an older one for what it
 * is, a replay, and refuses it. Times are the writers' clocks: between instances whose clocks disagree, a record
 * written within that gap after a newer-stamped one is refused too, which costs a token request, never a wrong token.
 */
export class RecordFreshness {
  readonly #newest = new LRUCache<string, number>({ max: MAX_REMEMBERED_WRITES });

  /**
   * Whether a sealed record of `key` written at `writtenAt` may be used: not older than the newest this instance
   * saw. If so it becomes the newest (a write time ahead of `now`, from a clock running ahead, counts as `now`).
   */
  accept(key: string, writtenAt: number, now: number): boolean {
    const newest = this.#newest.get(key);
    if (newest !== undefined && writtenAt < newest) return false;
    this.#newest.set(key, Math.max(newest ?? 0, Math.min(writtenAt, now)));
    return true;
  }

  /** This instance wrote a record of `key` at `writtenAt` (its own clock). */
  wrote(key: string, writtenAt: number): void {
    this.#newest.set(key, Math.max(this.#newest.get(key) ?? 0, writtenAt));
  }
}
