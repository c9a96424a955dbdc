// examples/app.ts
// The example app: templates, a PDF, two integrations, per-tenant routes, a browser token route with its page, errors.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import {
  type GrafxClient,
  type GrafxTemplate,
  GrafxAuthError,
  grafxAuth,
  grafxHealthHandler,
  grafxProblem,
  grafxTokenHandler,
  isAxiosError,
  sendGrafxDownload,
} from 'express-grafx-auth';

/**
 * Builds the app around a client that holds two integrations, `main` and `reporting`
 * (in production: a second integration, e.g. with read-only permissions). When the client also has an integration
 * marked `browser: true` (a read-only one), the app serves its tokens at `GET /grafx/token` and the page
 * `/studio.html` that uses them in the browser, the way GraFx Studio does.
 */
export function createExampleApp(client: GrafxClient): express.Express {
  const app = express();
  const browserIntegration = client.integrations.find((key) => client.integration(key).browser);

  app.get('/', (_req, res) => {
    const routes = [
      '/templates',
      '/templates/names',
      '/templates/:id',
      '/templates/:id/pdf',
      '/compare',
      '/tenants/:integration/templates',
      '/health/grafx',
      '/studio.html',
    ];
    if (browserIntegration !== undefined) routes.push('/grafx/token');
    res.json({ routes, integrations: client.integrations });
  });

  // Readiness: 200 when every integration can serve, 503 (with the failing one's code) otherwise.
  app.get('/health/grafx', grafxHealthHandler(client));

  // The page that uses the browser's token route the way GraFx Studio does (it says so when there is no route),
  // with the Studio SDK's own browser bundle (its credential classes), served from node_modules.
  app.use(express.static(path.join(__dirname, 'public')));
  const sdkBundle = studioSdkBundle();
  if (sdkBundle !== undefined) {
    app.get('/vendor/studio-sdk.js', (_req, res) => res.sendFile(sdkBundle));
  }

  // The browser's token route (what GraFx Studio's onAuthExpired calls), on the same client as the routes below:
  // one token cache. `app.all`, so other methods get the route's 405 rather than a 404. A real app also passes
  // `authorize: (req) => req.session?.user !== undefined` (its own session check): this example has no login.
  if (browserIntegration !== undefined) {
    app.all('/grafx/token', grafxTokenHandler(client, { resolveIntegration: () => browserIntegration }));
  }

  // Every route below `/templates` gets req.grafx for the `main` integration.
  app.use('/templates', grafxAuth(client, { resolveIntegration: () => 'main' }));

  app.get('/templates', async (req, res, next) => {
    try {
      const { data } = await req.grafx.api.get('/templates', { params: { limit: req.query.limit } });
      res.json(data);
    } catch (error) {
      next(error);
    }
  });

  // Every page of the list, followed for us (at most 1000 names).
  app.get('/templates/names', async (req, res, next) => {
    try {
      const names: string[] = [];
      for await (const template of req.grafx.paginate<GrafxTemplate>('/templates', {}, { maxItems: 1000 })) {
        names.push(template.name);
      }
      res.json({ names });
    } catch (error) {
      next(error);
    }
  });

  app.get('/templates/:id', async (req, res, next) => {
    try {
      const { data } = await req.grafx.api.get(`/templates/${encodeURIComponent(req.params.id)}`);
      res.json(data);
    } catch (error) {
      next(error);
    }
  });

  // The template rendered to PDF: start the output, wait for its task, stream the file (sendGrafxDownload passes
  // its type and length on, stops the download when the client goes away, and sends a failure before the first
  // byte to next). A client that goes away stops the wait. GRAFX_OUTPUT_SETTINGS_ID names the platform's output
  // settings (the stand-in needs none).
  app.get('/templates/:id/pdf', async (req, res, next) => {
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    try {
      const { downloadURL } = await req.grafx.generateOutput(
        'pdf',
        { templateId: req.params.id, outputSettingsId: process.env.GRAFX_OUTPUT_SETTINGS_ID },
        { signal: controller.signal, timeoutMs: 120_000 },
      );
      await sendGrafxDownload(req, res, next, downloadURL, { filename: `${req.params.id}.pdf` });
    } catch (error) {
      next(error);
    }
  });

  // Two integrations in one route: the client works outside the middleware too.
  app.get('/compare', async (_req, res, next) => {
    try {
      const [main, reporting] = await Promise.all([
        client.api('main').get('/templates'),
        client.api('reporting').get('/templates'),
      ]);
      res.json({
        main: { count: main.data.data.length },
        reporting: { count: reporting.data.data.length },
      });
    } catch (error) {
      next(error);
    }
  });

  // The integration chosen per request, here from the URL (a header or the session work the same way).
  app.use('/tenants/:integration', grafxAuth(client, { resolveIntegration: (req) => String(req.params.integration) }));
  app.get('/tenants/:integration/templates', async (req, res, next) => {
    try {
      const { data } = await req.grafx.api.get('/templates');
      res.json({ integration: req.grafx.integration, ...data });
    } catch (error) {
      next(error);
    }
  });

  app.use(errorHandler);
  return app;
}

/**
 * Package errors answer with their own status and code; API errors with 502 and the upstream status. Both carry the
 * platform's problem details when there are some (`grafxProblem`: a failed task's, or an API error's).
 */
const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) {
    next(err);
  } else if (err instanceof GrafxAuthError) {
    res
      .set(err.headers)
      .status(err.status)
      .json({ error: err.code, message: err.message, problem: grafxProblem(err) });
  } else if (isAxiosError(err) && err.response) {
    res.status(502).json({ error: 'GRAFX_API_ERROR', upstreamStatus: err.response.status, problem: grafxProblem(err) });
  } else {
    console.error(err instanceof Error ? err.message : err);
    res.status(500).json({ error: 'INTERNAL' });
  }
};

/** The path of `@chili-publish/studio-sdk`'s browser bundle (its `browser` entry), or undefined when not installed. */
function studioSdkBundle(): string | undefined {
  try {
    // The package's CommonJS entry is lib/src/index.cjs.js; its browser bundle is _bundles/main.js.
    const bundle = path.resolve(path.dirname(require.resolve('@chili-publish/studio-sdk')), '../../_bundles/main.js');
    return existsSync(bundle) ? bundle : undefined;
  } catch {
    return undefined;
  }
}
