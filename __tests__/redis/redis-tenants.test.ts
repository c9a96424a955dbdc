// __tests__/redis/redis-tenants.test.ts
// Integrations loaded on demand with the Redis store: one token request per tenant for the fleet, a store key per tenant.
import Redis from 'ioredis';
import { type GrafxClient, type IntegrationConfig, createGrafxClient } from 'express-grafx-auth';
import { RedisTokenStore } from 'express-grafx-auth/redis';
import { useStandIn } from '../helpers/stand-in.js';
import { type RedisServer, describeWithRedis, startRedis } from '../helpers/redis-server.js';
import { CLIENT_KINDS, type ClientKind, type StoreClient } from '../helpers/redis-clients.js';

const SECRET = 'tenant-secret-must-never-reach-redis';
const TENANTS = ['acme', 'globex', 'initech'];

describeWithRedis('RedisTokenStore with integrations loaded on demand', () => {
  describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('with %s', (_name, kind) => {
    tenantTests(kind);
  });
});

function tenantTests(kind: ClientKind): void {
  let redis: RedisServer;
  const standIn = useStandIn({
    clients: TENANTS.map((tenant) => ({ clientId: `${tenant}-client`, clientSecret: SECRET })),
  });
  const connections: Redis[] = [];
  const storeClients: StoreClient[] = [];
  const clients: GrafxClient[] = [];

  const connect = (): Redis => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    connection.on('error', () => undefined);
    connections.push(connection);
    return connection;
  };
  const storeClient = (): StoreClient => {
    const client = kind.connect(redis.url);
    storeClients.push(client);
    return client;
  };
  /** One instance of the app: its own LRU and loader, the fleet's Redis. */
  const instance = (loads: string[]): GrafxClient => {
    const client = createGrafxClient({
      integrations: async (key): Promise<IntegrationConfig | undefined> => {
        loads.push(key);
        if (!TENANTS.includes(key)) return undefined;
        return { clientId: `${key}-client`, clientSecret: SECRET, environment: `env-${key}` };
      },
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
      // a loaded machine must not turn a slow first connection into a store outage (and a token request more)
      store: new RedisTokenStore({ ...storeClient().target, commandTimeoutMs: 2000 }),
      cache: { max: 2 },
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const connection of connections) connection.disconnect();
    for (const client of storeClients) client.close();
    await redis.stop();
  });

  it('asks the login server once per tenant for three instances starting cold together', async () => {
    standIn.setTokenDelay(100); // the instances' first uses overlap
    const loads: string[][] = [[], [], []];
    const fleet = loads.map((seen) => instance(seen));
    await Promise.all(storeClients.map((client) => client.ping())); // Redis is up
    const tokens = await Promise.all(
      fleet.flatMap((client) => TENANTS.flatMap((tenant) => [client.getToken(tenant), client.getToken(tenant)])),
    );
    expect(standIn.counts.tokenRequests).toBe(TENANTS.length);
    // Every instance got each tenant's one token.
    const byTenant = TENANTS.map((_, t) => new Set(fleet.map((_, i) => tokens[i * TENANTS.length * 2 + t * 2])));
    for (const set of byTenant) expect(set.size).toBe(1);
    expect(new Set(byTenant.map((set) => [...set][0])).size).toBe(TENANTS.length);
    // Each instance loaded each tenant once, though it holds only two (cache.max 2).
    for (const seen of loads) expect([...seen].sort()).toEqual([...TENANTS].sort());

    const raw = connect();
    const keys = await raw.keys('*');
    const values = await Promise.all(keys.map((key) => raw.get(key)));
    expect(JSON.stringify([keys, values])).not.toContain(SECRET);
    expect(keys.filter((key) => !key.includes('lock')).length).toBe(TENANTS.length);

    // An instance that evicted a tenant loads it again and adopts the fleet's token: no new token request.
    const evicted = TENANTS.find((tenant) => !fleet[0]!.has(tenant)) as string;
    expect(await fleet[0]!.getToken(evicted)).toBe([...byTenant[TENANTS.indexOf(evicted)]!][0]);
    expect(standIn.counts.tokenRequests).toBe(TENANTS.length);
    await expect(fleet[1]!.getToken('nobody')).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN' });
  });
}
