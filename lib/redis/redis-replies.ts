// lib/redis/redis-replies.ts
// Redis replies, as any client hands them back (RESP2 or RESP3, strings or Buffers), checked and bounded at the edge.

/** A reply no honest Redis sends to the store's commands (a lying server, a proxy): the store counts Redis as down. */
export class RedisReplyError extends Error {
  readonly code = 'REDIS_REPLY_INVALID';
  constructor(what: string) {
    super(`Redis answered ${what}`);
  }
}

/** A value and its PTTL, as the read script answers for a key that holds a string of at most the bound. */
export interface ReadReply {
  value: string;
  /** Milliseconds the key still lives; -1 when it has no TTL. */
  pttl: number;
}

/**
 * The read script's reply: an empty array (nothing readable at the key) or `[value, pttl]` with a value of at most
 * `maxBytes` (a string, or a Buffer when the client maps bulk strings to Buffers). Anything else (a longer value,
 * another shape) is a protocol violation: thrown before the value is copied, decoded or parsed.
 */
export function readReply(reply: unknown, maxBytes: number): ReadReply | undefined {
  if (!Array.isArray(reply)) throw new RedisReplyError('a read with something other than an array');
  if (reply.length === 0) return undefined;
  if (reply.length !== 2) throw new RedisReplyError(`a read with ${reply.length} elements`);
  const [raw, ttl] = reply as [unknown, unknown];
  const pttl = integerReply(ttl);
  if (pttl < -1) throw new RedisReplyError('a read with a PTTL below -1');
  let value: string;
  if (typeof raw === 'string') {
    // a string's length in UTF-16 code units is at most its UTF-8 byte length
    if (raw.length > maxBytes || Buffer.byteLength(raw) > maxBytes) throw tooLong(maxBytes);
    value = raw;
  } else if (Buffer.isBuffer(raw) || raw instanceof Uint8Array) {
    if (raw.byteLength > maxBytes) throw tooLong(maxBytes);
    value = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  } else {
    throw new RedisReplyError('a read with a value that is not a string');
  }
  return { value, pttl };
}

/**
 * An integer reply (a script's 0 or 1, a PTTL): a number, a bigint (RESP3 big numbers), or its decimal text (ioredis
 * with `stringNumbers`, a RESP2 string), within the safe integers.
 */
export function integerReply(reply: unknown): number {
  let value: number | undefined;
  if (typeof reply === 'number') value = reply;
  else if (typeof reply === 'bigint') value = Number(reply);
  else if (typeof reply === 'string' && /^-?\d{1,15}$/.test(reply)) value = Number(reply);
  if (value === undefined || !Number.isSafeInteger(value)) throw new RedisReplyError('something other than an integer');
  return value;
}

function tooLong(maxBytes: number): RedisReplyError {
  return new RedisReplyError(`a read with a value longer than the ${maxBytes} bytes the store asked for at most`);
}
