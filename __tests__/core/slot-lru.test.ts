// __tests__/core/slot-lru.test.ts
// SlotLRU: the order of use, eviction past max, replacement and deletion, each told once with its reason and slot; slots.
import { type LeaveReason, NO_SLOT, SlotLRU } from '../../lib/core/slot-lru.js';

interface Item {
  readonly key: string;
  n: number;
}

const item = (key: string, n = 0): Item => ({ key, n });

function lru(max: number) {
  const left: Array<[string, number, LeaveReason]> = [];
  const slotsLeft: number[] = [];
  const capacities: number[] = [];
  const cache = new SlotLRU<Item>(
    max,
    (value, key, reason, slot) => {
      left.push([key, value.n, reason]);
      slotsLeft.push(slot);
    },
    (capacity) => capacities.push(capacity),
  );
  const keys = () => [...cache.entries()].map(([key]) => key);
  /** Every held key has a slot of its own, below the capacity (at most max), holding its value. */
  const checkSlots = () => {
    const slots = keys().map((key) => cache.slotOf(key));
    expect(new Set(slots).size).toBe(slots.length);
    for (const [key, value] of cache.entries()) {
      const slot = cache.slotOf(key);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(cache.capacity);
      expect(cache.at(slot)).toBe(value);
    }
    expect(cache.capacity).toBeLessThanOrEqual(max);
  };
  return { cache, left, slotsLeft, capacities, keys, checkSlots };
}

describe('SlotLRU', () => {
  it('lists the most recently used first; get() moves a value to the front, peek() and has() do not', () => {
    const { cache, keys } = lru(10);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, item(key));
    expect(keys()).toEqual(['d', 'c', 'b', 'a']);
    expect(cache.get('b')?.key).toBe('b');
    expect(keys()).toEqual(['b', 'd', 'c', 'a']);
    expect(cache.get('a')?.key).toBe('a'); // the least recent (the list's end)
    expect(keys()).toEqual(['a', 'b', 'd', 'c']);
    expect(cache.get('a')?.key).toBe('a'); // the most recent already
    expect(keys()).toEqual(['a', 'b', 'd', 'c']);
    expect(cache.peek('c')?.key).toBe('c');
    expect(cache.has('d')).toBe(true);
    expect(keys()).toEqual(['a', 'b', 'd', 'c']);
    expect(cache.get('nope')).toBeUndefined();
    expect(cache.size).toBe(4);
  });

  it('evicts the least recently used past max, before the new value is held', () => {
    const { cache, left, keys } = lru(3);
    for (const key of ['a', 'b', 'c']) cache.set(key, item(key));
    cache.get('a');
    cache.set('d', item('d'));
    expect(left).toEqual([['b', 0, 'evict']]);
    expect(keys()).toEqual(['d', 'a', 'c']);
    cache.set('e', item('e'));
    expect(left).toEqual([
      ['b', 0, 'evict'],
      ['c', 0, 'evict'],
    ]);
    expect(keys()).toEqual(['e', 'd', 'a']);
    expect(cache.size).toBe(3);
  });

  it('replaces a value set again for its key (told "set"), and moves it to the front either way', () => {
    const { cache, left, keys } = lru(3);
    const a = item('a', 1);
    for (const value of [a, item('b'), item('c')]) cache.set(value.key, value);
    cache.set('a', a);
    expect(left).toEqual([]);
    expect(keys()).toEqual(['a', 'c', 'b']);
    cache.set('b', item('b', 2));
    expect(left).toEqual([['b', 0, 'set']]);
    expect(keys()).toEqual(['b', 'a', 'c']);
    expect(cache.peek('b')?.n).toBe(2);
    expect(cache.size).toBe(3);
  });

  it('deletes one value or all of them, each told "delete" once', () => {
    const { cache, left, keys } = lru(5);
    const values = ['a', 'b', 'c', 'd'].map((key) => item(key));
    for (const value of values) cache.set(value.key, value);
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
    expect(keys()).toEqual(['d', 'c', 'a']);
    expect(cache.slotOf('b')).toBe(NO_SLOT);
    cache.delete('d');
    cache.delete('a');
    expect(keys()).toEqual(['c']);
    cache.set('e', item('e'));
    cache.clear();
    expect(left.map(([key, , reason]) => `${key}:${reason}`)).toEqual([
      'b:delete',
      'd:delete',
      'a:delete',
      'c:delete',
      'e:delete',
    ]);
    expect(cache.size).toBe(0);
    expect(keys()).toEqual([]);
    cache.set('f', item('f'));
    expect(keys()).toEqual(['f']);
  });

  it.each([
    ['few keys, many uses', 50, 80, 20_000],
    ['many more keys than max (evictions all along)', 200, 1_000, 40_000],
    ['max 1', 1, 3, 2_000],
    ['max 2', 2, 5, 4_000],
  ])('keeps the order and evictions of an ideal LRU over a long random run: %s', (_name, max, keyCount, steps) => {
    const { cache, left, keys, checkSlots } = lru(max);
    const ideal: string[] = []; // most recent first
    const evicted: string[] = [];
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0);
    for (let i = 0; i < steps; i++) {
      const key = `k${next() % keyCount}`;
      const at = ideal.indexOf(key);
      if (next() % 4 === 0) {
        cache.delete(key);
        if (at !== -1) ideal.splice(at, 1);
      } else if (at !== -1 || next() % 2 === 0) {
        if (cache.get(key) === undefined) cache.set(key, item(key));
        if (at !== -1) ideal.splice(at, 1);
        ideal.unshift(key);
        if (ideal.length > max) evicted.push(...ideal.splice(max));
      }
      if (i % 97 === 0) {
        expect(keys()).toEqual(ideal);
        checkSlots();
      }
    }
    expect(keys()).toEqual(ideal);
    checkSlots();
    expect(left.filter(([, , reason]) => reason === 'evict').map(([key]) => key)).toEqual(evicted);
  });

  it('keeps a value in its slot while held: touched, replaced by a set of its key, or not', () => {
    const { cache, slotsLeft } = lru(4);
    const slots = ['a', 'b', 'c'].map((key) => cache.set(key, item(key)));
    expect(new Set(slots).size).toBe(3);
    expect(cache.touch('a')).toBe(slots[0]);
    expect(cache.touch('nope')).toBe(NO_SLOT);
    expect(cache.set('b', item('b', 2))).toBe(slots[1]);
    expect(slotsLeft).toEqual([slots[1]]); // the replaced value is told its slot, now the new value's
    expect(cache.at(slots[1] as number)?.n).toBe(2);
    expect(cache.slotOf('c')).toBe(slots[2]);
  });

  it("gives an evicted value's slot to the value that evicted it, and a deleted one's to the next new key", () => {
    const { cache, slotsLeft, checkSlots } = lru(3);
    for (const key of ['a', 'b', 'c']) cache.set(key, item(key));
    const a = cache.slotOf('a');
    const d = cache.set('d', item('d'));
    expect(slotsLeft).toEqual([a]);
    expect(d).toBe(a);
    const b = cache.slotOf('b');
    cache.delete('b');
    expect(cache.at(b)).toBeUndefined();
    expect(cache.set('e', item('e'))).toBe(b);
    expect(cache.capacity).toBe(3);
    checkSlots();
  });

  it.each([
    ['max 1', 1, [1]],
    ['max 5', 5, [5]],
    ['max 20', 20, [8, 16, 20]],
    ['max 100', 100, [8, 16, 32, 64, 100]],
  ])('makes slots as values come, doubling up to max: %s', (_name, max, expected) => {
    const { cache, capacities, checkSlots } = lru(max);
    for (let i = 0; i < 3 * max; i++) cache.set(`k${i}`, item(`k${i}`));
    expect(cache.size).toBe(max);
    expect([Math.min(max, 8), ...capacities]).toEqual(expected);
    expect(cache.capacity).toBe(max);
    checkSlots();
  });
});
