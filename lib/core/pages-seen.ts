// lib/core/pages-seen.ts
// PagesSeen: the pages a listing fetched, by normalised URL (query order, escapes, fragment ignored), in bounded memory.
import { createHash } from 'node:crypto';

/** How many pages a listing remembers (the oldest forgotten first): about 60 bytes each, so at most ~600 KB. */
export const MAX_PAGES_REMEMBERED = 10_000;

/** Unreserved characters (RFC 3986): escaping one of them does not make another URL. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The pages of one listing, to tell a loop (A → B → A, a page linked again with its query reordered or re-escaped)
 * from a next page. Each page is kept as a 128-bit hash of its normalised URL, the last 10,000 of them.
 */
export class PagesSeen {
  readonly #seen = new Set<string>();

  /** Remembers the page of `url`; false when it was fetched before (a loop). */
  add(url: URL): boolean {
    const key = pageKey(url);
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= MAX_PAGES_REMEMBERED) this.#seen.delete(this.#seen.values().next().value as string);
    this.#seen.add(key);
    return true;
  }
}

/** Origin, path with escapes normalised, and the query's pairs sorted (by name, then value); no fragment. */
function pageKey(url: URL): string {
  const pairs = [...url.searchParams].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const character = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : escape.toUpperCase();
  });
  const normalised = `${url.origin}${path}?${new URLSearchParams(pairs).toString()}`;
  return createHash('sha256').update(normalised).digest('base64url').slice(0, 22);
}
