// __tests__/redis/redis-store-records.test.ts
// Forged records in a real Redis and a Redis Cluster, every client: each record is checked and bounded, else a miss.
import { createCipheriv, randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import {
  type GrafxClient,
  type GrafxClientOptions,
  type TokenRenewedEvent,
  createGrafxClient,
} from 'express-grafx-auth';
import { RedisTokenStore } from 'express-grafx-auth/redis';
import { storeKey } from '../../lib/core/token-store.js';
import { MAX_MESSAGE_LENGTH } from '../../lib/core/bounds.js';
import { fingerprint } from '../../lib/redis/record-codec.js';
import { useStandIn } from '../helpers/stand-in.js';
import { sleep } from '../helpers/serve.js';
import { describeWithRedis, useRedis } from '../helpers/redis-server.js';
import { RedisCluster, describeWithRedisCluster } from '../helpers/redis-cluster.js';
import {
  CLIENT_KINDS,
  CLUSTER_CLIENT_KINDS,
  type ClusterClientKind,
  type StoreClient,
  type StoreTarget,
} from '../helpers/redis-clients.js';

const SECRET = 'records-secret';
const CLIENT_ID = 'records-client';
const ENCRYPTION_KEY = Buffer.alloc(32, 3);
const HOUR = 3_600_000;

/** What a test writes at a key: a string value (with an optional TTL) or a writer of its own (another type). */
type Forged = { value: string; ttlMs?: number } | { write: (client: Redis | Cluster, key: string) => Promise<unknown> };

/** Where a row's records live: a store client of the row's kind, and a plain ioredis client to forge and read with. */
interface RecordsRedis {
  storeTarget(): StoreTarget;
  raw(): Redis | Cluster;
}

describeWithRedis('records read from the Redis store', () => {
  describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('with %s', (_name, kind) => {
    const redis = useRedis();
    recordTests({ storeTarget: () => redis.storeClient(kind).target, raw: () => redis.connect() });
  });
});

describeWithRedisCluster('records read from the Redis store on a Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  let raw: Cluster | undefined;
  beforeAll(async () => {
    cluster = await RedisCluster.start();
    raw = new Cluster(cluster.startupNodes, { redisOptions: { disconnectTimeout: 50 } });
    raw.on('error', () => undefined);
  }, 60_000);
  afterAll(async () => {
    raw?.disconnect();
    await cluster?.stop();
  });
  describe.each(CLUSTER_CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('with %s', (_name, kind) => {
    recordTests(
      useClusterRecords(
        kind,
        () => cluster!,
        () => raw!,
      ),
    );
  });
});

/** A cluster row: emptied before each test, its store clients closed after each. */
function useClusterRecords(kind: ClusterClientKind, cluster: () => RedisCluster, raw: () => Cluster): RecordsRedis {
  const opened: StoreClient[] = [];
  beforeEach(() => cluster().restore(), 60_000);
  afterEach(() => {
    for (const client of opened.splice(0)) client.close();
  });
  return {
    storeTarget: () => {
      const client = kind.connect(cluster().startupNodes);
      opened.push(client);
      return client.target;
    },
    raw,
  };
}

function recordTests(redis: RecordsRedis): void {
  /** A store on a new client of this row's kind. */
  const store = (encryptionKey?: Buffer): RedisTokenStore =>
    new RedisTokenStore({ ...redis.storeTarget(), encryptionKey, commandTimeoutMs: 2000 });
  const standIn = useStandIn({ clients: [{ clientId: CLIENT_ID, clientSecret: SECRET }] });
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
  });

  const key = (kind: 'token' | 'failure'): string =>
    `grafx-auth:${kind}:{${storeKey(standIn.tokenURL, 'https://chiligrafx.com', CLIENT_ID, SECRET)}}`;
  const instance = (extra: Partial<GrafxClientOptions> = {}, encryptionKey?: Buffer) =>
    createGrafxClient({
      ...standIn.options('cp-records'),
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      store: store(encryptionKey),
      logger: { warn: (message: string) => warnings.push(message) },
      timeoutMs: 1000,
      ...extra,
    });
  const forge = async (at: string, forged: Forged): Promise<void> => {
    const client = redis.raw();
    if ('write' in forged) await forged.write(client, at);
    else if (forged.ttlMs === undefined) await client.set(at, forged.value);
    else await client.set(at, forged.value, 'PX', forged.ttlMs);
  };

  describe('token records', () => {
    const record = (fields: Record<string, unknown> = {}): string => {
      const now = Date.now();
      const t = typeof fields.t === 'string' ? fields.t : 'forged-token';
      return JSON.stringify({
        v: 1,
        fp: fingerprint(t),
        t,
        e: now + HOUR,
        u: now + HOUR - 10_000,
        r: now + HOUR / 2,
        ...fields,
      });
    };
    const far = Date.now() + 49 * HOUR;

    it('adopts a sound record (the forging below is otherwise exact)', async () => {
      await forge(key('token'), { value: record() });
      expect(await instance().getToken()).toBe('forged-token');
      expect(standIn.counts.tokenRequests).toBe(0);
    });

    it.each<[string, Forged]>([
      ['an expiry beyond the longest lifetime (48 h)', { value: record({ e: far, u: far - 10_000, r: far - HOUR }) }],
      ['an expiry no Date can hold', { value: record({ e: 1e300, u: 1e300, r: 1e300 }) }],
      ['an expiry in the past', { value: record({ e: Date.now() - 1000 }) }],
      ['NaN as a time (as text)', { value: record({ e: 'NaN' }) }],
      ['null times', { value: record({ e: null, u: null, r: null }) }],
      ['times as strings', { value: record({ e: String(Date.now() + HOUR) }) }],
      ['usableUntil after the expiry', { value: record({ u: Date.now() + 2 * HOUR }) }],
      ['refreshDueAt after the expiry', { value: record({ r: Date.now() + 2 * HOUR }) }],
      ['a token with CR LF (a header injection)', { value: record({ t: 'abc\r\nx-evil: 1' }) }],
      ['a token with a space', { value: record({ t: 'abc def' }) }],
      ['a token of 20,000 characters', { value: record({ t: 'a'.repeat(20_000) }) }],
      ['a token of another type', { value: record({ t: 42, fp: fingerprint('42') }) }],
      ['a scope with control characters', { value: record({ s: 'template:read\u001b[2J' }) }],
      ['a scope of another type', { value: record({ s: ['template:read'] }) }],
      ['another version', { value: record({ v: 2 }) }],
      ['a JSON array', { value: '[1,2,3]' }],
      ['a value too large to read (100 kB)', { value: `{"v":1,"t":"${'a'.repeat(100_000)}"}` }],
      ['a list where a string belongs', { write: (client, at) => client.rpush(at, 'a', 'b') }],
      ['a hash where a string belongs', { write: (client, at) => client.hset(at, 't', 'x') }],
    ])('treats %s as a miss: asks the login server, stores a sound record', async (_name, forged) => {
      await forge(key('token'), forged);
      const renewed: TokenRenewedEvent[] = [];
      const grafx = instance();
      grafx.on('tokenRenewed', (event) => renewed.push(event));
      const token = await grafx.getToken();
      expect(token).not.toBe('forged-token');
      expect(standIn.counts.tokenRequests).toBe(1);
      expect(renewed.map((event) => Number.isFinite(event.expiresAt.getTime()))).toEqual([true]);
      expect(JSON.parse((await redis.raw().get(key('token')))!)).toMatchObject({ t: token });
      expect(warnings).toEqual([]); // a forged record is a miss, not a store outage
    });

    it('ignores a record in clear where every record is sealed (encryptionKey)', async () => {
      await forge(key('token'), { value: record() });
      expect(await instance({}, ENCRYPTION_KEY).getToken()).not.toBe('forged-token');
      expect(standIn.counts.tokenRequests).toBe(1);
    });
  });

  describe('failure records', () => {
    const failure = (fields: Record<string, unknown> = {}): string =>
      JSON.stringify({
        v: 1,
        code: 'GRAFX_TOKEN_SERVER_ERROR',
        status: 502,
        message: 'The GraFx login server failed (HTTP 500)',
        ...fields,
      });

    it('honours a sound record: fails fast without asking the login server', async () => {
      await forge(key('failure'), { value: failure({ retryAfter: 5 }), ttlMs: 5000 });
      await expect(instance().getToken()).rejects.toMatchObject({
        code: 'GRAFX_TOKEN_SERVER_ERROR',
        status: 502,
        retryAfter: 5,
      });
      expect(standIn.counts.tokenRequests).toBe(0);
    });

    it.each<[string, Forged]>([
      ['a 4xx status', { value: failure({ status: 401 }), ttlMs: 5000 }],
      ['a 200 status', { value: failure({ status: 200 }), ttlMs: 5000 }],
      ['a status as text', { value: failure({ status: '502' }), ttlMs: 5000 }],
      ['a fractional status', { value: failure({ status: 502.5 }), ttlMs: 5000 }],
      ['an unknown code', { value: failure({ code: 'GRAFX_EVIL' }), ttlMs: 5000 }],
      ['a code of another type', { value: failure({ code: 42 }), ttlMs: 5000 }],
      ['a Retry-After beyond the cap (600 s)', { value: failure({ retryAfter: 86_400 }), ttlMs: 5000 }],
      ['a negative Retry-After', { value: failure({ retryAfter: -5 }), ttlMs: 5000 }],
      ['a Retry-After as text', { value: failure({ retryAfter: '30' }), ttlMs: 5000 }],
      ['a fractional Retry-After', { value: failure({ retryAfter: 0.5 }), ttlMs: 5000 }],
      ['a message of another type', { value: failure({ message: { text: 'x' } }), ttlMs: 5000 }],
      ['no TTL (a record that never ends)', { value: failure() }],
      ['a TTL beyond the cap', { value: failure(), ttlMs: 2 * HOUR }],
      ['another version', { value: failure({ v: 2 }), ttlMs: 5000 }],
      ['not JSON', { value: 'GRAFX_TOKEN_SERVER_ERROR', ttlMs: 5000 }],
      ['a set where a string belongs', { write: (client, at) => client.sadd(at, 'x') }],
    ])('treats %s as a miss: asks the login server', async (_name, forged) => {
      await forge(key('failure'), forged);
      expect(await instance().getToken()).toEqual(expect.any(String));
      expect(standIn.counts.tokenRequests).toBe(1);
      expect(warnings).toEqual([]);
    });

    it('cleans the message: no control characters (no forged log lines), bounded length', async () => {
      const message = `failed\r\n[auth] admin logged in\u001b[2J\u0000${'x'.repeat(10_000)}`;
      await forge(key('failure'), { value: failure({ message }), ttlMs: 5000 });
      const error = (await instance()
        .getToken()
        .catch((caught: unknown) => caught)) as Error;
      expect(error).toMatchObject({ code: 'GRAFX_TOKEN_SERVER_ERROR' });
      expect(error.message).toMatch(/^failed \[auth\] admin logged in \[2J x+…$/);
      expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    });

    it('lasts no longer than the record: once it is gone, the next request asks again', async () => {
      // A record that says "retry in 600 s" but lives 300 ms: the instance must not stay failed for 600 s.
      await forge(key('failure'), {
        value: failure({ code: 'GRAFX_TOKEN_RATE_LIMITED', status: 503, retryAfter: 600 }),
        ttlMs: 300,
      });
      const grafx = instance();
      await expect(grafx.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_RATE_LIMITED', retryAfter: 1 });
      const client = redis.raw();
      while ((await client.exists(key('failure'))) === 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await grafx.getToken()).toEqual(expect.any(String));
      expect(standIn.counts.tokenRequests).toBe(1);
    });

    it('with encryptionKey, ignores a forged failure in clear and honours one a peer sealed', async () => {
      await forge(key('failure'), { value: failure(), ttlMs: 5000 });
      expect(await instance({}, ENCRYPTION_KEY).getToken()).toEqual(expect.any(String));
      expect(standIn.counts.tokenRequests).toBe(1);

      const peer = store(ENCRYPTION_KEY);
      const integration = storeKey(standIn.tokenURL, 'https://chiligrafx.com', CLIENT_ID, SECRET);
      await redis.raw().del(key('token'), key('failure')); // one slot (hash tag): one command on a cluster too
      await peer.setFailure(integration, { code: 'GRAFX_TOKEN_TIMEOUT', status: 504, message: 'timed out' }, 5000);
      const sealed = await redis.raw().get(key('failure'));
      expect(Object.keys(JSON.parse(sealed!)).sort()).toEqual(['v', 'x']);
      await expect(instance({}, ENCRYPTION_KEY).getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_TIMEOUT' });
      expect(standIn.counts.tokenRequests).toBe(1);
    });
  });

  describe('sealed records copied back (replays), with encryptionKey', () => {
    const integration = (): string => storeKey(standIn.tokenURL, 'https://chiligrafx.com', CLIENT_ID, SECRET);
    const timeout = { code: 'GRAFX_TOKEN_TIMEOUT', status: 504, message: 'timed out' };
    const raw = (at: string): Promise<string | null> => redis.raw().get(at);
    /** What a Redis writer without the key can do: put a genuine value back at its key, with a TTL of its choosing. */
    const copyBack = async (at: string, value: string | null): Promise<void> => {
      expect(value).toEqual(expect.any(String));
      await redis.raw().set(at, value!, 'PX', 600_000);
    };
    const goneFrom = async (at: string): Promise<void> => {
      while ((await redis.raw().exists(at)) === 1) await sleep(20);
    };
    /** A record sealed as before sealed records said when they were written (no `w`, no end): still genuine. */
    const sealedWithoutTime = (at: string, fields: Record<string, unknown>, clear: Record<string, unknown>): string => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', ENCRYPTION_KEY, iv);
      cipher.setAAD(Buffer.from(at));
      const body = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
      const x = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
      return JSON.stringify({ v: 1, ...clear, x });
    };

    it.each<[string, () => Promise<{ grafx: GrafxClient; replayed?: string }>]>([
      [
        'a failure record copied back after its end with PX 600000',
        async () => {
          await store(ENCRYPTION_KEY).setFailure(integration(), timeout, 200);
          const value = await raw(key('failure'));
          await goneFrom(key('failure'));
          await copyBack(key('failure'), value);
          return { grafx: instance({}, ENCRYPTION_KEY) };
        },
      ],
      [
        'a failure record older than the token the instance stored since',
        async () => {
          await store(ENCRYPTION_KEY).setFailure(integration(), timeout, 60_000);
          const value = await raw(key('failure'));
          await redis.raw().del(key('failure'));
          await sleep(5); // a later millisecond
          const grafx = instance({}, ENCRYPTION_KEY);
          await grafx.getToken();
          await redis.raw().del(key('token'));
          await copyBack(key('failure'), value);
          grafx.clearTokens();
          return { grafx };
        },
      ],
      [
        'a token record the fleet replaced after a 401',
        async () => {
          const grafx = instance({}, ENCRYPTION_KEY);
          const replaced = await grafx.getToken();
          const value = await raw(key('token'));
          await sleep(5);
          standIn.revokeTokens();
          expect((await grafx.api().get('/templates')).status).toBe(200); // 401, renewal, a new record
          expect(await grafx.getToken()).not.toBe(replaced);
          await copyBack(key('token'), value);
          grafx.clearTokens();
          return { grafx, replayed: replaced };
        },
      ],
      [
        'a token record sealed without its time of writing',
        async () => {
          const now = Date.now();
          const fields = { t: 'forged-token', e: now + HOUR, u: now + HOUR - 10_000, r: now + HOUR / 2 };
          await copyBack(key('token'), sealedWithoutTime(key('token'), fields, { fp: fingerprint('forged-token') }));
          return { grafx: instance({}, ENCRYPTION_KEY) };
        },
      ],
      [
        'a failure record sealed without its end',
        async () => {
          await copyBack(key('failure'), sealedWithoutTime(key('failure'), { ...timeout, w: Date.now() }, {}));
          return { grafx: instance({}, ENCRYPTION_KEY) };
        },
      ],
    ])('does not use %s: the instance asks the login server', async (_name, arrange) => {
      const { grafx, replayed = 'forged-token' } = await arrange();
      const before = standIn.counts.tokenRequests;
      expect(await grafx.getToken()).not.toBe(replayed);
      expect(standIn.counts.tokenRequests).toBe(before + 1);
      expect(warnings).toEqual([]);
    });

    it('honours a live failure record copied back with PX 600000 no longer than its sealed end', async () => {
      const failure = { code: 'GRAFX_TOKEN_RATE_LIMITED', status: 503, message: 'slow down', retryAfter: 600 };
      await store(ENCRYPTION_KEY).setFailure(integration(), failure, 5000);
      await copyBack(key('failure'), await raw(key('failure')));
      const error = await instance({}, ENCRYPTION_KEY)
        .getToken()
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'GRAFX_TOKEN_RATE_LIMITED' });
      expect((error as { retryAfter: number }).retryAfter).toBeLessThanOrEqual(5); // not 600
      const remaining = (await store(ENCRYPTION_KEY).getFailure(integration()))?.remainingMs;
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(5000);
      expect(standIn.counts.tokenRequests).toBe(0);
    });

    it('still lets a cold instance adopt a replaced token record until its sealed expiry (the documented limit)', async () => {
      const first = instance({}, ENCRYPTION_KEY);
      const replaced = await first.getToken();
      const value = await raw(key('token'));
      await sleep(5);
      standIn.revokeTokens();
      await first.api().get('/templates'); // renewed: a newer record
      await copyBack(key('token'), value);
      const cold = instance({}, ENCRYPTION_KEY);
      expect(await cold.getToken()).toBe(replaced);
      // its first API request gets a 401 and renews once: the replay costs one token request, never a wrong answer
      expect((await cold.api().get('/templates')).status).toBe(200);
      expect(await cold.getToken()).not.toBe(replaced);
    });
  });

  describe('lock records', () => {
    it('replaces a lock no holder could have left (no TTL): the fleet is not stalled by it', async () => {
      const lock = key('token').replace(':token:', ':lock:');
      await forge(lock, { value: 'forged-holder' });
      expect(await instance().getToken()).toEqual(expect.any(String));
      expect(standIn.counts.tokenRequests).toBe(1);
      const ttl = await redis.raw().pttl(lock);
      expect(ttl === -2 || ttl > 0).toBe(true); // released, or ours with a TTL: never the forged one without
    });
  });
}
