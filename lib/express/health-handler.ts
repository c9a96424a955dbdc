// lib/express/health-handler.ts
// grafxHealthHandler(): an Express readiness handler: the client's health as JSON, 200 when ready, else 503.
import type { Request, RequestHandler, Response } from 'express';
import { GRAFX_ERROR_CODES, type GrafxClient, MAX_HEALTH_DETAIL, isGrafxClient } from '../core/index.js';
import { configError } from './config-error.js';

/** Options of grafxHealthHandler(). */
export interface GrafxHealthHandlerOptions {
  /**
   * Detail the tenants loaded on demand (key, token state, counters, error codes; nothing secret): a route the app
   * protects, for operators. Such a route reads `?limit=` (default 100, at most 1000) and `?offset=` (paging, most
   * recently used first). Without it the handler answers counts only, whatever the number of tenants held.
   * @default false
   */
  detail?: boolean;
}

const DEFAULT_DETAIL_LIMIT = 100;
const COUNT = /^\d{1,9}$/;

/**
 * An Express handler for a readiness probe: answers `client.health()` as JSON with 200 when the client is ready (every
 * static integration can serve; tenants loaded on demand are counted and do not fail readiness unless
 * `readiness.maxFailingTenantShare` says so) and 503 otherwise. Its cost does not grow with the tenants held. Takes
 * the client, or the middleware (`grafxAuth(...)`) or token handler whose client it reports. Liveness is another
 * question: answer it with a route of its own that does not depend on GraFx.
 *
 * @example
 * const auth = grafxAuth({ clientId, clientSecret, environment });
 * app.use('/api', auth);
 * app.get('/health/grafx', grafxHealthHandler(auth));
 */
export function grafxHealthHandler(
  source: GrafxClient | { readonly client: GrafxClient },
  options: GrafxHealthHandlerOptions = {},
): RequestHandler {
  const client = isGrafxClient(source) ? source : (source as { client?: unknown } | null)?.client;
  if (!isGrafxClient(client)) {
    throw configError('grafxHealthHandler takes a GrafxClient, or the middleware returned by grafxAuth(...)');
  }
  if (typeof options !== 'object' || options === null) {
    throw configError('grafxHealthHandler options must be an object like { detail: true }');
  }
  if (options.detail !== undefined && typeof options.detail !== 'boolean') {
    throw configError('grafxHealthHandler option `detail` must be true or false');
  }
  const detail = options.detail === true;
  return function grafxHealth(req: Request, res: Response): void {
    res.set('Cache-Control', 'no-store');
    let tenants: { limit: number; offset: number } | undefined;
    if (detail) {
      const limit = countParam(req.query.limit, DEFAULT_DETAIL_LIMIT);
      const offset = countParam(req.query.offset, 0);
      if (limit === undefined || offset === undefined || limit > MAX_HEALTH_DETAIL) {
        res.status(400).json({
          code: GRAFX_ERROR_CODES.HEALTH_QUERY_INVALID,
          message: `limit must be a whole number from 0 to ${MAX_HEALTH_DETAIL}, offset a whole number`,
        });
        return;
      }
      tenants = { limit, offset };
    }
    const health = client.health(tenants === undefined ? {} : { tenants });
    res.status(health.ok ? 200 : 503).json(health);
  };
}

/** A query parameter that must be a whole number (digits only), or absent (`fallback`); undefined when invalid. */
function countParam(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'string' && COUNT.test(value) ? Number(value) : undefined;
}
