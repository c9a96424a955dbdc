// __tests__/redis/redis-token-store.test.ts
// RedisTokenStore and the shared-store path of the core, with each supported client, on a real redis-server and Cluster.
import type { EventEmitter } from 'node:events';
import Redis, { Cluster } from 'ioredis';
import express from 'express';
import request from 'supertest';
import { type GrafxClientOptions, GrafxAuthError, createGrafxClient, grafxAuth } from 'express-grafx-auth';
import { RedisTokenStore } from 'express-grafx-auth/redis';
import { useStandIn } from '../helpers/stand-in.js';
import { storeKey } from '../../lib/core/token-store.js';
import {
  type CommandWatch,
  type UsedRedis,
  describeWithRedis,
  freePort,
  useRedis,
  watchCommands,
} from '../helpers/redis-server.js';
import { type RedisCluster, describeWithRedisCluster, useRedisCluster } from '../helpers/redis-cluster.js';
import {
  CLIENT_KINDS,
  CLUSTER_CLIENT_KINDS,
  type ClientKind,
  type ClusterClientKind,
  type StoreClient,
} from '../helpers/redis-clients.js';
import { sleep, trackUnhandledRejections } from '../helpers/serve.js';

const SECRET = 'fleet-secret-must-never-reach-redis';
const CLIENT_ID = 'fleet-client-id';
const ENCRYPTION_KEY = Buffer.alloc(32, 7);

type StoreOptions = Omit<ConstructorParameters<typeof RedisTokenStore>[0], 'client'>;

describeWithRedis('RedisTokenStore', () => {
  describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('with %s', (_name, kind) => {
    storeTests(singleNode(useRedis(), kind));
  });
  // The same tests on one Redis Cluster (the cluster matrix's helper), with each cluster client; see storeTests
  // for the few that stay single-node.
  describeWithRedisCluster('on a Redis Cluster', () => {
    const cluster = useRedisCluster();
    describe.each(CLUSTER_CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('with %s', (_name, kind) => {
      storeTests(onCluster(cluster, kind));
    });
  });
  badOptionTests();
});

/** Where a row of storeTests runs: a client kind, and the Redis (one server, or a cluster) its clients talk to. */
interface StoreBackend {
  /** A new client of the row's kind for a store; closed after the block. */
  storeClient(): StoreClient;
  /** A client of the row's kind for a Redis nobody listens on (a free port; on a cluster: as its only node). */
  unreachableClient(): Promise<StoreClient>;
  /** A plain client for looking at and planting keys (one key per command: a Cluster routes it). */
  raw(): Redis | Cluster;
  /** Every key matching `pattern` (on a cluster: on every master). */
  keys(pattern: string): Promise<string[]>;
  /** Empties the Redis. */
  flush(): Promise<void>;
  /** MONITOR on the Redis (on a cluster: on every node). */
  watch(): Promise<CommandWatch>;
  /** The row's redis-server and client kind; undefined on a cluster. */
  readonly single?: { used: UsedRedis; kind: ClientKind };
}

function singleNode(used: UsedRedis, kind: ClientKind): StoreBackend {
  return {
    storeClient: () => used.storeClient(kind),
    unreachableClient: async () => used.storeClient(kind, `redis://127.0.0.1:${await freePort()}`),
    raw: () => used.connect(),
    keys: (pattern) => used.connect().keys(pattern),
    flush: async () => {
      await used.connect().flushall();
    },
    watch: () => watchCommands(used.server.port),
    single: { used, kind },
  };
}

/** A row on the file's cluster (emptied before each test by useRedisCluster); its clients closed after the block. */
function onCluster(cluster: () => RedisCluster, kind: ClusterClientKind): StoreBackend {
  const opened: StoreClient[] = [];
  let raw: Cluster | undefined;
  afterAll(() => {
    for (const client of opened.splice(0)) client.close();
    raw?.disconnect();
  });
  return {
    storeClient: () => {
      const client = kind.connect(cluster().startupNodes);
      opened.push(client);
      return client;
    },
    unreachableClient: async () => {
      const client = kind.connect([{ host: '127.0.0.1', port: await freePort() }]);
      opened.push(client);
      return client;
    },
    raw: () => {
      if (raw === undefined) {
        raw = new Cluster(cluster().startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
        raw.on('error', () => undefined);
      }
      return raw;
    },
    keys: (pattern) => cluster().keys(pattern),
    flush: () => cluster().restore(),
    watch: async () => {
      const running = cluster().nodes.filter((node) => node.running);
      const watches = await Promise.all(running.map((node) => watchCommands(node.port)));
      return {
        get seen() {
          return watches.flatMap((watch) => watch.seen);
        },
        settled: async () => {
          await Promise.all(watches.map((watch) => watch.settled()));
        },
        stop: () => {
          for (const watch of watches) watch.stop();
        },
      };
    },
  };
}

/**
 * The store's tests with the row's client. Those that stop or freeze the whole Redis (lost mid-run, slow, a
 * late lock) and the lazy-connect one run single-node only: on a cluster, a node lost or frozen
 * longer than the node timeout is a failover, which the cluster matrix's failover fleets cover per client
 * (redis-cluster.test.ts).
 */
function storeTests(backend: StoreBackend): void {
  const unhandled = trackUnhandledRejections();
  const standIn = useStandIn({ clients: [{ clientId: CLIENT_ID, clientSecret: SECRET }] });
  let warnings: string[];
  const connect = backend.raw;
  /** A store on a new client of this row's kind. */
  const store = (extra: StoreOptions = {}): RedisTokenStore =>
    new RedisTokenStore({ ...backend.storeClient().target, commandTimeoutMs: 2000, ...extra });
  const integrationKey = (): string => storeKey(standIn.tokenURL, 'https://chiligrafx.com', CLIENT_ID, SECRET);
  const logger = { warn: (message: string) => warnings.push(message) };
  const options = (store: RedisTokenStore, extra: Partial<GrafxClientOptions> = {}): GrafxClientOptions => ({
    ...standIn.options('cp-fleet'),
    store,
    logger,
    timeoutMs: 1000,
    ...extra,
  });
  const rawValues = async (client: Redis | Cluster): Promise<string> => {
    const keys = await backend.keys('*');
    const values = await Promise.all(keys.map((key) => client.get(key)));
    return JSON.stringify([keys, values]);
  };

  beforeEach(() => {
    warnings = [];
  });
  afterEach(() => expect(unhandled).toEqual([]));
  /** A test needing the row's single redis-server (see above). */
  const singleNodeOnly = (name: string, test: (used: UsedRedis, kind: ClientKind) => Promise<void>): void => {
    const { single } = backend;
    if (single !== undefined) it(name, () => test(single.used, single.kind));
  };

  it('stores the token under the prefix and a keyed hash (hash tag), with a TTL ending at expiry; never the secret', async () => {
    const client = connect();
    const grafx = createGrafxClient(options(store({ keyPrefix: 'app1:' })));
    const token = await grafx.getToken();
    const key = `app1:token:{${integrationKey()}}`;
    // the fetch lock is released behind the answer
    for (let i = 0; i < 100 && (await client.exists(`app1:lock:{${integrationKey()}}`)) === 1; i++) await sleep(20);
    expect(await backend.keys('app1:*')).toEqual([key]);
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(36_000_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(36_000_000);
    expect(JSON.parse((await client.get(key))!)).toMatchObject({ v: 1, t: token });
    const everything = await rawValues(client);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(CLIENT_ID);
  });

  it('encrypts tokens at rest when given a key, keeping a fingerprint in clear', async () => {
    const client = connect();
    const grafx = createGrafxClient(options(store({ encryptionKey: ENCRYPTION_KEY })));
    const token = await grafx.getToken();
    const everything = await rawValues(client);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(SECRET);
    const [value] = await Promise.all((await backend.keys('grafx-auth:token:*')).map((k) => client.get(k)));
    expect(Object.keys(JSON.parse(value!)).sort()).toEqual(['fp', 'v', 'x']);

    // Another instance with the same key reads it (no token request); one with another key cannot and asks anew.
    const sameKey = createGrafxClient(options(store({ encryptionKey: ENCRYPTION_KEY })));
    expect(await sameKey.getToken()).toBe(token);
    expect(standIn.counts.tokenRequests).toBe(1);
    const otherKey = createGrafxClient(options(store({ encryptionKey: Buffer.alloc(32, 9).toString('base64') })));
    await otherKey.getToken();
    expect(standIn.counts.tokenRequests).toBe(2);
  });

  it.each([
    ['garbage', 'not json at all'],
    ['JSON of another shape', '{"token":"x"}'],
    ['a record whose fingerprint does not match', JSON.stringify({ v: 1, fp: 'x', t: 't', e: 9e12, u: 9e12, r: 9e12 })],
  ])('treats %s in the key as a miss and overwrites it', async (_name, value) => {
    const client = connect();
    const key = `grafx-auth:token:{${integrationKey()}}`;
    await client.set(key, value);
    const token = await createGrafxClient(options(store())).getToken();
    expect(standIn.counts.tokenRequests).toBe(1);
    expect(JSON.parse((await client.get(key))!).t).toBe(token);
    expect(warnings).toEqual([]);
  });

  // node-redis has no lazy connection (the app connects it)
  const lazyConnect = (name: string, test: (used: UsedRedis, kind: ClientKind) => Promise<void>): void => {
    if (backend.single?.kind.name.startsWith('io')) singleNodeOnly(name, test);
  };
  lazyConnect('works with a client made with lazyConnect: true (its first command connects)', async (used, kind) => {
    const lazy = (): RedisTokenStore =>
      new RedisTokenStore({ ...used.storeClient(kind, undefined, { lazy: true }).target });
    const token = await createGrafxClient(options(lazy())).getToken();
    expect(await createGrafxClient(options(lazy())).getToken()).toBe(token);
    expect(standIn.counts.tokenRequests).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('never lets an instance with another client secret adopt the token the right secret obtained', async () => {
    const token = await createGrafxClient(options(store())).getToken();
    const wrong = createGrafxClient({
      ...options(store()),
      clientSecret: 'a-rotated-or-wrong-secret',
    });
    await expect(wrong.getToken()).rejects.toMatchObject({ code: 'GRAFX_CREDENTIALS_REJECTED' });
    expect(standIn.counts.tokenRequests).toBe(2);
    // and the right secret's token is still there for the instances that have it
    expect(await createGrafxClient(options(store())).getToken()).toBe(token);
    expect(storeKey('u', 'a', 'id', 'secret-1')).not.toBe(storeKey('u', 'a', 'id', 'secret-2'));
    expect(await rawValues(connect())).not.toContain('a-rotated-or-wrong-secret');
  });

  it('lets a cold instance use the token another instance stored, without asking the login server', async () => {
    const first = createGrafxClient(options(store()));
    const second = createGrafxClient(options(store()));
    const token = await first.getToken();
    expect(await second.getToken()).toBe(token);
    expect(standIn.counts.tokenRequests).toBe(1);
  });

  it('asks the login server once when many instances are cold at once (the fleet lock)', async () => {
    standIn.setTokenDelay(150);
    const instances = Array.from({ length: 6 }, () => createGrafxClient(options(store())));
    const tokens = await Promise.all(instances.flatMap((grafx) => Array.from({ length: 10 }, () => grafx.getToken())));
    expect(new Set(tokens).size).toBe(1);
    expect(standIn.counts.tokenRequests).toBe(1);
  });

  it('renews after a 401 once for the fleet: the stored token is replaced only if it is still the one that failed', async () => {
    const a = createGrafxClient(options(store()));
    const b = createGrafxClient(options(store()));
    const old = await a.getToken();
    expect(await b.getToken()).toBe(old);
    standIn.revokeTokens();
    expect((await a.api().get('/templates')).status).toBe(200); // 401, renewal, retry
    expect(standIn.counts.tokenRequests).toBe(2);
    const renewed = await a.getToken();
    expect(renewed).not.toBe(old);
    // b still holds the old token: its 401 finds a newer token in the store and uses it.
    expect((await b.api().get('/templates')).status).toBe(200);
    expect(await b.getToken()).toBe(renewed);
    expect(standIn.counts.tokenRequests).toBe(2);
  });

  it.each([
    ['in clear', undefined],
    ['sealed (encryptionKey)', ENCRYPTION_KEY],
  ])('shares a failure %s: instances waiting for the holder fail fast together', async (_name, encryptionKey) => {
    standIn.tokenFault('server-error');
    standIn.setTokenDelay(200);
    const instances = Array.from({ length: 4 }, () => createGrafxClient(options(store({ encryptionKey }))));
    const results = await Promise.allSettled(instances.map((grafx) => grafx.getToken()));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'GRAFX_TOKEN_SERVER_ERROR', status: 502 });
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(GrafxAuthError);
    }
    expect(standIn.counts.tokenRequests).toBe(1);
  });

  it('does not let a crashed holder block the fleet: after the lock lives out, an instance asks for itself', async () => {
    const client = connect();
    await client.set(`grafx-auth:lock:{${integrationKey()}}`, 'crashed-holder', 'PX', 1300); // as a dead holder leaves it
    const grafx = createGrafxClient(options(store(), { timeoutMs: 300 }));
    const token = await grafx.getToken();
    expect(token).toEqual(expect.any(String));
    expect(standIn.counts.tokenRequests).toBe(1);
  });

  it('works with Redis down at start: per-instance tokens, one warning, no secret in it', async () => {
    const dead = new RedisTokenStore({ ...(await backend.unreachableClient()).target, commandTimeoutMs: 2000 });
    const app = express();
    const auth = grafxAuth(options(dead));
    const faults: unknown[] = [];
    auth.client.on('storeFault', (event) => faults.push(event));
    app.use(auth);
    app.get('/templates', async (req, res) => {
      res.json((await req.grafx.api.get('/templates')).data);
    });
    for (let i = 0; i < 5; i++) await request(app).get('/templates').expect(200);
    expect(standIn.counts.tokenRequests).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/token store is unavailable/);
    expect(warnings.join()).not.toContain(SECRET);
    expect(faults).toHaveLength(1); // the storeFault event, once per outage
    expect(auth.client.health().store).toEqual({ configured: true, down: true });
  });

  singleNodeOnly('survives Redis lost mid-run, and shares again once it is back', async (used, kind) => {
    const client = used.storeClient(kind);
    const grafx = createGrafxClient(options(new RedisTokenStore({ ...client.target })));
    await grafx.getToken();
    await used.server.stop();
    await sleep(100);
    grafx.clearTokens(); // force this instance to need a token while Redis is away
    standIn.revokeTokens();
    const during = await grafx.getToken();
    expect(await grafx.api().get('/templates')).toMatchObject({ status: 200 });
    expect(warnings).toHaveLength(1);

    await used.server.start();
    for (let i = 0; i < 100 && !client.ready(); i++) await sleep(50);
    expect(client.ready()).toBe(true);
    grafx.clearTokens();
    standIn.revokeTokens();
    const after = await grafx.getToken();
    expect(after).not.toBe(during);
    // shared again: a new instance adopts it from Redis
    const other = createGrafxClient(options(store()));
    expect(await other.getToken()).toBe(after);
    expect(warnings).toHaveLength(1);
  });

  singleNodeOnly(
    'bounds a slow Redis by its command timeout and goes on with a per-instance token',
    async (used, kind) => {
      const client = used.storeClient(kind);
      await client.ping();
      const grafx = createGrafxClient(options(new RedisTokenStore({ ...client.target, commandTimeoutMs: 100 })));
      used.server.pause();
      try {
        const token = await grafx.getToken();
        expect(token).toEqual(expect.any(String));
        expect(standIn.counts.tokenRequests).toBe(1);
        expect(warnings).toHaveLength(1);
        // while the store is left alone, a new need does not wait on it again
        grafx.clearTokens();
        standIn.revokeTokens();
        await grafx.getToken();
        expect(warnings).toHaveLength(1);
      } finally {
        used.server.resume();
      }
    },
  );

  singleNodeOnly(
    'releases a lock whose command timed out but ran late (no lock nobody holds, for its TTL)',
    async (used, kind) => {
      const client = used.storeClient(kind);
      await client.ping();
      const timed = new RedisTokenStore({ ...client.target, commandTimeoutMs: 100 });
      used.server.pause();
      try {
        await expect(timed.acquireLock('late', 60_000)).rejects.toThrow(/did not answer within 100 ms/);
      } finally {
        used.server.resume();
      }
      await client.ping(); // the commands sent before it have run: the late lock, then its release
      expect(await connect().exists('grafx-auth:lock:{late}')).toBe(0);
    },
  );

  it('never sends a token or the secret as an argument of EVAL, EVALSHA or FCALL (watched with MONITOR)', async () => {
    const watch = await backend.watch();
    try {
      const tokens: string[] = [];
      for (const encryptionKey of [undefined, ENCRYPTION_KEY]) {
        const a = createGrafxClient(options(store({ encryptionKey })));
        const b = createGrafxClient(options(store({ encryptionKey })));
        tokens.push(await a.getToken());
        expect(await b.getToken()).toBe(tokens.at(-1)); // adopted: the read script
        standIn.revokeTokens();
        await a.api().get('/templates'); // a 401: compare-and-delete, the lock, a new record
        await b.api().get('/templates');
        tokens.push(await a.getToken());
        await backend.flush(); // no record to adopt: a token request, which fails and is shared
        standIn.tokenFault('server-error', { times: 1 });
        a.clearTokens();
        await expect(a.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_SERVER_ERROR' });
        await backend.flush();
        await Promise.all([a.close(), b.close()]);
      }
      await watch.settled();
      const { seen } = watch;
      const scripts = seen.filter(([name = '']) => /^(EVAL|EVALSHA|EVAL_RO|EVALSHA_RO|FCALL|FCALL_RO)$/i.test(name));
      expect(new Set(scripts.map((args) => args[1])).size).toBeGreaterThanOrEqual(4); // read, lock, release, delete
      const secrets = [...tokens, SECRET];
      expect(scripts.filter((args) => secrets.some((secret) => args.some((arg) => arg.includes(secret))))).toEqual([]);
      // The watch does see token bytes where a token belongs: the value of a SET (in clear).
      expect(
        seen.some(([name = '', ...args]) => /^SET$/i.test(name) && args.some((arg) => arg.includes(tokens[0]!))),
      ).toBe(true);
      expect(JSON.stringify(seen)).not.toContain(SECRET);
    } finally {
      watch.stop();
    }
  });

  it('adds no event listeners per operation', async () => {
    const client = backend.storeClient();
    await client.ping();
    const emitter: EventEmitter = client.emitter;
    const before = emitter.eventNames().map((name) => [name, emitter.listenerCount(name)]);
    const grafx = createGrafxClient(options(new RedisTokenStore({ ...client.target })));
    for (let i = 0; i < 20; i++) {
      grafx.clearTokens();
      await grafx.getToken();
    }
    expect(emitter.eventNames().map((name) => [name, emitter.listenerCount(name)])).toEqual(before);
  });
}

function badOptionTests(): void {
  const standIn = useStandIn({ clients: [{ clientId: CLIENT_ID, clientSecret: SECRET }] });

  it.each([
    [{}, /needs exactly one of `client`, `sendCommand` or `sendCommandCluster`/],
    [{ client: {} }, /`client` of RedisTokenStore must be an ioredis or iovalkey client/],
    [{ client: { eval: () => undefined } }, /`client` of RedisTokenStore must be/],
    [{ client: new Redis({ lazyConnect: true }), sendCommand: () => undefined }, /received `client` and `sendCommand`/],
    [{ sendCommand: 'EVAL' }, /`sendCommand` of RedisTokenStore must be a function/],
    [{ sendCommandCluster: {} }, /`sendCommandCluster` of RedisTokenStore must be a function/],
    [
      { client: new Redis({ lazyConnect: true }), encryptionKey: 'short' },
      /`encryptionKey` of RedisTokenStore must be 32 bytes/,
    ],
    [{ client: new Redis({ lazyConnect: true }), commandTimeoutMs: 0 }, /`commandTimeoutMs`/],
    [{ client: new Redis({ lazyConnect: true }), keyprefix: 'x' }, /unsupported option, `keyprefix`/],
    [{ client: new Redis({ lazyConnect: true }), keyPrefix: 'app{1}:' }, /`keyPrefix` .* without `\{` or `\}`/],
  ])('rejects bad options %#', (bad, message) => {
    expect(() => new RedisTokenStore(bad as never)).toThrow(message);
  });

  it('rejects a store that is not a TokenStore', () => {
    expect(() => createGrafxClient({ ...standIn.options(), store: {} as never })).toThrow(/`store` must implement/);
  });
}
