// lib/redis/record-codec.ts
// RecordCodec: turns store records into Redis values and back, optionally AES-256-GCM sealed (tokens and failures).
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

  encodeToken(redisKey: string, token: StoredToken): string {
    const fields = { t: token.token, e: token.expiresAt, u: token.usableUntil, r: token.refreshDueAt, s: token.scope };
    return this.#encode(redisKey, fields, { fp: fingerprint(token.token) });
  }

  /** The token record's fields, or undefined for anything this codec did not write (garbage, another key...). */
  decodeToken(redisKey: string, value: string | null): Unchecked<StoredToken> | undefined {
    const opened = this.#decode(redisKey, value);
    if (opened === undefined) return undefined;
    const { envelope, fields } = opened;
    if (typeof fields.t !== 'string' || envelope.fp !== fingerprint(fields.t)) return undefined;
    return { token: fields.t, expiresAt: fields.e, usableUntil: fields.u, refreshDueAt: fields.r, scope: fields.s };
  }

  encodeFailure(redisKey: string, failure: StoredFailure): string {
    const { code, status, message, retryAfter } = failure;
    return this.#encode(redisKey, { code, status, message, retryAfter }, {});
  }

  /** The failure record's fields, or undefined for anything this codec did not write. */
  decodeFailure(redisKey: string, value: string | null): Unchecked<StoredFailure> | undefined {
    const fields = this.#decode(redisKey, value)?.fields;
    if (fields === undefined) return undefined;
    const { code, status, message, retryAfter } = fields;
    return { code, status, message, retryAfter, remainingMs: undefined };
  }

  #encode(redisKey: string, fields: Fields, clear: Fields): string {
    const envelope: Fields = { v: VERSION, ...clear };
    if (this.#key === undefined) return JSON.stringify({ ...envelope, ...fields });
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(redisKey));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
    envelope.x = Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
    return JSON.stringify(envelope);
  }

  #decode(redisKey: string, value: string | null): { envelope: Fields; fields: Fields } | undefined {
    if (value === null) return undefined;
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
