// __tests__/express/integration-resolver.test.ts
// resolveIntegration's wait is bounded (resolveTimeoutMs, close()); the token route's authorize is told which integration.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import {
  GrafxAuthError,
  type GrafxClient,
  MAX_TIMER_MS,
  createGrafxClient,
  grafxAuth,
  grafxTokenHandler,
} from 'express-grafx-auth';
import { serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const TENANT_A = { clientId: 'tenant-a', clientSecret: 'tenant-a-secret-value' };
const TENANT_B = { clientId: 'tenant-b', clientSecret: 'tenant-b-secret-value' };
const standIn = useStandIn({ clients: [TENANT_A, TENANT_B] });

const answer: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (err instanceof GrafxAuthError) res.status(err.status).json({ code: err.code });
  else res.status(500).json({ code: 'OTHER' });
};

/** Two browser tenants, `a` and `b`, each in its own environment. */
const tenants = (): GrafxClient =>
  createGrafxClient({
    integrations: {
      a: { ...TENANT_A, environment: 'env-a', browser: true },
      b: { ...TENANT_B, environment: 'env-b', browser: true },
    },
    tokenURL: standIn.tokenURL,
    apiBaseURL: (environment) => standIn.apiBaseURL(environment),
  });

/** Resolvers whose answer never comes: a Promise, a thenable, a thenable calling back only after the limit. */
const neverAnswering: Array<[string, () => PromiseLike<string>]> = [
  ['a promise that never settles', () => new Promise<never>(() => undefined)],
  ['a thenable that never calls back', () => ({ then: () => undefined }) as unknown as PromiseLike<string>],
  [
    'a promise that settles long after the limit',
    () => new Promise<string>((resolve) => setTimeout(() => resolve('a'), 60_000).unref()),
  ],
];

type Route = (client: GrafxClient, resolveIntegration: () => PromiseLike<string>, limit?: number) => RequestHandler;
const routes: Array<[string, Route]> = [
  [
    'grafxAuth',
    (client, resolveIntegration, resolveTimeoutMs) => {
      const router = express.Router();
      router.use(grafxAuth(client, { resolveIntegration, resolveTimeoutMs }));
      router.get('/', (req, res) => {
        res.json({ integration: req.grafx.integration });
      });
      return router;
    },
  ],
  [
    'grafxTokenHandler',
    (client, resolveIntegration, resolveTimeoutMs) =>
      grafxTokenHandler(client, { resolveIntegration, resolveTimeoutMs }),
  ],
];

describe.each(routes)('%s: an async resolveIntegration is waited for at most resolveTimeoutMs', (_route, route) => {
  it.each(neverAnswering)('%s: 504 GRAFX_INTEGRATION_RESOLVE_TIMEOUT, no token asked', async (_name, resolve) => {
    const client = tenants();
    const app = express();
    app.use('/x', route(client, resolve, 50));
    app.use(answer);
    const res = await request(app).get('/x').expect(504);
    expect(res.body).toEqual({ code: 'GRAFX_INTEGRATION_RESOLVE_TIMEOUT' });
    expect(standIn.counts.tokenRequests).toBe(0);
    await client.close();
  });

  it.each(neverAnswering)(
    '%s: close() ends the wait with 503 GRAFX_CLIENT_CLOSED',
    async (_name, resolve) => {
      const client = tenants();
      const app = express();
      app.use('/x', route(client, resolve, MAX_TIMER_MS));
      app.use(answer);
      const served = await serve(app);
      try {
        const pending = request(served.url).get('/x');
        const ended = pending.then((res) => [res.status, res.body as unknown]);
        // The request has reached the resolver once the server counts its connection.
        for (let i = 0; i < 600; i += 1) {
          const open = await new Promise<number>((done) => served.server.getConnections((_e, n) => done(n)));
          if (open > 0) break;
          await new Promise((done) => setTimeout(done, 50));
        }
        await new Promise((done) => setTimeout(done, 50));
        await client.close();
        expect(await ended).toEqual([503, { code: 'GRAFX_CLIENT_CLOSED' }]);
      } finally {
        await served.close();
      }
    },
    60_000,
  );

  it('a resolver answering in time is served as before', async () => {
    const client = tenants();
    const app = express();
    app.use(
      '/x',
      route(client, async () => 'a', 60_000),
    );
    app.use(answer);
    await request(app).get('/x').expect(200);
    await client.close();
  });

  it.each<[string, unknown]>([
    ['zero', 0],
    ['negative', -5],
    ['a fraction', 0.5],
    ['past the longest timer', MAX_TIMER_MS + 1],
    ['a string', '1000'],
  ])('resolveTimeoutMs %s is refused at set-up', (_name, value) => {
    expect(() => route(tenants(), async () => 'a', value as number)).toThrow(/resolveTimeoutMs/);
  });
});

it('grafxAuth(options) and grafxTokenHandler(options) take resolveTimeoutMs beside the client options', async () => {
  const options = {
    integrations: { a: { ...TENANT_A, environment: 'env-a', browser: true } },
    tokenURL: standIn.tokenURL,
    apiBaseURL: (environment: string) => standIn.apiBaseURL(environment),
    resolveIntegration: () => new Promise<never>(() => undefined),
    resolveTimeoutMs: 20,
  };
  const auth = grafxAuth(options);
  const handler = grafxTokenHandler(options);
  const app = express();
  app.use('/auth', auth, (_req, res) => {
    res.end();
  });
  app.get('/token', handler);
  app.use(answer);
  expect((await request(app).get('/auth').expect(504)).body.code).toBe('GRAFX_INTEGRATION_RESOLVE_TIMEOUT');
  expect((await request(app).get('/token').expect(504)).body.code).toBe('GRAFX_INTEGRATION_RESOLVE_TIMEOUT');
  await Promise.all([auth.client.close(), handler.client.close()]);
});

describe("the token route's authorize(req, integration) sees the integration the request resolved to", () => {
  /** The many-tenants recipe: the tenant from the `x-tenant` header, the session's tenant from `x-session-tenant`. */
  function recipeApp(authorize: (req: express.Request, key: string) => boolean | Promise<boolean>) {
    const client = tenants();
    const app = express();
    app.get('/grafx/token', grafxTokenHandler(client, { resolveIntegration: (req) => req.get('x-tenant'), authorize }));
    app.use(answer);
    return { app, client };
  }
  const safe = (req: express.Request, key: string): boolean => req.get('x-session-tenant') === key;

  it.each<[string, string | undefined, string, number, string | undefined]>([
    ["tenant A's session asking for A", 'a', 'a', 200, 'env-a'],
    ["tenant B's session asking for B", 'b', 'b', 200, 'env-b'],
    ["tenant A's session asking for B", 'a', 'b', 403, undefined],
    ["tenant B's session asking for A", 'b', 'a', 403, undefined],
    ['no session asking for A', undefined, 'a', 403, undefined],
    ["tenant A's session asking for B in another case", 'a', 'B', 403, undefined],
    ["tenant A's session asking for a key that starts with A's", 'a', 'ab', 403, undefined],
  ])('%s: %#', async (_name, session, asked, status, environment) => {
    const { app, client } = recipeApp(safe);
    const req = request(app).get('/grafx/token').set('x-tenant', asked);
    const res = await (session === undefined ? req : req.set('x-session-tenant', session));
    expect(res.status).toBe(status);
    if (environment !== undefined) expect(res.body.environmentApiUrl).toBe(`${standIn.apiBaseURL(environment)}/`);
    else expect(res.body.code).toBe('GRAFX_TOKEN_ROUTE_FORBIDDEN');
    await client.close();
  });

  it('authorize gets the key as resolveIntegration answered it, before any look-up or token request', async () => {
    const calls: unknown[][] = [];
    const { app, client } = recipeApp((...args) => {
      calls.push(args.slice(1));
      return false;
    });
    await request(app).get('/grafx/token').set('x-tenant', 'a').expect(403);
    await request(app).get('/grafx/token').set('x-tenant', 'no-such-tenant').expect(403);
    expect(calls).toEqual([['a'], ['no-such-tenant']]);
    expect(standIn.counts.tokenRequests).toBe(0);
    await client.close();
  });
});
