// __tests__/core/api-error-scrubber.test.ts
// No token in any error req.grafx.api rejects with, for every failure kind, in no property, hidden ones included.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import axios from 'axios';
import { createGrafxClient } from 'express-grafx-auth';
import { serve } from '../helpers/serve.js';
import { failure, rejection } from '../helpers/failure.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

/** Every string and byte sequence reachable from `root` through own properties (hidden and symbol-keyed too). */
function reachableTexts(root: unknown): { texts: string[]; buffers: Uint8Array[] } {
  const texts: string[] = [];
  const buffers: Uint8Array[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [root];
  while (queue.length > 0) {
    const value = queue.pop();
    if (typeof value === 'string') {
      texts.push(value);
      continue;
    }
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    if (seen.size > 500_000) throw new Error('the error reaches too much to check');
    if (ArrayBuffer.isView(value)) {
      buffers.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      continue;
    }
    if (value instanceof ArrayBuffer) {
      buffers.push(new Uint8Array(value));
      continue;
    }
    if (value instanceof Map) for (const [k, v] of value) queue.push(k, v);
    if (value instanceof Set) for (const v of value) queue.push(v);
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === 'string') texts.push(key);
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor !== undefined && 'value' in descriptor) queue.push(descriptor.value);
    }
  }
  return { texts, buffers };
}

function expectNoToken(error: unknown, token: string): void {
  const { texts, buffers } = reachableTexts(error);
  expect(texts.filter((text) => text.includes(token))).toEqual([]);
  expect(buffers.filter((bytes) => Buffer.from(bytes).includes(token))).toHaveLength(0);
  expect(inspect(error, { showHidden: true, depth: Infinity })).not.toContain(token);
  expect(JSON.stringify(error)).not.toContain(token);
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts requests and never answers; `arrived` is told of each. */
async function silentServer(arrived: () => void) {
  return serve((_req: IncomingMessage, _res: ServerResponse) => arrived());
}

/** An API that answers 400 with the request's Authorization header in its body and a header (an echoing proxy). */
async function echoingServer() {
  return serve((req: IncomingMessage, res: ServerResponse) => {
    const authorization = req.headers.authorization ?? '';
    res
      .writeHead(400, { 'content-type': 'application/json', 'x-echo': authorization })
      .end(JSON.stringify({ title: 'Bad Request', detail: `got ${authorization}`, nested: [{ seen: authorization }] }));
  });
}

type Kind = () => Promise<{
  request: (api: ReturnType<ReturnType<typeof createGrafxClient>['api']>) => Promise<unknown>;
  done?: () => Promise<void>;
  base?: string;
}>;

const KINDS: Array<[string, Kind, { status?: number; code?: string }]> = [
  [
    'an HTTP error (a 403 from the stand-in)',
    async () => {
      standIn.apiFault(403);
      return { request: (api) => api.get('/templates') };
    },
    { status: 403 },
  ],
  [
    'a 401 handed back after the retry',
    async () => {
      standIn.revokeTokens();
      standIn.apiFault(401, { times: 2 });
      return { request: (api) => api.get('/templates') };
    },
    { status: 401 },
  ],
  [
    'an HTTP error with a stream body',
    async () => {
      standIn.apiFault(500);
      return { request: (api) => api.get('/templates', { responseType: 'stream' }) };
    },
    { status: 500 },
  ],
  [
    'an API that echoes the token in its answer',
    async () => {
      const echo = await echoingServer();
      return { base: `${echo.url}/api`, request: (api) => api.post('/x', { a: 1 }), done: echo.close };
    },
    { status: 400 },
  ],
  [
    'a refused connection',
    async () => ({ base: `http://127.0.0.1:${await closedPort()}/api`, request: (api) => api.get('/templates') }),
    { code: 'ECONNREFUSED' },
  ],
  [
    'a timeout',
    async () => {
      const silent = await silentServer(() => undefined);
      return { base: `${silent.url}/api`, request: (api) => api.get('/x', { timeout: 100 }), done: silent.close };
    },
    { code: 'ECONNABORTED' },
  ],
  [
    'an abort (AbortSignal)',
    async () => {
      const controller = new AbortController();
      const silent = await silentServer(() => controller.abort());
      return {
        base: `${silent.url}/api`,
        request: (api) => api.post('/x', 'body', { signal: controller.signal }),
        done: silent.close,
      };
    },
    { code: 'ERR_CANCELED' },
  ],
];

describe('errors of req.grafx.api carry no token', () => {
  it.each(KINDS)('%s', async (_name, kind, expected) => {
    const setup = await kind();
    try {
      const client = createGrafxClient({
        ...standIn.options('cp-test'),
        ...(setup.base === undefined ? {} : { apiBaseURL: setup.base }),
      });
      const first = await client.getToken();
      const error = await failure(setup.request(client.api()));
      expect(axios.isAxiosError(error)).toBe(true);
      if (expected.status !== undefined) expect(error.response?.status).toBe(expected.status);
      if (expected.code !== undefined) expect(error.code).toBe(expected.code);
      const latest = await client.getToken();
      for (const token of new Set([first, latest])) expectNoToken(error, token);
      expectNoToken(error, standIn.clientSecret);
      // What handlers read stays: the status, the body, and a request summary for `if (err.request)` code.
      expect(error.config?.headers.Authorization).toBe('Bearer [redacted]');
      expect(error.request).toMatchObject({ method: expect.stringMatching(/^(GET|POST)$/), url: expect.any(String) });
      expect(Object.keys(error)).not.toContain('request');
      await client.close();
    } finally {
      await setup.done?.();
    }
  });

  it('keeps the API answer readable when it echoed the token', async () => {
    const echo = await echoingServer();
    try {
      const client = createGrafxClient({ ...standIn.options('cp-test'), apiBaseURL: `${echo.url}/api` });
      const error = await failure(client.api().get('/x?page=2'));
      expect(error.response?.data).toEqual({
        title: 'Bad Request',
        detail: 'got Bearer [redacted]',
        nested: [{ seen: 'Bearer [redacted]' }],
      });
      expect(error.response?.headers['x-echo']).toBe('Bearer [redacted]');
      expect(error.request).toEqual({ method: 'GET', url: `${echo.url}/api/x` });
      await client.close();
    } finally {
      await echo.close();
    }
  });
});

/** What a hostile API does with the token it was sent (`bearer`: `Bearer <token>`, `token`: the token alone). */
type Echo = (res: ServerResponse, bearer: string, token: string) => void;

const json = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
};

/** Every place of an answer a token can be echoed in, beyond values: the reason phrase, keys, header names. */
const ECHOES: Array<[string, Echo]> = [
  ['the reason phrase (statusText)', (res, bearer) => res.writeHead(403, `Forbidden for ${bearer}`).end()],
  [
    'the reason phrase of a 401 (handed back after the retry)',
    (res, bearer) => res.writeHead(401, `No ${bearer}`).end(),
  ],
  ['an object key', (res, _b, token) => json(res, 403, JSON.stringify({ errors: { [token]: 'not allowed' } }))],
  [
    'a key deep in arrays',
    (res, _b, token) => json(res, 403, JSON.stringify({ a: [[{ b: [{ [`x ${token} y`]: 1 }] }]] })),
  ],
  ['a key of the top-level object', (res, bearer) => json(res, 400, JSON.stringify({ [bearer]: true }))],
  ['a header name', (res, _b, token) => json(res, 403, '{}', { [`x-${token}`]: '1' })],
  ['a header value and name', (res, _b, token) => json(res, 403, '{}', { [`x-${token}`]: token })],
  ['a text body', (res, bearer) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`failed: ${bearer}`)],
  ['a JSON string body', (res, bearer) => json(res, 500, JSON.stringify(bearer))],
  ['the problem detail', (res, bearer) => json(res, 403, JSON.stringify({ title: 'Forbidden', detail: bearer }))],
];

describe('a token the API echoes is gone wherever the answer put it', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let echo: Echo = () => undefined;
  beforeAll(async () => {
    server = await serve((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      const bearer = req.headers.authorization ?? '';
      echo(res, bearer, bearer.replace(/^Bearer /, ''));
    });
  });
  afterAll(() => server.close());

  it.each(ECHOES)('%s', async (_name, shape) => {
    echo = shape;
    const client = createGrafxClient({ ...standIn.options('cp-test'), apiBaseURL: `${server.url}/api` });
    try {
      const token = await client.getToken();
      for (const responseType of ['json', 'text', 'arraybuffer'] as const) {
        const error = await failure(client.api().get('/x', { responseType }));
        expect(axios.isAxiosError(error)).toBe(true);
        expect(error.response?.status).toBeGreaterThanOrEqual(400);
        const latest = await client.getToken();
        for (const form of new Set([token, latest])) expectNoToken(error, form);
      }
    } finally {
      await client.close();
    }
  });
});

/** `[[[...]]]` `depth` deep, with `inner` in the middle. */
const nestedArrays = (depth: number, inner = '0'): string => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
const nestedObjects = (depth: number, inner = '0'): string => `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

/**
 * Bodies that overflowed a recursive walk, and bodies past any count of values: whatever the shape, the caller gets
 * the API's error (the axios error, or GRAFX_TASK_FAILED from a task), never a RangeError, and the token is not in it.
 */
const HOSTILE_BODIES: Array<[string, (token: string) => string]> = [
  ['arrays 10,000 deep', () => nestedArrays(10_000)],
  ['arrays 40,000 deep', () => nestedArrays(40_000)],
  ['objects 40,000 deep', () => nestedObjects(40_000)],
  ['arrays 40,000 deep holding the token', (token) => nestedArrays(40_000, JSON.stringify(token))],
  [
    'objects 20,000 deep with the token as the innermost key',
    (token) => nestedObjects(20_000, JSON.stringify({ [token]: 1 })),
  ],
  ['300,000 values, the token last', (token) => JSON.stringify([...Array<number>(300_000).fill(0), token])],
  [
    '150,000 keys, the token as the last key',
    (token) =>
      JSON.stringify(Object.fromEntries([...Array.from({ length: 150_000 }, (_, i) => [`k${i}`, i]), [token, 1]])),
  ],
];

describe('the scrubber never fails and keeps the error', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let body: (token: string) => string = () => '{}';
  let status = 403;
  beforeAll(async () => {
    server = await serve((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      json(res, status, body(token));
    });
  });
  afterAll(() => server.close());

  it.each(HOSTILE_BODIES)('%s: the axios error, without the token', async (_name, make) => {
    body = make;
    status = 403;
    const client = createGrafxClient({ ...standIn.options('cp-test'), apiBaseURL: `${server.url}/api` });
    try {
      const token = await client.getToken();
      const error = await failure(client.api().get('/x'));
      expect(error).not.toBeInstanceOf(RangeError);
      expect(axios.isAxiosError(error)).toBe(true);
      expect(error.response?.status).toBe(403);
      expect(error.config?.headers.Authorization).toBe('Bearer [redacted]');
      const { texts } = reachableTexts(error);
      expect(texts.filter((text) => text.includes(token))).toEqual([]);
    } finally {
      await client.close();
    }
  });

  // (a task answer is capped at 1 MiB: the 150,000 keys are GRAFX_API_RESPONSE_TOO_LARGE there)
  it.each(HOSTILE_BODIES.filter(([name]) => !name.includes('keys')))(
    '%s, as a failed output task: GRAFX_TASK_FAILED',
    async (_name, make) => {
      status = 500;
      const client = createGrafxClient({ ...standIn.options('cp-test'), apiBaseURL: `${server.url}/api` });
      body = (token) => make(token);
      try {
        const error = await rejection<{ code?: string }>(
          client.waitForTask(undefined, `${server.url}/api/output/tasks/t1`, { pollIntervalMs: 1 }),
        );
        expect(error).not.toBeInstanceOf(RangeError);
        expect(error.code).toBe('GRAFX_TASK_FAILED');
      } finally {
        await client.close();
      }
    },
  );
});
