// __tests__/testing/stand-in.test.ts
// The GraFx stand-in (express-grafx-auth/testing) over real HTTP: tokens, faults, environment API, counters, close.
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_STAND_IN_SCOPES, DEFAULT_STAND_IN_TEMPLATES, startGrafxStandIn } from 'express-grafx-auth/testing';
import type { GrafxStandIn, StandInOptions } from 'express-grafx-auth/testing';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: () => any;
}

interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** One HTTP request on a fresh connection (no pooling: a refused or reset port shows as such at once). */
function send(url: string, init: SendInit = {}): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      agent: false,
      signal: init.signal,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.end(init.body);
  });
}

const FORM = 'application/x-www-form-urlencoded';

function tokenBody(standIn: GrafxStandIn, overrides: Record<string, string> = {}): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    audience: 'https://chiligrafx.com',
    client_id: standIn.clientId,
    client_secret: standIn.clientSecret,
    ...overrides,
  }).toString();
}

function postToken(
  standIn: GrafxStandIn,
  overrides: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Reply> {
  return send(standIn.tokenURL, {
    method: 'POST',
    headers: { 'content-type': FORM },
    body: tokenBody(standIn, overrides),
    signal,
  });
}

async function accessToken(standIn: GrafxStandIn, overrides: Record<string, string> = {}): Promise<string> {
  const reply = await postToken(standIn, overrides);
  expect(reply.status).toBe(200);
  return reply.json().access_token as string;
}

function callApi(
  standIn: GrafxStandIn,
  environment: string,
  path: string,
  token: string | undefined,
  init: SendInit = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return send(`${standIn.apiBaseURL(environment)}${path}`, { ...init, headers });
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

let standIn: GrafxStandIn;

async function restart(options?: StandInOptions): Promise<void> {
  await standIn.close();
  standIn = await startGrafxStandIn(options);
}

beforeEach(async () => {
  standIn = await startGrafxStandIn();
});

afterEach(async () => {
  jest.restoreAllMocks();
  await standIn.close();
});

describe('start-up and handle', () => {
  it('listens on 127.0.0.1 and gives options ready for the client', () => {
    expect(standIn.tokenURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/token$/);
    expect(standIn.apiBaseURL('cp-abc-123')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/grafx\/api\/v1\/environment\/cp-abc-123$/,
    );
    expect(new URL(standIn.tokenURL).port).not.toBe(new URL(standIn.apiBaseURL('x')).port);
    expect(standIn.clientId).toBe('stand-in-client');
    expect(standIn.clientSecret).toBe('stand-in-secret');
    const options = standIn.options();
    expect(options).toEqual({
      clientId: 'stand-in-client',
      clientSecret: 'stand-in-secret',
      environment: 'stand-in',
      tokenURL: standIn.tokenURL,
      apiBaseURL: expect.any(Function),
    });
    expect(options.apiBaseURL('env-b')).toBe(standIn.apiBaseURL('env-b'));
    expect(standIn.options('env-c').environment).toBe('env-c');
    const { apiBaseURL } = standIn; // usable unbound
    expect(apiBaseURL('e')).toBe(standIn.apiBaseURL('e'));
  });

  it("takes the first client's first environment as the default environment", async () => {
    await restart({ clients: [{ clientId: 'a', clientSecret: 's', environments: ['cp-one', 'cp-two'] }] });
    expect(standIn.options()).toMatchObject({ clientId: 'a', clientSecret: 's', environment: 'cp-one' });
  });

  it('rejects wrong options with a message that names them', async () => {
    await expect(startGrafxStandIn({ clients: [] })).rejects.toThrow(/clients/);
    await expect(startGrafxStandIn({ tokenLifetimeSeconds: 0 })).rejects.toThrow(/tokenLifetimeSeconds/);
    await expect(startGrafxStandIn({ tokenLifetime: 5 } as unknown as StandInOptions)).rejects.toThrow(/tokenLifetime/);
    expect(() => standIn.tokenFault('explode' as never)).toThrow(/unknown token fault/);
    expect(() => standIn.apiFault(200)).toThrow(RangeError);
    expect(() => standIn.setTokenLifetime(-1)).toThrow(RangeError);
  });
});

describe('token endpoint', () => {
  it('issues a bearer token for a form request (also through fetch)', async () => {
    const response = await fetch(standIn.tokenURL, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: tokenBody(standIn),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^sitok_[0-9a-f]{32}$/),
      token_type: 'Bearer',
      expires_in: 36000,
      scope: DEFAULT_STAND_IN_SCOPES.join(' '),
    });
    expect(standIn.counts).toEqual({
      tokenRequests: 1,
      tokensIssued: 1,
      apiRequests: 0,
      apiUnauthorized: 0,
      outputsStarted: 0,
      taskPolls: 0,
    });
    expect(standIn.tokenRequests).toEqual([
      {
        contentType: FORM,
        grantType: 'client_credentials',
        audience: 'https://chiligrafx.com',
        clientId: 'stand-in-client',
        secretMatched: true,
      },
    ]);
    expect(JSON.stringify(standIn.tokenRequests)).not.toContain('stand-in-secret');
  });

  it('accepts a JSON body too', async () => {
    const reply = await send(standIn.tokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        audience: 'https://chiligrafx.com',
        client_id: standIn.clientId,
        client_secret: standIn.clientSecret,
      }),
    });
    expect(reply.status).toBe(200);
    expect(reply.json().access_token).toMatch(/^sitok_/);
  });

  it('checks method, grant type, credentials and audience, in that order', async () => {
    const get = await send(standIn.tokenURL);
    expect(get.status).toBe(405);

    const grant = await postToken(standIn, { grant_type: 'password', client_secret: 'wrong' });
    expect(grant.status).toBe(403);
    expect(grant.json().error).toBe('unsupported_grant_type');

    const secret = await postToken(standIn, { client_secret: 'wrong', audience: 'https://elsewhere' });
    expect(secret.status).toBe(401);
    expect(secret.json()).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });

    const unknown = await postToken(standIn, { client_id: 'nobody' });
    expect(unknown.status).toBe(401);

    const audience = await postToken(standIn, { audience: 'https://elsewhere' });
    expect(audience.status).toBe(403);
    expect(audience.json()).toEqual({
      error: 'access_denied',
      error_description: 'Service not found: https://elsewhere',
    });

    const badJson = await send(standIn.tokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":',
    });
    expect(badJson.status).toBe(400);

    expect(standIn.counts.tokenRequests).toBe(6);
    expect(standIn.counts.tokensIssued).toBe(0);
    expect(standIn.tokenRequests.map((r) => r.secretMatched)).toEqual([false, false, false, false, true, false]);
    expect(JSON.stringify(standIn.tokenRequests)).not.toContain('wrong');
  });

  it('hands out the same token until the reuse window, then a new one', async () => {
    const t0 = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(t0);
    const first = (await postToken(standIn)).json();
    expect(first.expires_in).toBe(36000);

    clock.mockReturnValue(t0 + 32_399_000); // 3601 s left: outside the one-hour window
    const again = (await postToken(standIn)).json();
    expect(again.access_token).toBe(first.access_token);
    expect(again.expires_in).toBe(3601);

    clock.mockReturnValue(t0 + 32_400_000); // one hour left: a new token
    const renewed = (await postToken(standIn)).json();
    expect(renewed.access_token).not.toBe(first.access_token);
    expect(renewed.expires_in).toBe(36000);
    expect(standIn.counts).toMatchObject({ tokenRequests: 3, tokensIssued: 2 });
  });

  it('reuses tokens per client', async () => {
    standIn.addClient({ clientId: 'other', clientSecret: 'other-secret' });
    const a = await accessToken(standIn);
    const b = await accessToken(standIn, { client_id: 'other', client_secret: 'other-secret' });
    expect(a).not.toBe(b);
    expect(await accessToken(standIn)).toBe(a);
    expect(standIn.counts.tokensIssued).toBe(2);
  });

  it('mints a new token on every request when the lifetime is not longer than the reuse window', async () => {
    await restart({ tokenLifetimeSeconds: 60, reuseWindowSeconds: 60 });
    const first = (await postToken(standIn)).json();
    const second = (await postToken(standIn)).json();
    expect(first.expires_in).toBe(60);
    expect(second.access_token).not.toBe(first.access_token);
    expect(standIn.counts.tokensIssued).toBe(2);
  });

  it('applies setTokenLifetime to new tokens and setTokenDelay to answers', async () => {
    standIn.setTokenLifetime(120);
    expect((await postToken(standIn)).json().expires_in).toBe(120);
    standIn.setTokenDelay(150);
    const started = Date.now();
    expect((await postToken(standIn)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('revokeTokens: old tokens get 401 from the API and the next request mints a new token', async () => {
    const old = await accessToken(standIn);
    expect((await callApi(standIn, 'env', '/templates', old)).status).toBe(200);
    standIn.revokeTokens();
    const refused = await callApi(standIn, 'env', '/templates', old);
    expect(refused.status).toBe(401);
    expect(refused.json().detail).toMatch(/revoked/);
    const fresh = await accessToken(standIn);
    expect(fresh).not.toBe(old);
    expect((await callApi(standIn, 'env', '/templates', fresh)).status).toBe(200);
    expect(standIn.counts.tokensIssued).toBe(2);
  });
});

describe('token faults', () => {
  it('reject, server-error, html, truncated and no-access-token answer like a broken login server', async () => {
    standIn.tokenFault('reject', { times: 1 });
    standIn.tokenFault('server-error', { times: 1 });
    standIn.tokenFault('html', { times: 1 });
    standIn.tokenFault('truncated', { times: 1 });
    standIn.tokenFault('no-access-token', { times: 1 });

    const reject = await postToken(standIn);
    expect(reject.status).toBe(401);
    expect(reject.json()).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });

    const serverError = await postToken(standIn);
    expect(serverError.status).toBe(500);
    expect(serverError.json().error).toBe('server_error');

    const html = await postToken(standIn);
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toMatch(/^<html>.*<\/html>$/s);

    const truncated = await postToken(standIn);
    expect(truncated.status).toBe(200);
    expect(truncated.headers['content-type']).toMatch(/^application\/json/);
    expect(() => truncated.json()).toThrow(SyntaxError);

    const noToken = await postToken(standIn);
    expect(noToken.status).toBe(200);
    expect(noToken.json()).toEqual({ token_type: 'Bearer', expires_in: 36000 });

    expect((await postToken(standIn)).status).toBe(200); // the queue is spent
    expect(standIn.counts).toMatchObject({ tokenRequests: 6, tokensIssued: 1 });
    expect(standIn.tokenRequests).toHaveLength(6);
  });

  it('rate-limit answers 429 with Retry-After and the rate-limit headers', async () => {
    standIn.tokenFault('rate-limit', { times: 2, retryAfterSeconds: 7 });
    const before = Math.floor(Date.now() / 1000);
    const limited = await postToken(standIn);
    expect(limited.status).toBe(429);
    expect(limited.json().error).toBe('too_many_requests');
    expect(limited.headers['retry-after']).toBe('7');
    expect(limited.headers['x-ratelimit-limit']).toMatch(/^\d+$/);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(before + 7);

    expect((await postToken(standIn)).status).toBe(429);
    expect((await postToken(standIn)).status).toBe(200);

    standIn.tokenFault('rate-limit', { times: 1 });
    expect((await postToken(standIn)).headers['retry-after']).toBe('1');
  });

  it('a fault without times lasts until clearFaults() (or until another fault is injected)', async () => {
    standIn.tokenFault('server-error');
    for (let i = 0; i < 3; i++) expect((await postToken(standIn)).status).toBe(500);
    standIn.tokenFault('reject', { times: 1 });
    expect((await postToken(standIn)).status).toBe(401);
    expect((await postToken(standIn)).status).toBe(200);

    standIn.tokenFault('server-error');
    expect((await postToken(standIn)).status).toBe(500);
    await standIn.clearFaults();
    expect((await postToken(standIn)).status).toBe(200);
  });

  it('hang: the request is never answered (until the client gives up, or clearFaults())', async () => {
    standIn.tokenFault('hang');
    await expect(postToken(standIn, {}, AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'AbortError' });
    expect(standIn.counts.tokenRequests).toBe(1);

    const pending = postToken(standIn);
    await waitFor(() => standIn.counts.tokenRequests === 2);
    await standIn.clearFaults();
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });

    expect((await postToken(standIn)).status).toBe(200);
    expect(standIn.counts).toMatchObject({ tokenRequests: 3, tokensIssued: 1 });
  });

  it('refuse: ECONNREFUSED until clearFaults(), which listens again on the same port', async () => {
    const tokenURL = standIn.tokenURL;
    expect((await postToken(standIn)).status).toBe(200);
    standIn.tokenFault('refuse');
    await expect(postToken(standIn)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(postToken(standIn)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(standIn.counts.tokenRequests).toBe(1);

    await standIn.clearFaults();
    expect(standIn.tokenURL).toBe(tokenURL);
    expect((await postToken(standIn)).status).toBe(200);
    expect(standIn.counts.tokenRequests).toBe(2);
  });
});

describe('environment API', () => {
  let token: string;
  beforeEach(async () => {
    token = await accessToken(standIn);
  });

  it('answers 401 problems without a valid token', async () => {
    for (const [bearer, detail] of [
      [undefined, /No bearer token/],
      ['sitok_0123456789abcdef0123456789abcdef', /not issued/],
    ] as const) {
      const reply = await callApi(standIn, 'cp-abc', '/templates', bearer);
      expect(reply.status).toBe(401);
      expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(reply.json()).toEqual({
        type: expect.any(String),
        title: 'Unauthorized',
        status: 401,
        detail: expect.stringMatching(detail),
        traceId: expect.any(String),
      });
    }
    const basic = await callApi(standIn, 'cp-abc', '/templates', undefined, { headers: { authorization: token } });
    expect(basic.status).toBe(401);
    expect(standIn.counts).toMatchObject({ apiRequests: 3, apiUnauthorized: 3, outputsStarted: 0, taskPolls: 0 });
  });

  it("accepts a client's tokens only in its environments", async () => {
    standIn.addClient({ clientId: 'limited', clientSecret: 'limited-secret', environments: ['cp-one'] });
    const limited = await accessToken(standIn, { client_id: 'limited', client_secret: 'limited-secret' });
    expect((await callApi(standIn, 'cp-one', '/templates', limited)).status).toBe(200);
    const elsewhere = await callApi(standIn, 'cp-two', '/templates', limited);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.json().detail).toMatch(/environment/);
    expect((await callApi(standIn, 'cp-two', '/templates', token)).status).toBe(200); // no list: every environment
    expect(standIn.apiRequests.map((r) => [r.environment, r.clientId, r.status])).toEqual([
      ['cp-one', 'limited', 200],
      ['cp-two', 'limited', 401],
      ['cp-two', 'stand-in-client', 200],
    ]);
  });

  it('rejects an expired token (1-second lifetime)', async () => {
    await restart({ tokenLifetimeSeconds: 1 });
    const shortLived = (await postToken(standIn)).json();
    expect(shortLived.expires_in).toBe(1);
    expect((await callApi(standIn, 'env', '/templates', shortLived.access_token)).status).toBe(200);
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 1000);
    const expired = await callApi(standIn, 'env', '/templates', shortLived.access_token);
    expect(expired.status).toBe(401);
    expect(expired.json().detail).toMatch(/expired/);
    expect(standIn.apiRequests.at(-1)?.clientId).toBe('stand-in-client');
  });

  it('lists templates page by page', async () => {
    const first = await callApi(standIn, 'env', '/templates?limit=2', token);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    const page1 = first.json();
    expect(page1).toEqual({
      data: DEFAULT_STAND_IN_TEMPLATES.slice(0, 2),
      pageSize: 2,
      links: { nextPage: expect.stringContaining('nextPageToken=') },
      total: 3,
    });
    const next = new URL(page1.links.nextPage as string);
    expect(next.origin + next.pathname).toBe(`${standIn.apiBaseURL('env')}/templates`);
    const second = (await send(next.href, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(second).toEqual({
      data: DEFAULT_STAND_IN_TEMPLATES.slice(2),
      pageSize: 2,
      links: { nextPage: null },
      total: 3,
    });

    const all = (await callApi(standIn, 'env', '/templates', token)).json();
    expect(all.data).toHaveLength(3);
    expect(all.pageSize).toBe(25);
    expect(all.links.nextPage).toBeNull();

    expect((await callApi(standIn, 'env', '/templates?limit=0', token)).status).toBe(400);
    expect((await callApi(standIn, 'env', '/templates?nextPageToken=garbage', token)).status).toBe(400);
  });

  it('serves configured templates; a missing one answers 500 like the platform', async () => {
    await restart({ templates: [{ id: 't-1', name: 'One' }] });
    const own = await accessToken(standIn);
    const found = await callApi(standIn, 'env', '/templates/t-1', own);
    expect(found.status).toBe(200);
    expect(found.json()).toEqual({ data: { id: 't-1', name: 'One' } });
    const missing = await callApi(standIn, 'env', '/templates/nope', own);
    expect(missing.status).toBe(500);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toMatchObject({ status: 500, title: 'Internal Server Error' });
  });

  it('POST projects echoes the body it received; GET projects/:id answers its id', async () => {
    const json = await callApi(standIn, 'env', '/projects', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Poster', nested: { a: [1, 2, 'é'] } }),
    });
    expect(json.status).toBe(201);
    const created = json.json();
    expect(created).toEqual({
      data: { id: expect.any(String), name: 'Poster' },
      received: { name: 'Poster', nested: { a: [1, 2, 'é'] } },
    });
    expect(json.headers.location).toBe(`${standIn.apiBaseURL('env')}/projects/${created.data.id}`);

    const text = await callApi(standIn, 'env', '/projects', token, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'raw body',
    });
    expect(text.json()).toEqual({ data: { id: expect.any(String), name: 'Untitled' }, received: 'raw body' });

    const got = await callApi(standIn, 'env', `/projects/${created.data.id}`, token);
    expect(got.status).toBe(200);
    expect(got.json()).toEqual({ data: { id: created.data.id } });

    expect(standIn.apiRequests[0]).toEqual({
      method: 'POST',
      path: '/projects',
      environment: 'env',
      clientId: 'stand-in-client',
      status: 201,
      body: JSON.stringify({ name: 'Poster', nested: { a: [1, 2, 'é'] } }),
    });
  });

  it('answers 404 problems for anything else', async () => {
    for (const [method, path] of [
      ['GET', '/media'],
      ['DELETE', '/templates'],
      ['GET', ''],
    ] as const) {
      const reply = await callApi(standIn, 'env', path, token, { method });
      expect(reply.status).toBe(404);
      expect(reply.json()).toMatchObject({ status: 404, title: 'Not Found' });
    }
    const outside = await send(`${new URL(standIn.apiBaseURL('env')).origin}/elsewhere`);
    expect(outside.status).toBe(404);
    expect(standIn.apiRequests.at(-1)).toMatchObject({ path: '/elsewhere', environment: '', status: 404 });
  });

  it('apiFault answers the injected status before checking the token, for `times` requests on `path`', async () => {
    standIn.apiFault(503, { times: 2, path: '/projects' });
    standIn.apiFault(401);
    const unauthorized = await callApi(standIn, 'env', '/templates', token);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect((await callApi(standIn, 'env', '/templates', token)).status).toBe(200);
    expect((await callApi(standIn, 'env', '/projects/p1', undefined)).status).toBe(503);
    expect((await callApi(standIn, 'env', '/projects/p1', token)).status).toBe(503);
    expect((await callApi(standIn, 'env', '/projects/p1', token)).status).toBe(200);
    expect(standIn.counts).toMatchObject({ apiRequests: 5, apiUnauthorized: 1, outputsStarted: 0, taskPolls: 0 });

    standIn.apiFault(500, { times: 5 });
    await standIn.clearFaults();
    expect((await callApi(standIn, 'env', '/templates', token)).status).toBe(200);
  });
});

describe('counters and recordings', () => {
  it('are live and reset by resetCounts()', async () => {
    const { counts, tokenRequests, apiRequests } = standIn;
    const token = await accessToken(standIn);
    await callApi(standIn, 'env', '/templates', token);
    await callApi(standIn, 'env', '/templates', undefined);
    expect(counts).toEqual({
      tokenRequests: 1,
      tokensIssued: 1,
      apiRequests: 2,
      apiUnauthorized: 1,
      outputsStarted: 0,
      taskPolls: 0,
    });
    expect(tokenRequests).toHaveLength(1);
    expect(apiRequests).toEqual([
      { method: 'GET', path: '/templates', environment: 'env', clientId: 'stand-in-client', status: 200, body: '' },
      { method: 'GET', path: '/templates', environment: 'env', clientId: undefined, status: 401, body: '' },
    ]);

    standIn.resetCounts();
    expect(Object.entries(standIn.counts).filter(([, value]) => value !== 0)).toEqual([]);
    expect(standIn.tokenRequests).toEqual([]);
    expect(standIn.apiRequests).toEqual([]);
    expect(counts).toBe(standIn.counts);

    await callApi(standIn, 'env', '/templates', token); // tokens survive resetCounts()
    expect(counts).toMatchObject({ apiRequests: 1, apiUnauthorized: 0, outputsStarted: 0, taskPolls: 0 });
  });
});

describe('close()', () => {
  it('closes both servers without waiting for a hung request', async () => {
    standIn.tokenFault('hang');
    const pending = postToken(standIn);
    const token = standIn.tokenURL;
    const api = standIn.apiBaseURL('env');
    await waitFor(() => standIn.counts.tokenRequests === 1);
    const started = Date.now();
    await standIn.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(send(token, { method: 'POST' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(send(`${api}/templates`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await standIn.close(); // idempotent
  });

  it('does not hang on a delayed answer or while refusing', async () => {
    standIn.setTokenDelay(5000);
    const delayed = postToken(standIn);
    await waitFor(() => standIn.counts.tokenRequests === 1);
    standIn.tokenFault('refuse');
    const started = Date.now();
    await standIn.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(delayed).rejects.toMatchObject({ code: 'ECONNRESET' });
    await standIn.clearFaults(); // after close: does not listen again
    await expect(postToken(standIn)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
