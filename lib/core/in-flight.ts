// lib/core/in-flight.ts
// InFlight: a fetch in flight by key, shared by every caller of its key until it settles, even once its entry left the LRU.

/**
 * One fetch per key at a time, whatever the LRU does meanwhile: every caller of a key gets the fetch in flight until it
 * settles, even once the LRU evicted or dropped its entry (lru-cache's own `fetch()` shares a fetch only while its
 * entry stays in the LRU: with more keys in use than `max`, the next caller would start another).
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
