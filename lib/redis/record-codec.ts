// lib/redis/record-codec.ts
// RecordCodec: turns stored tokens into Redis values and back, optionally AES-256-GCM encrypted, with a fingerprint.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { configError } from '../core/errors.js';
import type { StoredToken } from '../core/token-store.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The fingerprint of a token: what the compare-and-delete compares inside Redis (the token itself never is). */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The stored value: always JSON with `v` and `fp` in clear; the token fields either in clear or as `x` (encrypted). */
interface Envelope {
  v: number;
  fp: string;
  x?: string;
  t?: string;
  e?: number;
  u?: number;
  r?: number;
  s?: string;
}

export class RecordCodec {
  readonly #key: Buffer | undefined;

  /** @param encryptionKey 32 bytes, or undefined to store tokens in clear. */
  constructor(encryptionKey: Buffer | undefined) {
    this.#key = encryptionKey;
  }

  encode(redisKey: string, token: StoredToken): string {
    const fields = { t: token.token, e: token.expiresAt, u: token.usableUntil, r: token.refreshDueAt, s: token.scope };
    const envelope: Envelope = { v: VERSION, fp: fingerprint(token.token) };
    if (this.#key === undefined) return JSON.stringify({ ...envelope, ...fields });
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(redisKey)); // a value copied to another key does not decrypt
    const sealed = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
    envelope.x = Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
    return JSON.stringify(envelope);
  }

  /** The stored token, or undefined for anything this codec did not write (garbage, another key, wrong key). */
  decode(redisKey: string, value: string | null): StoredToken | undefined {
    if (value === null) return undefined;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(value) as Envelope;
    } catch {
      return undefined;
    }
    if (typeof envelope !== 'object' || envelope === null || envelope.v !== VERSION) return undefined;
    let fields: Envelope = envelope;
    if (this.#key !== undefined) {
      if (typeof envelope.x !== 'string') return undefined;
      const opened = this.#open(redisKey, envelope.x);
      if (opened === undefined) return undefined;
      fields = opened;
    } else if (envelope.x !== undefined) {
      return undefined; // encrypted by a store with a key we do not have
    }
    const { t, e, u, r, s } = fields;
    if (typeof t !== 'string' || t === '' || !isTime(e) || !isTime(u) || !isTime(r)) return undefined;
    if (envelope.fp !== fingerprint(t)) return undefined;
    return { token: t, expiresAt: e, usableUntil: u, refreshDueAt: r, scope: typeof s === 'string' ? s : undefined };
  }

  #open(redisKey: string, sealedBase64: string): Envelope | undefined {
    try {
      const sealed = Buffer.from(sealedBase64, 'base64');
      if (sealed.length <= IV_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.#key as Buffer, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(redisKey));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as Envelope;
    } catch {
      return undefined;
    }
  }
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
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
