// lib/core/in-flight.ts
// InFlight: an LRU fetch in flight, shared by every caller of its key until it settles, even after the LRU evicted it.

/**
 * lru-cache's `fetch()` coalesces the callers of a key while the fetch sits in the cache; once the cache evicts it
 * (more keys in use than `max`), the next caller would start another. This keeps each fetch reachable by its key
 * until it settles, so eviction may drop a cached value but never the fetch in flight.
 */
export class InFlight<V> {
  readonly #pending = new Map<string, Promise<V>>();

  /** The fetch in flight for `key`, or the one `start()` begins (tracked until it settles). */
  run(key: string, start: () => Promise<V>): Promise<V> {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const started = start();
    this.#pending.set(key, started);
    const settled = (): void => {
      if (this.#pending.get(key) === started) this.#pending.delete(key);
    };
    started.then(settled, settled);
    return started;
  }

  /** How many fetches are in flight. */
  get size(): number {
    return this.#pending.size;
  }

  /** Whether a fetch of `key` is in flight. */
  has(key: string): boolean {
    return this.#pending.has(key);
  }

  /** Stops sharing the fetch of `key` (it still answers the callers already waiting for it). */
  drop(key: string): void {
    this.#pending.delete(key);
  }

  /** Every fetch in flight. */
  values(): IterableIterator<Promise<V>> {
    return this.#pending.values();
  }
}
