// __tests__/core/token-cache.test.ts
// One token per integration: reuse, single flight on a cold cache, background renewal, no expired token ever sent.
import express from 'express';
import request from 'supertest';
import { createGrafxClient, grafxAuth } from 'express-grafx-auth';
import { knownTokenRecord, tokenRecord } from '../../lib/core/token-record.js';
import { serve, sleep } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

const clientOptions = (extra: object = {}) => ({ ...standIn.options('cp-test'), ...extra });

function templatesApp(options: object = {}) {
  const app = express();
  app.use(grafxAuth(clientOptions(options)));
  app.get('/templates', async (req, res) => {
    const { data } = await req.grafx.api.get('/templates');
    res.json({ token: req.grafx.token.slice(0, 12), count: data.data.length });
  });
  app.get('/token', (req, res) => {
    res.json({ token: req.grafx.token });
  });
  return app;
}

describe('tokenRecord timing', () => {
  it('renews refreshWindowMs before expiry and hands the token out until a margin before it', () => {
    const record = tokenRecord('k', 't', 36_000_000, undefined, 1_000, 300_000);
    expect(record.expiresAt).toBe(36_001_000);
    expect(record.refreshDueAt).toBe(36_001_000 - 300_000);
    expect(record.usableUntil).toBe(36_001_000 - 10_000);
  });

  it('renews a token shorter than twice the window halfway through its lifetime (a 3-second token works)', () => {
    const record = tokenRecord('k', 't', 3_000, undefined, 0, 300_000);
    expect(record.refreshDueAt).toBe(1_500);
    expect(record.usableUntil).toBe(2_700);
    expect(record.refreshDueAt).toBeLessThan(record.usableUntil);
  });

  it('never schedules a renewal at once, however small the remaining lifetime (no loop on a reused token)', () => {
    for (const lifetime of [1_000, 10_000, 999_000, 3_600_000]) {
      const record = tokenRecord('k', 't', lifetime, undefined, 5_000, 7_200_000);
      expect(record.refreshDueAt).toBeGreaterThan(5_000);
      expect(record.refreshDueAt).toBeLessThanOrEqual(record.usableUntil);
    }
  });

  it.each([
    ['whole milliseconds', 1_765_000_000_000, 1_764_999_990_000, 1_764_999_700_000],
    ['a fractional expiry (an app clock of its own)', 1_765_000_000_000.25, 1_764_999_990_000, 1_764_999_700_000],
    ['times far before the expiry', 1_765_000_000_000, 1_000, -1e300],
  ])('keeps the times it was given, exactly: %s', (_name, expiresAt, usableUntil, refreshDueAt) => {
    const record = knownTokenRecord('k', 't', { expiresAt, usableUntil, refreshDueAt }, 'template:read');
    expect([record.expiresAt, record.usableUntil, record.refreshDueAt]).toEqual([expiresAt, usableUntil, refreshDueAt]);
    expect(record.expiresAtDate.getTime()).toBe(Math.trunc(expiresAt));
    expect(record).toMatchObject({ integration: 'k', token: 't', scope: 'template:read' });
  });

  it('starts renewal while the token is still handed out even with refreshWindowMs = 0', () => {
    const record = tokenRecord('k', 't', 36_000_000, undefined, 0, 0);
    expect(record.refreshDueAt).toBeLessThan(record.usableUntil);
  });
});

describe('one cached token per integration', () => {
  it('reuses the token for sequential requests', async () => {
    const agent = request(templatesApp());
    for (let i = 0; i < 10; i++) await agent.get('/templates').expect(200);
    expect(standIn.counts.tokenRequests).toBe(1);
    expect(standIn.counts.apiRequests).toBe(10);
  });

  it('asks for exactly one token when 100 requests arrive at once on a cold cache', async () => {
    standIn.setTokenDelay(100);
    const served = await serve(templatesApp());
    try {
      const responses = await Promise.all(Array.from({ length: 100 }, () => request(served.url).get('/templates')));
      expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
      expect(new Set(responses.map((r) => r.body.token)).size).toBe(1);
      expect(standIn.counts.tokenRequests).toBe(1);
    } finally {
      await served.close();
    }
  });

  it('asks for one token when 100 callers of the client ask at once', async () => {
    const client = createGrafxClient(clientOptions());
    const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(standIn.counts.tokenRequests).toBe(1);
  });
});

describe('renewal', () => {
  it('renews in the background: a request while a still-valid token is renewed does not wait for it', async () => {
    let now = Date.now();
    const client = createGrafxClient(clientOptions({ clock: () => now }));
    const first = await client.context();
    expect(standIn.counts.tokensIssued).toBe(1);

    // Past the renewal time, before expiry; the login server is slow to answer the renewal.
    now += 36_000_000 - 200_000;
    standIn.revokeTokens(); // so the login server mints a new token instead of handing back the cached one
    standIn.setTokenDelay(400);
    const during = client.context();
    expect(during).not.toBeInstanceOf(Promise); // answered at once, from the cache
    expect((during as Awaited<typeof during>).token).toBe(first.token);
    await sleep(50);
    expect(standIn.counts.tokenRequests).toBe(2); // the renewal is under way...
    const stillDuring = await client.context();
    expect(stillDuring.token).toBe(first.token); // ...and requests keep the valid token meanwhile
    expect(standIn.counts.tokenRequests).toBe(2); // without starting a second renewal

    await sleep(600);
    const after = await client.context();
    expect(after.token).not.toBe(first.token);
    expect(after.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    expect(standIn.counts.tokenRequests).toBe(2);
  });

  it('does not renew again at once when the login server hands back the same token', async () => {
    let now = Date.now();
    const client = createGrafxClient(clientOptions({ clock: () => now, refreshWindowMs: 2 * 3600_000 }));
    const first = await client.context();
    // Two hours before expiry, the login server still answers with the cached token.
    now += 8 * 3600_000 + 60_000;
    await client.context(); // starts a renewal
    await sleep(100);
    expect(standIn.counts.tokenRequests).toBe(2);
    expect(standIn.counts.tokensIssued).toBe(1); // the same token came back
    for (let i = 0; i < 20; i++) expect((await client.context()).token).toBe(first.token);
    now += 1000;
    for (let i = 0; i < 20; i++) await client.context();
    await sleep(50);
    expect(standIn.counts.tokenRequests).toBe(2);
  });

  it('fetches and waits for a new token once the cached one is past its usable life', async () => {
    let now = Date.now();
    const client = createGrafxClient(clientOptions({ clock: () => now }));
    const first = await client.getToken();
    now += 36_000_000; // expired
    standIn.revokeTokens();
    const next = client.context();
    expect(next).toBeInstanceOf(Promise);
    expect((await next).token).not.toBe(first);
    expect(standIn.counts.tokenRequests).toBe(2);
  });

  it('never sends an expired token: 2-second tokens, 3 seconds of requests, no 401 at the API', async () => {
    standIn.setTokenLifetime(2);
    const served = await serve(templatesApp());
    try {
      const end = Date.now() + 3000;
      const statuses: number[] = [];
      const worker = async () => {
        while (Date.now() < end) statuses.push((await request(served.url).get('/templates')).status);
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      expect(statuses.length).toBeGreaterThan(20);
      expect(new Set(statuses)).toEqual(new Set([200]));
      expect(standIn.counts.apiUnauthorized).toBe(0);
      // Renewed about every second (half of a 2 s lifetime): a handful of token requests, not one per request.
      expect(standIn.counts.tokenRequests).toBeGreaterThanOrEqual(2);
      expect(standIn.counts.tokenRequests).toBeLessThanOrEqual(6);
    } finally {
      await served.close();
    }
  });
});

describe('what a token fetch leaves in the cache', () => {
  /** Resolves once the stand-in has received `count` token requests (polled: the answer may be held back). */
  async function tokenRequestsReach(count: number): Promise<void> {
    for (let waited = 0; standIn.counts.tokenRequests < count; waited += 5) {
      if (waited > 10_000) throw new Error(`the stand-in got ${standIn.counts.tokenRequests} token requests`);
      await sleep(5);
    }
  }

  it('keeps no token that comes after its integration was forgotten: the next use asks a new one', async () => {
    const known = new Set(['acme']);
    const client = createGrafxClient({
      integrations: (key: string) =>
        known.has(key) ? { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'cp-acme' } : undefined,
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    });
    try {
      standIn.setTokenDelay(200);
      const first = client.getToken('acme');
      await tokenRequestsReach(1);
      client.forget('acme'); // its credentials were revoked while its token request was out
      expect(typeof (await first)).toBe('string'); // the callers already waiting still get it
      standIn.setTokenDelay(0);
      await client.getToken('acme');
      expect(standIn.counts.tokenRequests).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('drops the token the API refused when its renewal fails: it is not handed out again', async () => {
    const client = createGrafxClient(clientOptions());
    try {
      const refused = await client.getToken();
      standIn.revokeTokens(); // the API now answers 401 to it
      standIn.tokenFault('server-error', { times: 1 });
      await expect(client.api().get('/templates')).rejects.toMatchObject({ code: 'GRAFX_TOKEN_SERVER_ERROR' });
      // Within the backoff the failure comes back at once; the refused token never does.
      const after = await client.getToken().catch((error: { code?: string }) => error.code);
      expect(after).not.toBe(refused);
      expect(after).toBe('GRAFX_TOKEN_SERVER_ERROR');
      await expect(client.context()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_SERVER_ERROR' });
    } finally {
      await client.close();
    }
  });
});
