// __tests__/core/warm-tokens.test.ts
// WarmTokens: a slot serves its token no later than the token's renewal time, its hand-out time and the tenant's reload.
import { knownTokenRecord } from '../../lib/core/token-record.js';
import { WarmTokens } from '../../lib/core/warm-tokens.js';

const EXPIRES = 1_765_000_000_000;

describe('WarmTokens', () => {
  it.each([
    [
      'the renewal time first (every token the package computes)',
      EXPIRES - 10_000,
      EXPIRES - 300_000,
      Infinity,
      EXPIRES - 300_000,
    ],
    [
      'the hand-out time first (a record adopted from a shared store)',
      EXPIRES - 600_000,
      EXPIRES - 1_000,
      Infinity,
      EXPIRES - 600_000,
    ],
    ['the reload time first', EXPIRES - 10_000, EXPIRES - 300_000, EXPIRES - 3_600_000, EXPIRES - 3_600_000],
    ['a renewal time long past', EXPIRES - 10_000, -1e300, Infinity, -1e300],
  ])('serves until the earliest of its times: %s', (_name, usableUntil, refreshDueAt, reloadAt, until) => {
    const warm = new WarmTokens(4);
    const record = knownTokenRecord('k', 'tok', { expiresAt: EXPIRES, usableUntil, refreshDueAt }, 'template:read');
    warm.warm(2, record, reloadAt);
    expect(warm.until(2)).toBe(until);
    expect([warm.token(2), warm.expiresAt(2), warm.scope(2)]).toEqual(['tok', record.expiresAtDate, 'template:read']);
    expect(warm.serves(2, record)).toBe(true);
    expect(warm.until(1)).toBe(-Infinity); // the others stay cool
  });

  it('cools a slot (nothing served, nothing kept), keeps the warm ones when it grows, and tells records apart', () => {
    const warm = new WarmTokens(2);
    const a = knownTokenRecord(
      'a',
      'ta',
      { expiresAt: EXPIRES, usableUntil: EXPIRES - 1, refreshDueAt: EXPIRES - 2 },
      undefined,
    );
    const b = knownTokenRecord(
      'b',
      'tb',
      { expiresAt: EXPIRES, usableUntil: EXPIRES - 1, refreshDueAt: EXPIRES - 2 },
      undefined,
    );
    warm.warm(0, a, Infinity);
    warm.warm(1, b, Infinity);
    expect(warm.serves(0, b)).toBe(false);
    warm.grow(8);
    expect([warm.token(0), warm.token(1), warm.until(0)]).toEqual(['ta', 'tb', EXPIRES - 2]);
    expect(warm.until(7)).toBe(-Infinity);
    warm.cool(0);
    expect([warm.until(0), warm.token(0), warm.expiresAt(0), warm.serves(0, a)]).toEqual([
      -Infinity,
      undefined,
      undefined,
      false,
    ]);
    expect(warm.token(1)).toBe('tb');
  });
});
