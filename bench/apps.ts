// bench/apps.ts
// The Express apps under test: bare, behind a no-op layer or grafxAuth (one process each, or all in one), and GraFx routes.
import axios, { type AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { type GrafxClient, createGrafxClient, grafxAuth } from 'express-grafx-auth';
import type { RequestListener } from 'node:http';
import { FloorTenants } from './floor-tenants.js';
import { noopMiddleware } from './noop-middleware.js';
import { RouteCpuMeter } from './route-cpu.js';
import {
  BENCH_ENVIRONMENT,
  type StandInEndpoints,
  apiBaseURL,
  benchClientId,
  benchClientSecret,
  TENANT_PREFIX,
  tenantKey,
} from './shared.js';

/**
 * - `hello-bare`: a route answering a few bytes. `hello-noop`: the same behind a no-op middleware (Express's own
 *   cost of one middleware). `hello-grafx`: the same behind `grafxAuth` (warm cache).
 * - `hello-mix`: those three in one process (same JIT, same heap), one router each, at `/bare/hello`,
 *   `/noop/hello`, `/grafx/hello`, and `/noop-2/hello`, a second no-op router (the A/A control). One app-level layer
 *   hands each request to the router its path names, so every route passes the same Express layers before its own;
 *   the no-op and grafxAuth routers differ only by their middleware function. The server's listener measures the
 *   CPU time of each request's handling, by route (route-cpu.ts).
 * - `templates-*`: `GET /templates` calls `GET /templates` on the stand-in and answers its JSON. `floor`: a plain
 *   axios instance with a static Authorization header (a token known in advance). `grafx`: `req.grafx.api`.
 *   `recipe`: what users write today, a module-level token and axios-auth-refresh for 401s.
 * - `tenants-grafx`: `GET /t/:tenant/templates`, one integration per tenant (`resolveIntegration` from the path).
 * - `tenants-mix`: the many-tenants app. `GET /t/:tenant/templates` behind a loader of `integrations` tenants
 *   (`cacheMax` held), and `GET /s/:tenant/templates` behind a single-integration client: the same route, in the same
 *   process (same JIT, same heap), so the two are compared without the process lottery.
 *   Beside them, the same two routes written by hand (the floor, in the same process): `GET /f/:tenant/templates`
 *   through a Map of tenants, one token request per cold tenant and one axios instance with each tenant's base URL
 *   and header as per-request config (BENCH_FLOOR_API=instance: an axios instance per tenant; floor-tenants.ts),
 *   and `GET /fs/:tenant/templates` through a plain axios instance with a static token.
 */
export type AppVariant =
  | 'hello-bare'
  | 'hello-noop'
  | 'hello-grafx'
  | 'hello-mix'
  | 'templates-floor'
  | 'templates-grafx'
  | 'templates-recipe'
  | 'tenants-grafx'
  | 'tenants-mix'
  | 'renewal-mix';

/** What the many-tenants app counts: cold loads, token requests, and token requests beyond one per load. */
export interface TenantStats {
  loads: number;
  tokenRequests: number;
  /** Token requests for a tenant beyond the first after its load (must be 0). */
  duplicates: number;
  /** The token requests' durations added up (ms, each as `tokenRenewed` gives it: whole milliseconds). */
  tokenMs: number;
  /** The floor's (floor-tenants.ts) tenants loaded and token requests sent. */
  floorLoads: number;
  floorTokenRequests: number;
  held: number;
}

/** The counts without `held`. */
export type TenantCounts = Omit<TenantStats, 'held'>;

export interface BuiltApp {
  app: express.Express;
  /** The package's client, for the variants that use it. */
  client: GrafxClient | undefined;
  /** Route failures answered so far (each answered 502). */
  failures: () => number;
  /** The many-tenants app's counts (`tenants-mix`). */
  tenantStats?: () => TenantStats;
  /** The same without `held` (which takes a health report of every tenant held): cheap. */
  tenantCounts?: () => TenantCounts;
  /** `tenants-mix`: loads its first `count` tenants into the package's client and the floor, as requests would. */
  prewarm?: (count: number) => Promise<void>;
  /** The handler's CPU time by route (`hello-mix`). */
  routeCpu?: RouteCpuMeter;
  /** The server's request listener, when it is not the app itself. */
  listener?: RequestListener;
}

const HELLO = 'hello, GraFx';

/**
 * @param second `renewal-mix`: the stand-in of its `/short` routes (the other one's tokens are short-lived), where
 * `endpoints` serves its `/long` routes
 */
export async function buildApp(
  variant: AppVariant,
  endpoints: StandInEndpoints,
  integrations: number,
  cacheMax = 100,
  second?: StandInEndpoints,
): Promise<BuiltApp> {
  const app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);
  let client: GrafxClient | undefined;
  let tenantStats: (() => TenantStats) | undefined;
  let tenantCounts: (() => TenantCounts) | undefined;
  let routeCpu: RouteCpuMeter | undefined;
  let prewarm: ((count: number) => Promise<void>) | undefined;
  const hello: RequestHandler = (_req, res) => {
    res.send(HELLO);
  };

  switch (variant) {
    case 'hello-bare':
      app.get('/hello', hello);
      break;
    case 'hello-noop': {
      app.use(await noopMiddleware(singleClient(endpoints)));
      app.get('/hello', hello);
      break;
    }
    case 'hello-grafx': {
      client = singleClient(endpoints);
      await client.getToken(); // warm cache: the bench measures the middleware, not the first token request
      app.use(grafxAuth(client));
      app.get('/hello', hello);
      break;
    }
    case 'hello-mix': {
      client = singleClient(endpoints);
      await client.getToken();
      const router = (middleware?: RequestHandler): express.Router => {
        const r = express.Router();
        if (middleware !== undefined) r.use(middleware);
        r.get('/hello', hello);
        return r;
      };
      const routers = new Map<string, express.Router>([
        ['bare', router()],
        ['noop', router(await noopMiddleware(client))],
        ['noop-2', router(await noopMiddleware(client))],
        ['grafx', router(grafxAuth(client))],
      ]);
      app.use('/:route', (req, res, next) => {
        const picked = routers.get(String(req.params.route));
        if (picked === undefined) next();
        else picked(req, res, next);
      });
      routeCpu = new RouteCpuMeter();
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
      const api = await staticTokenApi(endpoints);
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
      client = tenantsClient(endpoints, integrations);
      mountTenants(app, client);
      break;
    }
    case 'renewal-mix': {
      // Scenario 3 in one process: the same routes over two clients, `/long` (10-hour tokens) and `/short`.
      if (second === undefined) throw new Error('renewal-mix needs the second stand-in');
      client = tenantsClient(endpoints, integrations);
      const short = tenantsClient(second, integrations);
      for (const [prefix, of] of [
        ['/long', client],
        ['/short', short],
      ] as const) {
        const router = express.Router();
        mountTenants(router, of);
        app.use(prefix, router);
      }
      break;
    }
    case 'tenants-mix': {
      const single = singleClient(endpoints);
      await single.getToken();
      app.use('/s/:tenant', grafxAuth(single));
      app.get(
        '/s/:tenant/templates',
        templatesRoute((req) => req.grafx.api),
      );
      const counts = { loads: 0, tokenRequests: 0, duplicates: 0, tokenMs: 0 };
      // Token requests since the tenant's last load, by tenant index: allocated once, so the heap stays flat.
      const sinceLoad = new Int32Array(integrations);
      const indexOf = (key: string): number => Number(key.slice(TENANT_PREFIX.length));
      client = createGrafxClient({
        integrations: async (key) => {
          const credentials = tenantCredentials(key, integrations);
          if (credentials === undefined) return undefined;
          counts.loads += 1;
          sinceLoad[indexOf(key)] = 0;
          return credentials;
        },
        tokenURL: endpoints.tokenURL,
        apiBaseURL: (environment) => apiBaseURL(endpoints, environment),
        cache: { max: cacheMax },
      });
      client.on('tokenRenewed', ({ integration, source, durationMs }) => {
        if (source !== 'login-server') return;
        counts.tokenRequests += 1;
        counts.tokenMs += durationMs;
        const i = indexOf(integration);
        sinceLoad[i] = (sinceLoad[i] ?? 0) + 1;
        if ((sinceLoad[i] ?? 0) > 1) counts.duplicates += 1;
      });
      const tenants = client;
      const floor = new FloorTenants(
        cacheMax,
        async (key) => tenantCredentials(key, integrations),
        endpoints.tokenURL,
        (environment) => apiBaseURL(endpoints, environment),
        process.env.BENCH_FLOOR_API === 'instance' ? undefined : axios.create(),
      );
      const countsNow = (): TenantCounts => ({
        ...counts,
        floorLoads: floor.loads,
        floorTokenRequests: floor.tokenRequests,
      });
      tenantCounts = countsNow;
      tenantStats = () => ({ ...countsNow(), held: tenants.health().tenants.held });
      prewarm = async (count) => {
        let next = 0;
        const worker = async (): Promise<void> => {
          // In an app, a held tenant was loaded by a request that used its API client. Tenants loaded without it
          // would get theirs during the measured rounds, the first time the mix picks each (about 3,800 of 10,000 in
          // 40 rounds): the heap would grow by the used set, not by a leak (docs/reference/performance.md, scenario 6).
          while (next < count) {
            const key = tenantKey(next++);
            void (await tenants.context(key)).api;
            await floor.api(key);
          }
        };
        await Promise.all(Array.from({ length: 32 }, worker));
      };
      const floorSingle = await staticTokenApi(endpoints);
      app.get(
        '/fs/:tenant/templates',
        templatesRoute(() => floorSingle),
      );
      app.use('/f/:tenant', floor.middleware());
      app.get(
        '/f/:tenant/templates',
        templatesRoute((req) => req.floorApi as AxiosInstance),
      );
      app.use('/t/:tenant', grafxAuth(client, { resolveIntegration: (req) => String(req.params.tenant) }));
      app.get(
        '/t/:tenant/templates',
        templatesRoute((req) => req.grafx.api),
      );
      // BENCH_TENANTS_MIX=wait (a diagnosis): the same route, idle `?wait=` ms first, as long as a cold load waits.
      app.use('/w/:tenant', grafxAuth(client, { resolveIntegration: (req) => String(req.params.tenant) }));
      app.get('/w/:tenant/templates', (req, res, next) => {
        setTimeout(() => templatesRoute((r) => r.grafx.api)(req, res, next), Number(req.query.wait) || 0);
      });
      break;
    }
  }

  let failures = 0;
  const onError: ErrorRequestHandler = (_err, _req, res, _next) => {
    failures += 1;
    res.status(502).json({ error: 'upstream' });
  };
  app.use(onError);
  return {
    app,
    client,
    failures: () => failures,
    ...(tenantStats === undefined ? {} : { tenantStats }),
    ...(tenantCounts === undefined ? {} : { tenantCounts }),
    ...(prewarm === undefined ? {} : { prewarm }),
    ...(routeCpu === undefined ? {} : { routeCpu, listener: routeCpu.wrap(app) }),
  };
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

/** What the many-tenants loaders answer for `key`: its credentials, or undefined past the `integrations` known. */
function tenantCredentials(key: string, integrations: number): BenchCredentials | undefined {
  const i = Number(key.slice(TENANT_PREFIX.length));
  if (!key.startsWith(TENANT_PREFIX) || !Number.isInteger(i) || i < 0 || i >= integrations) return undefined;
  return credentialsOf(i);
}

interface BenchCredentials {
  clientId: string;
  clientSecret: string;
  environment: string;
}

/** The i-th tenant's credentials on the stand-in (its bench client, in an environment named after its key). */
function credentialsOf(i: number): BenchCredentials {
  return { clientId: benchClientId(i), clientSecret: benchClientSecret(i), environment: tenantKey(i) };
}

/** A client of `integrations` tenants (tenant-000000, …) with static credentials on the stand-in of `endpoints`. */
function tenantsClient(endpoints: StandInEndpoints, integrations: number): GrafxClient {
  const byKey: Record<string, BenchCredentials> = {};
  for (let i = 0; i < integrations; i++) byKey[tenantKey(i)] = credentialsOf(i);
  return createGrafxClient({
    integrations: byKey,
    tokenURL: endpoints.tokenURL,
    apiBaseURL: (environment) => apiBaseURL(endpoints, environment),
  });
}

/** `GET /t/:tenant/templates` through `client`, the tenant from the path. */
function mountTenants(target: express.Router, client: GrafxClient): void {
  target.use('/t/:tenant', grafxAuth(client, { resolveIntegration: (req) => String(req.params.tenant) }));
  target.get(
    '/t/:tenant/templates',
    templatesRoute((req) => req.grafx.api),
  );
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

/** The floor of the single-integration routes: a plain axios instance with a token fetched once (a static header). */
async function staticTokenApi(endpoints: StandInEndpoints): Promise<AxiosInstance> {
  const token = await fetchToken(endpoints);
  return axios.create({
    baseURL: apiBaseURL(endpoints, BENCH_ENVIRONMENT),
    headers: { Authorization: `Bearer ${token}` },
  });
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
