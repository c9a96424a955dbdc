// __tests__/express/send-download.test.ts
// sendGrafxDownload() through real Express apps (5 and 4): the stand-in's outputs, and a hostile API that never ends,
// lies about its length or breaks off; clients that go away.
import { type IncomingMessage, request as httpRequest } from 'node:http';
import express5, { type Express } from 'express';
import express4 from 'express4';
import request from 'supertest';
import { type GrafxClient, createGrafxClient, grafxAuth, sendGrafxDownload } from 'express-grafx-auth';
import {
  CHUNK,
  type HostileApi,
  type HostileHandler,
  hostileApi,
  oneChunkThenHang,
  sendProblem,
  writeForever,
} from '../helpers/hostile-download.js';
import { clientFor } from '../helpers/own-api.js';
import { type Served, jsonErrorHandler, serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();
const FAST = { pollIntervalMs: 1, maxPollIntervalMs: 2 };
const TEN_GB = 10 * 1024 ** 3;

/** A GET whose response (headers) it resolves with, the body not read; `destroy()` the request to go away. */
function get(url: string): Promise<{ res: IncomingMessage; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => resolve({ res, destroy: () => req.destroy() }));
    req.on('error', reject);
    req.end();
  });
}

/** How a response body ended: `'end'` (complete) or `'aborted'` (cut off), with the bytes received. */
function ending(res: IncomingMessage): Promise<{ how: 'end' | 'aborted'; bytes: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    res.on('end', () => resolve({ how: 'end', bytes }));
    res.on('error', () => resolve({ how: 'aborted', bytes }));
    res.on('close', () => {
      if (!res.complete) resolve({ how: 'aborted', bytes });
    });
  });
}

describe.each([
  ['express 5', express5],
  ['express 4', express4 as unknown as typeof express5],
])('%s', (_name, express) => {
  /** An app whose `/file` route streams `link()` with sendGrafxDownload; counts what reached the error handler. */
  function appFor(client: GrafxClient, link: (req: express5.Request) => string | Promise<string>, filename?: string) {
    const app: Express = express();
    const errors: unknown[] = [];
    const finished: Array<Promise<void>> = [];
    app.use(grafxAuth(client));
    app.get('/file', async (req, res, next) => {
      const sent = sendGrafxDownload(req, res, next, await link(req), filename === undefined ? {} : { filename });
      finished.push(sent);
      await sent;
    });
    app.use(((err, req, res, next) => {
      errors.push(err);
      jsonErrorHandler(err, req, res, next);
    }) as express5.ErrorRequestHandler);
    return { app, errors, finished };
  }

  describe('against the stand-in', () => {
    let client: GrafxClient;
    beforeEach(() => {
      client = createGrafxClient(standIn.options('cp-test'));
    });
    afterEach(() => client.close());

    it('streams a finished output: content type and length passed on, nosniff, the file name as an attachment', async () => {
      const { app } = appFor(
        client,
        async (req) => (await req.grafx.generateOutput('pdf', {}, FAST)).downloadURL,
        'Carte de visite – été.pdf',
      );
      const reply = await request(app)
        .get('/file')
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      const body = reply.body as Buffer;
      expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(reply.headers).toMatchObject({
        'content-type': 'application/pdf',
        'content-length': String(body.length),
        'x-content-type-options': 'nosniff',
        'content-disposition': `attachment; filename="Carte de visite _ _t_.pdf"; filename*=UTF-8''Carte%20de%20visite%20%E2%80%93%20%C3%A9t%C3%A9.pdf`,
      });
      expect(JSON.stringify(reply.headers)).not.toContain((await client.context()).token);
    });

    it.each([404, 410] as const)(
      'an expired download (%i) goes to next(err): 410 GRAFX_DOWNLOAD_EXPIRED',
      async (expiredStatus) => {
        standIn.setOutputTasks({ expiredStatus });
        const { app, errors } = appFor(client, async (req) => {
          const { downloadURL } = await req.grafx.generateOutput('pdf', {}, FAST);
          standIn.expireDownloads();
          return downloadURL;
        });
        const reply = await request(app).get('/file').expect(410);
        expect(reply.body.code).toBe('GRAFX_DOWNLOAD_EXPIRED');
        expect(errors).toHaveLength(1);
      },
    );

    it('a plain ASCII file name needs no filename*', async () => {
      const { app } = appFor(
        client,
        async (req) => (await req.grafx.generateOutput('png', {}, FAST)).downloadURL,
        'card-1.png',
      );
      const reply = await request(app).get('/file').expect(200);
      expect(reply.headers['content-disposition']).toBe('attachment; filename="card-1.png"');
      expect(reply.headers['content-type']).toBe('image/png');
    });

    it.each([
      ['an empty name', ''],
      ['a name with a newline', 'a\nb.pdf'],
      ['a name of 300 characters', `${'a'.repeat(296)}.pdf`],
      ['a lone surrogate', 'a\ud800.pdf'],
    ])('refuses %s as filename (GRAFX_CONFIG_INVALID), asking the API nothing', async (_name, filename) => {
      const { app } = appFor(client, () => 'output/tasks/x/download', filename);
      const reply = await request(app).get('/file').expect(500);
      expect(reply.body.code).toBe('GRAFX_CONFIG_INVALID');
      expect(standIn.apiRequests).toHaveLength(0);
    });

    it('without grafxAuth before it, says so (GRAFX_CONFIG_INVALID)', async () => {
      const app = express();
      app.get('/file', (req, res, next) => void sendGrafxDownload(req, res, next, 'output/tasks/x/download'));
      app.use(jsonErrorHandler);
      const reply = await request(app).get('/file').expect(500);
      expect(reply.body).toMatchObject({ code: 'GRAFX_CONFIG_INVALID', message: expect.stringContaining('grafxAuth') });
    });

    it('a link outside the API goes to next(err) as GRAFX_LINK_REFUSED, never requested', async () => {
      const { app } = appFor(client, () => 'https://elsewhere.example/file.pdf');
      const reply = await request(app).get('/file').expect(502);
      expect(reply.body.code).toBe('GRAFX_LINK_REFUSED');
      expect(standIn.apiRequests).toHaveLength(0);
    });
  });

  describe('against a hostile API', () => {
    let api: HostileApi;
    let client: GrafxClient;
    let handler: HostileHandler;
    let app: Served;
    let state: ReturnType<typeof appFor>;
    beforeEach(async () => {
      handler = (_req, res) => sendProblem(res, 500, 'no handler');
      api = await hostileApi((req, res, request) => handler(req, res, request));
      client = clientFor(standIn, api.base);
      state = appFor(client, () => `${api.base}/output/tasks/t/download`);
      app = await serve(state.app);
    });
    afterEach(async () => {
      await app.close();
      await client.close();
      await api.close();
    });

    it('a download that never ends: the client going away closes the connection to the API', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        writeForever(res);
      };
      const { res, destroy } = await get(`${app.url}/file`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-length']).toBeUndefined();
      const upstream = api.seen[0]!;
      expect(upstream.authorization).toMatch(/^Bearer /);
      await new Promise((resolve) => res.once('data', resolve));
      destroy();
      await upstream.closed;
      await Promise.all(state.finished);
      expect(state.errors).toHaveLength(0);
    });

    it('a client that disconnects mid-stream (after 1 MB): the connection to the API is closed', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(TEN_GB) });
        writeForever(res);
      };
      const { res, destroy } = await get(`${app.url}/file`);
      expect(res.headers['content-length']).toBe(String(TEN_GB));
      let received = 0;
      await new Promise<void>((resolve) => {
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= 1024 * 1024) resolve();
        });
      });
      destroy();
      await api.seen[0]!.closed;
      await Promise.all(state.finished);
      expect(received).toBeGreaterThanOrEqual(1024 * 1024);
      expect(state.errors).toHaveLength(0);
    });

    it('a client that goes away before the first byte: the connection to the API is closed, nothing reported', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        res.flushHeaders();
      };
      const req = httpRequest(`${app.url}/file`, { agent: false });
      req.on('error', () => undefined);
      req.end();
      const upstream = await api.nextRequest();
      req.destroy();
      await upstream.closed;
      await Promise.all(state.finished);
      expect(state.errors).toHaveLength(0);
    });

    it('a 10 GB content-length is passed on; the body streams; the API breaking off cuts the response short', async () => {
      handler = (_req, res) => oneChunkThenHang(res, { 'content-length': String(TEN_GB) });
      const { res } = await get(`${app.url}/file`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-length']).toBe(String(TEN_GB));
      const ended = ending(res);
      await new Promise((resolve) => res.once('data', resolve)); // a chunk arrives while the API is still open
      expect(api.seen[0]!.isClosed()).toBe(false);
      api.seen[0]!.cut();
      expect(await ended).toMatchObject({ how: 'aborted' });
      await Promise.all(state.finished);
      expect(state.errors).toHaveLength(0);
    });

    it.each([
      ['with a content-length', { 'content-length': String(4 * CHUNK.length) }],
      ['chunked', {}],
    ])(
      'an error after the first byte (%s) destroys the response: never a complete-looking file',
      async (_name, headers) => {
        handler = (_req, res) => oneChunkThenHang(res, headers);
        const { res } = await get(`${app.url}/file`);
        expect(res.statusCode).toBe(200);
        const ended = ending(res);
        await new Promise((resolve) => res.once('data', resolve));
        api.seen[0]!.cut();
        const result = await ended;
        expect(result.how).toBe('aborted');
        expect(result.bytes).toBeLessThan(4 * CHUNK.length);
        await Promise.all(state.finished);
        expect(state.errors).toHaveLength(0);
      },
    );

    it.each([
      [
        'a 403 problem',
        403,
        (res: Parameters<HostileHandler>[1]) => sendProblem(res, 403, 'Forbidden', 'Missing permission'),
      ],
      ['a 500 problem', 500, (res: Parameters<HostileHandler>[1]) => sendProblem(res, 500, 'Internal Server Error')],
      [
        'headers then a cut connection',
        500,
        (res: Parameters<HostileHandler>[1]) => {
          res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '100' });
          res.flushHeaders();
          setImmediate(() => res.socket?.destroy());
        },
      ],
    ])(
      'an error before the first byte (%s) goes to next(err), nothing of the file sent',
      async (_name, status, answer) => {
        handler = (_req, res) => answer(res);
        const reply = await request(app.url).get('/file').expect(status);
        expect(reply.headers['content-type']).toMatch(/^application\/json/);
        expect(reply.headers['x-content-type-options']).toBeUndefined();
        expect(state.errors).toHaveLength(1);
      },
    );

    it('an expired download from the hostile API (410) is GRAFX_DOWNLOAD_EXPIRED', async () => {
      handler = (_req, res) => sendProblem(res, 410, 'Gone', 'The output is no longer available.');
      const reply = await request(app.url).get('/file').expect(410);
      expect(reply.body.code).toBe('GRAFX_DOWNLOAD_EXPIRED');
    });

    it('passes a well-formed upstream content-disposition on, and drops a malformed content-type', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'pdf please', 'content-disposition': 'inline; filename="out.pdf"' });
        res.end('%PDF-');
      };
      const reply = await request(app.url).get('/file').expect(200);
      expect(reply.headers['content-type']).toBe('application/octet-stream');
      expect(reply.headers['content-disposition']).toBe('inline; filename="out.pdf"');
    });
  });
});
