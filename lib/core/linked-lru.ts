// lib/core/linked-lru.ts
// LinkedLRU: a Map and a doubly linked list threaded through the values themselves: an LRU whose walk costs a Map's.

/** What a value of a LinkedLRU carries: its key, and its neighbours in the order of use (the LRU's, never the app's). */
export interface LinkedEntry<T> {
  readonly key: string;
  /** The next more recently used value; undefined for the most recent (or a value not held). */
  newer: T | undefined;
  /** The next less recently used value; undefined for the least recent (or a value not held). */
  older: T | undefined;
}

/** Why a value left (or was replaced): evicted past `max`, deleted (or cleared), or replaced by a set of its key. */
export type LeaveReason = 'evict' | 'delete' | 'set';

/**
 * At most `max` values by key, the least recently used evicted first: a look-up (`get`) is one Map look-up and, unless
 * the value is already the most recent, six stores to move it to the front. The links live on the values (each value
 * in one LinkedLRU at a time), so an entry costs its Map slot and two fields. `left` is told of every value that leaves
 * or is replaced, after it left.
 */
export class LinkedLRU<T extends LinkedEntry<T>> {
  readonly #max: number;
  readonly #left: (value: T, key: string, reason: LeaveReason) => void;
  readonly #map = new Map<string, T>();
  #newest: T | undefined;
  #oldest: T | undefined;

  constructor(max: number, left: (value: T, key: string, reason: LeaveReason) => void) {
    this.#max = max;
    this.#left = left;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value of `key`, made the most recently used. */
  get(key: string): T | undefined {
    const value = this.#map.get(key);
    if (value !== undefined && value !== this.#newest) {
      this.#unlink(value);
      this.#pushNewest(value);
    }
    return value;
  }

  /** The value of `key`, its recency untouched. */
  peek(key: string): T | undefined {
    return this.#map.get(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /**
   * Holds `value` for `key` as the most recently used. A new key past `max` evicts the least recently used first; a
   * held key's other value is replaced (`left` with 'set').
   */
  set(key: string, value: T): void {
    const held = this.#map.get(key);
    if (held !== undefined) {
      this.#unlink(held);
      if (held !== value) {
        this.#map.set(key, value);
        this.#pushNewest(value);
        this.#left(held, key, 'set');
      } else {
        this.#pushNewest(value);
      }
      return;
    }
    if (this.#map.size >= this.#max && this.#oldest !== undefined) {
      const oldest = this.#oldest;
      this.#remove(oldest);
      this.#left(oldest, oldest.key, 'evict');
    }
    this.#map.set(key, value);
    this.#pushNewest(value);
  }

  /** Drops the value of `key`; whether one was held. */
  delete(key: string): boolean {
    const value = this.#map.get(key);
    if (value === undefined) return false;
    this.#remove(value);
    this.#left(value, key, 'delete');
    return true;
  }

  /** Drops every value, the least recently used first. */
  clear(): void {
    while (this.#oldest !== undefined) {
      const oldest = this.#oldest;
      this.#remove(oldest);
      this.#left(oldest, oldest.key, 'delete');
    }
  }

  /** The entries, the most recently used first. */
  *entries(): Generator<[string, T]> {
    for (let value = this.#newest; value !== undefined; value = value.older) yield [value.key, value];
  }

  #remove(value: T): void {
    this.#map.delete(value.key);
    this.#unlink(value);
  }

  #unlink(value: T): void {
    const { newer, older } = value;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    value.newer = undefined;
    value.older = undefined;
  }

  #pushNewest(value: T): void {
    const newest = this.#newest;
    value.older = newest;
    value.newer = undefined;
    if (newest === undefined) this.#oldest = value;
    else newest.newer = value;
    this.#newest = value;
  }
}
