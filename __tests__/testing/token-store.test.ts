// __tests__/testing/token-store.test.ts
// The stand-in's token store: expired tokens are forgotten a day after expiry, in a sweep at most once a minute.
import { TokenStore } from '../../lib/testing/token-store.js';

const HOUR_MS = 3600_000;

describe("the stand-in's token store", () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers an expired token as expired for a day, then forgets it (unknown)', () => {
    const store = new TokenStore(1, 0);
    store.addClient({ clientId: 'a', clientSecret: 's' });
    store.addClient({ clientId: 'b', clientSecret: 's' });
    const old = store.grant('a').accessToken;
    jest.setSystemTime(Date.now() + 2_000);
    store.grant('b'); // a grant within the first minute does not sweep
    expect(store.check(old, 'env').rejection).toBe('expired');
    jest.setSystemTime(Date.now() + 24 * HOUR_MS);
    store.grant('b');
    expect(store.check(old, 'env')).toEqual({ clientId: undefined, rejection: 'unknown' });
  });

  it('sweeps at most once a minute (a sweep walks every token), not on every grant', () => {
    const store = new TokenStore(1, 0);
    store.addClient({ clientId: 'a', clientSecret: 's' });
    store.addClient({ clientId: 'b', clientSecret: 's' });
    const started = Date.now();
    const old = store.grant('a').accessToken; // forgettable from started + 1 s + 24 h
    const at = (ms: number): void => {
      jest.setSystemTime(started + ms);
      store.grant('b'); // b's 1-second token has expired: a new one is minted, which may sweep
    };
    at(24 * HOUR_MS - 30_000); // a sweep; the token is not a day past its expiry yet
    expect(store.check(old, 'env').rejection).toBe('expired');
    at(24 * HOUR_MS + 10_000); // it is now, but the last sweep was 40 s ago: no sweep
    expect(store.check(old, 'env').rejection).toBe('expired');
    at(24 * HOUR_MS + 31_000); // 61 s after the last sweep: swept
    expect(store.check(old, 'env').rejection).toBe('unknown');
  });
});
