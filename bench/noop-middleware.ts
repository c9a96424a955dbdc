// bench/noop-middleware.ts
// noopMiddleware(): the reference every middleware figure is measured against (scenario 1's route, scenario 7's loop).
import type { RequestHandler } from 'express';
import type { GrafxClient } from 'express-grafx-auth';

/**
 * What one more Express layer costs by itself: it does what grafxAuth's warm path must (a context object of the same
 * shape on the request, from values prepared once), nothing else.
 */
export async function noopMiddleware(client: GrafxClient): Promise<RequestHandler> {
  const { integration, environment, token, expiresAt, api, paginate, generateOutput, waitForTask, scopes, download } =
    await client.context();
  return (req, _res, next) => {
    req.grafx = {
      integration,
      environment,
      token,
      expiresAt,
      api,
      paginate,
      generateOutput,
      waitForTask,
      scopes,
      download,
    };
    next();
  };
}
