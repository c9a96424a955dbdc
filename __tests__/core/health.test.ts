// __tests__/core/health.test.ts
// health() and the readiness route with many tenants: counts kept at each change, one failing tenant, capped detail, one warning per outage.
import type { AxiosError } from 'axios';
import express from 'express';
import request from 'supertest';
import { type GrafxClientOptions, createGrafxClient, grafxHealthHandler } from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

const TENANTS = 40;
const REFUSED = 'tenant-7';

/** Tenants loaded on demand; REFUSED has credentials the login server does not know. */
function tenants(extra: Partial<GrafxClientOptions> = {}) {
  standIn.addClient({ clientId: 'health-client', clientSecret: 'health-secret' });
  const calls: string[] = [];
  const client = createGrafxClient({
    integrations: (key) => {
      calls.push(key);
      return {
        clientId: 'health-client',
        clientSecret: key === REFUSED ? 'not-the-secret' : 'health-secret',
        environment: `env-${key}`,
      };
    },
    tokenURL: standIn.tokenURL,
    apiBaseURL: standIn.apiBaseURL,
    ...extra,
  });
  return { client, calls };
}

async function useAll(client: ReturnType<typeof createGrafxClient>): Promise<void> {
  await Promise.all(
    Array.from({ length: TENANTS }, (_, i) => client.getToken(`tenant-${i}`).catch((error: unknown) => error)),
  );
}

describe('health() with many tenants loaded on demand', () => {
  it('stays ready with one tenant refused, counts it, serves the others, and details tenants only when asked', async () => {
    const { client } = tenants();
    await useAll(client);
    const health = client.health();
    expect(health).toMatchObject({
      ok: true,
      status: 'degraded',
      tenants: { held: TENANTS, max: 100, loadedOnDemand: true, failing: 1, rejected: 1, apiRejectingTokens: 0 },
      integrations: {},
    });
    // The refused tenant is asked again only after its backoff: meanwhile it fails at once; the others serve.
    await expect(client.getToken(REFUSED)).rejects.toMatchObject({ code: 'GRAFX_CREDENTIALS_REJECTED' });
    expect(standIn.tokenRequests.filter((r) => !r.secretMatched)).toHaveLength(1);
    expect(await client.getToken('tenant-8')).toEqual(expect.any(String));

    const detail = client.health({ tenants: { limit: 5 } });
    expect(Object.keys(detail.integrations)).toHaveLength(5);
    // Most recently used first: tenant-8, then REFUSED.
    expect(Object.keys(detail.integrations).slice(0, 2)).toEqual(['tenant-8', REFUSED]);
    expect(detail.integrations[REFUSED]).toMatchObject({
      canServe: false,
      hasToken: false,
      lastErrorCode: 'GRAFX_CREDENTIALS_REJECTED',
      nextAttemptAt: expect.any(String),
    });
    expect(detail.integrations['tenant-8']).toMatchObject({ canServe: true, hasToken: true, nextAttemptAt: null });
    const page = client.health({ tenants: { limit: 1000, offset: TENANTS - 3 } });
    expect(Object.keys(page.integrations)).toHaveLength(3);
    expect(Object.keys(client.health({ tenants: { limit: 1e9 } }).integrations)).toHaveLength(TENANTS);
    expect(JSON.stringify(detail)).not.toContain('health-secret');
    await client.close();
  });

  it('is unready once more than readiness.maxFailingTenantShare of the held tenants fail', async () => {
    const lenient = tenants({ readiness: { maxFailingTenantShare: 0.05 } });
    await useAll(lenient.client);
    expect(lenient.client.health()).toMatchObject({ ok: true, tenants: { failing: 1 } }); // 1 of 40: 2.5 %
    await lenient.client.close();
    const strict = tenants({ readiness: { maxFailingTenantShare: 0 } });
    await useAll(strict.client);
    expect(strict.client.health()).toMatchObject({ ok: false, status: 'unready', tenants: { failing: 1 } });
    await strict.client.close();
  });

  it('counts a failing tenant until its next success, or until it leaves', async () => {
    const { client } = tenants({ cache: { max: 3 } });
    await client.getToken(REFUSED).catch(() => undefined);
    expect(client.health().tenants).toMatchObject({ held: 1, failing: 1, rejected: 1 });
    for (const key of ['tenant-1', 'tenant-2', 'tenant-3']) await client.getToken(key);
    // REFUSED was the least recently used: evicted, and no longer counted.
    expect(client.health().tenants).toMatchObject({ held: 3, failing: 0, rejected: 0 });
    expect(client.health().status).toBe('ready');
    await client.close();
  });

  it.each([
    ['limit=abc', 400],
    ['limit=-1', 400],
    ['limit=1001', 400],
    ['limit=2.5', 400],
    ['offset=x', 400],
    ['limit=2', 200],
    ['', 200],
  ])('detail route with ?%s answers %i', async (query, status) => {
    const { client } = tenants();
    await useAll(client);
    const app = express();
    app.get('/health', grafxHealthHandler(client));
    app.get('/ops/health', grafxHealthHandler(client, { detail: true }));
    const answer = await request(app).get(`/ops/health?${query}`).expect(status);
    if (status === 400) expect(answer.body.code).toBe('GRAFX_HEALTH_QUERY_INVALID');
    if (query === 'limit=2') expect(Object.keys(answer.body.integrations)).toHaveLength(2);
    if (query === '') expect(Object.keys(answer.body.integrations)).toHaveLength(Math.min(100, TENANTS));
    // The default route answers counts only, whatever the query.
    const counts = await request(app).get(`/health?${query}`).expect(200);
    expect(counts.body.integrations).toEqual({});
    expect(counts.body.tenants).toMatchObject({ held: TENANTS, failing: 1, rejected: 1 });
    await client.close();
  });

  it('rejects wrong readiness options, naming the option', () => {
    const { loader } = { loader: () => undefined };
    for (const readiness of [{ maxFailingTenantShare: 2 }, { maxFailingTenantShare: '0.5' }, { share: 1 }, 'x']) {
      expect(() =>
        createGrafxClient({
          integrations: loader,
          tokenURL: standIn.tokenURL,
          readiness: readiness as GrafxClientOptions['readiness'],
        }),
      ).toThrow(/readiness/);
    }
    expect(() => createGrafxClient({ ...standIn.options(), readiness: { maxFailingTenantShare: 0.5 } })).toThrow(
      /loaded on demand/,
    );
  });
});

describe('an API that refuses fresh tokens, seen without DEBUG', () => {
  it('warns the logger once per integration and outage, and health shows it degraded', async () => {
    standIn.addClient({
      clientId: 'elsewhere-client',
      clientSecret: 'elsewhere-secret',
      environments: ['cp-elsewhere'],
    });
    const warnings: string[] = [];
    let now = Date.now();
    const client = createGrafxClient({
      clientId: 'elsewhere-client',
      clientSecret: 'elsewhere-secret',
      environment: 'cp-test',
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
      logger: { warn: (message) => warnings.push(message) },
      clock: () => now,
    });
    const status = (promise: Promise<unknown>) =>
      promise.then(
        () => 200,
        (error: AxiosError) => error.response?.status,
      );
    for (let i = 0; i < 5; i++) expect(await status(client.api().get('/templates'))).toBe(401);
    now += 60_000; // past the renewal interval: another renewal, still refused; still one outage
    for (let i = 0; i < 3; i++) expect(await status(client.api().get('/templates'))).toBe(401);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/refuses freshly issued tokens of integration "default"/);
    const token = await client.getToken();
    expect(warnings[0]).not.toContain(token);
    expect(warnings[0]).not.toContain('elsewhere-secret');
    expect(client.health()).toMatchObject({
      ok: true,
      status: 'degraded',
      tenants: { apiRejectingTokens: 1 },
      integrations: { default: { apiRejectingTokens: true, canServe: true } },
    });

    // Access granted: the outage ends, health is ready again; a new outage warns again, once.
    standIn.addClient({ clientId: 'elsewhere-client', clientSecret: 'elsewhere-secret' });
    expect(await status(client.api().get('/templates'))).toBe(200);
    expect(client.health()).toMatchObject({ status: 'ready', tenants: { apiRejectingTokens: 0 } });
    standIn.addClient({
      clientId: 'elsewhere-client',
      clientSecret: 'elsewhere-secret',
      environments: ['cp-elsewhere'],
    });
    now += 60_000;
    for (let i = 0; i < 3; i++) expect(await status(client.api().get('/templates'))).toBe(401);
    expect(warnings).toHaveLength(2);
    await client.close();
  });
});
