// __tests__/core/ready.test.ts
// client.ready(integrations?): every token fetched at start-up; bad credentials reported by the health handler before traffic.
import express from 'express';
import request from 'supertest';
import { GrafxAuthError, type GrafxClient, createGrafxClient, grafxHealthHandler } from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

const GOOD = { clientId: 'ready-good-id', clientSecret: 'ready-good-secret' };
const OTHER = { clientId: 'ready-other-id', clientSecret: 'ready-other-secret' };
const standIn = useStandIn({ clients: [GOOD, OTHER] });

const clients: GrafxClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** A client with `main` and `other`; `otherSecret` lets a test give `other` a wrong secret. */
function twoIntegrations(otherSecret = OTHER.clientSecret): GrafxClient {
  const client = createGrafxClient({
    integrations: {
      main: { ...GOOD, environment: 'cp-ready' },
      other: { clientId: OTHER.clientId, clientSecret: otherSecret, environment: 'cp-ready' },
    },
    tokenURL: standIn.tokenURL,
    apiBaseURL: (environment) => standIn.apiBaseURL(environment),
  });
  clients.push(client);
  return client;
}

const healthOf = (client: GrafxClient) => {
  const app = express();
  app.get('/health/grafx', grafxHealthHandler(client));
  return request(app).get('/health/grafx');
};

it('fetches every configured integration’s token (one request each) and resolves; health is 200 before any traffic', async () => {
  const client = twoIntegrations();
  await expect(client.ready()).resolves.toBeUndefined();
  expect(standIn.tokenRequests.map((r) => r.clientId).sort()).toEqual([GOOD.clientId, OTHER.clientId].sort());
  const { status, body } = await healthOf(client);
  expect(status).toBe(200);
  expect(body.integrations.main).toMatchObject({ canServe: true, hasToken: true });
  expect(body.integrations.other).toMatchObject({ canServe: true, hasToken: true });
  // the tokens are cached as any other: using them asks for nothing more
  await client.getToken('main');
  await client.getToken('other');
  expect(standIn.counts.tokenRequests).toBe(2);
  expect(standIn.counts.apiRequests).toBe(0);
});

it('rejects with the GrafxAuthError of bad credentials, and the health handler reports them (503)', async () => {
  const client = twoIntegrations('a-wrong-secret-value');
  const failure = await client.ready().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(GrafxAuthError);
  expect(failure).toMatchObject({ code: 'GRAFX_CREDENTIALS_REJECTED', integration: 'other' });
  expect(String((failure as Error).message)).not.toContain('a-wrong-secret-value');
  const { status, body } = await healthOf(client);
  expect(status).toBe(503);
  expect(body.integrations.other).toMatchObject({ canServe: false, lastErrorCode: 'GRAFX_CREDENTIALS_REJECTED' });
  expect(body.integrations.main).toMatchObject({ canServe: true, hasToken: true }); // the others still got theirs
  expect(JSON.stringify(body)).not.toContain('a-wrong-secret-value');
});

it('fetches only the integrations it is given (a key or a list)', async () => {
  const client = twoIntegrations('a-wrong-secret-value');
  await expect(client.ready('main')).resolves.toBeUndefined();
  await expect(client.ready(['main'])).resolves.toBeUndefined();
  expect(standIn.tokenRequests.map((r) => r.clientId)).toEqual([GOOD.clientId]);
  await expect(client.ready(['main', 'other'])).rejects.toMatchObject({ code: 'GRAFX_CREDENTIALS_REJECTED' });
});

it.each([
  ['an unknown key', ['main', 'nope'], 'GRAFX_INTEGRATION_UNKNOWN'],
  ['a prototype key', ['__proto__'], 'GRAFX_INTEGRATION_UNKNOWN'],
])('rejects %s before fetching anything', async (_case, keys, code) => {
  const client = twoIntegrations();
  await expect(client.ready(keys)).rejects.toMatchObject({ code, status: 400 });
  expect(standIn.counts.tokenRequests).toBe(0);
});

it('resolves at once for an empty list, and rejects with GRAFX_CLIENT_CLOSED after close()', async () => {
  const client = twoIntegrations();
  await expect(client.ready([])).resolves.toBeUndefined();
  expect(standIn.counts.tokenRequests).toBe(0);
  await client.close();
  await expect(client.ready()).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
});

it('rejects with the login server’s failure when it is down (one request, not a loop)', async () => {
  const client = twoIntegrations();
  standIn.tokenFault('server-error');
  await expect(client.ready('main')).rejects.toMatchObject({ code: 'GRAFX_TOKEN_SERVER_ERROR' });
  expect(standIn.counts.tokenRequests).toBe(1);
});

it('with integrations loaded on demand: ready() has nothing configured and resolves at once; named keys are loaded', async () => {
  const loader = jest.fn((key: string) => (key === 'main' ? { ...GOOD, environment: 'cp-ready' } : undefined));
  const client = createGrafxClient({
    integrations: loader,
    tokenURL: standIn.tokenURL,
    apiBaseURL: (environment) => standIn.apiBaseURL(environment),
  });
  clients.push(client);
  await expect(client.ready()).resolves.toBeUndefined();
  expect(loader).not.toHaveBeenCalled();
  expect(standIn.counts.tokenRequests).toBe(0);
  await expect(client.ready('main')).resolves.toBeUndefined();
  expect(standIn.tokenRequests.map((r) => r.clientId)).toEqual([GOOD.clientId]);
  await expect(client.ready(['nope'])).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN' });
});
