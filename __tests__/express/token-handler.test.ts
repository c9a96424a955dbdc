// __tests__/express/token-handler.test.ts
// grafxTokenHandler() through real Express apps (5 and 4) and the stand-in: the answer, refusals, shared cache, config.
import { inspect } from 'node:util';
import express5, { type ErrorRequestHandler } from 'express';
import express4 from 'express4';
import request from 'supertest';
import {
  GrafxAuthError,
  type GrafxClient,
  type GrafxClientOptions,
  createGrafxClient,
  grafxAuth,
  grafxTokenHandler,
  isAxiosError,
  tokenId,
} from 'express-grafx-auth';
import { serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';
import { rejectingThenable, thenable } from '../helpers/thenable.js';

const APP = { clientId: 'app-id', clientSecret: 'app-secret-value' };
const BROWSER = { clientId: 'browser-id', clientSecret: 'browser-secret-value' };
// The stand-in gives the browser integration read-only permissions, as CHILI advises (no GRAFX_BROWSER_TOKEN_NOT_READ_ONLY).
const BROWSER_SCOPES = ['template:list', 'template:read', 'font:list', 'font:read'];
const boom = new Error('session store down');

const standIn = useStandIn({ clients: [APP, { ...BROWSER, scopes: BROWSER_SCOPES }] });

const platform = (): Pick<GrafxClientOptions, 'tokenURL' | 'apiBaseURL'> => ({
  tokenURL: standIn.tokenURL,
  apiBaseURL: (environment) => standIn.apiBaseURL(environment),
});

/** A client with the app's all-permissions integration `main` and the read-only `studio` one marked for the browser. */
const twoIntegrations = (): GrafxClient =>
  createGrafxClient({
    integrations: {
      main: { ...APP, environment: 'cp-demo' },
      studio: { ...BROWSER, environment: 'cp-demo', browser: true },
    },
    ...platform(),
  });

/** The error handler users write (README); it also keeps every error it saw. */
function errorHandler(seen: unknown[]): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    seen.push(err);
    if (err instanceof GrafxAuthError)
      res.set(err.headers).status(err.status).json({ code: err.code, message: err.message });
    else res.status(500).json({ code: 'OTHER', message: err instanceof Error ? err.message : String(err) });
  };
}

describe.each([
  ['express 5', express5],
  ['express 4', express4 as unknown as typeof express5],
])('%s', (_name, express) => {
  /** An app with the token route on `/grafx/token` (all methods) and the error handler. */
  function appWith(handler: ReturnType<typeof grafxTokenHandler>, seen: unknown[] = []) {
    const app = express();
    app.all('/grafx/token', handler);
    app.use(errorHandler(seen));
    return app;
  }

  it('answers { token, expiresAt, environmentApiUrl, tokenId } with no-store, and the token works on that API', async () => {
    standIn.setTokenLifetime(7200);
    try {
      const handler = grafxTokenHandler({ ...BROWSER, environment: 'cp-demo', browser: true, ...platform() });
      const res = await request(appWith(handler)).get('/grafx/token').expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['environmentApiUrl', 'expiresAt', 'token', 'tokenId']);
      expect(res.body.tokenId).toBe(tokenId(res.body.token as string));
      expect(res.body.tokenId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(res.body.environmentApiUrl).toBe(`${standIn.apiBaseURL('cp-demo')}/`);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.pragma).toBe('no-cache');
      const context = await handler.client.context();
      expect(res.body.token).toBe(context.token);
      expect(res.body.expiresAt).toBe(context.expiresAt.toISOString());
      const lifetime = Date.parse(res.body.expiresAt) - Date.now();
      expect(lifetime).toBeGreaterThan(7000_000);
      expect(lifetime).toBeLessThanOrEqual(7200_000);
      // What the browser does with it: `${environmentApiUrl}templates` with the bearer token.
      const api = await fetch(`${res.body.environmentApiUrl}templates`, {
        headers: { authorization: `Bearer ${res.body.token}` },
      });
      expect(api.status).toBe(200);
      expect(standIn.tokenRequests.map((r) => r.clientId)).toEqual([BROWSER.clientId]);
    } finally {
      standIn.setTokenLifetime(36_000);
    }
  });

  it('refuses an integration not marked browser: true with 403, without asking for a token', async () => {
    const seen: unknown[] = [];
    const handler = grafxTokenHandler(twoIntegrations(), { resolveIntegration: (req) => req.get('x-integration') });
    const app = appWith(handler, seen);
    const res = await request(app).get('/grafx/token').set('x-integration', 'main').expect(403);
    expect(res.body).toMatchObject({
      code: 'GRAFX_INTEGRATION_NOT_FOR_BROWSER',
      message: expect.stringContaining('"main"'),
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(seen[0]).toMatchObject({ status: 403, integration: 'main' });
    expect(standIn.counts.tokenRequests).toBe(0);
    await request(app).get('/grafx/token').set('x-integration', 'studio').expect(200);
    expect(standIn.tokenRequests.map((r) => r.clientId)).toEqual([BROWSER.clientId]);
  });

  it.each([
    ['an unknown key', 'acme', 'GRAFX_INTEGRATION_UNKNOWN'],
    ['no key', undefined, 'GRAFX_INTEGRATION_MISSING'],
    ['an empty key', '', 'GRAFX_INTEGRATION_MISSING'],
  ])('answers 400 for %s, without asking for a token', async (_case, key, code) => {
    const handler = grafxTokenHandler(twoIntegrations(), { resolveIntegration: async () => key });
    const res = await request(appWith(handler)).get('/grafx/token').expect(400);
    expect(res.body.code).toBe(code);
    expect(standIn.counts.tokenRequests).toBe(0);
  });

  it.each([
    ['false', () => false],
    ['a Promise of false', async () => false],
    ['undefined (a forgotten return)', () => undefined as unknown as boolean],
    ['a truthy non-boolean', () => 'yes' as unknown as boolean],
  ])(
    'answers 403 GRAFX_TOKEN_ROUTE_FORBIDDEN when authorize returns %s, before any look-up or token request',
    async (_c, authorize) => {
      const resolveIntegration = jest.fn(() => 'studio');
      const authorizeMock = jest.fn(authorize as (req: unknown, key: string) => boolean | Promise<boolean>);
      const handler = grafxTokenHandler(twoIntegrations(), { resolveIntegration, authorize: authorizeMock });
      const res = await request(appWith(handler)).get('/grafx/token').expect(403);
      expect(res.body.code).toBe('GRAFX_TOKEN_ROUTE_FORBIDDEN');
      expect(res.headers['cache-control']).toBe('no-store');
      // authorize is told which integration the request resolved to.
      expect(authorizeMock).toHaveBeenCalledWith(expect.anything(), 'studio');
      expect(standIn.counts.tokenRequests).toBe(0);
    },
  );

  it('serves the token when authorize resolves true, and gives authorize the request', async () => {
    const authorize = jest.fn(async (req: express5.Request) => req.get('x-session') === 'alice');
    const handler = grafxTokenHandler(twoIntegrations(), { resolveIntegration: () => 'studio', authorize });
    const app = appWith(handler);
    await request(app).get('/grafx/token').expect(403);
    const res = await request(app).get('/grafx/token').set('x-session', 'alice').expect(200);
    expect(res.body.token).toEqual(expect.any(String));
    expect(authorize).toHaveBeenCalledTimes(2);
    expect(standIn.counts.tokenRequests).toBe(1);
  });

  it.each([
    [
      'throws',
      (): boolean => {
        throw boom;
      },
    ],
    ['rejects', (): Promise<boolean> => Promise.reject(boom)],
  ])('passes the error unchanged to next(err) when authorize %s', async (_case, authorize) => {
    const seen: unknown[] = [];
    const handler = grafxTokenHandler(twoIntegrations(), { resolveIntegration: () => 'studio', authorize });
    const res = await request(appWith(handler, seen)).get('/grafx/token').expect(500);
    expect(res.body).toEqual({ code: 'OTHER', message: 'session store down' });
    expect(seen).toEqual([boom]);
    expect(seen[0]).toBe(boom);
    expect(standIn.counts.tokenRequests).toBe(0);
  });

  it.each(['post', 'put', 'delete', 'patch', 'options'] as const)(
    'refuses %s with 405 and Allow: GET, HEAD, before authorize or any token',
    async (method) => {
      const authorize = jest.fn(() => true);
      const handler = grafxTokenHandler(twoIntegrations(), { resolveIntegration: () => 'studio', authorize });
      const seen: unknown[] = [];
      const res = await request(appWith(handler, seen))[method]('/grafx/token').expect(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.code).toBe('GRAFX_METHOD_NOT_ALLOWED');
      expect(seen[0]).toMatchObject({
        code: 'GRAFX_METHOD_NOT_ALLOWED',
        status: 405,
        headers: { allow: 'GET, HEAD' },
      });
      expect(authorize).not.toHaveBeenCalled();
      expect(standIn.counts.tokenRequests).toBe(0);
    },
  );

  it('answers HEAD like GET: the same status and headers, no body, after the same checks', async () => {
    const authorize = jest.fn(() => true);
    const handler = grafxTokenHandler(twoIntegrations(), { resolveIntegration: () => 'studio', authorize });
    const served = await serve(appWith(handler));
    try {
      const get = await fetch(`${served.url}/grafx/token`);
      const getBody = await get.text();
      const head = await fetch(`${served.url}/grafx/token`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      for (const name of ['content-type', 'content-length', 'cache-control', 'pragma']) {
        expect([name, head.headers.get(name)]).toEqual([name, get.headers.get(name)]);
      }
      expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(getBody));
      expect(authorize).toHaveBeenCalledTimes(2);
      expect(standIn.counts.tokenRequests).toBe(1); // both from the cache's one token
      authorize.mockReturnValue(false);
      const refused = await fetch(`${served.url}/grafx/token`, { method: 'HEAD' });
      expect([refused.status, await refused.text()]).toEqual([403, '']);
    } finally {
      await served.close();
    }
  });

  it('takes thenables (not only native Promises) from authorize and resolveIntegration', async () => {
    const handler = grafxTokenHandler(twoIntegrations(), {
      resolveIntegration: () => thenable('studio'),
      authorize: (req) => thenable(req.get('x-session') === 'alice'),
    });
    const app = appWith(handler);
    await request(app).get('/grafx/token').expect(403);
    const res = await request(app).get('/grafx/token').set('x-session', 'alice').expect(200);
    expect(res.body.token).toEqual(expect.any(String));
    const seen: unknown[] = [];
    const failing = grafxTokenHandler(twoIntegrations(), {
      resolveIntegration: () => 'studio',
      authorize: () => rejectingThenable(boom),
    });
    await request(appWith(failing, seen)).get('/grafx/token').expect(500);
    expect(seen).toEqual([boom]);
  });

  it('passes a token failure on (502, no secret in the answer)', async () => {
    standIn.tokenFault('reject');
    const handler = grafxTokenHandler(twoIntegrations(), { resolveIntegration: () => 'studio' });
    const res = await request(appWith(handler)).get('/grafx/token').expect(502);
    expect(res.body.code).toBe('GRAFX_CREDENTIALS_REJECTED');
    expect(res.text).not.toContain(BROWSER.clientSecret);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

it('shares the token cache with grafxAuth(client): one token request for the route and the middleware', async () => {
  const client = createGrafxClient({ ...BROWSER, environment: 'cp-demo', browser: true, ...platform() });
  const app = express5();
  app.all('/grafx/token', grafxTokenHandler(client));
  app.get('/server-side', grafxAuth(client), (req, res) => {
    res.json({ token: req.grafx.token });
  });
  const served = await serve(app);
  try {
    const answers = await Promise.all([
      request(served.url).get('/grafx/token').expect(200),
      request(served.url).get('/server-side').expect(200),
      request(served.url).get('/grafx/token').expect(200),
    ]);
    expect(new Set(answers.map((res) => res.body.token as string)).size).toBe(1);
    expect(standIn.counts.tokenRequests).toBe(1);
  } finally {
    await served.close();
  }
});

it('never puts a token in a refusal: not in the answer, not in the error', async () => {
  const client = twoIntegrations();
  const token = await client.getToken('studio');
  const mainToken = await client.getToken('main');
  const seen: unknown[] = [];
  let authorized = true;
  const app = express5();
  app.all(
    '/grafx/token',
    grafxTokenHandler(client, { resolveIntegration: (req) => req.get('x-integration'), authorize: () => authorized }),
  );
  app.use(errorHandler(seen));
  const served = await serve(app);
  try {
    const refusals = [
      await request(served.url).post('/grafx/token').set('x-integration', 'studio').expect(405),
      await request(served.url).get('/grafx/token').set('x-integration', 'main').expect(403),
      await request(served.url).get('/grafx/token').set('x-integration', 'nope').expect(400),
      await request(served.url).get('/grafx/token').expect(400),
    ];
    authorized = false;
    refusals.push(await request(served.url).get('/grafx/token').set('x-integration', 'studio').expect(403));
    for (const res of refusals) {
      const text = `${res.text} ${JSON.stringify(res.headers)}`;
      expect(text).not.toContain(token);
      expect(text).not.toContain(mainToken);
    }
    expect(seen).toHaveLength(5);
    for (const error of seen) {
      const text = `${inspect(error, { depth: 5, showHidden: true })} ${JSON.stringify(error)}`;
      for (const secret of [token, mainToken, APP.clientSecret, BROWSER.clientSecret])
        expect(text).not.toContain(secret);
    }
  } finally {
    await served.close();
  }
});

describe('set-up errors (GRAFX_CONFIG_INVALID, thrown at once, naming the option)', () => {
  const browserClient = () => createGrafxClient({ ...BROWSER, environment: 'cp-demo', browser: true, ...platform() });
  const noBrowserClient = () => createGrafxClient({ ...APP, environment: 'cp-demo', ...platform() });
  const call = grafxTokenHandler as (...args: unknown[]) => unknown;

  it.each<[string, () => unknown, RegExp]>([
    ['a client without a browser integration', () => call(noBrowserClient()), /`browser: true`/],
    ['options without browser: true', () => call({ ...APP, environment: 'cp-demo' }), /`browser: true`/],
    [
      'several integrations, none for the browser',
      () =>
        call(createGrafxClient({ integrations: { a: { ...APP, environment: 'x' }, b: { ...APP, environment: 'y' } } })),
      /\(a, b\): set `integrations\.<key>\.browser: true`/,
    ],
    ['several integrations and no resolveIntegration', () => call(twoIntegrations()), /`resolveIntegration`.*"studio"/],
    [
      'authorize that is not a function',
      () => call(browserClient(), { authorize: true }),
      /`authorize` must be a function/,
    ],
    [
      'resolveIntegration that is not a function',
      () => call(browserClient(), { resolveIntegration: 'studio' }),
      /`resolveIntegration` must be a function/,
    ],
    ['a misspelt authorize', () => call(browserClient(), { authorise: () => true }), /`authorise`.*`authorize`/],
    ['route options that are not an object', () => call(browserClient(), 'studio'), /must be an object/],
    [
      'a second argument after options',
      () => call({ ...BROWSER, environment: 'cp-demo', browser: true }, { authorize: () => false }),
      /takes one argument/,
    ],
    [
      'authorize: undefined written out (would serve everyone)',
      () => call(browserClient(), { authorize: undefined }),
      /`authorize` is undefined.*leave the key out/,
    ],
    [
      'authorize: undefined written out, in the options',
      () => call({ ...BROWSER, environment: 'cp-demo', browser: true, authorize: undefined }),
      /`authorize` is undefined/,
    ],
    ['authorize: null', () => call(browserClient(), { authorize: null }), /`authorize` must be a function/],
    [
      'authorize that is a Promise, not a function',
      () => call(browserClient(), { authorize: Promise.resolve(true) }),
      /`authorize` must be a function/,
    ],
    [
      'authorize that is not a function, in the options',
      () => call({ ...BROWSER, environment: 'cp-demo', browser: true, authorize: 'yes' }),
      /`authorize` must be a function/,
    ],
    ['no options', () => call(undefined), /options must be an object/],
    ['null options', () => call(null), /options must be an object/],
    [
      'the handler passed without calling it',
      () => call({ method: 'GET', headers: {}, socket: {} }, {}, () => undefined),
      /must be called with its options/,
    ],
    [
      'an unknown client option',
      () => call({ ...BROWSER, environment: 'cp-demo', browser: true, tokenUrl: 'x' }),
      /tokenUrl/,
    ],
  ])('%s', (_case, create, message) => {
    let thrown: unknown;
    try {
      create();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GrafxAuthError);
    expect(thrown).toMatchObject({ code: 'GRAFX_CONFIG_INVALID', status: 500, message });
    expect(String((thrown as Error).message)).not.toContain(BROWSER.clientSecret);
  });

  it('accepts a client with one browser integration and no resolver; exposes the client', () => {
    const client = browserClient();
    expect(grafxTokenHandler(client).client).toBe(client);
  });
});

describe('?refused=<tokenId>: the browser says the API refused its token', () => {
  const INTERVAL_MS = 30_000;
  let now = Date.parse('2026-12-07T10:00:00Z');
  const clock = (): number => now;

  function setUp() {
    const client = createGrafxClient({
      integrations: {
        main: { ...APP, environment: 'cp-demo' },
        studio: { ...BROWSER, environment: 'cp-demo', browser: true },
      },
      ...platform(),
      clock,
      rejectionRenewalIntervalMs: INTERVAL_MS,
    });
    const app = express5();
    app.use('/api', grafxAuth(client, { resolveIntegration: () => 'studio' }), async (req, res, next) => {
      try {
        res.json((await req.grafx.api.get('/templates?limit=1')).status);
      } catch (error) {
        if (isAxiosError(error) && error.response !== undefined) res.status(error.response.status).end();
        else next(error);
      }
    });
    app.all('/grafx/token', grafxTokenHandler(client, { resolveIntegration: () => 'studio' }));
    app.use(errorHandler([]));
    return { client, app };
  }
  const get = async (app: express5.Express, refused?: string): Promise<{ token: string; tokenId: string }> => {
    const path = refused === undefined ? '/grafx/token' : `/grafx/token?refused=${encodeURIComponent(refused)}`;
    return (await request(app).get(path).expect(200)).body as { token: string; tokenId: string };
  };

  it('renews the served token once per interval (the limit shared with req.grafx.api), then serves it as is', async () => {
    const { client, app } = setUp();
    const first = await get(app);
    expect(standIn.counts.tokenRequests).toBe(1);
    standIn.revokeTokens(); // the API refuses the browser's token

    const renewed = await get(app, first.tokenId);
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.tokenId).toBe(tokenId(renewed.token));
    expect(standIn.counts.tokenRequests).toBe(2);

    // Refused again within the interval: no token request, the current token back (the page then stops).
    standIn.revokeTokens();
    expect(await get(app, renewed.tokenId)).toEqual(renewed);
    // ...and the server's own 401 renewal is bound by the same limit: the 401 is handed back, no token request.
    await request(app).get('/api').expect(401);
    expect(standIn.counts.tokenRequests).toBe(2);

    now += INTERVAL_MS;
    const later = await get(app, renewed.tokenId);
    expect(later.token).not.toBe(renewed.token);
    expect(standIn.counts.tokenRequests).toBe(3);
    await client.close();
  });

  it("counts the server's own 401 renewal against the browser's: a refusal right after it renews nothing", async () => {
    const { client, app } = setUp();
    const first = await get(app);
    standIn.revokeTokens();
    await request(app).get('/api').expect(200); // 401, renewed, repeated
    expect(standIn.counts.tokenRequests).toBe(2);
    const current = await get(app);
    standIn.revokeTokens();
    expect(await get(app, current.tokenId)).toEqual(current);
    expect(standIn.counts.tokenRequests).toBe(2);
    expect(current.token).not.toBe(first.token);
    await client.close();
  });

  it.each([
    ['an older token (renewed since: another tab)', 'old'],
    ['the token itself', 'token'],
    ['an id too long', 'long'],
    ['an id with other characters', 'odd'],
    ['an empty id', 'empty'],
    ['the id twice (a list)', 'list'],
  ])('renews nothing for %s', async (_what, shape) => {
    const { client, app } = setUp();
    const old = await get(app);
    standIn.revokeTokens(); // the login server hands out a new token (it would else hand back the one it has)
    client.clearTokens();
    const current = await get(app);
    expect(current.token).not.toBe(old.token);
    expect(standIn.counts.tokenRequests).toBe(2);
    const refused: Record<string, string> = {
      old: `refused=${old.tokenId}`,
      token: `refused=${encodeURIComponent(current.token)}`,
      long: `refused=${current.tokenId}A`,
      odd: `refused=${current.tokenId.slice(0, 21)}!`,
      empty: 'refused=',
      list: `refused=${current.tokenId}&refused=${current.tokenId}`,
    };
    const res = await request(app).get(`/grafx/token?${refused[shape]!}`).expect(200);
    expect(res.body).toEqual(current);
    expect(standIn.counts.tokenRequests).toBe(2);
    await client.close();
  });
});
