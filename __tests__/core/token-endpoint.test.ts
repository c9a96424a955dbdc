// __tests__/core/token-endpoint.test.ts
// Token endpoint failures: six kinds, each a 5xx GrafxAuthError with its own code, fast, secret-free, recoverable.
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import express from 'express';
import request from 'supertest';
import { GrafxAuthError, createGrafxClient, grafxAuth } from 'express-grafx-auth';
import type { TokenFault } from 'express-grafx-auth/testing';
import { retryAfterSeconds } from '../../lib/core/token-endpoint.js';
import { jsonErrorHandler, serve, sleep, trackUnhandledRejections } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const SECRET = 'stand-in-secret-never-shown';
const unhandled = trackUnhandledRejections();
const standIn = useStandIn({ clients: [{ clientId: 'client-1', clientSecret: SECRET }] });
afterEach(() => expect(unhandled).toEqual([]));

const TIMEOUT_MS = 300;

function appWithErrors(seen: unknown[]) {
  const app = express();
  app.use(grafxAuth({ ...standIn.options('cp-test'), timeoutMs: TIMEOUT_MS }));
  app.get('/templates', async (req, res) => {
    const { data } = await req.grafx.api.get('/templates');
    res.json(data);
  });
  app.use(((err, req, res, next) => {
    seen.push(err);
    jsonErrorHandler(err, req, res, next);
  }) as express.ErrorRequestHandler);
  return app;
}

const faults: Array<[TokenFault, string, number]> = [
  ['reject', 'GRAFX_CREDENTIALS_REJECTED', 502],
  ['server-error', 'GRAFX_TOKEN_SERVER_ERROR', 502],
  ['rate-limit', 'GRAFX_TOKEN_RATE_LIMITED', 503],
  ['html', 'GRAFX_TOKEN_INVALID_RESPONSE', 502],
  ['truncated', 'GRAFX_TOKEN_INVALID_RESPONSE', 502],
  ['no-access-token', 'GRAFX_TOKEN_INVALID_RESPONSE', 502],
  ['hang', 'GRAFX_TOKEN_TIMEOUT', 504],
  ['refuse', 'GRAFX_TOKEN_UNREACHABLE', 502],
];

describe.each(faults)('when the login server fails with "%s"', (fault, code, status) => {
  it(`answers ${status} ${code} quickly, leaks no secret, and recovers without a restart`, async () => {
    const seen: unknown[] = [];
    const served = await serve(appWithErrors(seen));
    try {
      standIn.tokenFault(fault, { retryAfterSeconds: 1 });
      const started = Date.now();
      const res = await request(served.url).get('/templates');
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 5000); // generous: "quickly" means no hang
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(res.status).toBeGreaterThanOrEqual(500);
      const error = seen[0] as GrafxAuthError;
      expect(error).toBeInstanceOf(GrafxAuthError);
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      for (const text of [
        error.message,
        inspect(error, { depth: 8 }),
        JSON.stringify(error),
        JSON.stringify(res.body),
      ]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('client_secret');
      }
      if (fault === 'rate-limit') {
        expect(error.retryAfter).toBe(1);
        expect(error.headers['retry-after']).toBe('1');
      }

      await standIn.clearFaults();
      // A short backoff, then requests succeed again.
      let ok = 0;
      for (let i = 0; i < 40 && ok === 0; i++) {
        if ((await request(served.url).get('/templates')).status === 200) ok++;
        else await sleep(100);
      }
      expect(ok).toBe(1);
    } finally {
      await served.close();
    }
  });
});

describe('a failing login server is not stampeded', () => {
  it.each<TokenFault>(['server-error', 'hang'])(
    '50 requests at once during "%s" cause one token request',
    async (fault) => {
      const seen: unknown[] = [];
      const served = await serve(appWithErrors(seen));
      try {
        standIn.tokenFault(fault);
        const responses = await Promise.all(Array.from({ length: 50 }, () => request(served.url).get('/templates')));
        expect(new Set(responses.map((r) => r.status)).size).toBe(1);
        expect(responses[0]!.status).toBeGreaterThanOrEqual(500);
        expect(standIn.counts.tokenRequests).toBeLessThanOrEqual(fault === 'hang' ? 1 : 3);
        // and requests right after the failure are answered from the backoff, without asking again
        const again = await Promise.all(Array.from({ length: 20 }, () => request(served.url).get('/templates')));
        expect(again.every((r) => r.status >= 500)).toBe(true);
        expect(standIn.counts.tokenRequests).toBeLessThanOrEqual(fault === 'hang' ? 2 : 3);
      } finally {
        await served.close();
      }
    },
  );

  it('honours Retry-After: no token request before it has passed', async () => {
    const client = createGrafxClient(standIn.options('cp-test'));
    standIn.tokenFault('rate-limit', { times: 1, retryAfterSeconds: 2 });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_RATE_LIMITED', retryAfter: 2 });
    await sleep(1000);
    await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_RATE_LIMITED' });
    expect(standIn.counts.tokenRequests).toBe(1);
    await sleep(1100);
    await expect(client.getToken()).resolves.toEqual(expect.any(String));
    expect(standIn.counts.tokenRequests).toBe(2);
  });
});

describe('an unreachable login server', () => {
  it('maps a refused connection on a closed port to GRAFX_TOKEN_UNREACHABLE', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const client = createGrafxClient({
      ...standIn.options('cp-test'),
      tokenURL: `http://127.0.0.1:${port}/oauth/token`,
    });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_UNREACHABLE', status: 502 });
  });
});

describe('retryAfterSeconds', () => {
  it.each<[Record<string, string>, number | undefined]>([
    [{ 'retry-after': '5' }, 5],
    [{ 'retry-after': '0' }, 0],
    [{ 'retry-after': new Date(1_700_000_007_000).toUTCString() }, 7],
    [{ 'retry-after': '99999' }, 600],
    [{ 'x-ratelimit-reset': '1700000030' }, 30],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j -> %s', (headers, expected) => {
    expect(retryAfterSeconds(headers, 1_700_000_000_000)).toBe(expected);
  });
});
