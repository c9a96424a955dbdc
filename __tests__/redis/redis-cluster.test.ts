// __tests__/redis/redis-cluster.test.ts
// The store on a real Redis Cluster with each cluster client: every command; fleets (per client, mixed) losing a master.
import { RedisTokenStore } from 'express-grafx-auth/redis';
import { storeKey } from '../../lib/core/token-store.js';
import type { RedisCluster } from '../helpers/redis-cluster.js';
import { describeWithRedisCluster, sharedRedisCluster } from '../helpers/redis-cluster.js';
import { watchCommands } from '../helpers/redis-server.js';
import { expectOneTokenRequestForColdStart, useFleet } from '../helpers/redis-fleet.js';
import {
  CLUSTER_CLIENT_KINDS,
  type ClusterClientKind,
  type StoreClient,
  clusterClientKind,
} from '../helpers/redis-clients.js';
import { expectMixedFleet, pairsOf } from '../helpers/mixed-clients.js';
import { useStandIn } from '../helpers/stand-in.js';

const INSTANCES = 4;
const REQUESTS_EACH = 25;
const LIFETIME_MS = 36_000_000; // the stand-in's ten-hour tokens
/** Moving the instances' clocks on this far makes their tokens due for renewal, still usable (window: 5 min). */
const UNTIL_RENEWAL_DUE_MS = LIFETIME_MS - 60_000;

/** One instance each: the two client families, both node-redis versions. */
const MIXED_FLEET = [
  'ioredis 6 Cluster',
  'node-redis 6 createCluster',
  'iovalkey Cluster',
  'node-redis 5 createCluster',
];

/** The cluster every block of this file uses: restored (killed nodes back, emptied) before each fleet starts. */
interface SharedCluster {
  readonly cluster: RedisCluster;
  stop(): Promise<void>;
}

describeWithRedisCluster('a Redis Cluster shared by the store', () => {
  const cluster = sharedRedisCluster();

  describe.each(CLUSTER_CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('with %s', (name) => {
    everyCommandTests(cluster, name);
  });

  describe.each(['node-redis 6 createCluster', 'node-redis 5 createCluster'])('with %s', (name) => {
    firstConnectionTests(cluster, name);
  });

  describe.each(CLUSTER_CLIENT_KINDS.map((kind) => [kind.name] as const))(
    'a fleet of %s processes sharing tokens through it',
    (name) => {
      failoverTests(cluster, [name]);
    },
  );

  describe('a fleet of processes with four different cluster clients sharing tokens through it', () => {
    failoverTests(cluster, MIXED_FLEET);
  });

  describe('instances with two different cluster clients', () => {
    mixedPairTests(cluster);
  });
});

/** For every pair of cluster client kinds: instances of both share the cluster (see expectMixedFleet). */
function mixedPairTests(cluster: () => RedisCluster): void {
  const client = { clientId: 'mixed-client', clientSecret: 'mixed-secret' };
  const standIn = useStandIn({ clients: [client] });
  const opened: StoreClient[] = [];
  beforeEach(() => cluster().restore(), 60_000); // whole, and empty
  afterEach(() => {
    for (const used of opened.splice(0)) used.close();
  });
  const store = (kind: ClusterClientKind) => (): RedisTokenStore => {
    const used = kind.connect(cluster().startupNodes);
    opened.push(used);
    return new RedisTokenStore({ ...used.target, encryptionKey: Buffer.alloc(32, 11), commandTimeoutMs: 2000 });
  };

  it.each(pairsOf(CLUSTER_CLIENT_KINDS).map(([a, b]) => [a.name, b.name, a, b] as const))(
    '%s and %s: one token request for a cold start, each adopts and replaces the sealed record the other wrote',
    async (_a, _b, a, b) => {
      await expectMixedFleet(standIn, client, store(a), store(b));
    },
  );
}

/**
 * A fleet of INSTANCES processes, instance i with the cluster client `clients[i % clients.length]`: the cold start,
 * and a failover of the master that holds the integration's keys.
 */
function failoverTests(cluster: () => RedisCluster, clients: string[]): void {
  const used = useFleet(
    INSTANCES,
    async (): Promise<SharedCluster> => {
      await cluster().restore();
      return { cluster: cluster(), stop: () => Promise.resolve() };
    },
    ({ cluster }) => ({ REDIS_CLUSTER: cluster.startupNodes.map(({ host, port }) => `${host}:${port}`).join(',') }),
    clients,
  );
  const integration = (): string =>
    storeKey(used.standIn.tokenURL, 'https://chiligrafx.com', 'fleet-id', 'fleet-secret');
  const keyOf = (kind: 'token' | 'lock' | 'failure'): string => `grafx-auth:${kind}:{${integration()}}`;

  it(`asks the login server exactly once for ${INSTANCES} × 25 concurrent requests on a cold start`, async () => {
    await expectOneTokenRequestForColdStart(used.fleet, used.standIn, REQUESTS_EACH);
  });

  it("keeps an integration's token, lock and failure keys in one hash slot (one master)", async () => {
    const slots = await Promise.all(
      (['token', 'lock', 'failure'] as const).map((kind) => used.redis.cluster.slotOf(keyOf(kind))),
    );
    expect(new Set(slots).size).toBe(1);
  });

  it('loses no request while the master holding the keys fails over; then a renewal is one token request', async () => {
    const { standIn, fleet } = used;
    const { cluster } = used.redis;
    const slot = await cluster.slotOf(keyOf('token'));
    const before = await cluster.ownerOf(slot);
    expect(before.replicas).toHaveLength(1);
    const tokenRequestsBefore = standIn.counts.tokenRequests;

    // Requests flow; the master dies, and every instance's token falls due for renewal at that moment.
    const answers: Array<{ at: number; status: number }> = [];
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        for (const { status } of await fleet.burst(5)) answers.push({ at: performance.now(), status });
      }
    })();
    await waitFor(async () => answers.length > 0);
    const killedAt = performance.now();
    await cluster.node(before.master).stop(); // SIGKILL
    await fleet.advanceClocks(UNTIL_RENEWAL_DUE_MS);
    const after = await cluster.waitForFailover(slot, before.master);
    const failoverMs = Math.round(performance.now() - killedAt);
    flowing = false;
    await flow;
    expect(after.master).toBe(before.replicas[0]);
    expect(answers.filter(({ status }) => status !== 200)).toEqual([]);
    const during = answers.filter(({ at }) => at >= killedAt && at <= killedAt + failoverMs);
    // Renewals during the failover could not share (the store is skipped): at most one token request per instance.
    await waitFor(async () => (await fleet.seen()).every((seen) => seen.renewals === 1));
    const tokenRequestsDuring = standIn.counts.tokenRequests - tokenRequestsBefore;
    expect(tokenRequestsDuring).toBeLessThanOrEqual(INSTANCES);

    // Once the replica has taken over and each client has found it (node-redis: when it reads the topology again,
    // see helpers/redis-clients.ts), sharing resumes by itself: the next renewal is one token request for all.
    await waitFor(() => fleet.storeReachable(integration()));
    await fleet.advanceClocks(UNTIL_RENEWAL_DUE_MS);
    const renewal = await fleet.burst(5);
    expect(renewal.map((response) => response.status)).toEqual(Array(INSTANCES * 5).fill(200));
    await waitFor(async () => (await fleet.seen()).every((seen) => seen.renewals === 2));
    const tokenRequestsAfter = standIn.counts.tokenRequests - tokenRequestsBefore - tokenRequestsDuring;
    expect(tokenRequestsAfter).toBe(1);
    const seen = await fleet.seen();
    expect(seen.reduce((sum, instance) => sum + instance.renewalsFromStore, 0)).toBe(INSTANCES - 1);
    // storeFault, storeRecovered and the warning: once per outage, in every instance.
    expect(seen.map(({ storeFaults, storeRecoveries, warnings }) => [storeFaults, storeRecoveries, warnings])).toEqual(
      Array(INSTANCES).fill([1, 1, 1]),
    );
    expect(fleet.stderr()).not.toContain('fleet-secret');

    console.warn(
      `Redis Cluster failover: ${failoverMs} ms from SIGKILL to the replica serving the slot; ${during.length} requests ` +
        `answered during it, ${answers.filter(({ status }) => status !== 200).length} of ${answers.length} failed; token requests: ` +
        `${tokenRequestsBefore} for the cold start, ${tokenRequestsDuring} for the renewals during the failover ` +
        `(per instance, the store skipped), ${tokenRequestsAfter} for the fleet's renewal after it`,
    );
  }, 60_000);
}

/** Every command the store sends, with a client of the kind `name`, on the cluster; MONITOR on every node. */
function everyCommandTests(cluster: () => RedisCluster, name: string): void {
  const kind = clusterClientKind(name);
  beforeAll(() => cluster().restore(), 60_000);

  it.each([
    ['in clear', undefined],
    ['sealed', Buffer.alloc(32, 5)],
  ])(
    'runs every command the store sends on the cluster (records %s), no token in a script (MONITOR)',
    async (records, encryptionKey) => {
      const client = kind.connect(cluster().startupNodes);
      const running = cluster().nodes.filter((node) => node.running);
      const watches = await Promise.all(running.map((node) => watchCommands(node.port)));
      try {
        const store = new RedisTokenStore({ ...client.target, encryptionKey, commandTimeoutMs: 2000 });
        const key = `every-command-${name}-${records}`;
        const now = Date.now();
        const token = {
          token: 'cluster-token',
          expiresAt: now + 60_000,
          usableUntil: now + 50_000,
          refreshDueAt: now,
        };
        await store.set(key, { ...token, scope: undefined });
        expect(await store.get(key)).toMatchObject(token);
        expect(await store.deleteIfToken(key, 'another-token')).toBe(false);
        expect(await store.deleteIfToken(key, 'cluster-token')).toBe(true);
        expect(await store.get(key)).toBeUndefined();
        const lock = await store.acquireLock(key, 5000);
        expect(lock).toEqual(expect.any(String));
        expect(await store.acquireLock(key, 5000)).toBeUndefined();
        await store.releaseLock(key, lock!);
        expect(await store.acquireLock(key, 5000)).toEqual(expect.any(String));
        const failure = { code: 'GRAFX_TOKEN_TIMEOUT', status: 504, message: 'timed out', retryAfter: 2 };
        await store.setFailure(key, failure, 5000);
        expect(await store.getFailure(key)).toEqual({ ...failure, remainingMs: expect.any(Number) });

        await Promise.all(watches.map((watch) => watch.settled()));
        const seen = watches.flatMap((watch) => watch.seen);
        const scripts = seen.filter(([command = '']) =>
          /^(EVAL|EVALSHA|EVAL_RO|EVALSHA_RO|FCALL|FCALL_RO)$/i.test(command),
        );
        expect(scripts.length).toBeGreaterThanOrEqual(8);
        expect(scripts.filter((args) => args.some((arg) => arg.includes('cluster-token')))).toEqual([]);
        const sets = seen.filter(([command = '']) => /^SET$/i.test(command));
        expect(sets.some((args) => args.some((arg) => arg.includes('cluster-token')))).toBe(
          encryptionKey === undefined,
        );
      } finally {
        client.close();
        for (const watch of watches) watch.stop();
      }
    },
  );
}

/**
 * A node-redis cluster refuses commands until its first connect() is done: the store's commands wait for it (one
 * `connect` listener for all of them, gone once it fired) and then run.
 */
function firstConnectionTests(cluster: () => RedisCluster, name: string): void {
  const kind = clusterClientKind(name);
  beforeAll(() => cluster().restore(), 60_000);

  it('sends the commands of a cluster still making its first connection once it is connected', async () => {
    const client = kind.connect(cluster().startupNodes);
    try {
      const listeners = client.emitter.listenerCount('connect');
      const store = new RedisTokenStore({ ...client.target, commandTimeoutMs: 10_000 });
      expect(client.ready()).toBe(false); // connect() has just begun
      expect(store.available()).toBe(true); // connecting: commands wait, as in the other clients' offline queues
      const now = Date.now();
      const token = { token: 'first-token', expiresAt: now + 60_000, usableUntil: now + 50_000, refreshDueAt: now };
      const pending = [
        store.set('first-connection', { ...token, scope: undefined }),
        ...Array.from({ length: 20 }, () => store.getFailure('first-connection')),
      ];
      expect(client.emitter.listenerCount('connect')).toBe(listeners + 1);
      await Promise.all(pending);
      expect(client.ready()).toBe(true);
      expect(client.emitter.listenerCount('connect')).toBe(listeners);
      expect(await store.get('first-connection')).toMatchObject(token);
    } finally {
      client.close();
    }
  });

  it('does not send a command whose timeout passed before the cluster connected', async () => {
    const client = kind.connect(cluster().startupNodes);
    try {
      const key = `late-write-${Date.now()}`;
      const late = new RedisTokenStore({ ...client.target, commandTimeoutMs: 1 });
      const now = Date.now();
      const token = { token: 'late-token', expiresAt: now + 60_000, usableUntil: now + 50_000, refreshDueAt: now };
      await expect(late.set(key, { ...token, scope: undefined })).rejects.toMatchObject({
        code: 'REDIS_COMMAND_TIMEOUT',
      });
      expect(client.ready()).toBe(false); // the store gave up while the cluster was still connecting
      await waitFor(async () => client.ready());
      // (one socket per node: a SET sent at the connect event would be answered before this GET)
      const store = new RedisTokenStore({ ...client.target, commandTimeoutMs: 10_000 });
      expect(await store.get(key)).toBeUndefined();
    } finally {
      client.close();
    }
  });
}

/** Polls `condition` (every 50 ms, for at most 10 s). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
