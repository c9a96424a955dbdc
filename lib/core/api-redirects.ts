// lib/core/api-redirects.ts
// What the API client knows of redirects: a hook that drops the token off the API's origin, and whether an answer left it.
import type { AxiosRequestConfig } from 'axios';

export type BeforeRedirect = NonNullable<AxiosRequestConfig['beforeRedirect']>;

/** Marks the package's redirect hooks (so a repeated request is not wrapped twice). */
const GUARDS_REDIRECTS = Symbol('express-grafx-auth.guardsRedirects');
type GuardedHook = BeforeRedirect & { [GUARDS_REDIRECTS]?: true };

/** What an answer's request shows of the URLs it went through: follow-redirects' (http adapter), or XHR's. */
interface AnsweredRequest {
  res?: { responseUrl?: unknown; redirects?: unknown };
  responseURL?: unknown;
}

/** A redirect hook (follow-redirects' beforeRedirect) that drops the Authorization header off `apiOrigin`. */
export function tokenStripper(apiOrigin: string): BeforeRedirect {
  const hook: GuardedHook = (options) => {
    if (originOf(options.href) === apiOrigin) return;
    const headers = options.headers as Record<string, unknown> | undefined;
    for (const name of Object.keys(headers ?? {})) {
      if (name.toLowerCase() === 'authorization') delete headers?.[name];
    }
  };
  hook[GUARDS_REDIRECTS] = true;
  return hook;
}

/** Whether `hook` is one of the package's (a stripper, or an app's hook chained with one). */
export function guardsRedirects(hook: BeforeRedirect | undefined): boolean {
  return (hook as GuardedHook | undefined)?.[GUARDS_REDIRECTS] === true;
}

/** A redirect hook that runs the app's hook, then the package's (marked, so a repeated request is not wrapped twice). */
export function chainHooks(app: BeforeRedirect, ours: BeforeRedirect): BeforeRedirect {
  const hook: GuardedHook = (options, response, request) => {
    app(options, response, request);
    ours(options, response, request);
  };
  hook[GUARDS_REDIRECTS] = true;
  return hook;
}

/** Whether an answer came from (or through) another origin than the API's, after redirects. */
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
