// lib/redis/redis-token-store.ts
// RedisTokenStore: the TokenStore on Redis (ioredis): TTL'd records, a fetch lock, compare-and-delete, failures.
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { configError } from '../core/errors.js';
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

/** Deletes KEYS[1] if its JSON value's `fp` is ARGV[1]; returns 1 if it deleted. */
const COMPARE_AND_DELETE_TOKEN = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local ok, record = pcall(cjson.decode, value)
if ok and type(record) == 'table' and record.fp == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Deletes KEYS[1] if its value is ARGV[1] (a lock released only by its holder). */
const COMPARE_AND_DELETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const OPTION_KEYS = ['client', 'keyPrefix', 'commandTimeoutMs', 'encryptionKey'];

/**
 * Shares each integration's token among the instances of an app through Redis. Keys:
 * `<prefix>token:<key>` (the token, with a TTL ending at its expiry), `<prefix>lock:<key>` (the fetch lock),
 * `<prefix>failure:<key>` (a failed token request, for a moment), where `<key>` is the core's SHA-256 of token URL,
 * audience and client ID. Client secrets are never written.
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
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) throw configError(`RedisTokenStore received an unsupported option, \`${key}\``);
    }
    const { client, keyPrefix = 'grafx-auth:', commandTimeoutMs = 500, encryptionKey } = options;
    if (typeof client !== 'object' || client === null || typeof (client as Partial<Redis>).eval !== 'function') {
      throw configError('`client` of RedisTokenStore must be an ioredis client, e.g. new Redis(process.env.REDIS_URL)');
    }
    if (typeof keyPrefix !== 'string') throw configError('`keyPrefix` of RedisTokenStore must be a string');
    if (!Number.isSafeInteger(commandTimeoutMs) || commandTimeoutMs < 1) {
      throw configError('`commandTimeoutMs` of RedisTokenStore must be a positive integer (milliseconds)');
    }
    this.#client = client;
    this.#prefix = keyPrefix;
    this.#timeoutMs = commandTimeoutMs;
    this.#codec = new RecordCodec(encryptionKey === undefined ? undefined : parseEncryptionKey(encryptionKey));
  }

  /**
   * Ready: yes. Still making its first connection: yes (commands wait in ioredis's offline queue, bounded by
   * commandTimeoutMs) unless a command already failed, so a Redis down at start costs that timeout once.
   * Reconnecting or closed: no, at no cost, until the connection is ready again.
   */
  available(): boolean {
    const { status } = this.#client;
    if (status === 'ready') {
      this.#failedSinceReady = false;
      return true;
    }
    return (status === 'connecting' || status === 'connect') && !this.#failedSinceReady;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const redisKey = this.#key('token', key);
    return this.#codec.decode(redisKey, await this.#command(this.#client.get(redisKey)));
  }

  async set(key: string, token: StoredToken): Promise<void> {
    const ttl = Math.floor(token.expiresAt - Date.now());
    if (ttl <= 0) return;
    const redisKey = this.#key('token', key);
    await this.#command(this.#client.set(redisKey, this.#codec.encode(redisKey, token), 'PX', ttl));
  }

  async deleteIfToken(key: string, token: string): Promise<boolean> {
    const deleted = await this.#command(
      this.#client.eval(COMPARE_AND_DELETE_TOKEN, 1, this.#key('token', key), fingerprint(token)),
    );
    return deleted === 1;
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    const id = randomUUID();
    const answer = await this.#command(this.#client.set(this.#key('lock', key), id, 'PX', ttlMs, 'NX'));
    return answer === 'OK' ? id : undefined;
  }

  async releaseLock(key: string, lockId: string): Promise<void> {
    await this.#command(this.#client.eval(COMPARE_AND_DELETE, 1, this.#key('lock', key), lockId));
  }

  async setFailure(key: string, failure: StoredFailure, ttlMs: number): Promise<void> {
    const { code, status, message, retryAfter } = failure;
    const value = JSON.stringify({ code, status, message, retryAfter });
    await this.#command(this.#client.set(this.#key('failure', key), value, 'PX', Math.max(1, Math.floor(ttlMs))));
  }

  async getFailure(key: string): Promise<StoredFailure | undefined> {
    const value = await this.#command(this.#client.get(this.#key('failure', key)));
    if (value === null) return undefined;
    try {
      const { code, status, message, retryAfter } = JSON.parse(value) as Partial<StoredFailure>;
      if (typeof code !== 'string' || typeof status !== 'number' || typeof message !== 'string') return undefined;
      return { code, status, message, retryAfter: typeof retryAfter === 'number' ? retryAfter : undefined };
    } catch {
      return undefined;
    }
  }

  #key(kind: 'token' | 'lock' | 'failure', key: string): string {
    return `${this.#prefix}${kind}:${key}`;
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
