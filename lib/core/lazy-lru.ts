// lib/core/lazy-lru.ts
// LazyLRU: an lru-cache made on its first entry (lru-cache sets aside its `max` slots up front: bytes per tenant).
import { LRUCache } from 'lru-cache';

/**
 * An LRUCache for bookkeeping that most tenants never need (failures, negative answers, warnings given): lru-cache
 * allocates arrays of `max` slots when made, which at `cache.max` tenants costs every held tenant some 20 to 40 bytes
 * per such cache, entries or not. This one makes its cache when the first entry is set, and answers as an empty one
 * until then. The options (their `dispose` included) are those of the cache it makes.
 */
export class LazyLRU<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  readonly #options: LRUCache.Options<K, V, unknown>;
  #cache: LRUCache<K, V> | undefined;

  constructor(options: LRUCache.Options<K, V, unknown>) {
    this.#options = options;
  }

  get size(): number {
    return this.#cache?.size ?? 0;
  }

  get(key: K): V | undefined {
    return this.#cache?.get(key);
  }

  /** The entry without touching its recency. */
  peek(key: K): V | undefined {
    return this.#cache?.peek(key);
  }

  has(key: K): boolean {
    return this.#cache?.has(key) ?? false;
  }

  set(key: K, value: V): void {
    this.#cache ??= new LRUCache<K, V>(this.#options);
    this.#cache.set(key, value);
  }

  delete(key: K): boolean {
    return this.#cache?.delete(key) ?? false;
  }

  clear(): void {
    this.#cache?.clear();
  }

  /** Entries, most recently used first. */
  *entries(): Generator<[K, V]> {
    if (this.#cache !== undefined) yield* this.#cache.entries();
  }
}
