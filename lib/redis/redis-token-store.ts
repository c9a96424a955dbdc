// lib/redis/redis-token-store.ts
// RedisTokenStore: the TokenStore on Redis (ioredis): TTL'd records, a fetch lock, compare-and-delete, failures.
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { configError } from '../core/errors.js';
import { checkKnownKeys } from '../core/option-keys.js';
import { MAX_ACCESS_TOKEN_LENGTH } from '../core/bounds.js';
import type { StoredFailure, StoredToken, TokenStore } from '../core/token-store.js';
import { RecordCodec, fingerprint, parseEncryptionKey } from './record-codec.js';

export interface RedisTokenStoreOptions {
  /** An ioredis client (`new Redis(url)`) or cluster, made by the app; the store never closes it. */
  client: Redis | Cluster;
  /**
   * Prefix of every key the store writes.
   * @default 'grafx-auth:'
   */
  keyPrefix?: string;
  /**
   * Time limit of one Redis command; a slower Redis counts as down (the app goes on with per-instance tokens).
   * @default 500
   */
  commandTimeoutMs?: number;
  /**
   * Encrypts tokens at rest with AES-256-GCM: 32 bytes (a Buffer, 64 hex characters or base64). For a Redis
   * shared with other teams. Every instance needs the same key; a value it cannot decrypt counts as a miss.
   * @default undefined (tokens stored in clear; a client secret is never stored either way)
   */
  encryptionKey?: Buffer | Uint8Array | string;
}

// Every script touches one key (KEYS[1]), so it runs on a Redis Cluster as on a single node. A key holding another
// type than a string (someone else's write) is a miss, never an error that would make the store look down.

/** KEYS[1]'s value and its PTTL, or nil when absent, not a string, or longer than ARGV[1] bytes (a bounded read). */
const READ = `
if redis.call('TYPE', KEYS[1]).ok ~= 'string' then return false end
if redis.call('STRLEN', KEYS[1]) > tonumber(ARGV[1]) then return false end
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`;

/** Deletes KEYS[1] if its JSON value's `fp` is ARGV[1]; returns 1 if it deleted. */
const COMPARE_AND_DELETE_TOKEN = `
if redis.call('TYPE', KEYS[1]).ok ~= 'string' then return 0 end
local ok, record = pcall(cjson.decode, redis.call('GET', KEYS[1]))
if ok and type(record) == 'table' and record.fp == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Takes the lock KEYS[1] with id ARGV[1] for ARGV[2] ms unless it is held; returns 1 if taken. A lock no holder
 * could have left (no TTL, or not a string) is replaced, so a forged one cannot stall the fleet.
 */
const ACQUIRE_LOCK = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'none' and (kind ~= 'string' or redis.call('PTTL', KEYS[1]) < 0) then redis.call('DEL', KEYS[1]) end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`;

/** Deletes KEYS[1] if its value is ARGV[1] (a lock released only by its holder). */
const COMPARE_AND_DELETE = `
if redis.call('TYPE', KEYS[1]).ok ~= 'string' then return 0 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** The largest record read back: a sealed record of the longest accepted token, with room to spare. */
const MAX_RECORD_BYTES = 4 * MAX_ACCESS_TOKEN_LENGTH;

const OPTION_KEYS = ['client', 'keyPrefix', 'commandTimeoutMs', 'encryptionKey'];

/**
 * Shares each integration's token among the instances of an app through Redis. Keys:
 * `<prefix>token:{<key>}` (the token, with a TTL ending at its expiry), `<prefix>lock:{<key>}` (the fetch lock),
 * `<prefix>failure:{<key>}` (a failed token request, for a moment), where `<key>` is the core's HMAC of token URL,
 * audience and client ID keyed by the client secret. `{<key>}` is a hash tag: on a Redis Cluster the three keys of
 * an integration share one slot (one master), so a node failure takes all of an integration's records or none.
 * Client secrets are never written.
 */
export class RedisTokenStore implements TokenStore {
  readonly #client: Redis | Cluster;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #codec: RecordCodec;
  /** A command failed or timed out since the connection was last seen ready. */
  #failedSinceReady = false;

  constructor(options: RedisTokenStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw configError('RedisTokenStore needs options: new RedisTokenStore({ client: new Redis(url) })');
    }
    if (typeof (options as { eval?: unknown }).eval === 'function') {
      // the ioredis client itself: its own fields would read as unknown options
      throw configError('RedisTokenStore takes options, not the client: new RedisTokenStore({ client: redis })');
    }
    checkKnownKeys(
      options,
      OPTION_KEYS,
      '',
      'new RedisTokenStore(options) takes ' + OPTION_KEYS.map((key) => `\`${key}\``).join(', '),
    );
    const { client, keyPrefix = 'grafx-auth:', commandTimeoutMs = 500, encryptionKey } = options;
    if (typeof client !== 'object' || client === null || typeof (client as Partial<Redis>).eval !== 'function') {
      throw configError('`client` of RedisTokenStore must be an ioredis client, e.g. new Redis(process.env.REDIS_URL)');
    }
    if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) {
      throw configError(
        '`keyPrefix` of RedisTokenStore must be a string without `{` or `}` (the store uses hash tags)',
      );
    }
    if (!Number.isSafeInteger(commandTimeoutMs) || commandTimeoutMs < 1) {
      throw configError('`commandTimeoutMs` of RedisTokenStore must be a positive integer (milliseconds)');
    }
    this.#client = client;
    this.#prefix = keyPrefix;
    this.#timeoutMs = commandTimeoutMs;
    this.#codec = new RecordCodec(encryptionKey === undefined ? undefined : parseEncryptionKey(encryptionKey));
  }

  /**
   * Ready: yes. Still making its first connection, or waiting to make it (`lazyConnect: true`: the first command
   * connects): yes (commands wait in ioredis's offline queue, bounded by commandTimeoutMs) unless a command
   * already failed, so a Redis down at start costs that timeout once. Reconnecting or closed: no, at no cost,
   * until the connection is ready again.
   */
  available(): boolean {
    const { status } = this.#client;
    if (status === 'ready') {
      this.#failedSinceReady = false;
      return true;
    }
    return (status === 'wait' || status === 'connecting' || status === 'connect') && !this.#failedSinceReady;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const redisKey = this.#key('token', key);
    const [value] = await this.#read(redisKey);
    // Unchecked fields: the core checks and bounds them (checkStoredToken) before any use.
    return this.#codec.decodeToken(redisKey, value) as StoredToken | undefined;
  }

  async set(key: string, token: StoredToken): Promise<void> {
    const ttl = Math.floor(token.expiresAt - Date.now());
    if (ttl <= 0) return;
    const redisKey = this.#key('token', key);
    await this.#command(this.#client.set(redisKey, this.#codec.encodeToken(redisKey, token), 'PX', ttl));
  }

  async deleteIfToken(key: string, token: string): Promise<boolean> {
    const deleted = await this.#command(
      this.#client.eval(COMPARE_AND_DELETE_TOKEN, 1, this.#key('token', key), fingerprint(token)),
    );
    return deleted === 1;
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    const id = randomUUID();
    const lockKey = this.#key('lock', key);
    try {
      const taken = await this.#command(this.#client.eval(ACQUIRE_LOCK, 1, lockKey, id, ttlMs));
      return taken === 1 ? id : undefined;
    } catch (error) {
      // A command past its time limit may still run (it waits on the socket, or in a cluster's retry queue during a
      // failover): release what it may take, right behind it, so a late lock cannot keep the fleet waiting its TTL.
      this.#client.eval(COMPARE_AND_DELETE, 1, lockKey, id).catch(() => undefined);
      throw error;
    }
  }

  async releaseLock(key: string, lockId: string): Promise<void> {
    await this.#command(this.#client.eval(COMPARE_AND_DELETE, 1, this.#key('lock', key), lockId));
  }

  async setFailure(key: string, failure: StoredFailure, ttlMs: number): Promise<void> {
    const redisKey = this.#key('failure', key);
    const value = this.#codec.encodeFailure(redisKey, failure);
    await this.#command(this.#client.set(redisKey, value, 'PX', Math.max(1, Math.floor(ttlMs))));
  }

  /** The failure record with how long it still lives (a record without a TTL says -1: the core refuses it). */
  async getFailure(key: string): Promise<StoredFailure | undefined> {
    const redisKey = this.#key('failure', key);
    const [value, remainingMs] = await this.#read(redisKey);
    const fields = this.#codec.decodeFailure(redisKey, value);
    // Unchecked fields: the core checks and bounds them (checkStoredFailure) before any use.
    return fields === undefined ? undefined : ({ ...fields, remainingMs } as StoredFailure);
  }

  /** A key's value (at most MAX_RECORD_BYTES, a string) and its PTTL, in one round trip. */
  async #read(redisKey: string): Promise<[string | null, number | undefined]> {
    const answer = await this.#command(this.#client.eval(READ, 1, redisKey, MAX_RECORD_BYTES));
    if (!Array.isArray(answer)) return [null, undefined];
    const [value, pttl] = answer as unknown[];
    return [typeof value === 'string' ? value : null, typeof pttl === 'number' ? pttl : undefined];
  }

  /** `{key}` is the hash tag: an integration's token, lock and failure keys share one Redis Cluster slot. */
  #key(kind: 'token' | 'lock' | 'failure', key: string): string {
    return `${this.#prefix}${kind}:{${key}}`;
  }

  /** A command bounded by commandTimeoutMs; a late answer is dropped without an unhandled rejection. */
  #command<T>(pending: Promise<T>): Promise<T> {
    pending.catch(() => undefined);
    const failed = (error: unknown): never => {
      this.#failedSinceReady = true;
      throw error;
    };
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeoutError(this.#timeoutMs)), this.#timeoutMs);
      timer.unref();
    });
    return Promise.race([pending, limit])
      .catch(failed)
      .finally(() => clearTimeout(timer));
  }
}

class RedisTimeoutError extends Error {
  readonly code = 'REDIS_COMMAND_TIMEOUT';
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}
