// __tests__/core/api-client.test.ts
// req.grafx.api: bearer token to the API's origin only, one renewal and one retry on 401, errors without the token.
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import express from 'express';
import request from 'supertest';
import axios, { type AxiosError } from 'axios';
import { createGrafxClient } from 'express-grafx-auth';
import { isReplayable } from '../../lib/core/api-client.js';
import { parseOptions } from '../../lib/core/options.js';
import { Telemetry } from '../../lib/core/telemetry.js';
import { TokenCache } from '../../lib/core/token-cache.js';
import { serve } from '../helpers/serve.js';
import { failure } from '../helpers/failure.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

const newClient = () => createGrafxClient(standIn.options('cp-test'));

describe('on a 401 from the API', () => {
  it('renews the token and repeats the request once', async () => {
    const client = newClient();
    const before = await client.getToken();
    standIn.revokeTokens();
    const { status, data } = await client.api().get('/templates');
    expect(status).toBe(200);
    expect(data.data.length).toBeGreaterThan(0);
    expect(await client.getToken()).not.toBe(before);
    expect(standIn.counts.tokenRequests).toBe(2);
    expect(standIn.apiRequests.map((r) => r.status)).toEqual([401, 200]);
  });

  it('renews exactly once when 40 requests meet a 401 at once', async () => {
    const client = newClient();
    await client.getToken();
    standIn.revokeTokens();
    standIn.setTokenDelay(50);
    try {
      const responses = await Promise.all(Array.from({ length: 40 }, () => client.api().get('/templates')));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(standIn.counts.tokenRequests).toBe(2);
      expect(standIn.counts.apiUnauthorized).toBe(40);
    } finally {
      standIn.setTokenDelay(0);
    }
  });

  it('renews only if the failed token is still the cached one; else resends with the newer token', async () => {
    const tokens = new TokenCache(parseOptions(standIn.options('cp-test')), new Telemetry());
    const first = await tokens.get('default');
    standIn.revokeTokens();
    const renewed = await tokens.renewAfterRejection('default', first.token);
    expect(renewed.token).not.toBe(first.token);
    expect(standIn.counts.tokenRequests).toBe(2);
    // A late 401 for the old token (another request renewed it already): no new token request.
    const late = await tokens.renewAfterRejection('default', first.token);
    expect(late.token).toBe(renewed.token);
    expect(standIn.counts.tokenRequests).toBe(2);
  });

  it('retries only once: a second 401 reaches the caller with its status and body', async () => {
    const client = newClient();
    await client.getToken();
    standIn.revokeTokens(); // so that the renewal gets a new token (the same one would not be repeated)
    standIn.apiFault(401, { times: 2 });
    const error = await failure(client.api().get('/templates'));
    expect(error.response?.status).toBe(401);
    expect(error.response?.data).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(standIn.counts.apiRequests).toBe(2);
    expect(standIn.counts.tokenRequests).toBe(2);
  });

  it.each([
    ['a string', '{"name":"from a string"}', { name: 'from a string' }],
    ['a Buffer', Buffer.from('{"name":"from a buffer"}'), { name: 'from a buffer' }],
    ['URLSearchParams', new URLSearchParams({ name: 'from a form' }), 'name=from+a+form'],
    ['a plain object', { name: 'from an object', nested: { n: 1 } }, { name: 'from an object', nested: { n: 1 } }],
  ])('resends %s body intact', async (_name, body, received) => {
    const client = newClient();
    await client.getToken();
    standIn.revokeTokens();
    const headers = typeof body === 'string' || Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {};
    const { status, data } = await client.api().post('/projects', body, { headers });
    expect(status).toBe(201);
    expect(data.received).toEqual(received);
    const posts = standIn.apiRequests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status)).toEqual([401, 201]);
    expect(posts[1]!.body).toBe(posts[0]!.body);
  });

  it('does not resend a stream body: the 401 comes back instead of an empty resend', async () => {
    const client = newClient();
    await client.getToken();
    standIn.revokeTokens();
    const error = await failure(
      client.api().post('/projects', Readable.from([Buffer.from('{"name":"streamed"}')]), {
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(error.response?.status).toBe(401);
    expect(standIn.apiRequests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(standIn.counts.tokenRequests).toBe(1);
  });

  it('tells replayable bodies from the others', () => {
    expect(
      [undefined, null, 'x', Buffer.from('x'), new Uint8Array(2), new URLSearchParams(), { a: 1 }].map(isReplayable),
    ).toEqual(Array(7).fill(true));
    expect(isReplayable(Readable.from(['x']))).toBe(false);
    expect(
      isReplayable(
        new (class Custom {
          field = 1;
        })(),
      ),
    ).toBe(false);
  });
});

describe('errors that are not the package own', () => {
  it.each([403, 500, 404])('hands a %i to the caller intact, without renewing', async (status) => {
    const client = newClient();
    await client.getToken();
    standIn.apiFault(status);
    const error = await failure(client.api().get('/templates'));
    expect(error.response?.status).toBe(status);
    expect(error.response?.data).toMatchObject({ status });
    expect(standIn.counts.tokenRequests).toBe(1);
  });

  it('answers 500 for a missing template, as the platform does', async () => {
    const error = await failure(newClient().api().get('/templates/does-not-exist'));
    expect(error.response?.status).toBe(500);
  });

  it.each([401, 403, 500])('never carries the access token (a %i), in inspect or in JSON', async (status) => {
    const client = newClient();
    const token = await client.getToken();
    standIn.apiFault(status, { times: 2 });
    const error = await failure(client.api().get('/templates'));
    expect(error.response?.status).toBe(status);
    const latest = await client.getToken();
    for (const secret of [token, latest, standIn.clientSecret]) {
      expect(inspect(error, { depth: 8 })).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(inspect(error.response, { depth: 8 })).not.toContain(secret);
    }
    expect(error.request).toBeDefined(); // still there for code that reads it, just not enumerable
  });

  it('reaches an Express route handler and error handler with status and data intact', async () => {
    const client = newClient();
    standIn.apiFault(403);
    const app = express();
    app.get('/templates', async (_req, res, next) => {
      try {
        await client.api().get('/templates');
        res.send('unexpected');
      } catch (error) {
        next(error);
      }
    });
    app.use(((err: AxiosError, _req, res, _next) => {
      res.status(502).json({ upstreamStatus: err.response?.status, upstream: err.response?.data });
    }) as express.ErrorRequestHandler);
    const { body } = await request(app).get('/templates').expect(502);
    expect(body.upstreamStatus).toBe(403);
    expect(body.upstream).toMatchObject({ status: 403 });
  });
});

describe('the bearer token goes to the API origin only', () => {
  it('sends it to the API, and not to an absolute URL on another origin', async () => {
    const seen: Array<string | undefined> = [];
    const other = express();
    other.get('/echo', (req, res) => {
      seen.push(req.get('authorization'));
      res.json({ ok: true });
    });
    const served = await serve(other);
    try {
      const client = newClient();
      const token = await client.getToken();
      await client.api().get(`${served.url}/echo`);
      await client.api().get('/echo', { baseURL: served.url });
      // protocol-relative: axios in Node cannot send it at all, so nothing (and no token) leaves
      await expect(client.api().get(`//127.0.0.1:${new URL(served.url).port}/echo`)).rejects.toThrow();
      expect(seen).toEqual([undefined, undefined]);
      // an absolute URL on the API's own origin does carry it
      const absolute = `${standIn.apiBaseURL('cp-test')}/templates`;
      await client.api().get(absolute);
      expect(standIn.apiRequests.at(-1)).toMatchObject({ status: 200, clientId: standIn.clientId });
      expect(token).toBeTruthy();
    } finally {
      await served.close();
    }
  });

  it('does not put the client secret or token in a plain axios error of its own HTTP client', async () => {
    // The token request uses its own axios instance: interceptors on the global axios never see it.
    const seen: string[] = [];
    const id = axios.interceptors.request.use((config) => {
      seen.push(String(config.url));
      return config;
    });
    try {
      await newClient().getToken();
      expect(seen).toEqual([]);
    } finally {
      axios.interceptors.request.eject(id);
    }
  });
});
