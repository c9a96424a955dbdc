// __tests__/redis/redis-token-lifetime.test.ts
// An absurd expires_in cannot poison a fleet: it is clamped before the record is written, and every instance reads it.
import { type GrafxClient, createGrafxClient } from 'express-grafx-auth';
import { RedisTokenStore } from 'express-grafx-auth/redis';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../lib/core/bounds.js';
import { grant, useLoginServer } from '../helpers/login-server.js';
import { describeWithRedis, useRedis } from '../helpers/redis-server.js';
import { CLIENT_KINDS, type ClientKind } from '../helpers/redis-clients.js';

describeWithRedis('a login server that grants absurd lifetimes, with a shared Redis store', () => {
  describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('with %s', (_name, kind) => {
    lifetimeTests(kind);
  });
});

function lifetimeTests(kind: ClientKind): void {
  const redis = useRedis();
  const login = useLoginServer();
  const clients: GrafxClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  const instance = (): GrafxClient => {
    const client = createGrafxClient({
      clientId: 'fleet-client',
      clientSecret: 'fleet-secret-0123456789',
      tokenURL: login.url,
      apiBaseURL: 'http://127.0.0.1:9/api',
      store: new RedisTokenStore({ ...redis.storeClient(kind).target, commandTimeoutMs: 2000 }),
      logger: { warn: () => undefined },
    });
    clients.push(client);
    return client;
  };

  it.each<[string, unknown]>([
    ['1e12 seconds', 1e12],
    ['1e308 seconds', 1e308],
    ['"1e400" (Infinity)', '1e400'],
  ])('expires_in of %s: one token request, the second instance adopts a valid record', async (_name, expiresIn) => {
    login.answer(grant({ expires_in: expiresIn }));
    const first = instance();
    const second = instance();
    const started = Date.now();
    await expect(first.getToken()).resolves.toBe('token-1');
    const adopted = await second.context();
    expect(adopted.token).toBe('token-1');
    expect(login.exchanges).toHaveLength(1);
    const expiry = adopted.expiresAt.getTime();
    expect(Number.isNaN(expiry)).toBe(false);
    expect(expiry).toBeGreaterThan(started);
    expect(expiry).toBeLessThanOrEqual(Date.now() + MAX_TOKEN_LIFETIME_SECONDS * 1000);
    const keys = await redis.connect().keys('*token*');
    expect(keys).toHaveLength(1);
    const ttl = await redis.connect().pttl(keys[0] ?? '');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MAX_TOKEN_LIFETIME_SECONDS * 1000);
    expect(() => JSON.stringify([first.health(), second.health()])).not.toThrow();
    await expect(second.getToken()).resolves.toBe('token-1');
  });
}
