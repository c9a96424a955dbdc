// __tests__/core/linked-lru.test.ts
// LinkedLRU: the order of use, eviction past max, replacement and deletion, each told once with its reason.
import { type LeaveReason, type LinkedEntry, LinkedLRU } from '../../lib/core/linked-lru.js';

interface Item extends LinkedEntry<Item> {
  n: number;
}

const item = (key: string, n = 0): Item => ({ key, n, newer: undefined, older: undefined });

function lru(max: number) {
  const left: Array<[string, number, LeaveReason]> = [];
  const cache = new LinkedLRU<Item>(max, (value, key, reason) => left.push([key, value.n, reason]));
  const keys = () => [...cache.entries()].map(([key]) => key);
  return { cache, left, keys };
}

describe('LinkedLRU', () => {
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
    expect(a.newer?.key).toBe('b');
    expect(cache.size).toBe(3);
  });

  it('deletes one value or all of them, each told "delete" once, and unlinks them', () => {
    const { cache, left, keys } = lru(5);
    const values = ['a', 'b', 'c', 'd'].map((key) => item(key));
    for (const value of values) cache.set(value.key, value);
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
    expect(keys()).toEqual(['d', 'c', 'a']);
    expect(values[1]).toMatchObject({ newer: undefined, older: undefined });
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
    const { cache, left, keys } = lru(max);
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
      if (i % 97 === 0) expect(keys()).toEqual(ideal);
    }
    expect(keys()).toEqual(ideal);
    expect(left.filter(([, , reason]) => reason === 'evict').map(([key]) => key)).toEqual(evicted);
  });
});
