// lib/core/slot-lru.ts
// SlotLRU: an LRU whose values each hold a numbered slot, the order of use kept in one dense array of slot numbers.

/** Why a value left (or was replaced): evicted past `max`, deleted (or cleared), or replaced by a set of its key. */
export type LeaveReason = 'evict' | 'delete' | 'set';

/** No slot: a key not held, or the end of the order of use. */
export const NO_SLOT = -1;

/** The first number of slots made; they double (up to `max`) as values are held. */
const FIRST_CAPACITY = 8;

/**
 * At most `max` values by key, the least recently used evicted first. Each held value has a slot, a small number that
 * stays its own while it is held (a value replaced by a set of its key hands the slot to the new one), so that what
 * is kept of each value beside the LRU can live in dense arrays indexed by slot (see WarmTokens) rather than on an
 * object per value. The order of use is two slot numbers per slot in one Int32Array: a look-up (`touch`) is one Map
 * look-up (the slot, a small integer stored in the Map itself) and, unless the value is already the most recent, six
 * stores into that array, so a busy LRU of many values reads no value object at all. `left` is told of every value
 * that leaves or is replaced, after it left and before its slot is given to another; `grew` of every new capacity (the
 * arrays beside the LRU grow with it).
 */
export class SlotLRU<T extends { readonly key: string }> {
  readonly #max: number;
  readonly #left: (value: T, key: string, reason: LeaveReason, slot: number) => void;
  readonly #grew: (capacity: number) => void;
  readonly #slots = new Map<string, number>();
  /** The value in each slot (undefined: a free slot). */
  readonly #values: Array<T | undefined> = [];
  /** Per slot s: [2s] the next more recently used slot, [2s + 1] the next less recently used (NO_SLOT at the ends). */
  #links: Int32Array;
  /** Slots freed by a deletion, handed out again before new ones. */
  readonly #free: number[] = [];
  /** Slots handed out so far (the next new slot). */
  #made = 0;
  #newest = NO_SLOT;
  #oldest = NO_SLOT;

  constructor(
    max: number,
    left: (value: T, key: string, reason: LeaveReason, slot: number) => void,
    grew: (capacity: number) => void = () => undefined,
  ) {
    this.#max = max;
    this.#left = left;
    this.#grew = grew;
    this.#links = new Int32Array(2 * Math.min(max, FIRST_CAPACITY));
  }

  get size(): number {
    return this.#slots.size;
  }

  /** How many slots the arrays hold now (at most `max`). */
  get capacity(): number {
    return this.#links.length / 2;
  }

  /** The slot of `key`, its value made the most recently used; NO_SLOT when not held. */
  touch(key: string): number {
    const slot = this.#slots.get(key);
    if (slot === undefined) return NO_SLOT;
    if (slot !== this.#newest) {
      this.#unlink(slot);
      this.#pushNewest(slot);
    }
    return slot;
  }

  /** The value in `slot` (undefined for a free slot). */
  at(slot: number): T | undefined {
    return this.#values[slot];
  }

  /** The slot of `key`, its recency untouched; NO_SLOT when not held. */
  slotOf(key: string): number {
    return this.#slots.get(key) ?? NO_SLOT;
  }

  /** The value of `key`, made the most recently used. */
  get(key: string): T | undefined {
    const slot = this.touch(key);
    return slot === NO_SLOT ? undefined : this.#values[slot];
  }

  /** The value of `key`, its recency untouched. */
  peek(key: string): T | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : this.#values[slot];
  }

  has(key: string): boolean {
    return this.#slots.has(key);
  }

  /**
   * Holds `value` for `key` as the most recently used; its slot. A new key past `max` evicts the least recently used
   * first (and takes its slot); a held key's other value is replaced in its slot (`left` with 'set').
   */
  set(key: string, value: T): number {
    const held = this.#slots.get(key);
    if (held !== undefined) {
      const old = this.#values[held] as T;
      this.#unlink(held);
      this.#pushNewest(held);
      if (old !== value) {
        this.#values[held] = value;
        this.#left(old, key, 'set', held);
      }
      return held;
    }
    let slot: number;
    if (this.#slots.size >= this.#max && this.#oldest !== NO_SLOT) {
      slot = this.#oldest;
      const oldest = this.#values[slot] as T;
      this.#remove(slot, oldest.key);
      this.#left(oldest, oldest.key, 'evict', slot);
    } else {
      slot = this.#newSlot();
    }
    this.#slots.set(key, slot);
    this.#values[slot] = value;
    this.#pushNewest(slot);
    return slot;
  }

  /** Drops the value of `key`; whether one was held. */
  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    const value = this.#values[slot] as T;
    this.#remove(slot, key);
    this.#left(value, key, 'delete', slot);
    this.#free.push(slot);
    return true;
  }

  /** Drops every value, the least recently used first. */
  clear(): void {
    while (this.#oldest !== NO_SLOT) {
      const slot = this.#oldest;
      const value = this.#values[slot] as T;
      this.#remove(slot, value.key);
      this.#left(value, value.key, 'delete', slot);
      this.#free.push(slot);
    }
  }

  /** The entries, the most recently used first. */
  *entries(): Generator<[string, T]> {
    for (let slot = this.#newest; slot !== NO_SLOT; slot = this.#links[2 * slot + 1] as number) {
      const value = this.#values[slot] as T;
      yield [value.key, value];
    }
  }

  #newSlot(): number {
    const freed = this.#free.pop();
    if (freed !== undefined) return freed;
    const slot = this.#made;
    if (slot === this.capacity) {
      const capacity = Math.min(this.#max, 2 * slot);
      const links = new Int32Array(2 * capacity);
      links.set(this.#links);
      this.#links = links;
      this.#grew(capacity);
    }
    this.#made += 1;
    return slot;
  }

  #remove(slot: number, key: string): void {
    this.#slots.delete(key);
    this.#values[slot] = undefined;
    this.#unlink(slot);
  }

  #unlink(slot: number): void {
    const links = this.#links;
    const newer = links[2 * slot] as number;
    const older = links[2 * slot + 1] as number;
    if (newer === NO_SLOT) this.#newest = older;
    else links[2 * newer + 1] = older;
    if (older === NO_SLOT) this.#oldest = newer;
    else links[2 * older] = newer;
  }

  #pushNewest(slot: number): void {
    const links = this.#links;
    const newest = this.#newest;
    links[2 * slot] = NO_SLOT;
    links[2 * slot + 1] = newest;
    if (newest === NO_SLOT) this.#oldest = slot;
    else links[2 * newest] = slot;
    this.#newest = slot;
  }
}
