// lib/redis/redis-connection.ts
// The store's one seam to Redis: tells ioredis, iovalkey and node-redis clients (or a sendCommand function) apart.
import { configError } from '../core/errors.js';

/**
 * Sends one Redis command, given as its words (`'EVAL', script, '1', key, ...`), and resolves Redis's reply as the
 * client hands it back. For a client the store does not know: `(...args) => client.sendCommand(args)`.
 */
export type SendCommand = (...args: string[]) => Promise<unknown>;

/** One command for a Redis Cluster: the key it touches (it routes the command to that key's master) and its words. */
export interface ClusterCommand {
  key: string;
  isReadOnly: boolean;
  command: string[];
}

/** Like SendCommand, for a cluster client that must be told the key (e.g. node-redis's `cluster.sendCommand`). */
export type SendClusterCommand = (details: ClusterCommand) => Promise<unknown>;

/** An ioredis 5/6 or iovalkey client (`new Redis(url)`) or cluster (`new Cluster(nodes)`). */
export interface IoRedisLikeClient {
  call(command: string, args: string[]): Promise<unknown>;
  readonly status: string;
}

/** A node-redis (`redis` 5/6) client from `createClient()`, connected by the app (`await client.connect()`). */
export interface NodeRedisLikeClient {
  sendCommand(args: string[]): Promise<unknown>;
  readonly isOpen: boolean;
  readonly isReady: boolean;
}

/** A node-redis (`redis` 5/6) cluster from `createCluster()`, connected by the app (`await cluster.connect()`). */
export interface NodeRedisLikeCluster {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  readonly isOpen: boolean;
  /** redis 6 only: open and done discovering the cluster's slots. */
  readonly isReady?: boolean;
  readonly masters: unknown;
  once?(event: 'connect', listener: () => void): unknown;
}

/** A Redis client the store recognises by itself. */
export type RedisClient = IoRedisLikeClient | NodeRedisLikeClient | NodeRedisLikeCluster;

/** Whether the connection can take a command now: yes, still making its first connection, or no (down, closed). */
export type ConnectionState = 'ready' | 'connecting' | 'down';

/** What the store needs of a client: send one command touching `key`, and say how the connection is. */
export interface RedisConnection {
  /** `ioredis`, `node-redis`, `node-redis cluster`, `sendCommand`, `sendCommandCluster`: for error messages. */
  readonly kind: string;
  /**
   * `sendBy`: when the store stops waiting for the answer (`performance.now()`); a command held back by the connection
   * (a node-redis cluster's first connection) is not sent once it passed: its caller has had its timeout already.
   */
  send(key: string, command: string[], sendBy?: number): Promise<unknown>;
  state(): ConnectionState;
}

/** The options that name where commands go: exactly one of them. */
export interface ConnectionOptions {
  client?: unknown;
  sendCommand?: unknown;
  sendCommandCluster?: unknown;
}

const CLIENT_HINT =
  'an ioredis or iovalkey client or cluster, or a connected node-redis client or cluster (createClient(), createCluster())';

/**
 * The connection the options name: a client (told apart by its shape; the store imports no client library) or one
 * of the two functions. Throws GRAFX_CONFIG_INVALID for none, several, or an object that is no known client.
 */
export function connectionOf(options: ConnectionOptions): RedisConnection {
  const given = (['client', 'sendCommand', 'sendCommandCluster'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (given.length !== 1) {
    throw configError(
      `RedisTokenStore needs exactly one of \`client\`, \`sendCommand\` or \`sendCommandCluster\`${
        given.length > 1 ? ` (received ${given.map((name) => `\`${name}\``).join(' and ')})` : ''
      }, e.g. new RedisTokenStore({ client: new Redis(process.env.REDIS_URL) })`,
    );
  }
  const { client, sendCommand, sendCommandCluster } = options;
  if (sendCommand !== undefined) {
    if (typeof sendCommand !== 'function') throw configError('`sendCommand` of RedisTokenStore must be a function');
    const send = sendCommand as SendCommand;
    return { kind: 'sendCommand', send: (_key, command) => send(...command), state: () => 'ready' };
  }
  if (sendCommandCluster !== undefined) {
    if (typeof sendCommandCluster !== 'function') {
      throw configError('`sendCommandCluster` of RedisTokenStore must be a function');
    }
    const send = sendCommandCluster as SendClusterCommand;
    return {
      kind: 'sendCommandCluster',
      send: (key, command) => send({ key, isReadOnly: false, command }),
      state: () => 'ready',
    };
  }
  return clientConnection(client);
}

function clientConnection(client: unknown): RedisConnection {
  if (typeof client !== 'object' || client === null) {
    throw configError(`\`client\` of RedisTokenStore must be ${CLIENT_HINT}`);
  }
  const shape = client as Record<string, unknown>;
  // ioredis and its fork iovalkey: `call` sends any command (a cluster routes it by the command's keys).
  if (typeof shape.call === 'function' && typeof shape.status === 'string') {
    const io = client as IoRedisLikeClient;
    return {
      kind: 'ioredis',
      send: (_key, [name, ...args]) => io.call(name as string, args),
      state: () => ioRedisState(io.status),
    };
  }
  if (typeof shape.sendCommand === 'function' && typeof shape.isOpen === 'boolean') {
    // node-redis: a cluster keeps its masters; its sendCommand takes the key that routes the command.
    if ('masters' in shape) return nodeRedisClusterConnection(client as NodeRedisLikeCluster);
    const node = client as NodeRedisLikeClient;
    return {
      kind: 'node-redis',
      send: (_key, command) => node.sendCommand(command),
      // open but not ready: connecting, or reconnecting (commands wait in its offline queue, bounded by the timeout)
      state: () => (node.isReady ? 'ready' : node.isOpen ? 'connecting' : 'down'),
    };
  }
  throw configError(`\`client\` of RedisTokenStore must be ${CLIENT_HINT}, or use \`sendCommand\``);
}

/**
 * A node-redis cluster routes each command by its key (`sendCommand(key, isReadonly, args)`). Unlike the other
 * clients it has no offline queue while it discovers the cluster's slots (`connect()`): a command then fails at once
 * ("The client is offline"). So while it connects, commands wait for its `connect` event, bounded by the store's
 * command timeout like any command: one listener, shared by every waiting command, gone once it fired. A command
 * whose timeout passed meanwhile is not sent when the cluster connects: its caller has gone on without it (a token or
 * failure record written then would be a late one).
 */
function nodeRedisClusterConnection(cluster: NodeRedisLikeCluster): RedisConnection {
  const state = (): ConnectionState => {
    if (!cluster.isOpen) return 'down';
    // redis 6 says isReady; redis 5 has no isReady, and no masters until its first discovery is done
    const discovering =
      cluster.isReady === false ||
      (cluster.isReady === undefined && Array.isArray(cluster.masters) && !cluster.masters.length);
    return discovering ? 'connecting' : 'ready';
  };
  let connected: Promise<void> | undefined;
  const whenConnected = (): Promise<void> =>
    (connected ??= new Promise<void>((resolve) => {
      cluster.once?.('connect', () => {
        connected = undefined;
        resolve();
      });
    }));
  return {
    kind: 'node-redis cluster',
    send: (key, command, sendBy = Infinity) =>
      state() === 'connecting' && typeof cluster.once === 'function'
        ? whenConnected().then(() => {
            if (performance.now() >= sendBy)
              throw new Error('not sent: the store stopped waiting before the cluster connected');
            return cluster.sendCommand(key, false, command);
          })
        : cluster.sendCommand(key, false, command),
    state,
  };
}

/** ioredis's status: commands wait in its offline queue while it makes its first connection (or waits to). */
function ioRedisState(status: string): ConnectionState {
  if (status === 'ready') return 'ready';
  return status === 'wait' || status === 'connecting' || status === 'connect' ? 'connecting' : 'down';
}
