// lib/core/api-link.ts
// Links from API answers (next page, task, download), resolved against the environment API base and checked.
import { truncate } from './redaction.js';

/** A link longer than this is refused (no real next-page or task link comes near it). */
export const MAX_LINK_LENGTH = 8192;

/** The environment API base, split once per integration. */
export interface ApiBase {
  /** The base URL without a trailing slash. */
  readonly href: string;
  readonly origin: string;
  /** The base path without a trailing slash (`''` for an origin without a path). */
  readonly path: string;
}

export function apiBaseOf(apiBaseURL: string): ApiBase {
  const url = new URL(apiBaseURL);
  const path = url.pathname.replace(/\/+$/, '');
  return { href: `${url.origin}${path}`, origin: url.origin, path };
}

/** Spaces and control characters: a link with one is not taken apart and glued together again, it is refused. */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f]/;
/** axios's own test for an absolute URL (protocol-relative `//host` included). */
export const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * Resolves a link as the platform may give it: an absolute URL (`https://…`, `//host/…`), a path from the origin
 * (`/grafx/api/v1/environment/{env}/…`: it starts like the API base path), a query alone (`?nextPageToken=…`, on
 * `current`'s path), or a path below the API base (`templates?…`, `/templates?…`, as `req.grafx.api` takes it).
 * `undefined` when it is no http(s) URL, too long, or holds spaces or control characters.
 */
export function resolveLink(link: unknown, base: ApiBase, current?: URL): URL | undefined {
  if (typeof link !== 'string' || link === '' || link.length > MAX_LINK_LENGTH || UNSAFE_CHARACTERS.test(link)) {
    return undefined;
  }
  let url: URL;
  try {
    if (ABSOLUTE_URL.test(link)) url = new URL(link, base.origin);
    else if (link.startsWith('?') && current !== undefined) url = new URL(`${current.pathname}${link}`, current.origin);
    else if (fromOrigin(link, base.path)) url = new URL(link, base.origin);
    else if (/^[a-z][a-z\d+\-.]*:/i.test(link)) url = new URL(link);
    else url = new URL(`${base.href}/${link.replace(/^\/+/, '')}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.href.length > MAX_LINK_LENGTH) return undefined;
  url.hash = '';
  return url;
}

/**
 * Whether `url` is on the API's origin, at or below its base path (after `..` and `%2e%2e` were resolved), with no
 * user name or password (`user:password@` would send Basic credentials of the link's choosing).
 */
export function isInApiBase(url: URL, base: ApiBase): boolean {
  return (
    url.origin === base.origin &&
    url.username === '' &&
    url.password === '' &&
    (base.path === '' || url.pathname === base.path || url.pathname.startsWith(`${base.path}/`))
  );
}

/** A link from the API that may be followed (`url`), or why it may not (`refused`, fit for an error message). */
export type CheckedLink =
  { readonly url: URL; readonly refused?: never } | { readonly url?: never; readonly refused: string };

/**
 * THE check of every link the API hands back (next pages, task info, downloads): resolved as {@link resolveLink}
 * does, then on the API's origin, at or below its base path, with no user name or password. `refused` says why not
 * (no query string: a link may carry a page token).
 */
export function checkApiLink(link: unknown, base: ApiBase, current?: URL): CheckedLink {
  const url = resolveLink(link, base, current);
  if (url === undefined) return { refused: 'is not a usable link' };
  if (url.username !== '' || url.password !== '') return { refused: 'carries a user name or password' };
  if (!isInApiBase(url, base)) return { refused: `leads outside the API (${describeLink(url)})` };
  return { url };
}

/** What an error may say of a link: its origin and path, bounded (never its query, which may carry a page token). */
export function describeLink(url: URL): string {
  return truncate(`${url.origin}${url.pathname}`, 200);
}

/**
 * Whether a path is meant from the origin rather than below the API base: it starts with the base path's first
 * segment (`/grafx/…` for the platform), so `/grafx/api/v1/environment/other/…` is another environment (refused),
 * while `/templates?…` is below the base.
 */
function fromOrigin(link: string, basePath: string): boolean {
  if (basePath === '' || !link.startsWith('/')) return false;
  const first = basePath.slice(0, basePath.indexOf('/', 1) === -1 ? undefined : basePath.indexOf('/', 1));
  const next = link.charAt(first.length);
  return link.startsWith(first) && (next === '' || next === '/' || next === '?');
}
