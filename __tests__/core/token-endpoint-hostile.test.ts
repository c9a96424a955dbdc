// __tests__/core/token-endpoint-hostile.test.ts
// Hostile login server answers against a real local server: oversized and compressed bodies, lifetimes, echoes, types.
import http, { type ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { brotliCompressSync, createGzip, deflateSync, gzipSync } from 'node:zlib';
import axios, { type InternalAxiosRequestConfig } from 'axios';
import { type GrafxClient, GrafxAuthError, type GrafxClientOptions, createGrafxClient } from 'express-grafx-auth';
import {
  MAX_ACCESS_TOKEN_LENGTH,
  MAX_TOKEN_LIFETIME_SECONDS,
  MAX_TOKEN_RESPONSE_BYTES,
} from '../../lib/core/bounds.js';
import { type LoginAnswer, type LoginExchange, grant, json, useLoginServer } from '../helpers/login-server.js';
import { serve } from '../helpers/serve.js';

const CLIENT_ID = 'client:id é';
/** Characters that each encoding writes differently: space, +, /, =, ~, quote, backslash, :, &, %, non-ASCII. */
const SECRET = 'Sëcret+/=~ "\\:&%Ω-0123456789-abcdefXYZ';

const login = useLoginServer();
const clients: GrafxClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function clientFor(options: Partial<GrafxClientOptions> = {}): GrafxClient {
  const client = createGrafxClient({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    apiBaseURL: 'http://127.0.0.1:9/api',
    tokenURL: login.url,
    timeoutMs: 2000,
    ...options,
  });
  clients.push(client);
  return client;
}

async function failure(client: GrafxClient): Promise<GrafxAuthError> {
  const error: unknown = await client.getToken().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GrafxAuthError);
  return error as GrafxAuthError;
}

/** Every text an error exposes: message, JSON, and inspect with hidden properties and causes. */
function exposed(error: GrafxAuthError): string {
  return [error.message, JSON.stringify(error), inspect(error, { showHidden: true, depth: 8 })].join('\n');
}

/**
 * Fails if any 8-character piece of the secret (as sent, URL-, form- or JSON-encoded) is in `text`, or can be decoded
 * from a base64 run in it at any alignment.
 */
function expectNoSecret(text: string): void {
  const forms = [
    SECRET,
    encodeURIComponent(SECRET),
    new URLSearchParams({ s: SECRET }).toString().slice(2),
    JSON.stringify(SECRET).slice(1, -1),
  ];
  const leaks: string[] = [];
  for (const form of forms) {
    for (let i = 0; i + 8 <= form.length; i++)
      if (text.includes(form.slice(i, i + 8))) leaks.push(form.slice(i, i + 8));
  }
  const secretBytes = [Buffer.from(SECRET), Buffer.from(new URLSearchParams({ s: SECRET }).toString().slice(2))];
  for (const run of text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    for (let skip = 0; skip < 4; skip++) {
      const decoded = Buffer.from(run.slice(skip).replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      for (const bytes of secretBytes) {
        for (let i = 0; i + 8 <= bytes.length; i++) {
          if (decoded.includes(bytes.subarray(i, i + 8))) leaks.push(`base64 ${run}`);
        }
      }
    }
  }
  expect(leaks).toEqual([]);
}

const padding = (bytes: number): string => 'x'.repeat(bytes);
const compressed =
  (encoding: string, body: Buffer): LoginAnswer =>
  (res) =>
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding }).end(body);
/** JSON of a valid grant followed by `bytes` of whitespace: harmless when parsed, huge once inflated. */
const bomb = (bytes: number): Buffer =>
  Buffer.concat([Buffer.from(JSON.stringify({ access_token: 't', expires_in: 60 })), Buffer.alloc(bytes, 0x20)]);

describe('bounded reads: on the wire and after decompression', () => {
  const inflated = bomb(20 * 1024 * 1024); // 20 MiB once decompressed
  const bombs = {
    gzip: gzipSync(inflated, { level: 9 }),
    deflate: deflateSync(inflated, { level: 9 }),
    br: brotliCompressSync(inflated),
  };
  it.each<[string, LoginAnswer, RegExp]>([
    [
      'an uncompressed body past the cap (with content-length)',
      (res) => {
        const body = JSON.stringify({ access_token: 't', expires_in: 60, padding: padding(MAX_TOKEN_RESPONSE_BYTES) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      /larger than 65536 bytes \(content-length\)/,
    ],
    [
      'an uncompressed chunked body past the cap (no content-length)',
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"access_token":"t","expires_in":60,"padding":"`);
        for (let i = 0; i < 80; i++) res.write(padding(1024));
        res.end('"}');
      },
      /larger than 65536 bytes on the wire/,
    ],
    ['a gzip bomb (20 MiB in ~20 KiB)', compressed('gzip', bombs.gzip), /once decompressed/],
    ['a deflate bomb', compressed('deflate', bombs.deflate), /once decompressed/],
    ['a brotli bomb', compressed('br', bombs.br), /once decompressed/],
    ['an unknown content-encoding', compressed('zstd', Buffer.from('{}')), /unsupported content-encoding/],
    ['corrupt gzip data', compressed('gzip', Buffer.from('not gzip at all')), /not valid gzip data/],
  ])('%s is refused as GRAFX_TOKEN_INVALID_RESPONSE', async (_name, answer, message) => {
    login.answer(answer);
    const error = await failure(clientFor());
    expect(error).toMatchObject({ code: 'GRAFX_TOKEN_INVALID_RESPONSE', status: 502 });
    expect(error.message).toMatch(message);
  });

  it('the bombs are small on the wire: the cap that stops them is the one after decompression', () => {
    for (const body of Object.values(bombs)) expect(body.length).toBeLessThan(MAX_TOKEN_RESPONSE_BYTES);
  });

  it.each<[string, LoginAnswer]>([
    ['gzip', compressed('gzip', gzipSync(JSON.stringify({ access_token: 'gz-token', expires_in: 60 })))],
    ['deflate', compressed('deflate', deflateSync(JSON.stringify({ access_token: 'gz-token', expires_in: 60 })))],
    ['br', compressed('br', brotliCompressSync(JSON.stringify({ access_token: 'gz-token', expires_in: 60 })))],
  ])('a small %s answer is read', async (_encoding, answer) => {
    login.answer(answer);
    await expect(clientFor().getToken()).resolves.toBe('gz-token');
  });

  it.each<[string, boolean]>([
    ['plain', false],
    ['gzip', true],
  ])('an endless %s body is cut off: the socket is closed, nothing more is read', async (_name, gzip) => {
    const LIMIT = 1024 ** 3; // what the server would send at most: 1 GiB (decompressed, for gzip)
    let sent = 0;
    let closed = false;
    login.answer((res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      const sink = gzip ? createGzip() : res;
      if (gzip) sink.pipe(res);
      res.on('close', () => {
        closed = true;
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!closed && sent < LIMIT) {
          sent += chunk.length;
          if (!sink.write(chunk)) {
            sink.once('drain', pump);
            return;
          }
        }
        if (!closed) sink.end();
      };
      sink.write('{"access_token":"t","expires_in":60,"padding":"');
      pump();
    });
    const error = await failure(clientFor());
    expect(error.code).toBe('GRAFX_TOKEN_INVALID_RESPONSE');
    expect(error.message).toMatch(gzip ? /once decompressed/ : /on the wire/);
    for (let i = 0; i < 50 && !closed; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(LIMIT / 16);
  });

  it('an access_token longer than the cap is refused, even in a body within the cap', async () => {
    login.answer(grant({ access_token: 'a'.repeat(MAX_ACCESS_TOKEN_LENGTH + 1) }));
    const error = await failure(clientFor());
    expect(error.code).toBe('GRAFX_TOKEN_INVALID_RESPONSE');
    expect(error.message).toMatch(/access_token longer than 16384/);
    login.answer(grant({ access_token: 'a'.repeat(MAX_ACCESS_TOKEN_LENGTH) }));
    await expect(clientFor().getToken()).resolves.toHaveLength(MAX_ACCESS_TOKEN_LENGTH);
  });

  it('a slow trickle of a body ends at timeoutMs as GRAFX_TOKEN_TIMEOUT', async () => {
    const timers: NodeJS.Timeout[] = [];
    login.answer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":');
      timers.push(setTimeout(() => res.end('"late","expires_in":60}'), 5000));
    });
    const error = await failure(clientFor({ timeoutMs: 200 }));
    timers.forEach(clearTimeout);
    expect(error).toMatchObject({ code: 'GRAFX_TOKEN_TIMEOUT', status: 504 });
  });
});

describe('bounded values', () => {
  it.each<[string, unknown, RegExp]>([
    ['zero', 0, /below the minimum of 1 s/],
    ['negative', -60, /below the minimum/],
    ['half a second', 0.5, /below the minimum/],
    ['a tiny string', '0.001', /below the minimum/],
    ['not a number', 'soon', /no valid expires_in/],
    ['null', null, /no valid expires_in/],
    ['an object', { seconds: 60 }, /no valid expires_in/],
    ['missing', undefined, /no valid expires_in/],
  ])('expires_in %s is refused', async (_name, expiresIn, message) => {
    login.answer(grant({ expires_in: expiresIn }));
    const error = await failure(clientFor());
    expect(error.code).toBe('GRAFX_TOKEN_INVALID_RESPONSE');
    expect(error.message).toMatch(message);
  });

  it.each<[string, unknown]>([
    ['a year', 365 * 86_400],
    ['1e12 seconds', 1e12],
    ['1e308 seconds', 1e308],
    ['"1e400" (Infinity as a string)', '1e400'],
  ])('expires_in of %s is clamped to 48 h: valid dates in context, events and health', async (_name, expiresIn) => {
    const now = Date.UTC(2026, 11, 1);
    login.answer(grant({ expires_in: expiresIn }));
    const client = clientFor({ clock: () => now });
    const renewed: Array<{ expiresAt: Date }> = [];
    client.on('tokenRenewed', (event) => renewed.push(event));
    const context = await client.context();
    expect(context.expiresAt.getTime()).toBe(now + MAX_TOKEN_LIFETIME_SECONDS * 1000);
    expect(renewed[0]?.expiresAt.toISOString()).toBe(new Date(now + MAX_TOKEN_LIFETIME_SECONDS * 1000).toISOString());
    const health = client.health().integrations.default;
    expect(health?.expiresInSeconds).toBe(MAX_TOKEN_LIFETIME_SECONDS);
    expect(() => JSON.stringify(client.health())).not.toThrow();
    // and the token keeps being served (no RangeError on later requests)
    await expect(client.getToken()).resolves.toBe('token-1');
    expect(login.exchanges).toHaveLength(1);
  });

  it.each<[string, unknown, boolean]>([
    ['Bearer', 'Bearer', true],
    ['bearer', 'bearer', true],
    ['BEARER', 'BEARER', true],
    ['absent', undefined, true],
    ['mac', 'mac', false],
    ['DPoP', 'DPoP', false],
    ['N_A', 'N_A', false],
    ['empty', '', false],
    ['a number', 1, false],
    ['null', null, false],
  ])('token_type %s (accepted: %s)', async (_name, tokenType, accepted) => {
    login.answer(grant({ token_type: tokenType }));
    if (accepted) {
      await expect(clientFor().getToken()).resolves.toBe('token-1');
    } else {
      const error = await failure(clientFor());
      expect(error.code).toBe('GRAFX_TOKEN_INVALID_RESPONSE');
      expect(error.message).toMatch(/token_type other than Bearer/);
    }
  });

  it.each<[string, unknown]>([
    ['with CR LF', 'abc\r\nx-injected: 1'],
    ['with a space', 'abc def'],
    ['with non-ASCII', 'tökén'],
    ['an array', ['t']],
    ['inherited through __proto__', undefined],
  ])('an access_token %s is refused', async (name, token) => {
    login.answer((res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          name.includes('__proto__')
            ? '{"__proto__":{"access_token":"t"},"expires_in":60}'
            : JSON.stringify({ access_token: token, expires_in: 60 }),
        ),
    );
    expect((await failure(clientFor())).code).toBe('GRAFX_TOKEN_INVALID_RESPONSE');
  });
});

describe('errors that say what the server said', () => {
  const problem =
    (status: number, body: Record<string, unknown>): LoginAnswer =>
    (res) =>
      res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(body));
  const oauth =
    (status: number, error: string, description?: string): LoginAnswer =>
    (res) =>
      json(res, status, { error, error_description: description });

  const refusals: Array<[string, LoginAnswer, string, RegExp]> = [
    [
      '401 invalid_client',
      oauth(401, 'invalid_client', 'no such client'),
      'CREDENTIALS_REJECTED',
      /HTTP 401 invalid_client: no such client/,
    ],
    [
      '403 access_denied',
      oauth(403, 'access_denied', 'Unauthorized'),
      'CREDENTIALS_REJECTED',
      /access_denied: Unauthorized/,
    ],
    [
      '400 unauthorized_client',
      oauth(400, 'unauthorized_client'),
      'CREDENTIALS_REJECTED',
      /HTTP 400 unauthorized_client\)/,
    ],
    ['401 without a body', (res) => res.writeHead(401).end(), 'CREDENTIALS_REJECTED', /\(HTTP 401\)/],
    [
      '403 with HTML',
      (res) => res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>no</h1>'),
      'CREDENTIALS_REJECTED',
      /\(HTTP 403\)/,
    ],
    [
      '400 invalid_request',
      oauth(400, 'invalid_request', 'audience is missing'),
      'TOKEN_REQUEST_REFUSED',
      /invalid_request: audience is missing/,
    ],
    [
      '400 invalid_scope',
      oauth(400, 'invalid_scope', 'scope x unknown'),
      'TOKEN_REQUEST_REFUSED',
      /invalid_scope: scope x unknown/,
    ],
    [
      '400 invalid_target',
      oauth(400, 'invalid_target', 'resource unknown'),
      'TOKEN_REQUEST_REFUSED',
      /invalid_target: resource unknown/,
    ],
    [
      '400 unsupported_grant_type',
      oauth(400, 'unsupported_grant_type'),
      'TOKEN_REQUEST_REFUSED',
      /unsupported_grant_type/,
    ],
    [
      '400 invalid_grant',
      oauth(400, 'invalid_grant', 'grant revoked'),
      'TOKEN_REQUEST_REFUSED',
      /invalid_grant: grant revoked/,
    ],
    [
      '401 invalid_request (request, not credentials)',
      oauth(401, 'invalid_request', 'bad'),
      'TOKEN_REQUEST_REFUSED',
      /HTTP 401 invalid_request: bad/,
    ],
    [
      '400 problem+json',
      problem(400, { title: 'Bad audience', detail: 'audience "x" is not an API' }),
      'TOKEN_REQUEST_REFUSED',
      /HTTP 400 Bad audience: audience "x" is not an API/,
    ],
    [
      '401 problem+json',
      problem(401, { title: 'Unauthorized', status: 401 }),
      'CREDENTIALS_REJECTED',
      /HTTP 401 Unauthorized\)/,
    ],
    ['404 without a body (wrong tokenURL)', (res) => res.writeHead(404).end(), 'TOKEN_REQUEST_REFUSED', /\(HTTP 404\)/],
    [
      '503 problem+json',
      problem(503, { title: 'Maintenance', detail: 'back at 10:00' }),
      'TOKEN_SERVER_ERROR',
      /HTTP 503 Maintenance: back at 10:00/,
    ],
    [
      '500 OAuth server_error',
      oauth(500, 'server_error', 'db down'),
      'TOKEN_SERVER_ERROR',
      /HTTP 500 server_error: db down/,
    ],
    [
      '302 redirect',
      (res) => res.writeHead(302, { location: 'http://127.0.0.1:9/' }).end(),
      'TOKEN_INVALID_RESPONSE',
      /HTTP 302; redirects are not followed/,
    ],
  ];
  it.each(refusals.map(([name, answer, code, message]) => [name, code, message, answer] as const))(
    '%s -> GRAFX_%s, saying %s',
    async (_name, code, message, answer) => {
      login.answer(answer);
      const error = await failure(clientFor());
      expect(error.code).toBe(`GRAFX_${code}`);
      expect(error.status).toBe(code === 'TOKEN_RATE_LIMITED' ? 503 : 502);
      expect(error.message).toMatch(message);
    },
  );

  it('a redirect is never followed: its target receives nothing', async () => {
    let reached = 0;
    const target = await serve((_req: unknown, res: ServerResponse) => {
      reached++;
      json(res, 200, { access_token: 'stolen', expires_in: 60 });
    });
    try {
      for (const status of [301, 302, 303, 307, 308]) {
        login.answer((res) => res.writeHead(status, { location: `${target.url}/oauth/token` }).end());
        expect((await failure(clientFor())).code).toBe('GRAFX_TOKEN_INVALID_RESPONSE');
      }
      expect(reached).toBe(0);
    } finally {
      await target.close();
    }
  });

  it.each(['0', '-5'])(
    'Retry-After: %s still leaves the minimum backoff (no second request at once)',
    async (value) => {
      login.answer((res) => json(res, 429, { error: 'too_many_requests' }, { 'retry-after': value }));
      let now = Date.UTC(2026, 11, 1);
      const client = clientFor({ clock: () => now });
      await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_RATE_LIMITED', retryAfter: 0 });
      await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_RATE_LIMITED' });
      await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_RATE_LIMITED' });
      expect(login.exchanges).toHaveLength(1);
      // and once the minimum backoff (0.5 s) has passed, the server is asked again
      now += 500;
      await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_TOKEN_RATE_LIMITED' });
      expect(login.exchanges).toHaveLength(2);
    },
  );
});

describe('redaction that cannot be side-stepped', () => {
  const base64 = (text: string): string => Buffer.from(text).toString('base64');
  const formEncoded = (text: string): string => new URLSearchParams({ s: text }).toString().slice(2);
  const echoes: Array<[string, (exchange: LoginExchange) => string]> = [
    ['as sent', () => SECRET],
    ['URL-encoded', () => encodeURIComponent(SECRET)],
    ['URL-encoded, lower-case hex', () => encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ['form-encoded', () => formEncoded(SECRET)],
    ['JSON-escaped', () => JSON.stringify(SECRET).slice(1, -1)],
    [
      'JSON-escaped, ASCII only',
      () =>
        JSON.stringify(SECRET)
          .slice(1, -1)
          .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
    ['base64 of id:secret', () => base64(`${CLIENT_ID}:${SECRET}`)],
    ['base64url of id:secret', () => Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64url')],
    [
      'base64 of urlencoded id:secret (the Basic form)',
      () => base64(`${formEncoded(CLIENT_ID)}:${formEncoded(SECRET)}`),
    ],
    ['base64 with a prefix of any length', () => base64(`credentials were ${CLIENT_ID}:${SECRET} (rejected)`)],
    ['the whole request body as received', (exchange) => exchange.body],
    ['split by an ESC', () => `${SECRET.slice(0, 10)}\x1b[0m${SECRET.slice(10)}`],
    ['split by a zero-width space', () => `${SECRET.slice(0, 10)}\u200b${SECRET.slice(10)}`],
    ['split by CR LF', () => `${SECRET.slice(0, 10)}\r\n${SECRET.slice(10)}`],
    ['right at the truncation edge', () => `${'x'.repeat(185)}${SECRET}`],
    ['past the truncation edge', () => `${'x'.repeat(199)}${SECRET}`],
  ];

  it.each(echoes)('a server that echoes the secret %s in error_description: no trace of it', async (_name, echo) => {
    login.answer((res, exchange) =>
      json(res, 400, { error: 'invalid_request', error_description: `you sent ${echo(exchange)}` }),
    );
    const error = await failure(clientFor());
    expect(error.code).toBe('GRAFX_TOKEN_REQUEST_REFUSED');
    expectNoSecret(exposed(error));
  });

  it.each(echoes.slice(0, 6))('... and in a problem detail (%s)', async (_name, echo) => {
    login.answer((res, exchange) =>
      res
        .writeHead(503, { 'content-type': 'application/problem+json' })
        .end(JSON.stringify({ title: echo(exchange), detail: `secret=${echo(exchange)}` })),
    );
    expectNoSecret(exposed(await failure(clientFor())));
  });

  it('the Authorization header of client_secret_basic, echoed back, is redacted', async () => {
    login.answer((res, exchange) =>
      json(res, 401, { error: 'invalid_client', error_description: `got ${exchange.headers.authorization}` }),
    );
    const error = await failure(clientFor({ clientAuthMethod: 'client_secret_basic' }));
    expect(error.message).toMatch(/got Basic \[redacted\]/);
    expectNoSecret(exposed(error));
  });

  it('control characters in server text never reach a message (no forged log lines)', async () => {
    login.answer((res) =>
      json(res, 400, {
        error: 'invalid_request',
        error_description: 'bad\r\n2026-12-01 INFO admin logged in\x1b[2K\u202e\u2028end',
      }),
    );
    const { message } = await failure(clientFor());
    expect(message).toMatch(/\(HTTP 400 invalid_request: bad2026-12-01 INFO admin logged inend\)$/);
    // eslint-disable-next-line no-control-regex -- the control characters are what must be absent
    expect(message).not.toMatch(/[\r\n\x1b\u202e\u2028]/);
  });

  it('an error code that is not a plain OAuth code is not trusted as one', async () => {
    login.answer((res) => json(res, 400, { error: `invalid_client\r\n${SECRET}` }));
    const error = await failure(clientFor());
    expect(error.code).toBe('GRAFX_TOKEN_REQUEST_REFUSED');
    expectNoSecret(exposed(error));
  });
});

describe('isolation from what the app set up globally', () => {
  it('axios.defaults (transformRequest, common headers), default interceptors, http.globalAgent never see it', async () => {
    const seen: string[] = [];
    const record = (data: unknown): unknown => {
      seen.push(String(data));
      return data;
    };
    const defaults = axios.defaults;
    const transformRequest = defaults.transformRequest;
    defaults.transformRequest = [record, ...[transformRequest ?? []].flat()];
    defaults.headers.common['x-app-header'] = 'app';
    const interceptor = axios.interceptors.request.use((config: InternalAxiosRequestConfig) => {
      seen.push(JSON.stringify({ url: config.url, data: config.data }));
      return config;
    });
    // A socket the global agent would open for the login server (it has none yet: its port is new to this process).
    const globalAgent = http.globalAgent;
    const createConnection = globalAgent.createConnection.bind(globalAgent);
    globalAgent.createConnection = (options, callback) => {
      seen.push('http.globalAgent');
      return createConnection(options, callback);
    };
    try {
      for (const clientAuthMethod of ['client_secret_post', 'client_secret_basic'] as const) {
        await expect(clientFor({ clientAuthMethod }).getToken()).resolves.toBe('token-1');
      }
      expect(seen).toEqual([]);
      expect(login.exchanges).toHaveLength(2);
      for (const exchange of login.exchanges) expect(exchange.headers['x-app-header']).toBeUndefined();
    } finally {
      defaults.transformRequest = transformRequest;
      delete defaults.headers.common['x-app-header'];
      axios.interceptors.request.eject(interceptor);
      globalAgent.createConnection = createConnection;
    }
  });
});

describe('the request on the wire', () => {
  it('client_secret_post: credentials in the form body, no Authorization header', async () => {
    await clientFor({ audience: 'https://aud.example' }).getToken();
    const [exchange] = login.exchanges;
    expect(exchange?.method).toBe('POST');
    expect(exchange?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(exchange?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(exchange?.form ?? [])).toEqual({
      grant_type: 'client_credentials',
      audience: 'https://aud.example',
      client_id: CLIENT_ID,
      client_secret: SECRET,
    });
  });

  it('client_secret_basic: form-urlencoded id and secret, then base64 (RFC 6749 §2.3.1); neither in the body', async () => {
    await clientFor({ clientAuthMethod: 'client_secret_basic' }).getToken();
    const [exchange] = login.exchanges;
    const header = exchange?.headers.authorization ?? '';
    expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    expect(decoded).toBe('client%3Aid+%C3%A9:S%C3%ABcret%2B%2F%3D%7E+%22%5C%3A%26%25%CE%A9-0123456789-abcdefXYZ');
    const [id, secret] = decoded.split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
    expect([id, secret]).toEqual([CLIENT_ID, SECRET]);
    expect(exchange?.form.has('client_id')).toBe(false);
    expect(exchange?.form.has('client_secret')).toBe(false);
    expect(exchange?.body).not.toContain(encodeURIComponent(SECRET).slice(0, 8));
  });

  it('tokenParams are extra form fields (an array repeats the field), after grant_type and audience', async () => {
    await clientFor({
      tokenParams: { resource: ['https://a.example', 'https://b.example'], scope: 'read write' },
    }).getToken();
    const form = login.exchanges[0]?.form;
    expect(form?.getAll('resource')).toEqual(['https://a.example', 'https://b.example']);
    expect(form?.get('scope')).toBe('read write');
    expect(form?.get('grant_type')).toBe('client_credentials');
    expect(form?.getAll('client_id')).toEqual([CLIENT_ID]);
  });
});
