// __tests__/core/download.test.ts
// download(): files of the API as streams, against the stand-in and a hostile API (endless, 10 GB, cut off, expired).
import type { Readable } from 'node:stream';
import axios from 'axios';
import {
  GRAFX_ERROR_CODES,
  type GrafxAuthError,
  type GrafxClient,
  createGrafxClient,
  grafxProblem,
  isAxiosError,
} from 'express-grafx-auth';
import { rejection } from '../helpers/failure.js';
import {
  CHUNK,
  type HostileApi,
  type HostileHandler,
  hostileApi,
  oneChunkThenHang,
  sendProblem,
  writeForever,
} from '../helpers/hostile-download.js';
import { OWN_BASE_PATH, clientFor } from '../helpers/own-api.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();
const FAST = { pollIntervalMs: 1, maxPollIntervalMs: 2 };
const TEN_GB = 10 * 1024 ** 3;

/** Reads a stream to its end. */
async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('against the stand-in', () => {
  let client: GrafxClient;
  beforeEach(() => {
    client = createGrafxClient(standIn.options('cp-test'));
  });
  afterEach(() => client.close());

  it('streams a finished output with its content type and length, the token sent to the API', async () => {
    const grafx = await client.context();
    const { downloadURL } = await grafx.generateOutput('pdf', {}, FAST);
    const file = await grafx.download(downloadURL);
    expect(file).toMatchObject({ status: 200, contentType: 'application/pdf', contentEncoding: undefined });
    const bytes = await readAll(file.body);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(file.contentLength).toBe(bytes.length);
    const fetched = standIn.apiRequests.at(-1);
    expect(fetched).toMatchObject({
      path: expect.stringMatching(/\/download$/),
      status: 200,
      clientId: standIn.clientId,
    });
  });

  it('takes a path below the API base, and client.download(integration, …) does the same', async () => {
    const grafx = await client.context();
    const { taskId } = await grafx.generateOutput('png', {}, FAST);
    const file = await client.download(undefined, `/output/tasks/${taskId}/download`);
    expect(file.contentType).toBe('image/png');
    expect((await readAll(file.body)).toString()).toContain(taskId);
  });

  it.each([404, 410] as const)(
    'an expired download (the API answers %i) is GRAFX_DOWNLOAD_EXPIRED',
    async (expiredStatus) => {
      standIn.setOutputTasks({ expiredStatus });
      const grafx = await client.context();
      const { downloadURL } = await grafx.generateOutput('pdf', {}, FAST);
      standIn.expireDownloads();
      const error = await rejection<GrafxAuthError>(grafx.download(downloadURL));
      expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.DOWNLOAD_EXPIRED, status: 410, integration: 'default' });
      expect(error.message).toContain('no longer available');
      expect(error.message).toContain('start the output again');
      expect(JSON.stringify(error)).not.toContain(grafx.token);
      expect(error.message).not.toContain(grafx.token);
    },
  );

  it('a 401 on the download renews the token and repeats the request once', async () => {
    const grafx = await client.context();
    const { downloadURL } = await grafx.generateOutput('pdf', {}, FAST);
    standIn.revokeTokens();
    const file = await grafx.download(downloadURL);
    expect((await readAll(file.body)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(standIn.counts.apiUnauthorized).toBe(1);
    expect(standIn.counts.tokensIssued).toBe(2); // the first, refused, and its renewal
  });

  it('leaves the API client as it was (its defaults not copied), and uses an adapter the app gave its defaults', async () => {
    const grafx = await client.context();
    const { downloadURL } = await grafx.generateOutput('pdf', {}, FAST);
    await readAll((await grafx.download(downloadURL)).body);
    expect(Object.hasOwn(grafx.api, 'defaults')).toBe(false); // no per-request cost added to later requests
    const seen: string[] = [];
    const http = axios.getAdapter(grafx.api.defaults.adapter, {});
    grafx.api.defaults.adapter = (config) => {
      seen.push(String(config.url));
      return http(config);
    };
    await readAll((await grafx.download(downloadURL)).body);
    expect(seen).toEqual([downloadURL]);
  });

  it.each([
    ['not a string', 42, undefined],
    ['an empty link', '', undefined],
    ['options that are no object', 'output/tasks/x/download', 'nope'],
    ['a signal that is no AbortSignal', 'output/tasks/x/download', { signal: {} }],
  ])('refuses %s at the call (no request)', async (_name, link, options) => {
    const grafx = await client.context();
    const error = await rejection<GrafxAuthError>(grafx.download(link as string, options as never));
    expect(['GRAFX_LINK_REFUSED', 'GRAFX_CONFIG_INVALID']).toContain(error.code);
    expect(standIn.counts.apiRequests).toBe(0);
  });
});

describe('against a hostile API', () => {
  let api: HostileApi;
  let other: HostileApi;
  let client: GrafxClient;
  let handler: HostileHandler;
  beforeEach(async () => {
    handler = (_req, res) => sendProblem(res, 500, 'no handler');
    api = await hostileApi((req, res, request) => handler(req, res, request));
    other = await hostileApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('the other origin');
    });
    client = clientFor(standIn, api.base);
  });
  afterEach(async () => {
    await client.close();
    await Promise.all([api.close(), other.close()]);
  });
  const link = (path = '/output/tasks/t/download') => `${api.base}${path}`;

  it('a download that never ends resolves at its first byte; aborting it closes the connection to the API', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      writeForever(res);
    };
    const controller = new AbortController();
    const file = await client.download(undefined, link(), { signal: controller.signal });
    expect(file.contentType).toBe('application/pdf');
    expect(file.contentLength).toBeUndefined();
    const upstream = api.seen[0]!;
    expect(upstream.authorization).toMatch(/^Bearer /);
    let received = 0;
    for await (const chunk of file.body) {
      received += (chunk as Buffer).length;
      if (received >= 4 * CHUNK.length) break; // the loop's break destroys the body
    }
    await upstream.closed;
    expect(upstream.isClosed()).toBe(true);
    controller.abort();
  });

  it('the signal aborts a download in the middle: the body is destroyed and the connection closed', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      writeForever(res);
    };
    const controller = new AbortController();
    const file = await client.download(undefined, link(), { signal: controller.signal });
    const reason = new Error('the user went away');
    controller.abort(reason);
    await api.seen[0]!.closed;
    await expect(readAll(file.body)).rejects.toThrow();
    expect(file.body.destroyed).toBe(true);
  });

  it('a 10 GB content-length is passed on as a number, nothing reserved: the body streams chunk by chunk', async () => {
    handler = (_req, res) => oneChunkThenHang(res, { 'content-length': String(TEN_GB) });
    const before = process.memoryUsage().arrayBuffers;
    const file = await client.download(undefined, link());
    expect(file.contentLength).toBe(TEN_GB);
    const first = await new Promise<Buffer>((resolve) => file.body.once('data', resolve));
    expect(first.length).toBeLessThanOrEqual(CHUNK.length);
    // What the process holds grew by far less than the declared length (it holds one chunk or so).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    file.body.destroy();
    await api.seen[0]!.closed;
  });

  it.each([
    ['a 17-digit length (not a safe integer)', '99999999999999999', undefined],
    ['a length of 0', '0', 0],
    ['a plain length', '65536', 65536],
  ])('content-length: %s', async (_name, declared, expected) => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': declared });
      if (declared === '0') res.end();
      else res.write(CHUNK);
    };
    const file = await client.download(undefined, link());
    expect(file.contentLength).toBe(expected);
    file.body.destroy();
  });

  it.each([
    ['a media type', 'application/pdf', 'application/pdf'],
    ['with parameters', 'text/html; charset=utf-8', 'text/html; charset=utf-8'],
    ['not a media type', 'pdf', undefined],
    ['too long', `application/${'x'.repeat(300)}`, undefined],
    ['with spaces in the type', 'application / pdf', undefined],
  ])('content-type: %s', async (_name, sent, expected) => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': sent, 'content-disposition': 'attachment; filename="a.pdf"' });
      res.end('x');
    };
    const file = await client.download(undefined, link());
    expect(file.contentType).toBe(expected);
    expect(file.contentDisposition).toBe('attachment; filename="a.pdf"');
    expect((await readAll(file.body)).toString()).toBe('x');
  });

  it('a gzip-encoded answer is passed on as sent: the encoding named, the bytes and length untouched', async () => {
    const { gzipSync } = await import('node:zlib');
    const packed = gzipSync(Buffer.from('hello '.repeat(1000)));
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': packed.length });
      res.end(packed);
    };
    const file = await client.download(undefined, link());
    expect(file).toMatchObject({ contentEncoding: 'gzip', contentLength: packed.length });
    expect((await readAll(file.body)).equals(packed)).toBe(true);
  });

  it('an empty file resolves with an empty body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '0' });
      res.end();
    };
    const file = await client.download(undefined, link());
    expect((await readAll(file.body)).length).toBe(0);
  });

  it('headers then a cut connection, before any byte: the promise rejects (nothing to stream)', async () => {
    handler = (_req, res, request) => {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '1000' });
      res.flushHeaders();
      setImmediate(() => request.cut());
    };
    const error = await rejection<Error>(client.download(undefined, link()));
    expect(error.message).toEqual(expect.any(String));
    expect(error).not.toHaveProperty('code', 'GRAFX_DOWNLOAD_EXPIRED');
    await api.seen[0]!.closed;
  });

  it.each([
    ['before the answer', false],
    ['after the headers, before any byte', true],
  ])('an abort %s rejects with signal.reason and closes the connection', async (_name, headers) => {
    handler = (_req, res) => {
      if (headers) {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        res.flushHeaders();
      }
    };
    const controller = new AbortController();
    const pending = client.download(undefined, link(), { signal: controller.signal });
    await api.nextRequest();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await api.seen[0]!.closed;
  });

  it.each([
    ['410 without a body', 410, undefined, undefined],
    ['400 whose problem says "no longer available"', 400, 'Bad Request', 'The output is no longer available.'],
    ['404 whose title says so', 404, 'Output no longer available', undefined],
    ['500 whose detail says "expired"', 500, 'Internal Server Error', 'The download link has expired.'],
  ])('expired: %s is GRAFX_DOWNLOAD_EXPIRED', async (_name, status, title, detail) => {
    handler = (_req, res) => {
      if (title === undefined) res.writeHead(status).end();
      else sendProblem(res, status, title, detail);
    };
    const error = await rejection<GrafxAuthError>(client.download(undefined, link()));
    expect(error).toMatchObject({ code: 'GRAFX_DOWNLOAD_EXPIRED', status: 410 });
    expect(error.message).toContain(`answered ${status}`);
  });

  it('an expired answer as plain text counts too', async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('This output is no longer available');
    };
    await expect(client.download(undefined, link())).rejects.toMatchObject({ code: 'GRAFX_DOWNLOAD_EXPIRED' });
  });

  it.each([
    [403, 'Forbidden', 'Missing permission'],
    [404, 'Not Found', 'Task t was not found.'],
    [500, 'Internal Server Error', 'Something broke'],
  ])('another error answer (%i) rejects with the axios error, its problem read', async (status, title, detail) => {
    handler = (_req, res) => sendProblem(res, status, title, detail);
    const error = await rejection<unknown>(client.download(undefined, link()));
    expect(isAxiosError(error)).toBe(true);
    expect(grafxProblem(error)).toMatchObject({ status, title, detail });
  });

  it('an error body that echoes the token loses it; a huge one is not read past 64 KB', async () => {
    handler = (req, res) => sendProblem(res, 403, 'Forbidden', `You sent ${req.headers.authorization}`);
    const token = await client.getToken();
    const echoed = await rejection<unknown>(client.download(undefined, link()));
    expect(JSON.stringify(grafxProblem(echoed))).not.toContain(token);
    expect(grafxProblem(echoed)?.detail).toContain('Bearer');

    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      writeForever(res); // an error body that never ends
    };
    const huge = await rejection<unknown>(client.download(undefined, link()));
    expect(isAxiosError(huge)).toBe(true);
    expect(grafxProblem(huge)).toBeUndefined();
    await api.seen[1]!.closed;
  });

  it.each([
    ['another origin', () => `${other.origin}${OWN_BASE_PATH}/output/tasks/t/download`],
    ['another environment', () => `${api.origin}/grafx/api/v1/environment/other/output/tasks/t/download`],
    ['a path climbing out of the base', () => `${api.base}/../other/output/tasks/t/download`],
    ['an encoded climb', () => `${api.base}/%2e%2e/other/x`],
    ['a javascript: link', () => 'javascript:alert(1)'],
    ['the API origin with user:password@ (checkApiLink)', () => api.base.replace('http://', 'http://user:pw@')],
    ['a link with a space', () => `${api.base}/output/tasks/t/download x`],
    ['a link of 9000 characters', () => `${api.base}/${'a'.repeat(9000)}`],
  ])('a link to %s is GRAFX_LINK_REFUSED and never requested', async (_name, make) => {
    handler = (_req, res) => res.end('should not be asked');
    const error = await rejection<GrafxAuthError>(client.download(undefined, make()));
    expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.LINK_REFUSED, status: 502 });
    expect(api.seen).toHaveLength(0);
    expect(other.seen).toHaveLength(0);
  });

  it('a redirect to another origin is followed without the token', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { location: `${other.origin}/files/output.pdf` });
      res.end();
    };
    const file = await client.download(undefined, link());
    expect((await readAll(file.body)).toString()).toBe('the other origin');
    expect(api.seen[0]!.authorization).toMatch(/^Bearer /);
    expect(other.seen[0]!.authorization).toBeUndefined();
  });
});
