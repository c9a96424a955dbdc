// lib/core/recency-lru.ts
// RecencyLRU: a Map and a log of uses: an exact LRU whose look-up is one Map look-up and an append, no neighbour touched.

/** What a value of a RecencyLRU carries: its key, and where its last use is in the LRU's log (the LRU's, never the app's). */
export interface RecencyEntry {
  readonly key: string;
  /** The value's slot in the log of uses: its last use. -1 for a value not held. */
  lruSlot: number;
}

/** Why a value left (or was replaced): evicted past `max`, deleted (or cleared), or replaced by a set of its key. */
export type LeaveReason = 'evict' | 'delete' | 'set';

/**
 * The log has room for this many slots per value held (plus LOG_SLACK), made at each compaction: a compaction writes
 * every held value's new slot once the log is full, so it costs `1 / (LOG_SLOTS_PER_VALUE - 1)` of a write per use, and
 * the log at most this many slots (8 bytes each) per value, twice that after many removals until the next compaction.
 */
const LOG_SLOTS_PER_VALUE = 3;
const LOG_SLACK = 32;

/**
 * At most `max` values by key, the least recently used evicted first (exactly: the order is the order of use).
 *
 * The order lives in a log of uses (an array of a fixed length, made anew only when the values held grew or shrank a
 * lot): a use empties the slot of the value's previous use and writes the next free slot, both in the log, which is
 * compact and mostly in the CPU's cache, where a linked list would rewrite the two neighbours of the value, rarely in
 * cache with many thousands of values. A value's own slot is on it (`lruSlot`), so a slot is live exactly when it is
 * not empty. The least recently used is the first live slot. Once the log is full, its live slots are moved to its
 * start, in order. Each value is in one RecencyLRU at a time. `left` is told of every value that leaves or is
 * replaced, after it left.
 */
export class RecencyLRU<T extends RecencyEntry> {
  readonly #max: number;
  readonly #left: (value: T, key: string, reason: LeaveReason) => void;
  readonly #map = new Map<string, T>();
  /** The uses, oldest first: the value of each live slot, `undefined` for a slot a later use (or a removal) emptied. */
  #log: Array<T | undefined> = [];
  /** No live slot is before this one. */
  #head = 0;
  /** The next free slot: every slot from here to the log's end is empty. */
  #end = 0;

  constructor(max: number, left: (value: T, key: string, reason: LeaveReason) => void) {
    this.#max = max;
    this.#left = left;
  }

  get size(): number {
    return this.#map.size;
  }

  /** How many slots the log of uses has (LOG_SLOTS_PER_VALUE per value held at its last compaction, plus LOG_SLACK). */
  get logLength(): number {
    return this.#log.length;
  }

  /** The value of `key`, made the most recently used. */
  get(key: string): T | undefined {
    const value = this.#map.get(key);
    if (value !== undefined && value.lruSlot !== this.#end - 1) this.#use(value);
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
      if (held !== value) {
        this.#unlog(held);
        this.#map.set(key, value);
        this.#use(value);
        this.#left(held, key, 'set');
      } else if (value.lruSlot !== this.#end - 1) {
        this.#use(value);
      }
      return;
    }
    if (this.#map.size >= this.#max) {
      const oldest = this.#oldest();
      if (oldest !== undefined) {
        this.#remove(oldest);
        this.#left(oldest, oldest.key, 'evict');
      }
    }
    this.#map.set(key, value);
    this.#use(value);
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
    for (let oldest = this.#oldest(); oldest !== undefined; oldest = this.#oldest()) {
      this.#remove(oldest);
      this.#left(oldest, oldest.key, 'delete');
    }
    this.#log = [];
    this.#head = 0;
    this.#end = 0;
  }

  /** The entries, the most recently used first (as they were when the walk began: uses meanwhile do not reorder it). */
  *entries(): Generator<[string, T]> {
    const held: T[] = [];
    const log = this.#log;
    for (let slot = this.#end - 1; slot >= this.#head; slot--) {
      const value = log[slot];
      if (value !== undefined) held.push(value);
    }
    for (const value of held) yield [value.key, value];
  }

  /** The least recently used value (the log's first live slot; the empty ones before it are passed for good). */
  #oldest(): T | undefined {
    const log = this.#log;
    while (this.#head < this.#end) {
      const value = log[this.#head];
      if (value !== undefined) return value;
      this.#head += 1;
    }
    return undefined;
  }

  /** Writes a use of `value` (held) in the next free slot, its previous slot emptied; a full log is compacted first. */
  #use(value: T): void {
    this.#unlog(value);
    if (this.#end === this.#log.length) this.#compact();
    value.lruSlot = this.#end;
    this.#log[this.#end++] = value;
  }

  #remove(value: T): void {
    this.#map.delete(value.key);
    this.#unlog(value);
  }

  #unlog(value: T): void {
    if (value.lruSlot >= 0) this.#log[value.lruSlot] = undefined;
    value.lruSlot = -1;
  }

  /**
   * Moves the live slots to the log's start, in order (each value told its new slot), and empties the rest; the log is
   * made anew, with LOG_SLOTS_PER_VALUE slots per value held, when it has too few for that or twice too many.
   */
  #compact(): void {
    const log = this.#log;
    const room = LOG_SLOTS_PER_VALUE * this.#map.size + LOG_SLACK;
    const into = log.length < room || log.length > 2 * room ? new Array<T | undefined>(room).fill(undefined) : log;
    let to = 0;
    for (let from = this.#head; from < this.#end; from++) {
      const value = log[from];
      if (value === undefined) continue;
      value.lruSlot = to;
      into[to++] = value;
    }
    if (into === log) log.fill(undefined, to, this.#end);
    this.#log = into;
    this.#head = 0;
    this.#end = to;
  }
}
