// lib/core/token-store.ts
// TokenStore: the interface of a shared (fleet-wide) token store, and the opaque key the core gives each integration.
import { createHmac } from 'node:crypto';

/** A token as a store keeps it: every time in milliseconds since the epoch. */
export interface StoredToken {
  /** The access token. A store may encrypt it at rest. */
  token: string;
  /** When the login server says it expires. */
  expiresAt: number;
  /** Last moment it may be handed out for a request. */
  usableUntil: number;
  /** When the next renewal is due, fleet-wide (a renewal that got the same token back moves it later). */
  refreshDueAt: number;
  scope?: string | undefined;
}

/** A token request failure, recorded briefly so that the instances waiting for it fail fast together. */
export interface StoredFailure {
  code: string;
  status: number;
  message: string;
  retryAfter?: number | undefined;
  /**
   * Set by `getFailure` when the store knows it: how much longer the record lives, in milliseconds. An instance
   * that learned the failure from the store asks again once this is over. Ignored by `setFailure`.
   */
  remainingMs?: number | undefined;
}

/**
 * A shared token store: lets the instances of an app (containers, pods, workers) use one token per integration
 * and ask the login server once for all of them. Each instance keeps its in-memory LRU in front of the store.
 *
 * The core hands a store only an opaque `key` (an HMAC-SHA256 keyed by the client secret over token URL, audience
 * and client ID), never a client ID or secret. Every method may reject (or time out) when the engine is
 * unreachable: the core then goes on with per-instance tokens, warns once per outage, and tries the store again
 * later. Methods must not hang for long: apply a command timeout. What a store hands back is checked and bounded
 * by the core before any use (a store others can write to may hold forged records): a record that fails the
 * checks is a miss.
 */
export interface TokenStore {
  /**
   * Whether the store can be used right now, answered synchronously (e.g. "the connection is up"). When it
   * returns false the core skips the store without waiting. Optional: absent means "try it".
   */
  available?(): boolean;
  /** The stored token of `key`; undefined when there is none, it expired, or the stored value is not readable. */
  get(key: string): Promise<StoredToken | undefined>;
  /** Stores `token` for `key` until `token.expiresAt` (overwriting whatever was there). */
  set(key: string, token: StoredToken): Promise<void>;
  /** Deletes the stored token of `key` only if it is still `token`, atomically. Resolves whether it deleted. */
  deleteIfToken(key: string, token: string): Promise<boolean>;
  /** Takes the fetch lock of `key` for `ttlMs` unless another holds it: resolves a lock id, or undefined. */
  acquireLock(key: string, ttlMs: number): Promise<string | undefined>;
  /** Releases the lock of `key` if it is still held with `lockId`. */
  releaseLock(key: string, lockId: string): Promise<void>;
  /** Records a failed token request for `ttlMs`. */
  setFailure(key: string, failure: StoredFailure, ttlMs: number): Promise<void>;
  /** The failure recorded for `key`, if one is still recorded. */
  getFailure(key: string): Promise<StoredFailure | undefined>;
}

/**
 * The store key of an integration: an HMAC-SHA256 keyed by the client secret over token URL, audience and client
 * ID. Staging and production sharing one store never collide, no credential shows, and an instance with another
 * secret (a wrong one, or one side of a rotation) never adopts a token that secret did not obtain.
 */
export function storeKey(tokenURL: string, audience: string, clientId: string, clientSecret: string): string {
  return createHmac('sha256', clientSecret)
    .update(JSON.stringify([tokenURL, audience, clientId]))
    .digest('hex');
}
