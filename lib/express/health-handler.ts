// lib/express/health-handler.ts
// grafxHealthHandler(): an Express handler reporting the client's health, 200 when every integration can serve, else 503.
import type { Request, RequestHandler, Response } from 'express';
import { type GrafxClient, isGrafxClient } from '../core/index.js';
import { configError } from './config-error.js';

/**
 * An Express handler for a health or readiness probe: answers `client.health()` as JSON (per integration: has a
 * token, seconds until expiry, last renewal, last error code, renewal/failure/retry counts; no token, no secret, no
 * full client ID), with 200 when every integration can serve and 503 otherwise. Takes the client, or the middleware
 * (`grafxAuth(...)`) or token handler whose client it reports.
 *
 * @example
 * const auth = grafxAuth({ clientId, clientSecret, environment });
 * app.use('/api', auth);
 * app.get('/health/grafx', grafxHealthHandler(auth));
 */
export function grafxHealthHandler(source: GrafxClient | { readonly client: GrafxClient }): RequestHandler {
  const client = isGrafxClient(source) ? source : (source as { client?: unknown } | null)?.client;
  if (!isGrafxClient(client)) {
    throw configError('grafxHealthHandler takes a GrafxClient, or the middleware returned by grafxAuth(...)');
  }
  return function grafxHealth(_req: Request, res: Response): void {
    const health = client.health();
    res
      .status(health.ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(health);
  };
}
