// lib/redis/redis-token-store.ts
// RedisTokenStore: the TokenStore on Redis (any client): TTL'd records, a fetch lock, compare-and-delete, failures.
import { randomUUID } from 'node:crypto';
import { configError } from '../core/errors.js';
import { checkKnownKeys } from '../core/option-keys.js';
import { MAX_ACCESS_TOKEN_LENGTH } from '../core/bounds.js';
import type { StoredFailure, StoredToken, TokenStore } from '../core/token-store.js';
import { RecordCodec, type SealedTime, fingerprint, parseEncryptionKey } from './record-codec.js';
import { RecordFreshness } from './record-freshness.js';
import {
  type RedisClient,
  type RedisConnection,
  type SendClusterCommand,
  type SendCommand,
  connectionOf,
} from './redis-connection.js';
import { type ReadReply, integerReply, readReply } from './redis-replies.js';

export interface RedisTokenStoreOptions {
  /**
   * The app's Redis client, told apart by the store: ioredis 5/6 or iovalkey (`new Redis(url)`, `new Cluster(nodes)`),
   * or node-redis 5/6 (`createClient()`, `createCluster()`, connected by the app). The store never closes it.
   * Give exactly one of `client`, `sendCommand`, `sendCommandCluster`.
   */
  client?: RedisClient;
  /**
   * Any other client: a function that sends one command given as its words and resolves Redis's reply, e.g.
   * `(...args) => client.sendCommand(args)`. The store then always tries Redis (a failed command pauses it).
   */
  sendCommand?: SendCommand;
  /** Like `sendCommand` for a cluster client that must be told the key: `({ key, isReadOnly, command }) => ...`. */
  sendCommandCluster?: SendClusterCommand;
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
   * Sealed records also carry their time of writing and their end, so a record copied back is never used past
   * its end, nor by an instance that saw a newer one.
   * @default undefined (tokens stored in clear; a client secret is never stored either way)
   */
  encryptionKey?: Buffer | Uint8Array | string;
}

// Every script touches one key (KEYS[1]), so it runs on a Redis Cluster as on a single node. A key holding another
// type than a string (someone else's write) is a miss, never an error that would make the store look down.

/**
 * `{value, PTTL}` of KEYS[1], or `{}` when it is absent, not a string, or longer than ARGV[1] bytes (a bounded
 * read). An empty array, not false: false is nil in RESP2 but a boolean in RESP3.
 */
const READ = `
if redis.call('TYPE', KEYS[1]).ok ~= 'string' then return {} end
if redis.call('STRLEN', KEYS[1]) > tonumber(ARGV[1]) then return {} end
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

const OPTION_KEYS = ['client', 'sendCommand', 'sendCommandCluster', 'keyPrefix', 'commandTimeoutMs', 'encryptionKey'];

/**
 * Shares each integration's token among the instances of an app through Redis. Keys:
 * `<prefix>token:{<key>}` (the token, with a TTL ending at its expiry), `<prefix>lock:{<key>}` (the fetch lock),
 * `<prefix>failure:{<key>}` (a failed token request, for a moment), where `<key>` is the core's HMAC of token URL,
 * audience and client ID keyed by the client secret. `{<key>}` is a hash tag: on a Redis Cluster the three keys of
 * an integration share one slot (one master), so a node failure takes all of an integration's records or none.
 * Client secrets are never written, and no token is ever an argument of a script (tracing records those): a token
 * goes only into the value of a SET, and compare-and-delete compares its SHA-256 fingerprint.
 */
export class RedisTokenStore implements TokenStore {
  readonly #redis: RedisConnection;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #codec: RecordCodec;
  readonly #freshness = new RecordFreshness();
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
    const { keyPrefix = 'grafx-auth:', commandTimeoutMs = 500, encryptionKey } = options;
    const redis = connectionOf(options);
    if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) {
      throw configError(
        '`keyPrefix` of RedisTokenStore must be a string without `{` or `}` (the store uses hash tags)',
      );
    }
    if (!Number.isSafeInteger(commandTimeoutMs) || commandTimeoutMs < 1) {
      throw configError('`commandTimeoutMs` of RedisTokenStore must be a positive integer (milliseconds)');
    }
    this.#redis = redis;
    this.#prefix = keyPrefix;
    this.#timeoutMs = commandTimeoutMs;
    this.#codec = new RecordCodec(encryptionKey === undefined ? undefined : parseEncryptionKey(encryptionKey));
  }

  /**
   * Ready: yes. Still making its first connection, or waiting to make it (`lazyConnect: true`: the first command
   * connects): yes (commands wait in the client's offline queue, bounded by commandTimeoutMs) unless a command
   * already failed, so a Redis down at start costs that timeout once. Reconnecting (ioredis) or closed: no, at no
   * cost, until the connection is ready again (node-redis does not tell reconnecting from connecting: a command
   * that fails while it reconnects is the one cost).
   */
  available(): boolean {
    const state = this.#redis.state();
    if (state === 'ready') {
      this.#failedSinceReady = false;
      return true;
    }
    return state === 'connecting' && !this.#failedSinceReady;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const redisKey = this.#key('token', key);
    const read = await this.#read(redisKey);
    if (read === undefined) return undefined;
    const decoded = this.#codec.decodeToken(redisKey, read.value);
    if (decoded === undefined || !this.#fresh(key, decoded.sealed)) return undefined;
    // Unchecked fields: the core checks and bounds them (checkStoredToken) before any use. A sealed record holds
    // until the earlier of its sealed expiry and its key's TTL.
    const fields = decoded.fields as StoredToken;
    const end = endOf(decoded.sealed, read.pttl);
    if (end === undefined || typeof fields.expiresAt !== 'number' || fields.expiresAt <= end) return fields;
    return {
      ...fields,
      expiresAt: end,
      usableUntil: min(fields.usableUntil, end),
      refreshDueAt: min(fields.refreshDueAt, end),
    };
  }

  async set(key: string, token: StoredToken): Promise<void> {
    const now = Date.now();
    const ttl = Math.floor(token.expiresAt - now);
    if (ttl <= 0) return;
    const redisKey = this.#key('token', key);
    this.#freshness.wrote(key, now);
    const value = this.#codec.encodeToken(redisKey, token, now);
    await this.#command(redisKey, ['SET', redisKey, value, 'PX', String(ttl)]);
  }

  async deleteIfToken(key: string, token: string): Promise<boolean> {
    const redisKey = this.#key('token', key);
    const deleted = await this.#eval(COMPARE_AND_DELETE_TOKEN, redisKey, fingerprint(token));
    return integerReply(deleted) === 1;
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    const id = randomUUID();
    const lockKey = this.#key('lock', key);
    try {
      const taken = await this.#eval(ACQUIRE_LOCK, lockKey, id, String(Math.max(1, Math.floor(ttlMs))));
      return integerReply(taken) === 1 ? id : undefined;
    } catch (error) {
      // A command past its time limit may still run (it waits on the socket, or in a cluster's retry queue during a
      // failover): release what it may take, right behind it, so a late lock cannot keep the fleet waiting its TTL.
      this.#redis.send(lockKey, ['EVAL', COMPARE_AND_DELETE, '1', lockKey, id]).catch(() => undefined);
      throw error;
    }
  }

  async releaseLock(key: string, lockId: string): Promise<void> {
    await this.#eval(COMPARE_AND_DELETE, this.#key('lock', key), lockId);
  }

  async setFailure(key: string, failure: StoredFailure, ttlMs: number): Promise<void> {
    const now = Date.now();
    const ttl = Math.max(1, Math.floor(ttlMs));
    const redisKey = this.#key('failure', key);
    this.#freshness.wrote(key, now);
    const value = this.#codec.encodeFailure(redisKey, failure, now, ttl);
    await this.#command(redisKey, ['SET', redisKey, value, 'PX', String(ttl)]);
  }

  /**
   * The failure record with how long it still lives: its key's PTTL, and no longer than its sealed end (a record
   * without a TTL says -1: the core refuses it).
   */
  async getFailure(key: string): Promise<StoredFailure | undefined> {
    const redisKey = this.#key('failure', key);
    const read = await this.#read(redisKey);
    if (read === undefined) return undefined;
    const decoded = this.#codec.decodeFailure(redisKey, read.value);
    if (decoded === undefined || !this.#fresh(key, decoded.sealed)) return undefined;
    let remainingMs = read.pttl;
    if (decoded.sealed !== undefined && remainingMs >= 0) {
      remainingMs = Math.min(remainingMs, decoded.sealed.until - Date.now());
      if (remainingMs <= 0) return undefined; // past its sealed end: copied back with a new TTL
    }
    // Unchecked fields: the core checks and bounds them (checkStoredFailure) before any use.
    return { ...decoded.fields, remainingMs } as StoredFailure;
  }

  /** A sealed record is used only if it is not older than the newest this instance saw of `key` (a replay). */
  #fresh(key: string, sealed: SealedTime | undefined): boolean {
    return sealed === undefined || this.#freshness.accept(key, sealed.writtenAt, Date.now());
  }

  /** A key's value (at most MAX_RECORD_BYTES) and its PTTL, in one round trip; undefined when there is none. */
  async #read(redisKey: string): Promise<ReadReply | undefined> {
    return readReply(await this.#eval(READ, redisKey, String(MAX_RECORD_BYTES)), MAX_RECORD_BYTES);
  }

  /** A script on one key. Its arguments are never a token or a secret (tracing records a script's arguments). */
  #eval(script: string, redisKey: string, ...args: string[]): Promise<unknown> {
    return this.#command(redisKey, ['EVAL', script, '1', redisKey, ...args]);
  }

  /** `{key}` is the hash tag: an integration's token, lock and failure keys share one Redis Cluster slot. */
  #key(kind: 'token' | 'lock' | 'failure', key: string): string {
    return `${this.#prefix}${kind}:{${key}}`;
  }

  /**
   * One command on `redisKey`, bounded by commandTimeoutMs; a late answer is dropped without an unhandled
   * rejection. Every command goes through here (and a timed-out lock's release).
   */
  #command(redisKey: string, command: string[]): Promise<unknown> {
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(this.#redis.send(redisKey, command, performance.now() + this.#timeoutMs));
    } catch (error) {
      pending = Promise.reject(error as Error); // a sendCommand that throws rather than rejects
    }
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

/** When a sealed record ends: the earlier of its sealed end and now + its key's PTTL (none for a record in clear). */
function endOf(sealed: SealedTime | undefined, pttl: number): number | undefined {
  if (sealed === undefined) return undefined;
  return pttl >= 0 ? Math.min(sealed.until, Date.now() + pttl) : sealed.until;
}

/** A time field capped at `end` (a field that is no number stays as it is: the core refuses it). */
function min(value: number, end: number): number {
  return typeof value === 'number' ? Math.min(value, end) : value;
}

class RedisTimeoutError extends Error {
  readonly code = 'REDIS_COMMAND_TIMEOUT';
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}
