// lib/core/paginate.ts
// paginate(): every item of a paged list endpoint, one page at a time, following checked `links.nextPage` links.
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { ABSOLUTE_URL, type ApiBase, MAX_LINK_LENGTH, checkApiLink, describeLink } from './api-link.js';
import { isIntegerIn } from './bounds.js';
import { checkSignal } from './call-options.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, configError } from './errors.js';
import { PagesSeen } from './pages-seen.js';

/** Query parameters of a list request (`search`, `folder`, `sortBy`, `sortOrder`, …), as axios `params`. */
export type GrafxQueryParams = Readonly<Record<string, unknown>>;

/** Options of `paginate()`. */
export interface PaginateOptions {
  /** Stops the listing: the request in flight is aborted and the loop rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Items per page, sent as the `limit` query parameter (1 to 1000).
   * @default the platform's page size
   */
  pageSize?: number;
  /**
   * Stops after this many items; no page beyond the one holding the last of them is fetched.
   * @default no limit
   */
  maxItems?: number;
  /**
   * How long the listing may wait for the API, in milliseconds (1 to 3600000): the page requests of the whole loop
   * together, not the loop's own time between items. Past it, the request in flight is aborted and the loop rejects
   * with 504 `GRAFX_LIST_TIMEOUT`.
   * @default 300000 (5 minutes, as generateOutput)
   */
  timeoutMs?: number;
}

/** The platform answers 400 to these together with `nextPageToken`. */
const SORT_PARAMS = ['sortBy', 'sortOrder'];
const MAX_PAGE_SIZE = 1000;
/** One page's answer may not be larger than this. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** Empty pages in a row that still link to a next one: past this, the list is taken for a loop. */
const MAX_EMPTY_PAGES = 100;
/** How long a listing may wait for the API by default, all pages together: five minutes, as generateOutput. */
export const DEFAULT_LIST_TIMEOUT_MS = 300_000;
const MAX_LIST_TIMEOUT_MS = 3_600_000;
/** The reason a page request's own controller is aborted with when the listing's time is up. */
const DEADLINE = Symbol('deadline');

/**
 * An async iterable of the items (`data[]`) of every page of `path`. Pages are fetched one at a time, when the loop
 * needs the next item; breaking out of the loop fetches nothing more. The next page comes from `links.nextPage`,
 * which must stay on the environment API (another origin or base path is `GRAFX_LINK_REFUSED`, never requested);
 * once it carries `nextPageToken`, `sortBy` and `sortOrder` are not sent again. A link back to a page already
 * fetched (A → B → A, the same page with its query reordered) is a loop (`GRAFX_LIST_INVALID_RESPONSE`, not
 * requested); the page requests together may take `timeoutMs` (5 minutes by default, `GRAFX_LIST_TIMEOUT`).
 */
export function paginate<T>(
  integration: string,
  api: AxiosInstance,
  base: ApiBase,
  path: string,
  params?: GrafxQueryParams,
  options: PaginateOptions = {},
): AsyncIterable<T> {
  if (typeof path !== 'string' || path === '' || path.length > MAX_LINK_LENGTH) {
    throw configError('paginate(): `path` must be a non-empty string such as "/templates"');
  }
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw configError('paginate(): `params` must be an object of query parameters');
  }
  if (typeof options !== 'object' || options === null) throw configError('paginate(): `options` must be an object');
  if (ABSOLUTE_URL.test(path)) {
    if (checkApiLink(path, base).url === undefined) {
      throw new GrafxAuthError(GRAFX_ERROR_CODES.LINK_REFUSED, 'paginate(): `path` leads outside the environment API', {
        status: 502,
        integration,
      });
    }
  }
  const { signal, pageSize, maxItems, timeoutMs = DEFAULT_LIST_TIMEOUT_MS } = options;
  checkSignal(signal, 'paginate()');
  if (pageSize !== undefined && !isIntegerIn(pageSize, 1, MAX_PAGE_SIZE)) {
    throw configError(`paginate(): \`pageSize\` must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (maxItems !== undefined && !isIntegerIn(maxItems, 0, Number.MAX_SAFE_INTEGER)) {
    throw configError('paginate(): `maxItems` must be an integer >= 0');
  }
  if (!isIntegerIn(timeoutMs, 1, MAX_LIST_TIMEOUT_MS)) {
    throw configError(`paginate(): \`timeoutMs\` must be an integer from 1 to ${MAX_LIST_TIMEOUT_MS}`);
  }
  const query = pageSize === undefined ? { ...params } : { ...params, limit: pageSize };
  return items<T>({ integration, api, base, signal, maxItems: maxItems ?? Infinity, timeoutMs }, path, query);
}

interface Listing {
  integration: string;
  api: AxiosInstance;
  base: ApiBase;
  signal: AbortSignal | undefined;
  maxItems: number;
  timeoutMs: number;
}

async function* items<T>(listing: Listing, path: string, query: Record<string, unknown>): AsyncGenerator<T, void> {
  const { api, base, signal, maxItems } = listing;
  let count = 0;
  let emptyPages = 0;
  let config: AxiosRequestConfig = { url: path, params: query };
  const seen = new PagesSeen();
  let fetched = new URL(api.getUri(config), base.origin);
  seen.add(fetched);
  /** The time left for the API, all page requests together. */
  let leftMs = listing.timeoutMs;
  while (count < maxItems) {
    signal?.throwIfAborted();
    let body: unknown;
    const started = performance.now();
    try {
      body = await fetchPage(listing, config, leftMs);
    } finally {
      leftMs -= performance.now() - started;
    }
    const page = parsePage(body);
    if (page === undefined)
      throw listError(listing, fetched, 'answered something other than a list page { data: [...] }');
    for (const item of page.data as T[]) {
      yield item;
      signal?.throwIfAborted();
      count += 1;
      if (count >= maxItems) return;
    }
    if (page.nextPage === undefined) return;
    emptyPages = page.data.length === 0 ? emptyPages + 1 : 0;
    if (emptyPages > MAX_EMPTY_PAGES) {
      throw listError(listing, fetched, `gave ${MAX_EMPTY_PAGES} empty pages in a row, each with a next-page link`);
    }
    const { url: next, refused } = checkApiLink(page.nextPage, base, fetched);
    if (next === undefined) {
      throw new GrafxAuthError(
        GRAFX_ERROR_CODES.LINK_REFUSED,
        `The next-page link of GET ${describeLink(fetched)} ${refused}: it was not followed`,
        { status: 502, integration: listing.integration },
      );
    }
    config = nextPageRequest(next, query);
    const nextURL = new URL(api.getUri(config), base.origin);
    if (!seen.add(nextURL)) {
      throw listError(listing, fetched, 'gave a next-page link to a page already fetched (a loop)');
    }
    fetched = nextURL;
  }
}

/**
 * One page's body, its request aborted by the caller's signal (rejecting with its reason) or once `leftMs` has passed
 * (rejecting with GRAFX_LIST_TIMEOUT).
 */
async function fetchPage(listing: Listing, config: AxiosRequestConfig, leftMs: number): Promise<unknown> {
  const { api, signal } = listing;
  if (leftMs <= 0) throw listTimeout(listing);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(DEADLINE), Math.ceil(leftMs));
  try {
    const request = { ...config, method: 'get', signal: controller.signal, maxContentLength: MAX_PAGE_BYTES };
    return (await api.request(request)).data;
  } catch (error) {
    signal?.throwIfAborted();
    if (controller.signal.reason === DEADLINE) throw listTimeout(listing);
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function listTimeout(listing: Listing): GrafxAuthError {
  return new GrafxAuthError(
    GRAFX_ERROR_CODES.LIST_TIMEOUT,
    `The listing waited for the GraFx API longer than ${listing.timeoutMs} ms (\`timeoutMs\`)`,
    { status: 504, integration: listing.integration },
  );
}

/** The next page: the link as given, plus the caller's parameters it lacks; no sort parameters with a page token. */
function nextPageRequest(next: URL, query: Record<string, unknown>): AxiosRequestConfig {
  const withToken = next.searchParams.has('nextPageToken');
  if (withToken) for (const name of SORT_PARAMS) next.searchParams.delete(name);
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) {
    if (next.searchParams.has(name) || (withToken && SORT_PARAMS.includes(name))) continue;
    params[name] = value;
  }
  return { url: next.href, params };
}

/** `{ data: [...], links?: { nextPage?: string | null } }`, else undefined. */
function parsePage(body: unknown): { data: unknown[]; nextPage: unknown } | undefined {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { data?: unknown }).data)) return undefined;
  const { data, links } = body as { data: unknown[]; links?: unknown };
  if (links === undefined || links === null) return { data, nextPage: undefined };
  if (typeof links !== 'object') return undefined;
  const nextPage = (links as { nextPage?: unknown }).nextPage;
  if (nextPage === undefined || nextPage === null || nextPage === '') return { data, nextPage: undefined };
  return { data, nextPage };
}

function listError(listing: Listing, fetched: URL, what: string): GrafxAuthError {
  return new GrafxAuthError(GRAFX_ERROR_CODES.LIST_INVALID_RESPONSE, `GET ${describeLink(fetched)} ${what}`, {
    status: 502,
    integration: listing.integration,
  });
}
