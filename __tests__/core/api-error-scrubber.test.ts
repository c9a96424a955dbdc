// __tests__/core/api-error-scrubber.test.ts
// No token in any error req.grafx.api rejects with, for every failure kind, in no property, hidden ones included.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import axios from 'axios';
import { createGrafxClient } from 'express-grafx-auth';
import { serve } from '../helpers/serve.js';
import { failure } from '../helpers/failure.js';
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
