// __tests__/helpers/redis-clients.ts
// The Redis clients RedisTokenStore supports, each made the way an app makes it: the rows of the store tests' matrix.
import type { EventEmitter } from 'node:events';
import type * as IoRedisModule from 'ioredis';
import type * as IoRedis5Module from 'ioredis5';
import type * as IoValkeyModule from 'iovalkey';
import type * as NodeRedisModule from 'redis';
import type * as NodeRedis5Module from 'redis5';
import type { RedisTokenStoreOptions } from 'express-grafx-auth/redis';

/**
 * A client library, loaded when a row first needs it: a fleet process loads only its own (loading all five took
 * seconds per process on a loaded machine).
 */
function load<T>(name: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name) as T;
}
const ioredis = (): typeof IoRedisModule => load('ioredis');
const ioredis5 = (): typeof IoRedis5Module => load('ioredis5');
const iovalkey = (): typeof IoValkeyModule => load('iovalkey');
const redis = (): typeof NodeRedisModule => load('redis');
const redis5 = (): typeof NodeRedis5Module => load('redis5');
type IoRedis = IoRedisModule.Redis;
type IoRedisCluster = IoRedisModule.Cluster;
type IoRedis5 = IoRedis5Module.Redis;
type IoRedis5Cluster = IoRedis5Module.Cluster;
type IoValkey = IoValkeyModule.Redis;
type IoValkeyCluster = IoValkeyModule.Cluster;

/** Where the store sends its commands: exactly one of `client`, `sendCommand`, `sendCommandCluster`. */
export type StoreTarget = Pick<RedisTokenStoreOptions, 'client' | 'sendCommand' | 'sendCommandCluster'>;

/** One client of one kind, as the store gets it, and what a test needs of it besides. */
export interface StoreClient {
  readonly target: StoreTarget;
  /** The client's own object (for its events). */
  readonly emitter: EventEmitter;
  /** Whether the client says its connection is ready. */
  ready(): boolean;
  /** Resolves once the client answered a PING (its connection is up). */
  ping(): Promise<unknown>;
  close(): void;
}

export interface ClientKind {
  readonly name: string;
  /** A client of a single redis-server; `lazy`: one that connects on its first command, where the client can. */
  connect(url: string, options?: { lazy?: boolean }): StoreClient;
}

export interface ClusterClientKind {
  readonly name: string;
  connect(nodes: ReadonlyArray<{ host: string; port: number }>): StoreClient;
}

/** Client options that give up fast in tests (an app picks its own). */
const IO_OPTIONS = { maxRetriesPerRequest: 1, retryStrategy: () => 100, disconnectTimeout: 50 };

type IoLike = IoRedis | IoRedis5 | IoValkey | IoRedisCluster | IoRedis5Cluster | IoValkeyCluster;
function ioredisClient(client: IoLike): StoreClient {
  const events = client as unknown as EventEmitter;
  events.on('error', () => undefined); // the app's own concern; keeps the test output quiet
  events.on('node error', () => undefined);
  return {
    target: { client },
    emitter: events,
    ready: () => client.status === 'ready',
    ping: () => client.ping(),
    close: () => client.disconnect(),
  };
}

/** What the tests use of a node-redis client (either version). */
interface NodeRedisClient extends EventEmitter {
  connect(): Promise<unknown>;
  ping(): Promise<unknown>;
  destroy(): void;
  readonly isOpen: boolean;
  readonly isReady: boolean;
}
function nodeRedisClient(client: NodeRedisClient, target: StoreTarget): StoreClient {
  client.on('error', () => undefined);
  client.connect().catch(() => undefined); // node-redis clients are connected by the app; commands queue meanwhile
  return {
    target,
    emitter: client,
    ready: () => client.isReady,
    ping: () => client.ping(),
    close: () => {
      if (client.isOpen) client.destroy();
    },
  };
}

interface NodeRedisCluster extends EventEmitter {
  connect(): Promise<unknown>;
  sendCommand(key: string | undefined, isReadonly: boolean, args: string[]): Promise<unknown>;
  destroy(): void;
  readonly isOpen: boolean;
  readonly isReady?: boolean;
  readonly masters: ReadonlyArray<unknown>;
}
/** A node-redis cluster, connecting (`connected`: its connect() if the caller made that call already). */
function nodeRedisCluster(
  cluster: NodeRedisCluster,
  target: StoreTarget,
  connected: Promise<unknown> = cluster.connect(),
): StoreClient {
  cluster.on('error', () => undefined);
  cluster.on('node-error', () => undefined);
  connected.catch(() => undefined);
  return {
    target,
    emitter: cluster,
    ready: () => cluster.isOpen && (cluster.isReady ?? cluster.masters.length > 0),
    // once its connect() is done: until then a node-redis cluster refuses every command ("The client is offline")
    ping: () => connected.then(() => cluster.sendCommand(undefined, true, ['PING'])),
    // after its connect() settled: node-redis 5 destroyed while discovering still makes its nodes' clients after it
    close: () => {
      void connected
        .catch(() => undefined)
        .then(() => {
          if (cluster.isOpen) cluster.destroy();
        });
    },
  };
}

const nodeSocket = { reconnectStrategy: () => 100, connectTimeout: 2000 };

/** Every single-node client the store supports. */
export const CLIENT_KINDS: readonly ClientKind[] = [
  {
    name: 'ioredis 6',
    connect: (url, { lazy = false } = {}) =>
      ioredisClient(new (ioredis().Redis)(url, { ...IO_OPTIONS, lazyConnect: lazy })),
  },
  {
    name: 'ioredis 6 (protocol 2)',
    connect: (url, { lazy = false } = {}) =>
      ioredisClient(new (ioredis().Redis)(url, { ...IO_OPTIONS, lazyConnect: lazy, protocol: 2 })),
  },
  {
    name: 'ioredis 5',
    connect: (url, { lazy = false } = {}) =>
      ioredisClient(new (ioredis5().Redis)(url, { ...IO_OPTIONS, lazyConnect: lazy })),
  },
  {
    name: 'iovalkey',
    connect: (url, { lazy = false } = {}) =>
      ioredisClient(new (iovalkey().Redis)(url, { ...IO_OPTIONS, lazyConnect: lazy })),
  },
  {
    name: 'node-redis 6',
    connect: (url) => {
      const client = redis().createClient({ url, socket: nodeSocket });
      return nodeRedisClient(client, { client });
    },
  },
  {
    name: 'node-redis 6 (RESP3, strings as Buffers)',
    connect: (url) => {
      const client = redis()
        .createClient({ url, RESP: 3, socket: nodeSocket })
        .withTypeMapping({
          [redis().RESP_TYPES.BLOB_STRING]: Buffer,
          [redis().RESP_TYPES.SIMPLE_STRING]: Buffer,
        });
      return nodeRedisClient(client, { client });
    },
  },
  {
    name: 'node-redis 5',
    connect: (url) => {
      const client = redis5().createClient({ url, socket: nodeSocket });
      return nodeRedisClient(client, { client });
    },
  },
  {
    name: 'sendCommand (node-redis 6)',
    connect: (url) => {
      const client = redis().createClient({ url, socket: nodeSocket });
      return nodeRedisClient(client, { sendCommand: (...args) => client.sendCommand(args) });
    },
  },
];

/** Every cluster client the store supports. */
export const CLUSTER_CLIENT_KINDS: readonly ClusterClientKind[] = [
  { name: 'ioredis 6 Cluster', connect: (nodes) => ioredisClient(new (ioredis().Cluster)([...nodes], clusterOptions)) },
  {
    name: 'ioredis 5 Cluster',
    connect: (nodes) => ioredisClient(new (ioredis5().Cluster)([...nodes], clusterOptions)),
  },
  { name: 'iovalkey Cluster', connect: (nodes) => ioredisClient(new (iovalkey().Cluster)([...nodes], clusterOptions)) },
  {
    name: 'node-redis 6 createCluster',
    connect: (nodes) => {
      const cluster = redis().createCluster({ ...nodeCluster(nodes), ...NODE_REDIS_6_CLUSTER_OPTIONS });
      return nodeRedisCluster(cluster, { client: cluster });
    },
  },
  {
    name: 'node-redis 5 createCluster',
    connect: (nodes) => {
      const cluster = redis5().createCluster(nodeCluster(nodes));
      refreshWhileANodeReconnects(cluster);
      return nodeRedisCluster(cluster, { client: cluster });
    },
  },
  {
    name: 'sendCommandCluster (node-redis 6)',
    connect: (nodes) => {
      const cluster = redis().createCluster({ ...nodeCluster(nodes), ...NODE_REDIS_6_CLUSTER_OPTIONS });
      // the app's function: a node-redis cluster takes commands once connected (it has no offline queue until then)
      const connected = cluster.connect();
      return nodeRedisCluster(
        cluster,
        {
          sendCommandCluster: async ({ key, isReadOnly, command }) => {
            await connected;
            return cluster.sendCommand(key, isReadOnly, command);
          },
        },
        connected,
      );
    },
  },
];

const clusterOptions = { clusterRetryStrategy: () => 200, redisOptions: { disconnectTimeout: 50 } };

/**
 * node-redis 6 reads the cluster's topology again once a node has been reconnecting this long (default 5 s): after
 * a master fails, that is how it finds the replica that took over (as docs/guides/redis.md sets it up).
 */
const NODE_REDIS_6_CLUSTER_OPTIONS = { topologyRefreshOnReconnectionAttemptStrategy: 500 };

/** What refreshWhileANodeReconnects uses of a node-redis 5 cluster. */
interface NodeRedis5Cluster extends EventEmitter {
  readonly masters: ReadonlyArray<{ client?: { readonly isReady: boolean } }>;
  readonly _slots: { rediscover(startWith: never): Promise<void> };
}

/**
 * node-redis 5 never reads the topology again after a master is lost (only on a MOVED answer, which a dead master
 * cannot send): its commands for that master's slots wait on a node that never comes back. So, as the guide's
 * error handling for node-redis 5 clusters does: while a node reconnects, read the topology again from a node that
 * is up (one refresh at a time; node-redis itself also runs one at a time).
 */
function refreshWhileANodeReconnects(cluster: NodeRedis5Cluster): void {
  let refreshing = false;
  cluster.on('node-reconnecting', () => {
    const up = cluster.masters.find((master) => master.client?.isReady)?.client;
    if (refreshing || up === undefined) return;
    refreshing = true;
    cluster._slots
      .rediscover(up as never)
      .catch(() => undefined)
      .finally(() => (refreshing = false));
  });
}

function nodeCluster(nodes: ReadonlyArray<{ host: string; port: number }>) {
  return {
    rootNodes: nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
    defaults: { socket: nodeSocket },
  };
}

export function clientKind(name: string): ClientKind {
  const kind = CLIENT_KINDS.find((candidate) => candidate.name === name);
  if (kind === undefined) throw new Error(`no Redis client kind named "${name}"`);
  return kind;
}

export function clusterClientKind(name: string): ClusterClientKind {
  const kind = CLUSTER_CLIENT_KINDS.find((candidate) => candidate.name === name);
  if (kind === undefined) throw new Error(`no Redis cluster client kind named "${name}"`);
  return kind;
}
