// __tests__/core/login-queue.test.ts
// Token requests take turns: a burst bigger than the pool against a slow login server is served in full, one request per tenant; waits and 429 pauses are bounded.
import type { ServerResponse } from 'node:http';
import { GrafxAuthError, createGrafxClient } from 'express-grafx-auth';
import { LoginQueue } from '../../lib/core/login-queue.js';
import { type LoginExchange, json, useLoginServer } from '../helpers/login-server.js';
import { sleep, trackUnhandledRejections } from '../helpers/serve.js';

const unhandled = trackUnhandledRejections();
const login = useLoginServer();
afterEach(() => expect(unhandled).toEqual([]));

/** `count` integrations t0…, each with its own client ID (the login server tells them apart by it). */
function tenants(count: number): Record<string, { clientId: string; clientSecret: string; apiBaseURL: string }> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `t${i}`,
      { clientId: `client-${i}`, clientSecret: `secret-${i}`, apiBaseURL: 'http://127.0.0.1:1/api' },
    ]),
  );
}

/** A login server answering each request after `ms`, with a token naming its client; counts requests at once. */
function slowGrants(ms: number): { atOnce: () => number } {
  let open = 0;
  let most = 0;
  login.answer((res: ServerResponse, exchange: LoginExchange) => {
    open += 1;
    most = Math.max(most, open);
    setTimeout(() => {
      open -= 1;
      const id = exchange.form.get('client_id') ?? '';
      json(res, 200, { access_token: `token-of-${id}`, token_type: 'Bearer', expires_in: 3600 });
    }, ms);
  });
  return { atOnce: () => most };
}

function perClient(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { form } of login.exchanges) {
    const id = form.get('client_id') ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('a cold-start burst bigger than the pool, against a slow login server', () => {
  it('serves every caller, asks once per tenant, never more at once than maxConcurrent, and does not count the wait in timeoutMs', async () => {
    const count = 40;
    const server = slowGrants(200);
    // 40 tenants, 2 at once, 200 ms each: the last leaves the queue after about 4 s, twice timeoutMs (a wait that
    // counted against timeoutMs would fail half of them). No time is asserted: only that all are served.
    const client = createGrafxClient({
      integrations: tenants(count),
      tokenURL: login.url,
      timeoutMs: 2000,
      cache: { max: count },
      tokenRequests: { maxConcurrent: 2, queueTimeoutMs: 120_000 },
    });
    try {
      const calls = Array.from({ length: count * 5 }, (_, i) => client.getToken(`t${i % count}`));
      const tokens = await Promise.all(calls);
      tokens.forEach((token, i) => expect(token).toBe(`token-of-client-${i % count}`));
      const counts = perClient();
      expect(counts.size).toBe(count);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(server.atOnce()).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('serves a burst with the default limit in full, one request per tenant', async () => {
    const count = 300;
    slowGrants(50);
    const client = createGrafxClient({ integrations: tenants(count), tokenURL: login.url, cache: { max: count } });
    try {
      const tokens = await Promise.all(Array.from({ length: count * 3 }, (_, i) => client.getToken(`t${i % count}`)));
      tokens.forEach((token, i) => expect(token).toBe(`token-of-client-${i % count}`));
      expect(login.exchanges).toHaveLength(count);
      expect(perClient().size).toBe(count);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('waiting for a turn', () => {
  it('fails with GRAFX_TOKEN_QUEUE_TIMEOUT (503, never sent) when the wait passes queueTimeoutMs, and the queue goes on', async () => {
    const held: Array<() => void> = [];
    login.answer((res, exchange) => {
      const id = exchange.form.get('client_id') ?? '';
      held.push(() => json(res, 200, { access_token: `token-of-${id}`, token_type: 'Bearer', expires_in: 3600 }));
    });
    let now = 1_000_000;
    const client = createGrafxClient({
      integrations: tenants(2),
      tokenURL: login.url,
      timeoutMs: 60_000,
      clock: () => now,
      tokenRequests: { maxConcurrent: 1, queueTimeoutMs: 50 },
    });
    try {
      const first = client.getToken('t0');
      while (login.exchanges.length === 0) await sleep(5);
      const error = (await client.getToken('t1').catch((e: unknown) => e)) as GrafxAuthError;
      expect(error).toBeInstanceOf(GrafxAuthError);
      expect(error.code).toBe('GRAFX_TOKEN_QUEUE_TIMEOUT');
      expect(error.status).toBe(503);
      expect(error.integration).toBe('t1');
      expect(error.retryAfter).toBeGreaterThanOrEqual(1);
      expect(error.message).not.toContain('secret-1');
      expect(error.message).toMatch(/waited 50 ms for its turn/);
      // t1 never reached the login server.
      expect(login.exchanges.map(({ form }) => form.get('client_id'))).toEqual(['client-0']);
      held.shift()?.();
      await expect(first).resolves.toBe('token-of-client-0');
      // After t1's backoff (the injected clock), its turn comes at once.
      now += 60_000;
      login.answer((res) =>
        json(res, 200, { access_token: 'token-of-client-1', token_type: 'Bearer', expires_in: 3600 }),
      );
      await expect(client.getToken('t1')).resolves.toBe('token-of-client-1');
    } finally {
      held.forEach((release) => release());
      await client.close();
    }
  });

  it('close() fails the waiting requests with GRAFX_CLIENT_CLOSED at once', async () => {
    const held: ServerResponse[] = [];
    login.answer((res) => held.push(res));
    const client = createGrafxClient({
      integrations: tenants(3),
      tokenURL: login.url,
      tokenRequests: { maxConcurrent: 1, queueTimeoutMs: 600_000 },
    });
    const calls = ['t0', 't1', 't2'].map((key) => client.getToken(key).catch((e: unknown) => e));
    while (login.exchanges.length === 0) await sleep(5);
    await client.close();
    const errors = (await Promise.all(calls)) as GrafxAuthError[];
    expect(errors.map((e) => e.code)).toEqual(['GRAFX_CLIENT_CLOSED', 'GRAFX_CLIENT_CLOSED', 'GRAFX_CLIENT_CLOSED']);
    expect(login.exchanges).toHaveLength(1);
    held.forEach((res) => res.destroy());
  });

  it.each([
    [{ maxConcurrent: 0 }, 'tokenRequests.maxConcurrent'],
    [{ maxConcurrent: 10_001 }, 'tokenRequests.maxConcurrent'],
    [{ maxConcurrent: 1.5 }, 'tokenRequests.maxConcurrent'],
    [{ maxConcurrent: '8' }, 'tokenRequests.maxConcurrent'],
    [{ queueTimeoutMs: 0 }, 'tokenRequests.queueTimeoutMs'],
    [{ queueTimeoutMs: 2 ** 31 }, 'tokenRequests.queueTimeoutMs'],
    [{ queueTimeoutMs: Number.NaN }, 'tokenRequests.queueTimeoutMs'],
    [{ maxConcurent: 4 }, 'Did you mean `tokenRequests.maxConcurrent`'],
    [[], 'tokenRequests'],
    [null, 'tokenRequests'],
  ])('refuses tokenRequests %p', (tokenRequests, message) => {
    expect(() =>
      createGrafxClient({ clientId: 'a', clientSecret: 'b', environment: 'e', tokenRequests } as never),
    ).toThrow(message);
  });
});

describe('a 429 from the login server pauses every token request', () => {
  it('sends nothing until the Retry-After has passed (by the injected clock), then serves the others', async () => {
    let now = 5_000_000;
    login.answer((res) => json(res, 429, { error: 'too_many_requests' }, { 'retry-after': '5' }));
    const client = createGrafxClient({
      integrations: tenants(3),
      tokenURL: login.url,
      clock: () => now,
      tokenRequests: { maxConcurrent: 4, queueTimeoutMs: 600_000 },
    });
    try {
      const limited = (await client.getToken('t0').catch((e: unknown) => e)) as GrafxAuthError;
      expect(limited.code).toBe('GRAFX_TOKEN_RATE_LIMITED');
      expect(limited.retryAfter).toBe(5);
      login.answer((res, exchange) =>
        json(res, 200, {
          access_token: `token-of-${exchange.form.get('client_id')}`,
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
      const others = Promise.all([client.getToken('t1'), client.getToken('t2')]);
      // The queue looks at the clock every 250 ms while paused: well past that, still nothing was sent.
      await sleep(800);
      expect(login.exchanges).toHaveLength(1);
      now += 5_000;
      await expect(others).resolves.toEqual(['token-of-client-1', 'token-of-client-2']);
      expect(login.exchanges).toHaveLength(3);
    } finally {
      await client.close();
    }
  });
});

describe('LoginQueue', () => {
  function queue(maxConcurrent: number, clock: () => number, queueTimeoutMs = 600_000) {
    const closing = new AbortController();
    return { queue: new LoginQueue({ maxConcurrent, queueTimeoutMs, clock, closing: closing.signal }), closing };
  }
  const settled = async (promise: Promise<void> | undefined): Promise<boolean> => {
    let done = promise === undefined;
    void promise?.then(() => (done = true));
    await sleep(0);
    return done;
  };

  it('halves the requests at once after a 429, once per pause, and grows back by one per success', async () => {
    let now = 0;
    const { queue: q, closing } = queue(8, () => now);
    try {
      for (let i = 0; i < 8; i++) expect(q.enter(`k${i}`)).toBeUndefined();
      // All eight come back 429 together: one halving, not eight.
      for (let i = 0; i < 8; i++) q.leave(429, 2);
      expect(q.limit).toBe(4);
      const waiting = Array.from({ length: 6 }, (_, i) => q.enter(`w${i}`));
      expect(await settled(waiting[0])).toBe(false);
      now += 2000;
      await Promise.all(waiting.slice(0, 4));
      expect(q.active).toBe(4);
      expect(q.waiting).toBe(2);
      q.leave(200);
      expect(q.limit).toBe(5);
      await Promise.all(waiting.slice(4));
      expect(q.active).toBe(5);
    } finally {
      closing.abort();
    }
  });

  it.each([
    ['a Retry-After of an hour pauses the others 60 s at most', 3600, 60_000],
    ['no Retry-After pauses them 1 s', undefined, 1000],
    ['a Retry-After of 0 pauses nothing', 0, 0],
  ])('%s', async (_name, retryAfter, pauseMs) => {
    let now = 0;
    const { queue: q, closing } = queue(2, () => now);
    try {
      expect(q.enter('a')).toBeUndefined();
      q.leave(429, retryAfter);
      const next = q.enter('b');
      if (pauseMs > 0) {
        expect(await settled(next)).toBe(false);
        now += pauseMs - 1;
        await sleep(300);
        expect(await settled(next)).toBe(false);
        now += 1;
      }
      await next;
      expect(q.active).toBe(1);
    } finally {
      closing.abort();
    }
  });
});
