// __tests__/core/api-body-cap.test.ts
// The API's buffered answers are bounded (apiMaxResponseBytes, default 32 MiB): GRAFX_API_RESPONSE_TOO_LARGE past it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GRAFX_ERROR_CODES, GrafxAuthError, type GrafxClientOptions, createGrafxClient } from 'express-grafx-auth';
import { DEFAULT_API_MAX_RESPONSE_BYTES } from '../../lib/core/options.js';
import { rejection } from '../helpers/failure.js';
import { type Served, serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();
const MiB = 1024 * 1024;

/** How the test server answers: a status, a size in bytes sent in 1 MiB chunks (chunked, or with content-length). */
interface Answer {
  status: number;
  bytes: number;
  declared?: boolean;
  gzip?: Buffer;
}

let answer: Answer = { status: 200, bytes: 0 };
let server: Served;
let requests = 0;
const CHUNK = Buffer.alloc(MiB, 0x20);

beforeAll(async () => {
  server = await serve((req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    req.resume();
    if (answer.gzip !== undefined) {
      res.writeHead(answer.status, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(answer.gzip);
      return;
    }
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      ...(answer.declared === true ? { 'content-length': String(answer.bytes) } : {}),
    });
    let left = answer.bytes;
    const write = (): void => {
      while (left > 0) {
        const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) {
          res.once('drain', write);
          return;
        }
      }
      res.end();
    };
    res.on('error', () => undefined);
    write();
  });
});
afterAll(() => server.close());
beforeEach(() => {
  requests = 0;
});

function clientWith(options: Partial<GrafxClientOptions> = {}) {
  return createGrafxClient({ ...standIn.options('cp-test'), apiBaseURL: `${server.url}/api`, ...options });
}

const TOO_LARGE: Array<[string, Answer, Partial<GrafxClientOptions>]> = [
  ['a 50 MB answer to a 401 (read whole before the retry until now)', { status: 401, bytes: 50 * MiB }, {}],
  ['a 50 MB answer with content-length', { status: 200, bytes: 50 * MiB, declared: true }, {}],
  ['a 40 MB chunked 200', { status: 200, bytes: 40 * MiB }, {}],
  ['a 40 MB 500', { status: 500, bytes: 40 * MiB }, {}],
  [
    'a gzip bomb (50 KB inflating to 64 MB)',
    { status: 200, bytes: 0, gzip: gzipSync(Buffer.alloc(64 * MiB, 0x20)) },
    {},
  ],
  ['2 KB past apiMaxResponseBytes: 1024', { status: 200, bytes: 2048 }, { apiMaxResponseBytes: 1024 }],
  ['a 401 of 2 KB past apiMaxResponseBytes: 1024', { status: 401, bytes: 2048 }, { apiMaxResponseBytes: 1024 }],
];

describe('buffered API answers are bounded', () => {
  it('the default cap is 32 MiB', () => {
    expect(DEFAULT_API_MAX_RESPONSE_BYTES).toBe(32 * MiB);
  });

  it.each(TOO_LARGE)('%s: GRAFX_API_RESPONSE_TOO_LARGE, no retry', async (_name, given, options) => {
    answer = given;
    const client = clientWith(options);
    try {
      await client.getToken();
      const before = standIn.counts.tokenRequests;
      const retried: unknown[] = [];
      client.on('requestRetried', (event) => retried.push(event));
      for (const responseType of ['json', 'arraybuffer', 'text'] as const) {
        const error = await rejection<GrafxAuthError>(client.api().get('/x', { responseType }));
        expect(error).toBeInstanceOf(GrafxAuthError);
        expect(error.code).toBe(GRAFX_ERROR_CODES.API_RESPONSE_TOO_LARGE);
        expect(error.status).toBe(502);
        expect(error.message).toContain(String(options.apiMaxResponseBytes ?? 32 * MiB));
      }
      expect(requests).toBe(3);
      expect(standIn.counts.tokenRequests).toBe(before);
      expect(retried).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it.each([
    ['a 40 MB stream', { status: 200, bytes: 40 * MiB }, {}],
    ['a 2 KB stream past apiMaxResponseBytes: 1024', { status: 200, bytes: 2048 }, { apiMaxResponseBytes: 1024 }],
  ] as Array<[string, Answer, Partial<GrafxClientOptions>]>)(
    '%s: streams are not capped',
    async (_name, given, options) => {
      answer = given;
      const client = clientWith(options);
      try {
        const { data } = await client.api().get<Readable>('/x', { responseType: 'stream' });
        let read = 0;
        for await (const chunk of data) read += (chunk as Buffer).length;
        expect(read).toBe(given.bytes);
      } finally {
        await client.close();
      }
    },
  );

  it("a request may set its own maxContentLength (the app's choice wins)", async () => {
    answer = { status: 200, bytes: 2048 };
    const client = clientWith({ apiMaxResponseBytes: 1024 });
    try {
      const { data } = await client.api().get<string>('/x', { responseType: 'text', maxContentLength: 4096 });
      expect(data).toHaveLength(2048);
    } finally {
      await client.close();
    }
  });

  it.each([0, -1, 1.5, '1024', Number.NaN, 512, 2 ** 31, null, true])('apiMaxResponseBytes %p is refused', (value) => {
    expect(() => clientWith({ apiMaxResponseBytes: value as number })).toThrow(
      expect.objectContaining({
        code: 'GRAFX_CONFIG_INVALID',
        message: expect.stringContaining('apiMaxResponseBytes'),
      }),
    );
  });
});
