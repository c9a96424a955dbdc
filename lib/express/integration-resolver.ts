// lib/express/integration-resolver.ts
// The request's integration key from `resolveIntegration`: one function for the middleware and the token route, its wait bounded.
import type { Request } from 'express';
import { GRAFX_ERROR_CODES, GrafxAuthError, type GrafxClient, MAX_TIMER_MS } from '../core/index.js';
import { configError } from './config-error.js';

/** Picks the integration key of a request (a tenant header, a subdomain, the session...). May be async. */
export type IntegrationResolver = (req: Request) => string | undefined | null | PromiseLike<string | undefined | null>;

/** How long an async `resolveIntegration` may take by default: 10 seconds. */
export const DEFAULT_RESOLVE_TIMEOUT_MS = 10_000;

/** `resolveTimeoutMs` as given, else the default; GRAFX_CONFIG_INVALID when it is not an integer from 1 to 2^31−1. */
export function parseResolveTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_RESOLVE_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw configError(`\`resolveTimeoutMs\` must be an integer from 1 to ${MAX_TIMER_MS} (milliseconds)`);
  }
  return value;
}

/**
 * The key `resolve` answers for `req`: at once when it answers at once (the warm path stays synchronous), else a
 * native Promise of its answer, waited for at most `timeoutMs` (then GRAFX_INTEGRATION_RESOLVE_TIMEOUT, 504) and no longer than the client
 * is open (GRAFX_CLIENT_CLOSED, 503). A throw, or a `then` that throws, is the caller's error to pass to `next`.
 */
export function resolveKey(
  client: GrafxClient,
  resolve: IntegrationResolver,
  req: Request,
  timeoutMs: number,
): unknown {
  const key = resolve(req);
  if (!isThenable(key)) return key;
  return client.waitFor(key, timeoutMs, () => resolveTimedOut(timeoutMs));
}

function resolveTimedOut(timeoutMs: number): GrafxAuthError {
  return new GrafxAuthError(
    GRAFX_ERROR_CODES.INTEGRATION_RESOLVE_TIMEOUT,
    `\`resolveIntegration\` did not answer within ${timeoutMs} ms (\`resolveTimeoutMs\`)`,
    { status: 504 },
  );
}

/** Whether a resolver's answer is a promise of any kind (a native Promise, Bluebird, a library's thenable). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
