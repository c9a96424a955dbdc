// lib/core/warm-tokens.ts
// WarmTokens: what a warm look-up reads of each held tenant (its token, expiry, scope and until when), in dense arrays by slot.
import type { TokenRecord } from './token-record.js';

/** Read by a warm look-up, per slot: the token, its expiry as a Date, its scope (three references side by side). */
const FIELDS = 3;

/**
 * The warm look-up's fields of each held tenant, by its slot in the tenants' SlotLRU: until when its token serves
 * with no other check (a Float64Array), and the token, its expiry and its scope (one array, three references per
 * slot, side by side). A look-up of many tenants then reads the Map, two small arrays and nothing of the tenant's own
 * objects (its record, its Date), each of which would be another miss of the CPU's caches.
 *
 * The one rule: a slot's `until` is never later than what the token cache and the registry would decide for it: the
 * token's renewal time, the last moment it is handed out (before the renewal time for every token the package
 * computes, not necessarily for one adopted from a shared store) and the tenant's reload time (each only ever moves
 * later while a token is warm; a new record warms the slot again, and a dropped one cools it). Past `until`, the
 * caller asks them, which warms the slot again.
 */
export class WarmTokens {
  #until: Float64Array;
  #fields: unknown[];

  constructor(capacity: number) {
    this.#until = new Float64Array(capacity).fill(-Infinity);
    this.#fields = references([], FIELDS * capacity);
  }

  /** Makes room for `capacity` slots (the new ones cool). */
  grow(capacity: number): void {
    const until = new Float64Array(capacity).fill(-Infinity);
    until.set(this.#until);
    this.#until = until;
    this.#fields = references(this.#fields, FIELDS * capacity);
  }

  /** Until when (ms, the client's clock) the slot's token serves a look-up with no other check; -Infinity when cool. */
  until(slot: number): number {
    return this.#until[slot] as number;
  }

  token(slot: number): string {
    return this.#fields[FIELDS * slot] as string;
  }

  expiresAt(slot: number): Date {
    return this.#fields[FIELDS * slot + 1] as Date;
  }

  scope(slot: number): string | undefined {
    return this.#fields[FIELDS * slot + 2] as string | undefined;
  }

  /**
   * The slot serves `record` until its renewal time, or until the last moment it is handed out or `reloadAt` (the
   * tenant's credentials), whichever comes first.
   */
  warm(slot: number, record: TokenRecord, reloadAt: number): void {
    const at = FIELDS * slot;
    this.#fields[at] = record.token;
    this.#fields[at + 1] = record.expiresAtDate;
    this.#fields[at + 2] = record.scope;
    this.#until[slot] = Math.min(record.refreshDueAt, record.usableUntil, reloadAt);
  }

  /** Whether the slot serves `record` now (its Date is the record's own: one per record). */
  serves(slot: number, record: TokenRecord): boolean {
    return this.#fields[FIELDS * slot + 1] === record.expiresAtDate;
  }

  /** The slot serves nothing (its token was dropped, or its tenant left); its references are let go. */
  cool(slot: number): void {
    const at = FIELDS * slot;
    this.#until[slot] = -Infinity;
    this.#fields[at] = undefined;
    this.#fields[at + 1] = undefined;
    this.#fields[at + 2] = undefined;
  }
}

/**
 * `held` followed by undefined up to `length`, in an array of exactly that length with fast elements (`new
 * Array(length)` past 100,000 would be a dictionary, and an array grown by push keeps up to half again as spare room).
 */
function references(held: readonly unknown[], length: number): unknown[] {
  const grown = held.slice();
  while (grown.length < length) grown.push(undefined);
  return grown.slice();
}
