// __tests__/helpers/redis-fleet.ts
// useFleet() / startFleet(): several app processes (fixtures/fleet-instance.ts) sharing a Redis store, and what they saw.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { type GrafxStandIn, startGrafxStandIn } from 'express-grafx-auth/testing';

const root = resolve(__dirname, '..', '..');
/** How long a fleet's processes may take to start (tsx and a client library each, on a loaded 2-core machine). */
const START_LIMIT_MS = 100_000;

/** What one instance counted (see the fixture). */
export interface InstanceSeen {
  storeFaults: number;
  storeRecoveries: number;
  warnings: number;
  renewals: number;
  renewalsFromStore: number;
}

export interface Fleet {
  readonly urls: readonly string[];
  /** Everything the instances wrote to stderr (warnings). */
  stderr(): string;
  /** `each` concurrent GET /templates on every instance. */
  burst(each: number): Promise<request.Response[]>;
  /** What each instance saw so far. */
  seen(): Promise<InstanceSeen[]>;
  /** Whether every instance's client reaches the master that holds the integration `key` (see the fixture). */
  storeReachable(key: string): Promise<boolean>;
  /** Moves every instance's clock on by `ms` (to make renewals due without waiting for them). */
  advanceClocks(ms: number): Promise<void>;
  /** Kills every instance. */
  stop(): Promise<void>;
}

/**
 * Starts `count` instances, each in its own Node process, against the stand-in's client `fleet-id`/`fleet-secret`
 * and the Redis given in `redisEnv` (`REDIS_URL`, or `REDIS_CLUSTER` = `host:port,...`). Instance i talks to Redis
 * through a client of kind `clients[i % clients.length]` (names of helpers/redis-clients.ts).
 */
export async function startFleet(
  count: number,
  standIn: GrafxStandIn,
  redisEnv: Record<string, string>,
  clients: readonly string[],
): Promise<Fleet> {
  const children: ChildProcess[] = [];
  const stderr: string[] = [];
  const env = {
    ...process.env,
    TOKEN_URL: standIn.tokenURL,
    API_BASE_URL: standIn.apiBaseURL('fleet'),
    CLIENT_ID: 'fleet-id',
    CLIENT_SECRET: 'fleet-secret',
    ...redisEnv,
  };
  const stop = () =>
    Promise.all(
      children.map(
        (child) =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done(undefined);
            child.once('exit', done);
            child.kill('SIGKILL');
          }),
      ),
    ).then(() => undefined);
  const started = Array.from({ length: count }, (_, index) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, '__tests__', 'fixtures', 'fleet-instance.ts')],
      {
        cwd: root,
        env: { ...env, STORE_CLIENT: clients[index % clients.length] },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    return new Promise<string>((ready, fail) => {
      child.once('exit', (code) => fail(new Error(`an instance exited (${code}): ${stderr.join('')}`)));
      createInterface({ input: child.stdout! }).once('line', (line) => {
        ready(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
      });
    });
  });
  let urls: string[];
  let timer: NodeJS.Timeout | undefined;
  try {
    // a fleet that does not start in time is stopped here (a hook's timeout would leave its processes running)
    const limit = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`the fleet did not start within ${START_LIMIT_MS} ms`)), START_LIMIT_MS);
    });
    urls = await Promise.race([Promise.all(started), limit]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    urls,
    stderr: () => stderr.join(''),
    burst: (each) =>
      Promise.all(urls.flatMap((url) => Array.from({ length: each }, () => request(url).get('/templates')))),
    seen: () => Promise.all(urls.map(async (url) => (await request(url).get('/fleet/seen')).body as InstanceSeen)),
    storeReachable: async (key) => {
      const answers = await Promise.all(
        urls.map((url) =>
          request(url)
            .get('/fleet/store-reachable')
            .query({ key })
            .timeout(5000)
            .then(
              (answer) => answer.status === 200,
              () => false, // no answer in time: not yet
            ),
        ),
      );
      return answers.every(Boolean);
    },
    advanceClocks: async (ms) => {
      await Promise.all(urls.map((url) => request(url).post(`/fleet/advance?ms=${ms}`).expect(200)));
    },
    stop,
  };
}

/** The cold start of a fleet: `count` × `each` concurrent requests cost one token request, and every one answers. */
export async function expectOneTokenRequestForColdStart(
  fleet: Fleet,
  standIn: GrafxStandIn,
  each: number,
): Promise<void> {
  const responses = await fleet.burst(each);
  expect(responses.map((r) => r.status)).toEqual(Array(fleet.urls.length * each).fill(200));
  expect(new Set(responses.map((r) => (r.body as { pid: number }).pid)).size).toBe(fleet.urls.length);
  expect(standIn.counts.tokenRequests).toBe(1);
  expect(standIn.counts.apiRequests).toBe(fleet.urls.length * each);
}

/** A running fleet, its stand-in and the Redis it shares (see useFleet). */
export interface UsedFleet<R> {
  readonly redis: R;
  readonly standIn: GrafxStandIn;
  readonly fleet: Fleet;
}

/**
 * Before the block's tests: starts the Redis (`startRedis`), a stand-in whose login server takes 100 ms (so the
 * instances' cold starts overlap), and `count` instances on `redisEnv(redis)` with the client kinds `clients`
 * (see startFleet), then zeroes the stand-in's counts. After them: stops all three.
 */
export function useFleet<R extends { stop(): Promise<void> }>(
  count: number,
  startRedis: () => Promise<R>,
  redisEnv: (redis: R) => Record<string, string>,
  clients: readonly string[],
): UsedFleet<R> {
  let started: { redis: R; standIn: GrafxStandIn; fleet: Fleet } | undefined;
  let redis: R | undefined;
  let standIn: GrafxStandIn | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    standIn = await startGrafxStandIn({ clients: [{ clientId: 'fleet-id', clientSecret: 'fleet-secret' }] });
    standIn.setTokenDelay(100);
    started = { redis, standIn, fleet: await startFleet(count, standIn, redisEnv(redis), clients) };
    standIn.resetCounts();
  }, START_LIMIT_MS + 40_000);
  afterAll(async () => {
    await started?.fleet.stop();
    await standIn?.close();
    await redis?.stop();
  });
  const running = () => {
    if (started === undefined) throw new Error('useFleet(): the fleet is used before its beforeAll ran');
    return started;
  };
  return {
    get redis() {
      return running().redis;
    },
    get standIn() {
      return running().standIn;
    },
    get fleet() {
      return running().fleet;
    },
  };
}
