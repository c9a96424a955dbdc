// __tests__/core/lazy-lru.test.ts
// LazyLRU: empty until its first entry, then the lru-cache its options describe (bound, dispose, order).
import { LazyLRU } from '../../lib/core/lazy-lru.js';

describe('LazyLRU', () => {
  it('answers as an empty cache before its first entry', () => {
    const cache = new LazyLRU<string, number>({ max: 2 });
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.has('a')).toBe(false);
    expect(cache.delete('a')).toBe(false);
    cache.clear();
    expect([...cache.entries()]).toEqual([]);
  });

  it('then holds at most max entries, the least recently used going first, with its dispose', () => {
    const disposed: string[] = [];
    const cache = new LazyLRU<string, number>({
      max: 2,
      dispose: (_value, key, reason) => disposed.push(`${key}:${reason}`),
    });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.has('b')).toBe(false);
    expect([...cache.entries()]).toEqual([
      ['c', 3],
      ['a', 1],
    ]);
    expect(cache.peek('a')).toBe(1);
    expect(cache.delete('a')).toBe(true);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(disposed).toEqual(['b:evict', 'a:delete', 'c:delete']);
  });
});
