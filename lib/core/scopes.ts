// lib/core/scopes.ts
// parseScope() / scopeSet(): a token's `scope` checked and bounded at the edge, and its read-only permission set, made on first read.
import { MAX_SCOPES, MAX_SCOPE_ITEM_LENGTH, MAX_SCOPE_LENGTH } from './bounds.js';

/**
 * RFC 6749 §3.3 scope-tokens (%x21 / %x23-5B / %x5D-7E) and the spaces between them: no control character, no quote,
 * no backslash, nothing outside visible ASCII. One character class, no nested quantifier (no backtracking).
 */
const SCOPE_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** How many distinct scope strings are remembered (interned, with their set once read); the oldest go first. */
const MAX_KNOWN_SCOPES = 1024;

interface KnownScope {
  /** The one copy of this scope string that every token record with these permissions holds. */
  readonly scope: string;
  /** Its permissions, made on the first read. */
  set: ReadonlySet<string> | undefined;
}

const known = new Map<string, KnownScope>();

/**
 * A server's `scope` value as the core keeps it: a string of at most {@link MAX_SCOPE_LENGTH} characters holding at
 * most {@link MAX_SCOPES} space-separated permissions (each at most {@link MAX_SCOPE_ITEM_LENGTH} characters, RFC 6749
 * characters only), normalised to single spaces and interned (tenants with the same permissions share one string).
 * Anything else (not a string, too long, too many, a control character, an empty string) is undefined: the token is
 * still used, with no permissions known.
 */
export function parseScope(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_SCOPE_LENGTH) return undefined;
  // A scope seen before as it is written now (its normal form, which passed every check below): its one copy.
  const seen = known.get(value);
  if (seen !== undefined) return seen.scope;
  if (!SCOPE_TEXT.test(value)) return undefined;
  const items = value.split(' ').filter((item) => item !== '');
  if (items.length === 0 || items.length > MAX_SCOPES) return undefined;
  if (items.some((item) => item.length > MAX_SCOPE_ITEM_LENGTH)) return undefined;
  return entryOf(items.join(' ')).scope;
}

/** The permissions of a (parsed) scope string: shared, read-only, made on the first read; empty for undefined. */
export function scopeSet(scope: string | undefined): ReadonlySet<string> {
  if (scope === undefined) return NO_SCOPES;
  const entry = entryOf(scope);
  entry.set ??= new PermissionSet(scope.split(' '));
  return entry.set;
}

function entryOf(scope: string): KnownScope {
  let entry = known.get(scope);
  if (entry === undefined) {
    if (known.size >= MAX_KNOWN_SCOPES) known.delete(known.keys().next().value as string);
    entry = { scope, set: undefined };
    known.set(scope, entry);
  }
  return entry;
}

/**
 * A set of permission strings nobody can change (it is shared by every context and tenant with the same scope): the
 * ReadonlySet methods only, frozen; `JSON.stringify` gives the list.
 */
class PermissionSet implements ReadonlySet<string> {
  readonly #items: Set<string>;

  constructor(items: Iterable<string>) {
    this.#items = new Set(items);
    Object.freeze(this);
  }

  get size(): number {
    return this.#items.size;
  }

  has(value: string): boolean {
    return this.#items.has(value);
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const item of this.#items) callback.call(thisArg, item, item, this);
  }

  entries(): SetIterator<[string, string]> {
    return this.#items.entries();
  }

  keys(): SetIterator<string> {
    return this.#items.keys();
  }

  values(): SetIterator<string> {
    return this.#items.values();
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.#items.values();
  }

  get [Symbol.toStringTag](): string {
    return 'PermissionSet';
  }

  toJSON(): string[] {
    return [...this.#items];
  }
}

/** The permissions of a token whose answer had no (usable) scope: one frozen empty set for all. */
export const NO_SCOPES: ReadonlySet<string> = new PermissionSet([]);
