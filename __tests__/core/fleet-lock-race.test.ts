// __tests__/core/fleet-lock-race.test.ts
// The fleet's lock: an instance that gets the lock just after the holder failed adopts the holder's failure, never asks again.
import { type GrafxClient, GrafxAuthError, type TokenStore, createGrafxClient } from 'express-grafx-auth';
import type { StoredFailure, StoredToken } from '../../lib/core/token-store.js';
import { useStandIn } from '../helpers/stand-in.js';

const CLIENT = { clientId: 'race-client', clientSecret: 'race-secret' };

/**
 * A store in memory shared by the instances of a test, whose `acquireLock` waits while the lock is held and then
 * takes it (as a slow round trip to a store would answer after the holder let go): the window between a waiter's look
 * for a failure and its lock, made as wide as it can be.
 */
function slowLockStore(): TokenStore & { lockTaken: Promise<void> } {
  const tokens = new Map<string, StoredToken>();
  const failures = new Map<string, StoredFailure>();
  let lock: string | undefined;
  const released: Array<() => void> = [];
  let taken!: () => void;
  const lockTaken = new Promise<void>((resolve) => (taken = resolve));
  let next = 0;
  return {
    lockTaken,
    async get(key) {
      return tokens.get(key);
    },
    async set(key, token) {
      tokens.set(key, token);
    },
    async deleteIfToken(key, token) {
      if (tokens.get(key)?.token !== token) return false;
      tokens.delete(key);
      return true;
    },
    async acquireLock() {
      while (lock !== undefined) await new Promise<void>((resolve) => released.push(resolve));
      lock = `lock-${(next += 1)}`;
      taken();
      return lock;
    },
    async releaseLock(_key, id) {
      if (lock !== id) return;
      lock = undefined;
      for (const resolve of released.splice(0)) resolve();
    },
    async setFailure(key, failure) {
      failures.set(key, failure);
    },
    async getFailure(key) {
      return failures.get(key);
    },
  };
}

describe('the fleet lock, taken just after the holder failed', () => {
  const standIn = useStandIn({ clients: [CLIENT] });
  const clients: GrafxClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  it.each([
    ['a server error', 'server-error', 'GRAFX_TOKEN_SERVER_ERROR'],
    ['refused credentials', 'reject', 'GRAFX_CREDENTIALS_REJECTED'],
  ] as const)(
    'adopts the failure the holder stored (%s) and sends no token request of its own',
    async (_name, fault, code) => {
      standIn.tokenFault(fault);
      standIn.setTokenDelay(150);
      const store = slowLockStore();
      const instance = (): GrafxClient => {
        const client = createGrafxClient({ ...standIn.options('cp-race'), ...CLIENT, store, timeoutMs: 5_000 });
        clients.push(client);
        return client;
      };
      const holder = instance().getToken();
      await store.lockTaken; // the holder has the lock and is asking the login server
      const waiter = instance().getToken(); // it finds no failure yet; its lock is answered once the holder let go
      const results = await Promise.allSettled([holder, waiter]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        const reason = (result as PromiseRejectedResult).reason as unknown;
        expect(reason).toBeInstanceOf(GrafxAuthError);
        expect(reason).toMatchObject({ code });
      }
      expect(standIn.counts.tokenRequests).toBe(1);
    },
  );
});
