// lib/core/api-redirects.ts
// The redirect hook of an API request: sees every hop, drops the token off the API's origin and marks the request as gone.
import type { AxiosRequestConfig } from 'axios';

export type BeforeRedirect = NonNullable<AxiosRequestConfig['beforeRedirect']>;

/** What an answer's request shows of the URLs it went through: follow-redirects' (http adapter), or XHR's. */
interface AnsweredRequest {
  res?: { responseUrl?: unknown; redirects?: unknown };
  responseURL?: unknown;
}

/** The parts of follow-redirects' options for the next hop that say where it goes. */
interface HopOptions {
  href?: unknown;
  protocol?: unknown;
  hostname?: unknown;
  host?: unknown;
  port?: unknown;
  headers?: unknown;
}

/**
 * The redirect hook of one request to the API (follow-redirects calls it before every hop, with the hop's options):
 * runs the app's hook first, then, for a hop whose URL or connection target is not `apiOrigin`, deletes the
 * Authorization header (so no later hop, back on the API included, carries it) and calls `left()` (once per hop).
 */
export function redirectGuard(apiOrigin: string, app: BeforeRedirect | undefined, left: () => void): BeforeRedirect {
  return (options, response, request) => {
    if (app !== undefined) app(options, response, request);
    if (hopOrigin(options as HopOptions) === apiOrigin) return;
    left();
    const headers = (options as HopOptions).headers as Record<string, unknown> | undefined;
    for (const name of Object.keys(headers ?? {})) {
      if (name.toLowerCase() === 'authorization') delete headers?.[name];
    }
  };
}

/**
 * The origin of a hop when its URL (`href`) and what it connects to (`protocol`, `hostname`, `port`, which an app's
 * hook may have changed) agree; `undefined` when they do not or cannot be read.
 */
function hopOrigin(options: HopOptions): string | undefined {
  const byURL = originOf(options.href);
  if (byURL === undefined) return undefined;
  const { protocol, port } = options;
  const hostname = options.hostname ?? options.host;
  if (typeof protocol !== 'string' || typeof hostname !== 'string') return undefined;
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  const portText = port === undefined || port === null || port === '' ? '' : `:${String(port)}`;
  const byTarget = originOf(`${protocol}//${host}${portText}`);
  return byTarget === byURL ? byURL : undefined;
}

/**
 * Whether an answer came from another origin than the API's, as far as the answer itself shows (its final URL and
 * tracked redirects): for adapters that have no redirect hook (XHR, fetch). The http adapter's hops are marked by
 * {@link redirectGuard}.
 */
export function leftApi(request: unknown, apiOrigin: string): boolean {
  const seen = request as AnsweredRequest | undefined;
  const urls: unknown[] = [seen?.res?.responseUrl, seen?.responseURL];
  const redirects = seen?.res?.redirects;
  if (Array.isArray(redirects)) for (const hop of redirects) urls.push((hop as { url?: unknown } | null)?.url);
  return urls.some((url) => typeof url === 'string' && url !== '' && originOf(url) !== apiOrigin);
}

export function originOf(href: unknown): string | undefined {
  try {
    return typeof href === 'string' ? new URL(href).origin : undefined;
  } catch {
    return undefined;
  }
}
