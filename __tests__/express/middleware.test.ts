// __tests__/express/middleware.test.ts
// grafxAuth() end to end through real Express apps (5 and 4) and the local stand-in: req.grafx, integrations, errors.
import express5 from 'express';
import express4 from 'express4';
import request from 'supertest';
import { GrafxAuthError, type GrafxAuthOptions, createGrafxClient, grafxAuth } from 'express-grafx-auth';
import { jsonErrorHandler, serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';
import { rejectingThenable, thenable } from '../helpers/thenable.js';

const standIn = useStandIn({
  clients: [
    { clientId: 'acme-id', clientSecret: 'acme-secret', environments: ['acme-prd'] },
    { clientId: 'globex-id', clientSecret: 'globex-secret', environments: ['globex-prd'] },
  ],
});

const acme = () => ({ clientId: 'acme-id', clientSecret: 'acme-secret', environment: 'acme-prd' });
const globex = () => ({ clientId: 'globex-id', clientSecret: 'globex-secret', environment: 'globex-prd' });

describe.each([
  ['express 5', express5],
  ['express 4', express4 as unknown as typeof express5],
])('%s', (_name, express) => {
  it('answers a clear GRAFX_MIDDLEWARE_MISSING when a route not behind grafxAuth() reads req.grafx', async () => {
    const app = express();
    const grafx = express.Router();
    grafx.use(grafxAuth({ ...acme(), tokenURL: standIn.tokenURL, apiBaseURL: (env) => standIn.apiBaseURL(env) }));
    grafx.get('/integration', (req, res) => {
      res.json({ integration: req.grafx.integration, own: Object.keys(req).includes('grafx') });
    });
    app.use('/grafx', grafx);
    // A route outside the router, reading req.grafx by mistake (synchronously, so Express 4 passes it on too).
    app.get('/outside', (req, res) => {
      res.json({ integration: req.grafx.integration });
    });
    const seen: unknown[] = [];
    app.use(((err, _req, res, _next) => {
      seen.push(err);
      res.status(err instanceof GrafxAuthError ? err.status : 599).json({ code: (err as GrafxAuthError).code });
    }) as express5.ErrorRequestHandler);
    const agent = request(app);
    // Served by the middleware: req.grafx is an own, ordinary property of the request.
    expect((await agent.get('/grafx/integration').expect(200)).body).toEqual({ integration: 'default', own: true });
    const res = await agent.get('/outside').expect(500);
    expect(res.body).toEqual({ code: 'GRAFX_MIDDLEWARE_MISSING' });
    expect((seen[0] as Error).message).toMatch(/not behind grafxAuth\(\)/);
    // The middleware keeps serving, and a value set by the app (a test double) is an ordinary property too.
    await agent.get('/grafx/integration').expect(200);
    const req = Object.create(app.request as object) as { grafx: unknown };
    expect(() => req.grafx).toThrow(expect.objectContaining({ code: 'GRAFX_MIDDLEWARE_MISSING' }));
    req.grafx = 'double';
    expect(req.grafx).toBe('double');
  });

  it('serves the quick start: req.grafx.api.get("/templates") with a cached token', async () => {
    const app = express();
    app.use(grafxAuth({ ...acme(), tokenURL: standIn.tokenURL, apiBaseURL: (env) => standIn.apiBaseURL(env) }));
    app.get('/templates', async (req, res, next) => {
      try {
        const { data } = await req.grafx.api.get('/templates');
        res.json(data);
      } catch (error) {
        next(error);
      }
    });
    const agent = request(app);
    const first = await agent.get('/templates').expect(200);
    expect(Array.isArray(first.body.data)).toBe(true);
    expect(first.body.data.length).toBeGreaterThan(0);
    await agent.get('/templates').expect(200);
    await agent.get('/templates').expect(200);
    expect(standIn.counts.tokenRequests).toBe(1);
    expect(standIn.counts.apiRequests).toBe(3);
    expect(standIn.tokenRequests[0]).toMatchObject({
      contentType: expect.stringContaining('application/x-www-form-urlencoded'),
      grantType: 'client_credentials',
      audience: 'https://chiligrafx.com',
      clientId: 'acme-id',
      secretMatched: true,
    });
  });

  it('sets req.grafx = { integration, environment, token, expiresAt, api } with the real expiry', async () => {
    standIn.setTokenLifetime(7200);
    standIn.revokeTokens(); // else the login server hands back the 10-hour token it minted before
    try {
      const app = express();
      const middleware = grafxAuth({ ...acme(), tokenURL: standIn.tokenURL, apiBaseURL: standIn.apiBaseURL });
      app.use(middleware);
      app.get('/grafx', (req, res) => {
        res.json({
          integration: req.grafx.integration,
          environment: req.grafx.environment,
          tokenMatches: req.grafx.token === tokenSeen,
          expiresAt: req.grafx.expiresAt.toISOString(),
          expiresAtIsDate: req.grafx.expiresAt instanceof Date,
          apiBaseURL: req.grafx.api.defaults.baseURL,
        });
      });
      const before = Date.now();
      const tokenSeen = await middleware.client.getToken();
      const { body } = await request(app).get('/grafx').expect(200);
      expect(body).toMatchObject({
        integration: 'default',
        environment: 'acme-prd',
        tokenMatches: true,
        expiresAtIsDate: true,
        apiBaseURL: standIn.apiBaseURL('acme-prd'),
      });
      const expiresAt = Date.parse(body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 7200_000 - 2000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7200_000 + 1000);
    } finally {
      standIn.setTokenLifetime(36000);
    }
  });
});

describe('several integrations', () => {
  const twoIntegrations = (resolveIntegration: GrafxAuthOptions['resolveIntegration']) =>
    grafxAuth({
      integrations: { acme: acme(), globex: globex() },
      resolveIntegration,
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    });

  function appWith(middleware: ReturnType<typeof grafxAuth>) {
    const app = express5();
    app.use(middleware);
    app.get('/templates', async (req, res) => {
      const { data } = await req.grafx.api.get('/templates');
      res.json({ integration: req.grafx.integration, environment: req.grafx.environment, count: data.data.length });
    });
    app.use(jsonErrorHandler);
    return app;
  }

  it('uses the integration chosen per request, each with its own token', async () => {
    const app = appWith(twoIntegrations((req) => req.get('x-tenant')));
    const agent = request(app);
    const a = await agent.get('/templates').set('x-tenant', 'acme').expect(200);
    const g = await agent.get('/templates').set('x-tenant', 'globex').expect(200);
    expect(a.body).toMatchObject({ integration: 'acme', environment: 'acme-prd' });
    expect(g.body).toMatchObject({ integration: 'globex', environment: 'globex-prd' });
    expect(standIn.tokenRequests.map((r) => r.clientId).sort()).toEqual(['acme-id', 'globex-id']);
    // The stand-in only accepts a client's token for its own environment: every call used the right one.
    expect(standIn.apiRequests.map((r) => [r.environment, r.clientId, r.status])).toEqual([
      ['acme-prd', 'acme-id', 200],
      ['globex-prd', 'globex-id', 200],
    ]);
  });

  it('accepts a resolver that returns a Promise', async () => {
    const app = appWith(twoIntegrations(async (req) => req.query.tenant as string));
    const { body } = await request(app).get('/templates?tenant=globex').expect(200);
    expect(body.integration).toBe('globex');
  });

  it('accepts a resolver that returns any thenable, not only a native Promise', async () => {
    const app = appWith(twoIntegrations((req) => thenable(req.get('x-tenant'))));
    const { body } = await request(app).get('/templates').set('x-tenant', 'globex').expect(200);
    expect(body.integration).toBe('globex');
    expect(standIn.tokenRequests.map((r) => r.clientId)).toEqual(['globex-id']);
  });

  it.each([
    ['rejects', () => rejectingThenable(new Error('session store down'))],
    [
      'has a `then` that throws',
      () => ({
        then() {
          throw new Error('session store down');
        },
      }),
    ],
  ])('passes the error of a thenable that %s to next(err)', async (_case, resolver) => {
    let seen: unknown;
    const app = express5();
    app.use(twoIntegrations(resolver as never));
    app.use(((err, _req, res, _next) => {
      seen = err;
      res.status(500).end();
    }) as express5.ErrorRequestHandler);
    await request(app).get('/x').expect(500);
    expect(seen).toEqual(new Error('session store down'));
    expect(standIn.counts.tokenRequests).toBe(0);
  });

  it.each([
    ['nothing', () => undefined, 'GRAFX_INTEGRATION_MISSING'],
    ['an empty string', () => '', 'GRAFX_INTEGRATION_MISSING'],
    ['a Promise of nothing', async () => null, 'GRAFX_INTEGRATION_MISSING'],
    ['an unknown key', () => 'initech', 'GRAFX_INTEGRATION_UNKNOWN'],
    ['a Promise of an unknown key', async () => '__proto__', 'GRAFX_INTEGRATION_UNKNOWN'],
    ['a thenable of nothing', () => thenable(undefined), 'GRAFX_INTEGRATION_MISSING'],
  ])('answers 400 and asks for no token when the resolver returns %s', async (_name, resolver, code) => {
    let seen: unknown;
    const app = express5();
    app.use(twoIntegrations(resolver as never));
    app.get('/templates', (_req, res) => {
      res.send('not reached');
    });
    app.use(((err, _req, res, _next) => {
      seen = err;
      res.status((err as GrafxAuthError).status).json({ code: (err as GrafxAuthError).code });
    }) as express5.ErrorRequestHandler);
    const { body } = await request(app).get('/templates').expect(400);
    expect(body.code).toBe(code);
    expect(seen).toBeInstanceOf(GrafxAuthError);
    expect(standIn.counts.tokenRequests).toBe(0);
  });

  it('passes an error thrown (or rejected) by the resolver to next(err) unchanged', async () => {
    const failure = new Error('session store down');
    for (const resolver of [
      () => {
        throw failure;
      },
      () => Promise.reject(failure),
    ]) {
      let seen: unknown;
      const app = express5();
      app.use(twoIntegrations(resolver));
      app.use(((err, _req, res, _next) => {
        seen = err;
        res.status(500).end();
      }) as express5.ErrorRequestHandler);
      await request(app).get('/x').expect(500);
      expect(seen).toBe(failure);
    }
  });

  it('keeps integrations apart when the cache holds fewer integrations than are in use', async () => {
    standIn.addClient({ clientId: 'initech-id', clientSecret: 'initech-secret', environments: ['initech-prd'] });
    const middleware = grafxAuth({
      integrations: {
        acme: acme(),
        globex: globex(),
        initech: { clientId: 'initech-id', clientSecret: 'initech-secret', environment: 'initech-prd' },
      },
      resolveIntegration: (req) => req.get('x-tenant'),
      cache: { max: 1 },
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    });
    const served = await serve(appWith(middleware));
    try {
      const tenants = ['acme', 'globex', 'initech'];
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          const tenant = tenants[i % 3]!;
          return request(served.url)
            .get('/templates')
            .set('x-tenant', tenant)
            .then((res) => [tenant, res] as const);
        }),
      );
      for (const [tenant, res] of results) {
        expect(res.status).toBe(200);
        expect(res.body.integration).toBe(tenant);
        expect(res.body.environment).toBe(`${tenant}-prd`);
      }
      expect(standIn.counts.apiUnauthorized).toBe(0);
      for (const r of standIn.apiRequests) expect(r.clientId).toBe(r.environment.replace('-prd', '-id'));
    } finally {
      await served.close();
    }
  });
});

describe('a shared client', () => {
  it('lets grafxAuth(client) and code outside requests share one token cache', async () => {
    const client = createGrafxClient({ ...acme(), tokenURL: standIn.tokenURL, apiBaseURL: standIn.apiBaseURL });
    const token = await client.getToken();
    const app = express5();
    app.use(grafxAuth(client));
    app.get('/token-matches', (req, res) => {
      res.json(req.grafx.token === token && req.grafx.api === client.api());
    });
    const { body } = await request(app).get('/token-matches').expect(200);
    expect(body).toBe(true);
    const { data } = await client.api().get('/templates');
    expect(data.data.length).toBeGreaterThan(0);
    expect(standIn.counts.tokenRequests).toBe(1);
  });

  it('routes two integrations to two middlewares sharing the client', async () => {
    const client = createGrafxClient({
      integrations: { acme: acme(), globex: globex() },
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    });
    const app = express5();
    app.use('/acme', grafxAuth(client, { resolveIntegration: () => 'acme' }));
    app.use('/globex', grafxAuth(client, { resolveIntegration: () => 'globex' }));
    app.get(['/acme/who', '/globex/who'], (req, res) => {
      res.json(req.grafx.integration);
    });
    expect((await request(app).get('/acme/who').expect(200)).body).toBe('acme');
    expect((await request(app).get('/globex/who').expect(200)).body).toBe('globex');
    await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_MISSING', status: 400 });
    expect(() => client.api('nope')).toThrow(GrafxAuthError);
  });
});

describe('secrets in memory', () => {
  it('never shows the client secret or a token when the client or the middleware is inspected', async () => {
    const middleware = grafxAuth({ ...acme(), tokenURL: standIn.tokenURL, apiBaseURL: standIn.apiBaseURL });
    const token = await middleware.client.getToken();
    const { inspect } = await import('node:util');
    for (const value of [middleware, middleware.client, middleware.client.api()]) {
      const text = inspect(value, { depth: 12, showHidden: true });
      expect(text).not.toContain('acme-secret');
      expect(text).not.toContain(token);
    }
    expect(JSON.stringify(middleware.client)).not.toContain('acme-secret');
  });
});
