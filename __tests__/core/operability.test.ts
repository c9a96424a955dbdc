// __tests__/core/operability.test.ts
// Events, the health handler, close(), and DEBUG=express-grafx-auth* logging: timings and codes, never a secret.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import express from 'express';
import request from 'supertest';
import {
  type GrafxClientEvents,
  GrafxAuthError,
  createGrafxClient,
  grafxAuth,
  grafxHealthHandler,
} from 'express-grafx-auth';
import { sleep } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const SECRET = 'operability-secret-value';
const standIn = useStandIn({ clients: [{ clientId: 'operability-client-id', clientSecret: SECRET }] });

function record(client: ReturnType<typeof createGrafxClient>) {
  const seen: Array<[keyof GrafxClientEvents, unknown]> = [];
  for (const name of [
    'tokenRenewed',
    'tokenRenewalFailed',
    'requestRetried',
    'storeFault',
    'storeRecovered',
  ] as const) {
    client.on(name, (payload) => seen.push([name, payload]));
  }
  return seen;
}

describe('events', () => {
  it('reports a token obtained, a 401 retry and a failure, with timings and codes but no token or secret', async () => {
    const client = createGrafxClient({ ...standIn.options('cp-ops'), timeoutMs: 500 });
    const seen = record(client);
    const token = await client.getToken();
    expect(seen).toEqual([
      [
        'tokenRenewed',
        {
          integration: 'default',
          durationMs: expect.any(Number),
          expiresAt: expect.any(Date),
          source: 'login-server',
          renewal: false,
        },
      ],
    ]);
    standIn.revokeTokens();
    await client.api().get('/templates?limit=1');
    // the renewal first: a request is repeated only once the renewed token is known to differ from the refused one
    expect(seen.map(([name]) => name)).toEqual(['tokenRenewed', 'tokenRenewed', 'requestRetried']);
    expect(seen[2]![1]).toEqual({ integration: 'default', method: 'GET', path: '/templates' });

    client.clearTokens();
    standIn.tokenFault('server-error', { times: 1 });
    await expect(client.getToken()).rejects.toBeInstanceOf(GrafxAuthError);
    expect(seen.at(-1)).toEqual([
      'tokenRenewalFailed',
      {
        integration: 'default',
        durationMs: expect.any(Number),
        code: 'GRAFX_TOKEN_SERVER_ERROR',
        status: 502,
        renewal: false,
      },
    ]);
    const text = JSON.stringify(seen);
    expect(text).not.toContain(token);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('operability-client-id');
  });

  it('reports a background renewal as a renewal', async () => {
    let now = Date.now();
    const client = createGrafxClient({ ...standIn.options('cp-ops'), clock: () => now });
    const seen = record(client);
    await client.getToken();
    now += 36_000_000 - 60_000; // due, still valid
    standIn.revokeTokens();
    await client.getToken(); // served at once; the renewal runs in the background
    for (let i = 0; i < 50 && seen.length < 2; i++) await sleep(20);
    expect(seen[1]).toEqual(['tokenRenewed', expect.objectContaining({ renewal: true, source: 'login-server' })]);
  });

  it('keeps serving when a listener throws', async () => {
    const client = createGrafxClient(standIn.options('cp-ops'));
    client.on('tokenRenewed', () => {
      throw new Error('a broken metrics exporter');
    });
    await expect(client.getToken()).resolves.toEqual(expect.any(String));
  });
});

describe('grafxHealthHandler', () => {
  it('answers 200 with per-integration health once tokens are there, 503 when one cannot serve', async () => {
    standIn.addClient({ clientId: 'second-client-id', clientSecret: 'second-secret' });
    const auth = grafxAuth({
      integrations: {
        first: { clientId: 'operability-client-id', clientSecret: SECRET, environment: 'cp-ops' },
        second: { clientId: 'second-client-id', clientSecret: 'second-secret', environment: 'cp-ops' },
      },
      resolveIntegration: (req) => req.get('x-tenant'),
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
      timeoutMs: 500,
    });
    const app = express();
    app.get('/health', grafxHealthHandler(auth));
    app.use(auth);
    app.get('/ok', (_req, res) => {
      res.send('ok');
    });

    // Never used yet: nothing failed, so both can serve.
    const cold = await request(app).get('/health').expect(200);
    expect(cold.headers['cache-control']).toBe('no-store');
    expect(cold.body.integrations.first).toMatchObject({ hasToken: false, canServe: true, renewals: 0 });

    await request(app).get('/ok').set('x-tenant', 'first').expect(200);
    const warm = await request(app).get('/health').expect(200);
    expect(warm.body.ok).toBe(true);
    expect(warm.body.integrations.first).toMatchObject({
      canServe: true,
      hasToken: true,
      lastErrorCode: null,
      renewals: 1,
      failures: 0,
      retries: 0,
      environment: 'cp-ops',
    });
    expect(warm.body.integrations.first.expiresInSeconds).toBeGreaterThan(35_000);
    expect(Date.parse(warm.body.integrations.first.lastRenewalAt)).toBeGreaterThan(Date.now() - 60_000);

    standIn.tokenFault('reject');
    await request(app).get('/ok').set('x-tenant', 'second').expect(502);
    const failing = await request(app).get('/health').expect(503);
    expect(failing.body.ok).toBe(false);
    expect(failing.body.integrations.second).toMatchObject({
      canServe: false,
      hasToken: false,
      lastErrorCode: 'GRAFX_CREDENTIALS_REJECTED',
      failures: 1,
    });
    expect(failing.body.integrations.first.canServe).toBe(true);
    const text = JSON.stringify(failing.body);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('operability-client-id');
    expect(text).not.toContain('second-client-id');
    expect(text).not.toContain(await auth.client.getToken('first'));
  });

  it('rejects something that is not a client or a middleware', () => {
    expect(() => grafxHealthHandler({} as never)).toThrow(/grafxHealthHandler takes a GrafxClient/);
  });
});

describe('close()', () => {
  it('aborts a token request in flight, then refuses with GRAFX_CLIENT_CLOSED; health says 503', async () => {
    const client = createGrafxClient(standIn.options('cp-ops'));
    standIn.tokenFault('hang');
    const pending = client.getToken();
    await sleep(50);
    await client.close();
    await expect(pending).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED', status: 503 });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
    await expect(client.context()).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
    expect(client.health().ok).toBe(false);
  });
});

describe('DEBUG=express-grafx-auth* logging, and a clean exit after close()', () => {
  it('logs token fetches and retries with timings, never a token or the secret, and the process exits', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'debug-logging.ts')], {
      cwd: resolve(__dirname, '..', '..'),
      env: { ...process.env, DEBUG: 'express-grafx-auth*', DEBUG_COLORS: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // It must exit by itself: nothing left running after close(). (A hang fails the test at jest's timeout.)
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(0);
    const [first, second] = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const { tokens, secret } = first as { tokens: string[]; secret: string };
    expect(second).toEqual({ afterClose: 'GRAFX_CLIENT_CLOSED' });
    expect(stderr).toMatch(/express-grafx-auth:token default: token obtained in \d+ ms from the login server/);
    expect(stderr).toMatch(/express-grafx-auth:api default: GET \/templates answered 401/);
    for (const token of tokens) expect(stderr).not.toContain(token);
    expect(stderr).not.toContain(secret);
  });
});
