// __tests__/helpers/redis-cluster.ts
// Starts a real Redis Cluster (3 masters, 1 replica each) from redis-server on free loopback ports, for a test file.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { RedisServer, describeWithRedis, findBinary } from './redis-server.js';

const run = promisify(execFile);
/** How long a node may be unreachable before the others count it as failed (then its replica takes over). */
export const CLUSTER_NODE_TIMEOUT_MS = 1000;
const CLUSTER_BUS_OFFSET = 10_000;

/** `describe` when redis-server and redis-cli are installed (see describeWithRedis). */
export function describeWithRedisCluster(name: string, body: () => void): void {
  describeWithRedis(name, body, ['redis-server', 'redis-cli']);
}

/** A slot's master and its replicas, by port. */
export interface SlotOwner {
  master: number;
  replicas: number[];
}

export class RedisCluster {
  private constructor(
    readonly nodes: RedisServer[],
    private readonly dir: string,
  ) {}

  /** Starts 3 masters and 3 replicas, creates the cluster with redis-cli, and waits until it is whole. */
  static async start(): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'grafx-redis-cluster-'));
    const ports = await freePortPairs(6);
    const nodes = ports.map(
      (port) =>
        new RedisServer(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          String(CLUSTER_NODE_TIMEOUT_MS),
          // a replica takes over however long it was cut off from its master (the test kills masters at will)
          '--cluster-replica-validity-factor',
          '0',
          '--repl-diskless-sync-delay', // replicas sync at once, not after the default 5 s
          '0',
          '--dir',
          dir,
        ]),
    );
    const cluster = new RedisCluster(nodes, dir);
    try {
      await Promise.all(nodes.map((node) => node.start()));
      const cli = findBinary('redis-cli');
      if (cli === undefined) throw new Error('redis-cli is not installed');
      const addresses = ports.map((port) => `127.0.0.1:${port}`);
      await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], {
        timeout: 20_000,
      });
      await cluster.#waitUntil(() => cluster.#whole(), 'the cluster did not form');
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The startup nodes for `new Cluster(...)`. */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
  }

  node(port: number): RedisServer {
    const found = this.nodes.find((node) => node.port === port);
    if (found === undefined) throw new Error(`no cluster node on port ${port}`);
    return found;
  }

  /** The hash slot of a key, as the cluster computes it. */
  async slotOf(key: string): Promise<number> {
    return Number(await this.#ask((client) => client.cluster('KEYSLOT', key)));
  }

  /** Who serves a slot now, as a running node sees it (CLUSTER NODES: CLUSTER SLOTS hides replicas not yet seen in sync). */
  async ownerOf(slot: number): Promise<SlotOwner> {
    const nodes = parseNodes(String(await this.#ask((client) => client.cluster('NODES'))));
    const master = nodes.find(
      (node) => node.flags.includes('master') && !node.flags.includes('fail') && node.serves(slot),
    );
    if (master === undefined) throw new Error(`slot ${slot} is not served`);
    const replicas = nodes.filter((node) => node.masterId === master.id && !node.flags.includes('fail'));
    return { master: master.port, replicas: replicas.map((node) => node.port) };
  }

  /**
   * After the master `failed` of `slot` was killed: waits until another master serves the slot and every running
   * node says the cluster is ok. Resolves the new owner.
   */
  async waitForFailover(slot: number, failed: number): Promise<SlotOwner> {
    let owner: SlotOwner | undefined;
    await this.#waitUntil(async () => {
      owner = await this.ownerOf(slot);
      return owner.master !== failed && (await this.#allOk());
    }, `slot ${slot} was not taken over`);
    return owner!;
  }

  /**
   * Restarts the nodes stopped since (a node killed by a test rejoins as a replica of the one that took over),
   * waits until the cluster is whole again, and empties every master: the cluster as the next test block needs it.
   */
  async restore(): Promise<void> {
    await Promise.all(this.nodes.filter((node) => !node.running).map((node) => node.start()));
    await this.#waitUntil(() => this.#whole(), 'the cluster did not become whole again');
    const nodes = parseNodes(String(await this.#ask((client) => client.cluster('NODES'))));
    const masters = nodes.filter((node) => node.flags.includes('master'));
    await Promise.all(masters.map(({ port }) => this.#ask((client) => client.flushall(), port)));
  }

  /** The keys matching `pattern` on every master (KEYS on one node sees only that node's slots). */
  async keys(pattern: string): Promise<string[]> {
    const nodes = parseNodes(String(await this.#ask((client) => client.cluster('NODES'))));
    const masters = nodes.filter((node) => node.flags.includes('master') && !node.flags.includes('fail'));
    const keys = await Promise.all(masters.map(({ port }) => this.#ask((client) => client.keys(pattern), port)));
    return keys.flat();
  }

  /** Kills every node and removes their files. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every node knows every other, each master has its replica in sync, and every node says the cluster is ok. */
  async #whole(): Promise<boolean> {
    if (!(await this.#allOk())) return false;
    const nodes = parseNodes(String(await this.#ask((client) => client.cluster('NODES'))));
    const replicas = nodes.filter((node) => node.flags.includes('slave'));
    if (nodes.length !== this.nodes.length || replicas.length !== this.nodes.length / 2) return false;
    if (nodes.some((node) => !node.connected || /fail|handshake|noaddr/.test(node.flags))) return false;
    for (const { port } of replicas) {
      const info = await this.#ask((client) => client.info('replication'), port);
      if (!info.includes('master_link_status:up')) return false;
    }
    return true;
  }

  async #allOk(): Promise<boolean> {
    const running = this.nodes.filter((node) => node.running);
    const infos = await Promise.all(running.map((node) => this.#ask((client) => client.cluster('INFO'), node.port)));
    return infos.every((info) => String(info).includes('cluster_state:ok'));
  }

  /** One command on one node (a running one by default), on a connection of its own that gives up at once. */
  async #ask<T>(command: (client: Redis) => Promise<T>, port?: number): Promise<T> {
    const target = port ?? this.nodes.find((node) => node.running)?.port;
    if (target === undefined) throw new Error('no cluster node is running');
    const client = new Redis({
      host: '127.0.0.1',
      port: target,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await command(client);
    } finally {
      client.disconnect();
    }
  }

  async #waitUntil(condition: () => Promise<boolean>, message: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (await condition().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(message);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * One cluster for the test file's blocks that use it: started before the first of their tests, stopped after the
 * last. The blocks restore it (whole again and empty) where they need it; see useRedisCluster().
 */
export function sharedRedisCluster(): () => RedisCluster {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await RedisCluster.start();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (cluster === undefined) throw new Error('the shared Redis Cluster is used before its beforeAll ran');
    return cluster;
  };
}

/** As sharedRedisCluster(), and before each test the cluster is whole again and empty (restore()). */
export function useRedisCluster(): () => RedisCluster {
  const cluster = sharedRedisCluster();
  beforeEach(() => cluster().restore(), 60_000);
  return cluster;
}

interface ClusterNode {
  id: string;
  port: number;
  flags: string;
  masterId: string;
  connected: boolean;
  serves(slot: number): boolean;
}

/** The lines of CLUSTER NODES: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges...>`. */
function parseNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', masterId = '', , , , link = '', ...ranges] = line.split(' ');
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        flags,
        masterId,
        connected: link === 'connected',
        serves: (slot: number) =>
          ranges.some((range) => {
            const [from, to = from] = range.split('-').map(Number);
            return from !== undefined && to !== undefined && from <= slot && slot <= to;
          }),
      };
    });
}

/** Ports are picked in [FIRST_PORT, LAST_PORT]: with their bus ports (+10000) all below Linux's ephemeral range
 * (32768 and up), so no outgoing connection of another process can take one between the check and the start. */
const FIRST_PORT = 12_000;
const LAST_PORT = 22_767;

/**
 * `count` ports P that are free on loopback along with P + 10000 (the node's cluster bus port). redis-server has
 * no port 0, so they are picked at random below the ephemeral range and checked by binding them.
 */
async function freePortPairs(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT + 1));
    if (ports.includes(port)) continue;
    if ((await bindable(port)) && (await bindable(port + CLUSTER_BUS_OFFSET))) ports.push(port);
  }
  return ports;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
