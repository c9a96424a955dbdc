// lib/core/paginate.ts
// paginate(): every item of a paged list endpoint, one page at a time, following checked `links.nextPage` links.
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { ABSOLUTE_URL, type ApiBase, MAX_LINK_LENGTH, checkApiLink, describeLink } from './api-link.js';
import { isIntegerIn } from './bounds.js';
import { checkSignal } from './call-options.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, configError } from './errors.js';

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
}

/** The platform answers 400 to these together with `nextPageToken`. */
const SORT_PARAMS = ['sortBy', 'sortOrder'];
const MAX_PAGE_SIZE = 1000;
/** One page's answer may not be larger than this. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** Empty pages in a row that still link to a next one: past this, the list is taken for a loop. */
const MAX_EMPTY_PAGES = 100;

/**
 * An async iterable of the items (`data[]`) of every page of `path`. Pages are fetched one at a time, when the loop
 * needs the next item; breaking out of the loop fetches nothing more. The next page comes from `links.nextPage`,
 * which must stay on the environment API (another origin or base path is `GRAFX_LINK_REFUSED`, never requested);
 * once it carries `nextPageToken`, `sortBy` and `sortOrder` are not sent again.
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
  const { signal, pageSize, maxItems } = options;
  checkSignal(signal, 'paginate()');
  if (pageSize !== undefined && !isIntegerIn(pageSize, 1, MAX_PAGE_SIZE)) {
    throw configError(`paginate(): \`pageSize\` must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (maxItems !== undefined && !isIntegerIn(maxItems, 0, Number.MAX_SAFE_INTEGER)) {
    throw configError('paginate(): `maxItems` must be an integer >= 0');
  }
  const query = pageSize === undefined ? { ...params } : { ...params, limit: pageSize };
  return items<T>({ integration, api, base, signal, maxItems: maxItems ?? Infinity }, path, query);
}

interface Listing {
  integration: string;
  api: AxiosInstance;
  base: ApiBase;
  signal: AbortSignal | undefined;
  maxItems: number;
}

async function* items<T>(listing: Listing, path: string, query: Record<string, unknown>): AsyncGenerator<T, void> {
  const { api, base, signal, maxItems } = listing;
  let count = 0;
  let emptyPages = 0;
  let config: AxiosRequestConfig = { url: path, params: query };
  while (count < maxItems) {
    signal?.throwIfAborted();
    const fetched = new URL(api.getUri(config), base.origin);
    let body: unknown;
    try {
      ({ data: body } = await api.request({ ...config, method: 'get', signal, maxContentLength: MAX_PAGE_BYTES }));
    } catch (error) {
      signal?.throwIfAborted();
      throw error;
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
    if (new URL(api.getUri(config), base.origin).href === fetched.href) {
      throw listError(listing, fetched, 'gave a next-page link to the page just fetched (a loop)');
    }
  }
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
