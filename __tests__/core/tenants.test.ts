// __tests__/core/tenants.test.ts
// Integrations loaded on demand: one load per key, unknown keys, loader failures, rotation, forget, eviction under load.
import express from 'express';
import request from 'supertest';
import {
  type GrafxClientOptions,
  GrafxAuthError,
  type IntegrationConfig,
  createGrafxClient,
  grafxAuth,
  grafxHealthHandler,
  grafxTokenHandler,
} from 'express-grafx-auth';
import { jsonErrorHandler, serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const SECRET = 'tenant-secret-never-shown';
const standIn = useStandIn({ clients: [{ clientId: 'tenant-client', clientSecret: SECRET }] });

/** A loader over a table of rows, counting its calls by key. */
function table(rows: Record<string, IntegrationConfig | undefined> = {}) {
  const calls: string[] = [];
  const byKey = new Map(Object.entries(rows));
  const loader = (key: string): Promise<IntegrationConfig | undefined> => {
    calls.push(key);
    return new Promise((resolve) => setTimeout(() => resolve(byKey.get(key)), 5));
  };
  return { calls, rows: byKey, loader };
}

/** A row of the stand-in's client, in environment `env-<key>`. */
const row = (key: string, extra: Partial<IntegrationConfig> = {}): IntegrationConfig => ({
  clientId: 'tenant-client',
  clientSecret: SECRET,
  environment: `env-${key}`,
  ...extra,
});

/** Rows for tenant-0 … tenant-(n-1). */
const rowsOf = (n: number): Record<string, IntegrationConfig> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`tenant-${i}`, row(`tenant-${i}`)]));

const options = (loader: GrafxClientOptions['integrations'], extra: Partial<GrafxClientOptions> = {}) => ({
  integrations: loader,
  tokenURL: standIn.tokenURL,
  apiBaseURL: standIn.apiBaseURL,
  ...extra,
});

/** An app whose `/t/:tenant/whoami` answers the request's integration, environment and API origin. */
function tenantApp(auth: ReturnType<typeof grafxAuth>) {
  const app = express();
  app.use('/t/:tenant', auth);
  app.get('/t/:tenant/whoami', async (req, res) => {
    const { status } = await req.grafx.api.get('/templates?limit=1');
    res.json({ integration: req.grafx.integration, environment: req.grafx.environment, api: status });
  });
  app.use(jsonErrorHandler);
  return app;
}
const byPath = { resolveIntegration: (req: express.Request) => String(req.params.tenant) };

/** A clock the test moves. */
function testClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('integrations loaded on demand', () => {
  it('loads a key once for all concurrent first uses, and asks one token for them', async () => {
    const { calls, loader } = table({ acme: row('acme') });
    standIn.setTokenDelay(50);
    const client = createGrafxClient(options(loader));
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getToken('acme')));
    expect(new Set(tokens).size).toBe(1);
    expect(calls).toEqual(['acme']);
    expect(standIn.counts.tokenRequests).toBe(1);
    const context = await client.context('acme');
    expect(context).toMatchObject({ integration: 'acme', environment: 'env-acme', token: tokens[0] });
    expect(calls).toEqual(['acme']);
    await client.close();
  });

  it('serves requests through grafxAuth with resolveIntegration, each tenant its own environment', async () => {
    const { calls, loader } = table(rowsOf(3));
    const auth = grafxAuth({ ...options(loader), ...byPath });
    const served = await serve(tenantApp(auth));
    try {
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) => request(served.url).get(`/t/tenant-${i % 3}/whoami`)),
      );
      responses.forEach((response, i) => {
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ integration: `tenant-${i % 3}`, environment: `env-tenant-${i % 3}`, api: 200 });
      });
      expect([...calls].sort()).toEqual(['tenant-0', 'tenant-1', 'tenant-2']);
      expect(standIn.counts.tokenRequests).toBe(3);
    } finally {
      await served.close();
      await auth.client.close();
    }
  });

  it('requires resolveIntegration with a loader, and says so', () => {
    const { loader } = table();
    expect(() => grafxAuth(options(loader))).toThrow(/`integrations` is a function.*resolveIntegration/);
    expect(() => grafxTokenHandler(createGrafxClient(options(loader)))).toThrow(/loaded on demand.*resolveIntegration/);
  });

  it('validates a loaded row like a static one: GRAFX_CONFIG_INVALID for that request, naming the field, never the secret', async () => {
    const { loader, rows } = table({
      typo: { clientId: 'tenant-client', clientSecrt: SECRET, environment: 'env' } as unknown as IntegrationConfig,
      blank: { clientId: '', clientSecret: SECRET, environment: 'env' },
      notAnObject: ('tenant-client:' + SECRET) as unknown as IntegrationConfig,
      good: row('good'),
    });
    const auth = grafxAuth({ ...options(loader), ...byPath });
    const app = tenantApp(auth);
    const typo = await request(app).get('/t/typo/whoami').expect(500);
    expect(typo.body.code).toBe('GRAFX_CONFIG_INVALID');
    expect(typo.body.message).toContain('`integrations("typo").clientSecrt`');
    const blank = await request(app).get('/t/blank/whoami').expect(500);
    expect(blank.body.message).toContain('`integrations("blank").clientId`');
    const notAnObject = await request(app).get('/t/notAnObject/whoami').expect(500);
    expect(notAnObject.body.message).toContain('`integrations("notAnObject")` must be an object');
    for (const body of [typo.body, blank.body, notAnObject.body]) expect(JSON.stringify(body)).not.toContain(SECRET);
    await request(app).get('/t/good/whoami').expect(200);
    // A row fixed in the table is picked up by the next request (a bad row is not remembered).
    rows.set('typo', row('typo'));
    await request(app).get('/t/typo/whoami').expect(200);
    await auth.client.close();
  });

  it('answers 400 GRAFX_INTEGRATION_UNKNOWN for a key the loader does not know, and remembers it for unknownTtlMs', async () => {
    const clock = testClock();
    const { calls, loader, rows } = table();
    const auth = grafxAuth({ ...options(loader, { clock: clock.now, loading: { unknownTtlMs: 10_000 } }), ...byPath });
    const app = tenantApp(auth);
    const answers = await Promise.all(Array.from({ length: 20 }, () => request(app).get('/t/ghost/whoami')));
    for (const answer of answers) expect(answer.body).toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN' });
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(400));
    await request(app).get('/t/ghost/whoami').expect(400);
    expect(calls).toEqual(['ghost']);
    expect(standIn.counts.tokenRequests).toBe(0);
    // Created meanwhile: known once the remembered answer has expired.
    rows.set('ghost', row('ghost'));
    clock.advance(9_000);
    await request(app).get('/t/ghost/whoami').expect(400);
    clock.advance(1_001);
    await request(app).get('/t/ghost/whoami').expect(200);
    expect(calls).toEqual(['ghost', 'ghost']);
    await auth.client.close();
  });

  it('remembers at most unknownMax unknown keys (the least recently seen is asked again)', async () => {
    const { calls, loader } = table();
    const client = createGrafxClient(options(loader, { loading: { unknownMax: 2 } }));
    for (const key of ['a', 'b', 'c', 'b', 'c', 'a']) {
      await expect(client.getToken(key)).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN', status: 400 });
    }
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
    await client.close();
  });

  it('turns a loader that throws or rejects into a 503 GRAFX_INTEGRATION_LOAD_FAILED with the cause kept, asked again next time', async () => {
    const failure = new Error('database unreachable');
    let calls = 0;
    const client = createGrafxClient(
      options((key) => {
        calls += 1;
        if (calls === 1) throw failure;
        if (calls === 2) return Promise.reject(failure);
        return row(key);
      }),
    );
    for (let i = 0; i < 2; i++) {
      const error = await client.getToken('acme').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GrafxAuthError);
      expect(error).toMatchObject({ code: 'GRAFX_INTEGRATION_LOAD_FAILED', status: 503, integration: 'acme' });
      expect((error as GrafxAuthError).cause).toBe(failure);
      expect(JSON.stringify(error)).not.toContain(SECRET);
    }
    await expect(client.getToken('acme')).resolves.toEqual(expect.any(String));
    expect(calls).toBe(3);
    await client.close();
  });

  it('asks for the credentials again after reloadAfterMs; a changed secret gives the next token, an unchanged one none', async () => {
    const clock = testClock();
    // A client of its own: the stand-in's other tests keep theirs.
    standIn.addClient({ clientId: 'rotating-client', clientSecret: SECRET });
    const rotating = (clientSecret: string) => row('acme', { clientId: 'rotating-client', clientSecret });
    const { calls, loader, rows } = table({ acme: rotating(SECRET) });
    const client = createGrafxClient(options(loader, { clock: clock.now, loading: { reloadAfterMs: 60_000 } }));
    const first = await client.context('acme');
    expect(standIn.counts.tokenRequests).toBe(1);

    clock.advance(60_000);
    await client.context('acme'); // due: reloaded in the background, the held credentials serve meanwhile
    await until(() => calls.length === 2);
    await settle();
    expect(standIn.counts.tokenRequests).toBe(1); // same credentials: the token stays

    // Rotation: the platform now knows a new secret only, and the table has it.
    const rotated = 'tenant-secret-rotated';
    standIn.addClient({ clientId: 'rotating-client', clientSecret: rotated });
    rows.set('acme', rotating(rotated));
    clock.advance(60_000);
    expect((await client.context('acme')).token).toBe(first.token);
    await until(() => standIn.counts.tokenRequests === 2);
    await settle();
    expect(standIn.tokenRequests.at(-1)).toMatchObject({ clientId: 'rotating-client', secretMatched: true });
    expect(calls).toEqual(['acme', 'acme', 'acme']);
    expect(standIn.tokenRequests.map((r) => r.secretMatched)).toEqual([true, true]);
    await client.close();
  });

  it('keeps the held credentials when a reload fails, and drops the tenant when the loader no longer knows it', async () => {
    const clock = testClock();
    const warnings: string[] = [];
    let answer: 'row' | 'throw' | 'gone' = 'row';
    const client = createGrafxClient(
      options(
        (key) => {
          if (answer === 'throw') throw new Error('database unreachable');
          return answer === 'row' ? row(key) : undefined;
        },
        { clock: clock.now, loading: { reloadAfterMs: 60_000 }, logger: { warn: (m) => warnings.push(m) } },
      ),
    );
    await client.getToken('acme');
    answer = 'throw';
    clock.advance(60_000);
    await client.context('acme');
    await settle();
    expect(await client.getToken('acme')).toEqual(expect.any(String));
    expect(warnings).toEqual([expect.stringContaining('GRAFX_INTEGRATION_LOAD_FAILED')]);
    expect(warnings.join()).not.toContain(SECRET);

    answer = 'gone';
    clock.advance(60_000);
    await client.context('acme');
    await settle();
    await expect(client.getToken('acme')).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN' });
    expect(client.health().integrations).toEqual({});
    await client.close();
  });

  it('forget(key) drops a tenant at once: its next use loads it again and asks a new token', async () => {
    const { calls, loader, rows } = table({ acme: row('acme') });
    const client = createGrafxClient(options(loader));
    const before = await client.context('acme');
    expect(client.has('acme')).toBe(true);
    rows.delete('acme'); // revoked in the table
    client.forget('acme');
    expect(client.has('acme')).toBe(false);
    expect(() => client.api('acme')).toThrow(expect.objectContaining({ code: 'GRAFX_INTEGRATION_NOT_LOADED' }));
    await expect(client.getToken('acme')).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN' });
    rows.set('acme', row('acme'));
    client.forget('acme'); // also forgets that it was unknown
    const after = await client.context('acme');
    expect(after.api).not.toBe(before.api);
    expect(calls).toEqual(['acme', 'acme', 'acme']);
    expect(standIn.counts.tokenRequests).toBe(2);
    await client.close();
  });

  it('shares one load and one token request per tenant among concurrent first uses, cache.max far below the tenants', async () => {
    const TENANTS = 200;
    const { calls, loader } = table(rowsOf(TENANTS));
    standIn.setTokenDelay(20);
    const client = createGrafxClient(options(loader, { cache: { max: 10 } }));
    const contexts = await Promise.all(
      Array.from({ length: TENANTS * 5 }, (_, i) => client.context(`tenant-${i % TENANTS}`)),
    );
    contexts.forEach((context, i) => expect(context.environment).toBe(`env-tenant-${i % TENANTS}`));
    expect(calls).toHaveLength(TENANTS);
    expect(new Set(calls).size).toBe(TENANTS);
    expect(standIn.counts.tokenRequests).toBe(TENANTS);
    expect(client.health().tenants).toMatchObject({ held: 10, max: 10, loadedOnDemand: true, failing: 0 });
    // Counts by default; the tenants' detail only when asked for.
    expect(client.health().integrations).toEqual({});
    expect(Object.keys(client.health({ tenants: { limit: 100 } }).integrations)).toHaveLength(10);
    await client.close();
  });

  it('serves every request right under HTTP load over 200 tenants with cache.max 10, holding 10', async () => {
    const TENANTS = 200;
    const { calls, loader } = table(rowsOf(TENANTS));
    const auth = grafxAuth({ ...options(loader, { cache: { max: 10 } }), ...byPath });
    const served = await serve(tenantApp(auth));
    try {
      const responses = await Promise.all(
        Array.from({ length: TENANTS * 3 }, (_, i) => request(served.url).get(`/t/tenant-${i % TENANTS}/whoami`)),
      );
      responses.forEach((response, i) => {
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          integration: `tenant-${i % TENANTS}`,
          environment: `env-tenant-${i % TENANTS}`,
          api: 200,
        });
      });
      // An evicted tenant is simply loaded again.
      expect(calls.length).toBeGreaterThan(TENANTS);
      expect(auth.client.health().tenants.held).toBe(10);
    } finally {
      await served.close();
      await auth.client.close();
    }
    // 600 requests through supertest: a generous limit for a loaded machine (it took over 20 s at load 25 on 2 cores).
  }, 120_000);

  it('serves browser: true tenants on the token route, refuses the others; health lists the tenants held', async () => {
    const { loader } = table({ studio: row('studio', { browser: true }), backend: row('backend') });
    const client = createGrafxClient(options(loader));
    const app = express();
    app.get('/token/:tenant', grafxTokenHandler(client, byPath));
    app.get('/health', grafxHealthHandler(client, { detail: true }));
    app.use(jsonErrorHandler);
    const token = await request(app).get('/token/studio').expect(200);
    expect(token.body).toMatchObject({
      token: expect.any(String),
      environmentApiUrl: `${standIn.apiBaseURL('env-studio')}/`,
    });
    expect((await request(app).get('/token/backend').expect(403)).body.code).toBe('GRAFX_INTEGRATION_NOT_FOR_BROWSER');
    expect((await request(app).get('/token/nobody').expect(400)).body.code).toBe('GRAFX_INTEGRATION_UNKNOWN');
    const health = await request(app).get('/health').expect(200);
    expect(Object.keys(health.body.integrations).sort()).toEqual(['backend', 'studio']);
    expect(health.body.integrations.studio).toMatchObject({ hasToken: true, environment: 'env-studio', renewals: 1 });
    expect(health.body.tenants).toEqual({
      held: 2,
      max: 100,
      loadedOnDemand: true,
      failing: 0,
      rejected: 0,
      apiRejectingTokens: 0,
    });
    expect(JSON.stringify(health.body)).not.toContain(SECRET);
    await client.close();
  });

  it('emits events for loaded tenants, and close() ends them: no more loads, GRAFX_CLIENT_CLOSED', async () => {
    const { calls, loader } = table({ acme: row('acme'), other: row('other') });
    const client = createGrafxClient(options(loader));
    const renewed: string[] = [];
    client.on('tokenRenewed', ({ integration }) => renewed.push(integration));
    await client.getToken('acme');
    expect(renewed).toEqual(['acme']);
    await client.close();
    await expect(client.getToken('other')).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
    await expect(client.context('other')).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
    await expect(client.lookup('other')).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
    expect(calls).toEqual(['acme']);
    expect(client.health()).toMatchObject({ ok: false, tenants: { held: 0 } });
  });

  it('keeps a tenant used through getToken() held like one used through context(): the least recently used goes', async () => {
    const { calls, loader } = table(rowsOf(3));
    const client = createGrafxClient(options(loader, { cache: { max: 2 } }));
    await client.getToken('tenant-0');
    await client.getToken('tenant-1');
    await client.getToken('tenant-0'); // tenant-0 is now the most recently used
    await client.getToken('tenant-2'); // evicts tenant-1, not tenant-0
    expect(client.has('tenant-0')).toBe(true);
    expect(client.has('tenant-1')).toBe(false);
    await client.getToken('tenant-0');
    expect(calls).toEqual(['tenant-0', 'tenant-1', 'tenant-2']);
    expect(standIn.counts.tokenRequests).toBe(3);
    await client.close();
  });

  it('keeps the order of use exact across reloads: the tenant used last stays held, whatever was reloaded meanwhile', async () => {
    const clock = testClock();
    const { calls, loader } = table(rowsOf(3));
    const client = createGrafxClient(
      options(loader, { cache: { max: 2 }, clock: clock.now, loading: { reloadAfterMs: 100_000 } }),
    );
    await client.getToken('tenant-0');
    clock.advance(30_000);
    await client.getToken('tenant-1');
    expect(client.context('tenant-0')).not.toBeInstanceOf(Promise); // tenant-0 the most recently used
    // tenant-0's reload is due first: its answer makes it the most recently used again (it was already).
    clock.advance(75_000);
    expect(client.context('tenant-0')).not.toBeInstanceOf(Promise);
    await settle();
    // tenant-1's reload completes: it is held as the most recently used.
    clock.advance(30_000);
    expect(client.context('tenant-1')).not.toBeInstanceOf(Promise);
    expect(client.context('tenant-0')).not.toBeInstanceOf(Promise); // and now tenant-0 again
    await settle();
    expect(client.context('tenant-0')).not.toBeInstanceOf(Promise); // the same key once more, after that reload
    await client.getToken('tenant-2'); // evicts tenant-1, the least recently used
    expect(client.has('tenant-0')).toBe(true);
    expect(client.has('tenant-1')).toBe(false);
    expect(calls).toEqual(['tenant-0', 'tenant-1', 'tenant-0', 'tenant-1', 'tenant-2']);
    expect(client.health({ tenants: { limit: 10 } }).integrations).toEqual({
      'tenant-2': expect.objectContaining({ hasToken: true }),
      'tenant-0': expect.objectContaining({ hasToken: true }),
    });
    expect(Object.keys(client.health({ tenants: { limit: 10 } }).integrations)).toEqual(['tenant-2', 'tenant-0']);
    await client.close();
  });

  it('spreads reloads over the last fifth of reloadAfterMs, and runs at most 8 at once', async () => {
    const clock = testClock();
    const TENANTS = 30;
    let release: () => void = () => undefined;
    let hold: Promise<void> | undefined;
    const calls: string[] = [];
    const client = createGrafxClient(
      options(
        async (key) => {
          calls.push(key);
          await hold;
          return row(key);
        },
        { clock: clock.now, loading: { reloadAfterMs: 100_000 } },
      ),
    );
    const keys = Array.from({ length: TENANTS }, (_, i) => `tenant-${i}`);
    for (const key of keys) await client.getToken(key);
    expect(calls).toHaveLength(TENANTS);
    // Before four fifths of the interval none is due; the reloads held back until released.
    hold = new Promise((resolve) => (release = resolve));
    clock.advance(80_000 - 1);
    for (const key of keys) client.context(key);
    expect(calls).toHaveLength(TENANTS);
    // At the full interval every one is due, and every request still gets its context at once: 8 reloads start.
    clock.advance(20_001);
    for (const key of keys) expect(client.context(key)).not.toBeInstanceOf(Promise);
    expect(calls).toHaveLength(TENANTS + 8);
    release();
    await settle();
    // The others are looked at again one to two seconds later.
    clock.advance(2_000);
    hold = undefined;
    for (const key of keys) client.context(key);
    await settle();
    expect(calls.length).toBeGreaterThan(TENANTS + 8);
    expect(new Set(calls.slice(TENANTS)).size).toBe(calls.length - TENANTS);
    await client.close();
  });

  it('rejects `loading` options that are wrong or have no loader, naming the option', () => {
    const { loader } = table();
    expect(() => createGrafxClient({ ...standIn.options(), loading: { reloadAfterMs: 1000 } })).toThrow(
      /`loading` applies to integrations loaded on demand/,
    );
    for (const [loading, name] of [
      [{ reloadAfterMs: 0 }, 'loading.reloadAfterMs'],
      [{ reloadAfterMs: 2 ** 31 }, 'loading.reloadAfterMs'],
      [{ unknownTtlMs: -1 }, 'loading.unknownTtlMs'],
      [{ unknownMax: 1.5 }, 'loading.unknownMax'],
      [{ unknownMax: 1e9 }, 'loading.unknownMax'],
      [{ reloadAfter: 5 }, 'loading.reloadAfter'],
    ] as const) {
      expect(() => createGrafxClient(options(loader, { loading: loading as never }))).toThrow(
        expect.objectContaining({ code: 'GRAFX_CONFIG_INVALID', message: expect.stringContaining(`\`${name}\``) }),
      );
    }
  });
});

describe('static integrations held like tenants', () => {
  const statics = (n: number): Record<string, IntegrationConfig> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, row(`s${i}`)]));

  it('creates API clients on first use; they go with their tenant when it is evicted', async () => {
    const client = createGrafxClient(options(statics(2), { cache: { max: 1 } }));
    const first = client.api('s0');
    expect(client.api('s0')).toBe(first);
    expect((await client.context('s0')).api).toBe(first);
    await client.context('s1'); // evicts s0 (cache.max 1)
    expect(client.api('s0')).not.toBe(first);
    expect((await first.get('/templates?limit=1')).status).toBe(200); // an old reference still works
    await client.close();
  });

  it('shares one token request per integration under cache pressure: 1,200 calls over 10 integrations, cache.max 1', async () => {
    standIn.setTokenDelay(20);
    const client = createGrafxClient(options(statics(10), { cache: { max: 1 } }));
    const tokens = await Promise.all(Array.from({ length: 1200 }, (_, i) => client.getToken(`s${i % 10}`)));
    expect(new Set(tokens.map((t, i) => `${i % 10}:${t}`)).size).toBe(10);
    expect(standIn.counts.tokenRequests).toBe(10);
    await client.close();
  });
});

describe('integration keys that are names of Object.prototype', () => {
  const KEYS = ['__proto__', 'constructor', 'hasOwnProperty', 'toString'];

  it('work as static integrations (from an options object), in requests and in health', async () => {
    // JSON.parse makes `__proto__` an own key, as a config file read at start-up would.
    const integrations = JSON.parse(JSON.stringify(Object.fromEntries(KEYS.map((key) => [key, row(key)])))) as Record<
      string,
      IntegrationConfig
    >;
    expect(Object.keys(integrations)).toEqual(KEYS);
    const client = createGrafxClient(options(integrations));
    expect(client.integrations).toEqual(KEYS);
    const app = tenantApp(grafxAuth(client, { resolveIntegration: (req) => String(req.get('x-tenant')) }));
    app.get('/health', grafxHealthHandler(client));
    for (const key of KEYS) {
      const response = await request(app).get('/t/x/whoami').set('x-tenant', key).expect(200);
      expect(response.body).toEqual({ integration: key, environment: `env-${key}`, api: 200 });
    }
    await request(app).get('/t/x/whoami').set('x-tenant', 'valueOf').expect(400);
    const health = client.health();
    expect(Object.keys(health.integrations)).toEqual(KEYS);
    expect(Object.getPrototypeOf(health.integrations)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(health.integrations, '__proto__')?.value).toMatchObject({
      hasToken: true,
      environment: 'env-__proto__',
    });
    const body = (await request(app).get('/health').expect(200)).body as Record<string, unknown>;
    expect(Object.keys(body.integrations as object)).toEqual(KEYS);
    await client.close();
  });

  it('work as loaded keys, remembered unknown keys included', async () => {
    const { calls, loader, rows } = table();
    const client = createGrafxClient(options(loader));
    for (const key of KEYS) {
      await expect(client.getToken(key)).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN' });
      await expect(client.getToken(key)).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN' });
    }
    expect(calls).toEqual(KEYS);
    for (const key of KEYS) {
      rows.set(key, row(key));
      client.forget(key);
      expect(await client.context(key)).toMatchObject({ integration: key, environment: `env-${key}` });
    }
    expect(Object.keys(client.health({ tenants: { limit: 100 } }).integrations).sort()).toEqual([...KEYS].sort());
    await client.close();
  });
});

/** Waits (bounded) until `done()` holds: for background work the test cannot await. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(done()).toBe(true);
}

/** Lets background work that is already due finish (a few event loop turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
