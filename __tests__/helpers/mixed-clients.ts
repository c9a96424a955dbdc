// __tests__/helpers/mixed-clients.ts
// expectMixedFleet(): instances on two different Redis clients share one store: one token request, each other's records.
import { type GrafxClient, createGrafxClient } from 'express-grafx-auth';
import type { GrafxStandIn } from 'express-grafx-auth/testing';
import type { RedisTokenStore } from 'express-grafx-auth/redis';

/** Every unordered pair of distinct items (a client kind with each other kind, once). */
export function pairsOf<T>(items: readonly T[]): Array<[T, T]> {
  return items.flatMap((first, i) => items.slice(i + 1).map((second): [T, T] => [first, second]));
}

/**
 * With `a` and `b` making stores on two client kinds (sealed records: the same encryptionKey): 3 + 3 instances
 * starting cold together ask the login server once; then each kind adopts the record the other kind wrote, and
 * renews after a 401 by replacing (compare-and-delete) the record the other kind wrote.
 */
export async function expectMixedFleet(
  standIn: GrafxStandIn,
  options: { clientId: string; clientSecret: string },
  a: () => RedisTokenStore,
  b: () => RedisTokenStore,
): Promise<void> {
  const made: GrafxClient[] = [];
  const instance = (store: RedisTokenStore): GrafxClient => {
    const grafx = createGrafxClient({
      ...standIn.options('cp-mixed'),
      ...options,
      store,
      logger: { warn: (message: string) => warnings.push(message) },
      timeoutMs: 2000,
    });
    made.push(grafx);
    return grafx;
  };
  const warnings: string[] = [];
  try {
    // The cold start: whichever kind takes the lock, the other kind's instances wait for it and read its record.
    standIn.setTokenDelay(150);
    const cold = [a, b, a, b, a, b].map((store) => instance(store()));
    const tokens = await Promise.all(cold.flatMap((grafx) => [grafx.getToken(), grafx.getToken()]));
    expect(new Set(tokens).size).toBe(1);
    expect(standIn.counts.tokenRequests).toBe(1);
    standIn.setTokenDelay(0);

    // Each way round: a renewal after a 401 on one kind replaces the record, a cold instance of the other adopts it.
    let current = tokens[0]!;
    for (const [renewing, adopting] of [
      [a, b],
      [b, a],
    ] as const) {
      const holder = instance(renewing());
      expect(await holder.getToken()).toBe(current); // read what the other kind wrote
      const before = standIn.counts.tokenRequests;
      standIn.revokeTokens();
      expect((await holder.api().get('/templates')).status).toBe(200); // 401: compare-and-delete, renew, store
      expect(standIn.counts.tokenRequests).toBe(before + 1);
      const renewed = await holder.getToken();
      expect(renewed).not.toBe(current);
      expect(await instance(adopting()).getToken()).toBe(renewed);
      expect(standIn.counts.tokenRequests).toBe(before + 1);
      current = renewed;
    }
    expect(warnings).toEqual([]);
  } finally {
    await Promise.all(made.map((grafx) => grafx.close()));
  }
}
