// __tests__/core/scopes.test.ts
// Permissions you can see: scope parsing at the edge (hostile answers), req.grafx.scopes, health, 403s naming the permission.
import express from 'express';
import request from 'supertest';
import { isAxiosError } from 'axios';
import {
  GRAFX_WARNING_CODES,
  type GrafxApiError,
  type GrafxClient,
  type WarningEvent,
  createGrafxClient,
  grafxAuth,
  grafxTokenHandler,
} from 'express-grafx-auth';
import { DEFAULT_STAND_IN_SCOPES, DEFAULT_STAND_IN_TEMPLATES } from 'express-grafx-auth/testing';
import { MAX_SCOPES, MAX_SCOPE_ITEM_LENGTH, MAX_SCOPE_LENGTH } from '../../lib/core/bounds.js';
import { permissionFor } from '../../lib/core/permissions.js';
import { grant, json, useLoginServer } from '../helpers/login-server.js';
import { useStandIn } from '../helpers/stand-in.js';

const READER = { clientId: 'reader-id', clientSecret: 'reader-secret-value', scopes: ['template:list'] };
const NONE = { clientId: 'none-id', clientSecret: 'none-secret-value', scopes: [] as string[] };
const FULL = { clientId: 'full-id', clientSecret: 'full-secret-value' };
const TEMPLATE = DEFAULT_STAND_IN_TEMPLATES[0]!.id;

const standIn = useStandIn({ clients: [FULL, READER, NONE] });
const clients: GrafxClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** A client of the stand-in with the given integrations (environment cp-scopes). */
function clientOf(integrations: Record<string, { clientId: string; clientSecret: string; browser?: boolean }>) {
  const client = createGrafxClient({
    integrations: Object.fromEntries(
      Object.entries(integrations).map(([key, { clientId, clientSecret, browser }]) => [
        key,
        { clientId, clientSecret, environment: 'cp-scopes', browser: browser ?? false },
      ]),
    ),
    tokenURL: standIn.tokenURL,
    apiBaseURL: standIn.apiBaseURL,
    logger: { warn: () => undefined },
  });
  clients.push(client);
  return client;
}

describe('scopes from the stand-in', () => {
  it('are on the context as a read-only set of resource:action strings, and in health (sorted, no token)', async () => {
    const client = clientOf({ full: FULL, reader: READER });
    const full = await client.context('full');
    expect([...full.scopes].sort()).toEqual([...DEFAULT_STAND_IN_SCOPES].sort());
    expect(full.scopes.has('template:write')).toBe(true);
    const reader = await client.context('reader');
    expect([...reader.scopes]).toEqual(['template:list']);
    expect(reader.scopes.size).toBe(1);
    // read-only: no add/delete/clear, frozen, JSON gives the list
    expect((reader.scopes as unknown as Record<string, unknown>).add).toBeUndefined();
    expect(Object.isFrozen(reader.scopes)).toBe(true);
    expect(JSON.stringify({ scopes: reader.scopes })).toBe('{"scopes":["template:list"]}');
    const health = client.health();
    expect(health.integrations.reader!.scopes).toEqual(['template:list']);
    expect(health.integrations.full!.scopes).toEqual([...DEFAULT_STAND_IN_SCOPES].sort());
    expect(JSON.stringify(health)).not.toContain(reader.token);
  });

  it('are empty (one shared frozen set) when the server sent none; health then lists none', async () => {
    const client = clientOf({ none: NONE, other: NONE });
    const none = await client.context('none');
    expect(none.scopes.size).toBe(0);
    expect((await client.context('other')).scopes).toBe(none.scopes);
    expect(client.health().integrations.none!.scopes).toEqual([]);
    expect(standIn.tokenRequests.length).toBeGreaterThan(0);
  });

  it('are one shared set for every tenant with the same permissions, made once', async () => {
    const client = clientOf({ a: FULL, b: FULL });
    const a = await client.context('a');
    const b = await client.context('b');
    expect(a.scopes).toBe(b.scopes);
    expect(a.scopes).toBe(a.scopes);
  });

  it('are req.grafx.scopes in Express', async () => {
    const client = clientOf({ reader: READER });
    const app = express();
    app.use(grafxAuth(client));
    app.get('/scopes', (req, res) => {
      res.json({ scopes: [...req.grafx.scopes], has: req.grafx.scopes.has('template:list') });
    });
    const response = await request(app).get('/scopes');
    expect(response.body).toEqual({ scopes: ['template:list'], has: true });
  });
});

describe('a 403 of the API', () => {
  it.each([
    ['GET', `/templates/${TEMPLATE}`, 'template:read'],
    ['POST', '/output/pdf', 'output:static'],
    ['POST', '/projects', 'myproject:write'],
  ])('%s %s names the permission the token lacks (%s), never the token', async (method, path, permission) => {
    const client = clientOf({ reader: READER });
    const { api, token } = await client.context('reader');
    const error = await api.request({ method, url: path, data: {} }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(isAxiosError(error)).toBe(true);
    const failure = error as GrafxApiError;
    expect(failure.response?.status).toBe(403);
    expect(failure.missingPermission).toBe(permission);
    expect(failure.message).toContain(`lacks the permission "${permission}"`);
    expect(failure.message).toContain(`${method} ${path}`);
    expect(JSON.stringify(failure)).not.toContain(token);
    expect(failure.message + String(failure.stack)).not.toContain(token);
  });

  it.each([
    ['an endpoint the table does not know', 'reader', '/tags', '/tags'],
    ['a token that has the permission', 'full', '/templates', '/templates'],
    ['a token whose answer had no scope', 'none', '/templates', '/templates'],
    ['a path outside the API base', 'reader', '/templates', 'http://127.0.0.1:1/grafx/api/v1/templates'],
  ])('is passed through unchanged for %s', async (_label, key, faultPath, url) => {
    const client = clientOf({ reader: READER, full: FULL, none: NONE });
    const { api } = await client.context(key);
    standIn.apiFault(403, { path: faultPath });
    const error = (await api.get(url).then(
      () => undefined,
      (failure: unknown) => failure,
    )) as GrafxApiError;
    if (url.startsWith('http')) {
      expect(error.missingPermission).toBeUndefined();
      await standIn.clearFaults();
      return;
    }
    expect(error.response?.status).toBe(403);
    expect(error.missingPermission).toBeUndefined();
    expect(error.message).toBe('Request failed with status code 403');
  });

  it.each([
    ['GET', 'templates', 'template:list'],
    ['GET', '/templates/abc?layoutId=1', 'template:read'],
    ['GET', '/templates/abc/preview/thumbnail', 'template:read'],
    ['GET', '/templates/preview/tasks/abc', undefined],
    ['PUT', '/projects/abc/document', 'myproject:write'],
    ['GET', '/media/directory', undefined],
    ['GET', '/media/abc/download', 'media:read'],
    ['POST', '/output/mp4', 'output:animated'],
    ['POST', '/output/gif', undefined],
    ['GET', '/settings', undefined],
    ['get', '/fonts', 'font:list'],
    ['GET', '/__proto__', undefined],
    ['GET', '/templates/a/b/c/d/e', undefined],
  ])('table: %s %s needs %s', (method, path, permission) => {
    expect(permissionFor(method, path)).toBe(permission);
  });
});

describe('the token route', () => {
  function routeApp(client: GrafxClient) {
    const app = express();
    app.get('/grafx/token', grafxTokenHandler(client, { resolveIntegration: (req) => String(req.query.key) }));
    return app;
  }

  it('warns once per integration whose browser tokens can write or make outputs (logger and event, coded)', async () => {
    const warnings: string[] = [];
    const events: WarningEvent[] = [];
    const client = createGrafxClient({
      integrations: {
        full: { ...FULL, environment: 'cp-scopes', browser: true },
        reader: {
          clientId: READER.clientId,
          clientSecret: READER.clientSecret,
          environment: 'cp-scopes',
          browser: true,
        },
      },
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
      logger: { warn: (message) => warnings.push(message) },
    });
    clients.push(client);
    client.on('warning', (event) => events.push(event));
    const app = routeApp(client);
    for (let i = 0; i < 3; i++) {
      expect((await request(app).get('/grafx/token?key=full')).status).toBe(200);
      expect((await request(app).get('/grafx/token?key=reader')).status).toBe(200);
    }
    const token = (await client.context('full')).token;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^express-grafx-auth \[GRAFX_BROWSER_TOKEN_NOT_READ_ONLY\]: .*"full"/);
    expect(warnings[0]).toContain('output:static');
    expect(warnings[0]).toContain('template:write');
    expect(warnings[0]).not.toContain(token);
    expect(warnings[0]).not.toContain(FULL.clientSecret);
    expect(events).toEqual([
      {
        code: GRAFX_WARNING_CODES.BROWSER_TOKEN_NOT_READ_ONLY,
        integration: 'full',
        message: warnings[0],
        permissions: [...DEFAULT_STAND_IN_SCOPES].filter((s) => s.endsWith(':write') || s.startsWith('output:')).sort(),
      },
    ]);
  });
});

describe('scope answers of a hostile login server', () => {
  const login = useLoginServer();
  const hostileClient = (): GrafxClient => {
    const client = createGrafxClient({
      clientId: 'hostile-id',
      clientSecret: 'hostile-secret-value',
      environment: 'cp-hostile',
      tokenURL: login.url,
    });
    clients.push(client);
    return client;
  };

  it.each<[string, unknown]>([
    ['a huge string', 'template:read '.repeat(1000)],
    ['one character past the length bound', `${'a'.repeat(MAX_SCOPE_LENGTH)}b`],
    ['more permissions than the count bound', Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `r${i}:read`).join(' ')],
    ['a permission past its length bound', `template:read ${'x'.repeat(MAX_SCOPE_ITEM_LENGTH + 1)}`],
    ['a number', 42],
    ['an array', ['template:read']],
    ['an object', { template: 'read' }],
    ['null', null],
    ['true', true],
    ['an empty string', ''],
    ['spaces only', '   '],
    ['a NUL character', 'template:read\u0000'],
    ['an escape sequence', 'template:read \u001b[2J'],
    ['a line break', 'template:read\nSet-Cookie: x'],
    ['a tab', 'template:read\ttemplate:list'],
    ['a quote', 'template:read "x"'],
    ['a backslash', 'template:read \\x'],
    ['non-ASCII', 'template:read tëmplate:list'],
  ])('%s: the token still works, with no permissions known', async (_label, scope) => {
    login.answer(grant({ scope }));
    const client = hostileClient();
    const context = await client.context();
    expect(context.token).toBe('token-1');
    expect(context.scopes.size).toBe(0);
    expect(client.health().integrations.default!.scopes).toEqual([]);
  });

  it.each<[string, string, string[]]>([
    [
      '__proto__ and constructor as permissions',
      '__proto__ constructor toString',
      ['__proto__', 'constructor', 'toString'],
    ],
    ['several spaces between permissions', '  template:read   template:list ', ['template:read', 'template:list']],
    ['the documented full list', DEFAULT_STAND_IN_SCOPES.join(' '), [...DEFAULT_STAND_IN_SCOPES]],
    [
      'exactly the count bound',
      Array.from({ length: MAX_SCOPES }, (_, i) => `r${i}:x`).join(' '),
      Array.from({ length: MAX_SCOPES }, (_, i) => `r${i}:x`),
    ],
  ])('%s: kept as plain strings', async (_label, scope, expected) => {
    login.answer(grant({ scope }));
    const client = hostileClient();
    const { scopes } = await client.context();
    expect([...scopes]).toEqual(expected);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a `__proto__` key holding a scope is not the answer own scope', async () => {
    login.answer((res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          '{"access_token":"token-1","token_type":"Bearer","expires_in":3600,"__proto__":{"scope":"template:write"}}',
        );
    });
    const { scopes } = await hostileClient().context();
    expect(scopes.size).toBe(0);
  });

  it('a duplicate permission counts once', async () => {
    login.answer((res) => json(res, 200, { access_token: 'token-1', expires_in: 3600, scope: 'a:read a:read' }));
    const { scopes } = await hostileClient().context();
    expect([...scopes]).toEqual(['a:read']);
  });
});
