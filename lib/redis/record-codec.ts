// lib/redis/record-codec.ts
// RecordCodec: turns store records into Redis values and back, optionally AES-256-GCM sealed with their time of writing.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { configError } from '../core/errors.js';
import type { StoredFailure, StoredToken } from '../core/token-store.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The fingerprint of a token: what the compare-and-delete compares inside Redis (the token itself never is). */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type Fields = Record<string, unknown>;
/** A record as read back: every field unchecked (the core checks and bounds each one before any use). */
export type Unchecked<T> = { [K in keyof T]-?: unknown };

/**
 * What a sealed record says of itself in time (in clear records a writer could set anything, so there is none):
 * when it was written and until when it holds (a failure's end; a token's is its sealed expiry), in ms since the
 * epoch, by the writer's clock. A genuine record copied back to its key later cannot say more than it did.
 */
export interface SealedTime {
  writtenAt: number;
  until: number;
}

/** A record's unchecked fields and, if sealed, its sealed time (checked here: finite, not negative). */
export interface Decoded<T> {
  fields: Unchecked<T>;
  sealed: SealedTime | undefined;
}

/**
 * The stored value: JSON with `v` (and, for a token, `fp`) in clear; the fields either in clear or sealed as `x`.
 * A sealed value is bound to its Redis key (the key is the cipher's additional data): a value copied to another
 * key, or a token record copied to a failure key, does not open.
 */
export class RecordCodec {
  readonly #key: Buffer | undefined;

  /** @param encryptionKey 32 bytes, or undefined to store records in clear. */
  constructor(encryptionKey: Buffer | undefined) {
    this.#key = encryptionKey;
  }

  /** Whether records are sealed (an encryptionKey was given). */
  get sealing(): boolean {
    return this.#key !== undefined;
  }

  /** @param writtenAt now, in ms since the epoch (sealed with the record; its end is the token's expiry). */
  encodeToken(redisKey: string, token: StoredToken, writtenAt: number): string {
    const fields = { t: token.token, e: token.expiresAt, u: token.usableUntil, r: token.refreshDueAt, s: token.scope };
    return this.#encode(redisKey, fields, { fp: fingerprint(token.token) }, { w: writtenAt });
  }

  /** The token record's fields, or undefined for anything this codec did not write (garbage, another key...). */
  decodeToken(redisKey: string, value: string): Decoded<StoredToken> | undefined {
    const opened = this.#decode(redisKey, value);
    if (opened === undefined) return undefined;
    const { envelope, fields } = opened;
    if (typeof fields.t !== 'string' || envelope.fp !== fingerprint(fields.t)) return undefined;
    let sealed: SealedTime | undefined;
    if (this.#key !== undefined) {
      if (!isTime(fields.w) || !isTime(fields.e)) return undefined; // sealed before times were: not trusted
      sealed = { writtenAt: fields.w, until: fields.e };
    }
    return {
      fields: { token: fields.t, expiresAt: fields.e, usableUntil: fields.u, refreshDueAt: fields.r, scope: fields.s },
      sealed,
    };
  }

  /** @param writtenAt now; `writtenAt + ttlMs` is sealed as the record's end, whatever TTL the key has later. */
  encodeFailure(redisKey: string, failure: StoredFailure, writtenAt: number, ttlMs: number): string {
    const { code, status, message, retryAfter } = failure;
    return this.#encode(redisKey, { code, status, message, retryAfter }, {}, { w: writtenAt, n: writtenAt + ttlMs });
  }

  /** The failure record's fields, or undefined for anything this codec did not write. */
  decodeFailure(redisKey: string, value: string): Decoded<StoredFailure> | undefined {
    const fields = this.#decode(redisKey, value)?.fields;
    if (fields === undefined) return undefined;
    let sealed: SealedTime | undefined;
    if (this.#key !== undefined) {
      if (!isTime(fields.w) || !isTime(fields.n)) return undefined;
      sealed = { writtenAt: fields.w, until: fields.n };
    }
    const { code, status, message, retryAfter } = fields;
    return { fields: { code, status, message, retryAfter, remainingMs: undefined }, sealed };
  }

  /** `time` is sealed with the fields (and left out of a record in clear). */
  #encode(redisKey: string, fields: Fields, clear: Fields, time: Fields): string {
    const envelope: Fields = { v: VERSION, ...clear };
    if (this.#key === undefined) return JSON.stringify({ ...envelope, ...fields });
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(redisKey));
    const sealed = Buffer.concat([cipher.update(JSON.stringify({ ...fields, ...time }), 'utf8'), cipher.final()]);
    envelope.x = Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
    return JSON.stringify(envelope);
  }

  #decode(redisKey: string, value: string): { envelope: Fields; fields: Fields } | undefined {
    const envelope = parseObject(value);
    if (envelope === undefined || envelope.v !== VERSION) return undefined;
    if (this.#key === undefined) {
      // sealed by a store with a key we do not have
      return envelope.x === undefined ? { envelope, fields: envelope } : undefined;
    }
    if (typeof envelope.x !== 'string') return undefined; // in clear where every record is sealed: forged
    const fields = this.#open(redisKey, envelope.x);
    return fields === undefined ? undefined : { envelope, fields };
  }

  #open(redisKey: string, sealedBase64: string): Fields | undefined {
    try {
      const sealed = Buffer.from(sealedBase64, 'base64');
      if (sealed.length <= IV_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.#key as Buffer, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(redisKey));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return parseObject(plain.toString('utf8'));
    } catch {
      return undefined;
    }
  }
}

/** A time in ms since the epoch: a finite, non-negative number. */
function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function parseObject(text: string): Fields | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
  } catch {
    return undefined;
  }
}

/** A 32-byte key from a Buffer, or a string in base64 or hex; throws GRAFX_CONFIG_INVALID naming the problem. */
export function parseEncryptionKey(key: unknown): Buffer {
  let bytes: Buffer | undefined;
  if (Buffer.isBuffer(key)) bytes = key;
  else if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else if (typeof key === 'string') {
    bytes = /^[0-9a-f]{64}$/i.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64');
  }
  if (bytes?.length !== 32) {
    throw configError(
      '`encryptionKey` of RedisTokenStore must be 32 bytes (a Buffer, 64 hex characters, or base64), e.g. crypto.randomBytes(32)',
    );
  }
  return Buffer.from(bytes);
}
