// bench/apps.ts
// The Express apps under test: bare, behind grafxAuth, and the same GraFx route three ways (package, static-token floor, recipe).
import axios, { type AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { type GrafxClient, createGrafxClient, grafxAuth } from 'express-grafx-auth';
import {
  BENCH_ENVIRONMENT,
  type StandInEndpoints,
  apiBaseURL,
  benchClientId,
  benchClientSecret,
  tenantKey,
} from './shared.js';

/**
 * - `hello-bare`: a route answering a few bytes. `hello-noop`: the same behind a no-op middleware (Express's own
 *   cost of one middleware). `hello-grafx`: the same behind `grafxAuth` (warm cache).
 * - `templates-*`: `GET /templates` calls `GET /templates` on the stand-in and answers its JSON. `floor`: a plain
 *   axios instance with a static Authorization header (a token known in advance). `grafx`: `req.grafx.api`.
 *   `recipe`: what users write today, a module-level token and axios-auth-refresh for 401s.
 * - `tenants-grafx`: `GET /t/:tenant/templates`, one integration per tenant (`resolveIntegration` from the path).
 */
export type AppVariant =
  | 'hello-bare'
  | 'hello-noop'
  | 'hello-grafx'
  | 'templates-floor'
  | 'templates-grafx'
  | 'templates-recipe'
  | 'tenants-grafx';

export interface BuiltApp {
  app: express.Express;
  /** The package's client, for the variants that use it. */
  client: GrafxClient | undefined;
  /** Route failures answered so far (each answered 502). */
  failures: () => number;
}

const HELLO = 'hello, GraFx';

export async function buildApp(
  variant: AppVariant,
  endpoints: StandInEndpoints,
  integrations: number,
): Promise<BuiltApp> {
  const app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);
  let client: GrafxClient | undefined;
  const hello: RequestHandler = (_req, res) => {
    res.send(HELLO);
  };

  switch (variant) {
    case 'hello-bare':
      app.get('/hello', hello);
      break;
    case 'hello-noop':
      app.use((_req, _res, next) => next());
      app.get('/hello', hello);
      break;
    case 'hello-grafx': {
      client = singleClient(endpoints);
      await client.getToken(); // warm cache: the bench measures the middleware, not the first token request
      app.use(grafxAuth(client));
      app.get('/hello', hello);
      break;
    }
    case 'templates-grafx':
      client = singleClient(endpoints);
      app.use(grafxAuth(client));
      app.get(
        '/templates',
        templatesRoute((req) => req.grafx.api),
      );
      break;
    case 'templates-floor': {
      const token = await fetchToken(endpoints);
      const api = axios.create({
        baseURL: apiBaseURL(endpoints, BENCH_ENVIRONMENT),
        headers: { Authorization: `Bearer ${token}` },
      });
      app.get(
        '/templates',
        templatesRoute(() => api),
      );
      break;
    }
    case 'templates-recipe': {
      const api = await recipeApi(endpoints);
      app.get(
        '/templates',
        templatesRoute(() => api),
      );
      break;
    }
    case 'tenants-grafx': {
      const byKey: Record<string, { clientId: string; clientSecret: string; environment: string }> = {};
      for (let i = 0; i < integrations; i++) {
        byKey[tenantKey(i)] = {
          clientId: benchClientId(i),
          clientSecret: benchClientSecret(i),
          environment: tenantKey(i),
        };
      }
      client = createGrafxClient({
        integrations: byKey,
        tokenURL: endpoints.tokenURL,
        apiBaseURL: (environment) => apiBaseURL(endpoints, environment),
      });
      app.use('/t/:tenant', grafxAuth(client, { resolveIntegration: (req) => String(req.params.tenant) }));
      app.get(
        '/t/:tenant/templates',
        templatesRoute((req) => req.grafx.api),
      );
      break;
    }
  }

  let failures = 0;
  const onError: ErrorRequestHandler = (_err, _req, res, _next) => {
    failures += 1;
    res.status(502).json({ error: 'upstream' });
  };
  app.use(onError);
  return { app, client, failures: () => failures };
}

function singleClient(endpoints: StandInEndpoints): GrafxClient {
  return createGrafxClient({
    clientId: endpoints.clientId,
    clientSecret: endpoints.clientSecret,
    environment: BENCH_ENVIRONMENT,
    tokenURL: endpoints.tokenURL,
    apiBaseURL: (environment) => apiBaseURL(endpoints, environment),
  });
}

/** The route every end-to-end variant shares: only where its axios instance comes from differs. */
function templatesRoute(apiOf: (req: Request) => AxiosInstance): RequestHandler {
  return async (req, res, next) => {
    try {
      const { data } = await apiOf(req).get<unknown>('/templates');
      res.json(data);
    } catch (error) {
      next(error);
    }
  };
}

/** A client-credentials token request, as an app without the package writes it. */
async function fetchToken(endpoints: StandInEndpoints): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    audience: 'https://chiligrafx.com',
    client_id: endpoints.clientId,
    client_secret: endpoints.clientSecret,
  });
  const { data } = await axios.post<{ access_token: string }>(endpoints.tokenURL, form);
  return data.access_token;
}

/** The recipe users write today: a module-level token set by a request interceptor, axios-auth-refresh on 401. */
async function recipeApi(endpoints: StandInEndpoints): Promise<AxiosInstance> {
  let token = await fetchToken(endpoints);
  const api = axios.create({ baseURL: apiBaseURL(endpoints, BENCH_ENVIRONMENT) });
  api.interceptors.request.use((config) => {
    config.headers.Authorization = `Bearer ${token}`;
    return config;
  });
  createAuthRefresh(api, async () => {
    token = await fetchToken(endpoints);
  });
  return api;
}
