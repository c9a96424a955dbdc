// __tests__/core/api-rejections.test.ts
// An API that keeps refusing tokens: bounded token requests, health, event and DEBUG line; no renewal for another origin's 401.
import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import type { AxiosError } from 'axios';
import { type ApiRejectsFreshTokensEvent, GrafxAuthError, createGrafxClient } from 'express-grafx-auth';
import { startGrafxStandIn } from 'express-grafx-auth/testing';
import { parseOptions } from '../../lib/core/options.js';
import { serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

/** A client whose integration has no access to `cp-test`: the API refuses every token, the login server hands back the same one. */
function wrongEnvironmentClient(options: { clock?: () => number; rejectionRenewalIntervalMs?: number } = {}) {
  standIn.addClient({ clientId: 'elsewhere-client', clientSecret: 'elsewhere-secret', environments: ['cp-elsewhere'] });
  return createGrafxClient({
    clientId: 'elsewhere-client',
    clientSecret: 'elsewhere-secret',
    environment: 'cp-test',
    tokenURL: standIn.tokenURL,
    apiBaseURL: standIn.apiBaseURL,
    ...options,
  });
}

async function statusOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as AxiosError).response?.status;
  }
}

describe('an API that refuses every token', () => {
  it('costs two token requests for 20 calls when the login server hands back the refused token', async () => {
    const client = wrongEnvironmentClient();
    const events: ApiRejectsFreshTokensEvent[] = [];
    client.on('apiRejectsFreshTokens', (event) => events.push(event));
    const retried: unknown[] = [];
    client.on('requestRetried', (event) => retried.push(event));
    const statuses: Array<number | undefined> = [];
    for (let i = 0; i < 20; i++) statuses.push(await statusOf(client.api().get('/templates')));
    expect(statuses).toEqual(Array(20).fill(401));
    expect(standIn.counts.tokenRequests).toBe(2); // the first token, and one renewal that handed it back
    expect(standIn.counts.apiRequests).toBe(20); // no call repeated
    expect(retried).toEqual([]);
    expect(events).toEqual([
      { integration: 'default', method: 'GET', path: '/templates', sameToken: true, nextRenewalAt: expect.any(Date) },
    ]);
    expect(JSON.stringify(events)).not.toContain(await client.getToken());
    const health = client.health().integrations.default!;
    expect(health).toMatchObject({ apiRejectingTokens: true, canServe: true, retries: 0 });
    expect(Date.parse(health.lastTokenRejectionAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('costs two token requests for 20 concurrent calls', async () => {
    const client = wrongEnvironmentClient();
    await client.getToken();
    standIn.setTokenDelay(30);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => statusOf(client.api().get('/templates'))));
    expect(statuses).toEqual(Array(20).fill(401));
    expect(standIn.counts.tokenRequests).toBe(2);
    expect(standIn.counts.apiRequests).toBe(20);
  });

  it('renews again only once the interval has passed, and clears the health flag when the API accepts again', async () => {
    let now = Date.now();
    const client = wrongEnvironmentClient({ clock: () => now, rejectionRenewalIntervalMs: 10_000 });
    const events: ApiRejectsFreshTokensEvent[] = [];
    client.on('apiRejectsFreshTokens', (event) => events.push(event));
    for (let i = 0; i < 5; i++) await statusOf(client.api().get('/templates'));
    expect(standIn.counts.tokenRequests).toBe(2);
    expect(events[0]!.nextRenewalAt.getTime()).toBe(now + 10_000);
    now += 9_999;
    await statusOf(client.api().get('/templates'));
    expect(standIn.counts.tokenRequests).toBe(2);
    now += 1;
    for (let i = 0; i < 5; i++) await statusOf(client.api().get('/templates'));
    expect(standIn.counts.tokenRequests).toBe(3);
    expect(events).toHaveLength(2);
    expect(client.health().integrations.default!.apiRejectingTokens).toBe(true);

    // The integration gets access to the environment: its token is accepted, the flag clears.
    standIn.addClient({ clientId: 'elsewhere-client', clientSecret: 'elsewhere-secret' });
    expect((await client.api().get('/templates')).status).toBe(200);
    const health = client.health().integrations.default!;
    expect(health.apiRejectingTokens).toBe(false);
    expect(health.lastTokenRejectionAt).not.toBeNull();
    expect(standIn.counts.tokenRequests).toBe(3);
  });

  it('costs two token requests for 20 calls when every renewal mints a new token that is refused too', async () => {
    const minting = await startGrafxStandIn({ reuseWindowSeconds: 36_000 }); // never hands a token out twice
    try {
      const client = createGrafxClient(minting.options('cp-test'));
      const events: ApiRejectsFreshTokensEvent[] = [];
      client.on('apiRejectsFreshTokens', (event) => events.push(event));
      minting.apiFault(401, { times: 100 });
      const statuses: Array<number | undefined> = [];
      for (let i = 0; i < 20; i++) statuses.push(await statusOf(client.api().get('/templates')));
      expect(statuses).toEqual(Array(20).fill(401));
      expect(minting.counts.tokenRequests).toBe(2);
      expect(minting.counts.tokensIssued).toBe(2);
      expect(minting.counts.apiRequests).toBe(21); // the first call was repeated once with the new token
      expect(events).toEqual([expect.objectContaining({ sameToken: false, path: '/templates' })]);
      expect(client.health().integrations.default!.apiRejectingTokens).toBe(true);
      await client.close();
    } finally {
      await minting.close();
    }
  });

  it('limits each integration on its own: a refusing one does not hold back another', async () => {
    standIn.addClient({
      clientId: 'elsewhere-client',
      clientSecret: 'elsewhere-secret',
      environments: ['cp-elsewhere'],
    });
    const client = createGrafxClient({
      integrations: {
        refused: { clientId: 'elsewhere-client', clientSecret: 'elsewhere-secret', environment: 'cp-test' },
        fine: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'cp-test' },
      },
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    });
    await client.getToken('fine');
    for (let i = 0; i < 3; i++) expect(await statusOf(client.api('refused').get('/templates'))).toBe(401);
    standIn.revokeTokens();
    expect((await client.api('fine').get('/templates')).status).toBe(200); // renewed and repeated
    expect(standIn.counts.tokenRequests).toBe(4); // fine: 2, refused: 2
    expect(client.health().integrations).toMatchObject({
      refused: { apiRejectingTokens: true },
      fine: { apiRejectingTokens: false, retries: 1 },
    });
  });

  it('still renews and repeats once after a real revocation', async () => {
    const client = createGrafxClient(standIn.options('cp-test'));
    await client.getToken();
    standIn.revokeTokens();
    expect((await client.api().get('/templates')).status).toBe(200);
    expect(standIn.counts.tokenRequests).toBe(2);
    expect(client.health().integrations.default).toMatchObject({ apiRejectingTokens: false, retries: 1 });
  });

  it('says so on DEBUG, with the likely causes and no token', async () => {
    const lines: string[] = [];
    const previous = createDebug.log;
    const namespaces = createDebug.disable();
    createDebug.log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    createDebug.enable('express-grafx-auth:api');
    try {
      const client = wrongEnvironmentClient();
      await statusOf(client.api().get('/templates?secret-query=1'));
      await statusOf(client.api().get('/templates'));
      const token = await client.getToken();
      const refusals = lines.filter((line) => line.includes('refusing fresh tokens'));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatch(/environment name or API base URL/);
      expect(refusals[0]).toMatch(/permissions/);
      expect(lines.join('\n')).not.toContain(token);
      expect(lines.join('\n')).not.toContain('secret-query');
    } finally {
      createDebug.log = previous;
      createDebug.enable(namespaces);
    }
  });
});

describe('rejectionRenewalIntervalMs', () => {
  it('defaults to 30 seconds', () => {
    expect(parseOptions(standIn.options('cp-test')).rejectionRenewalIntervalMs).toBe(30_000);
  });

  it.each([-1, 0, 999, 3_600_001, 1.5, NaN, Infinity, '30000', null])('refuses %p, naming the option', (value) => {
    let thrown: unknown;
    try {
      createGrafxClient({ ...standIn.options('cp-test'), rejectionRenewalIntervalMs: value as number });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GrafxAuthError);
    expect((thrown as GrafxAuthError).code).toBe('GRAFX_CONFIG_INVALID');
    expect((thrown as GrafxAuthError).message).toMatch(/`rejectionRenewalIntervalMs` must be/);
  });
});

describe('a 401 from another origin, after a redirect', () => {
  it('triggers no renewal, and the other origin never sees the token', async () => {
    const seen: Array<string | undefined> = [];
    const other = await serve((req: IncomingMessage, res: ServerResponse) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"title":"Unauthorized"}');
    });
    const apiSeen: Array<string | undefined> = [];
    const api = await serve((req: IncomingMessage, res: ServerResponse) => {
      apiSeen.push(req.headers.authorization);
      if (req.url === '/api/elsewhere') res.writeHead(307, { location: `${other.url}/landing` }).end();
      else if (req.url === '/api/here') res.writeHead(307, { location: '/api/refuse' }).end();
      else res.writeHead(401).end();
    });
    try {
      const client = createGrafxClient({ ...standIn.options('cp-test'), apiBaseURL: `${api.url}/api` });
      const token = await client.getToken();
      expect(await statusOf(client.api().get('/elsewhere'))).toBe(401);
      expect(await statusOf(client.api().post('/elsewhere', { a: 1 }))).toBe(401);
      expect(seen).toEqual([undefined, undefined]);
      expect(apiSeen).toEqual([`Bearer ${token}`, `Bearer ${token}`]);
      expect(standIn.counts.tokenRequests).toBe(1);

      // A same-origin redirect that ends in the API's own 401 does renew (the token is handed back: no repeat).
      expect(await statusOf(client.api().get('/here'))).toBe(401);
      expect(standIn.counts.tokenRequests).toBe(2);

      // A redirect hook of the app's own still runs (once per redirect, a retried request included) and changes nothing.
      const hops: string[] = [];
      const beforeRedirect = (options: Record<string, unknown>): void => {
        hops.push(String(options.href));
      };
      expect(await statusOf(client.api().get('/elsewhere', { beforeRedirect }))).toBe(401);
      expect(await statusOf(client.api().get('/here', { beforeRedirect }))).toBe(401);
      expect(hops).toEqual([`${other.url}/landing`, `${api.url}/api/refuse`]);
      expect(seen).toEqual([undefined, undefined, undefined]);
      expect(standIn.counts.tokenRequests).toBe(2);
    } finally {
      await Promise.all([api.close(), other.close()]);
    }
  });
});
