// __tests__/core/proxy.test.ts
// Through a real forward proxy (Debian's tinyproxy): the token request and the API client follow one set of rules, CONNECT for https, a private CA.
import https from 'node:https';
import { GrafxAuthError, createGrafxClient, type GrafxClientOptions } from 'express-grafx-auth';
import { type GrafxStandIn, startGrafxStandIn } from 'express-grafx-auth/testing';
import { type TestCa, makeTestCa } from '../helpers/test-ca.js';
import { type Tinyproxy, startTinyproxy } from '../helpers/tinyproxy.js';
import { trackUnhandledRejections } from '../helpers/serve.js';

const SECRET = 'proxy-test-secret-never-logged';
const unhandled = trackUnhandledRejections();
const PROXY_VARIABLES = [
  'https_proxy',
  'HTTPS_PROXY',
  'http_proxy',
  'HTTP_PROXY',
  'all_proxy',
  'ALL_PROXY',
  'no_proxy',
  'NO_PROXY',
];

let ca: TestCa;
let proxy: Tinyproxy;
let secure: GrafxStandIn;
let plain: GrafxStandIn;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  ca = makeTestCa();
  const clients = [{ clientId: 'proxied-client', clientSecret: SECRET }];
  [proxy, secure, plain] = await Promise.all([
    startTinyproxy(),
    startGrafxStandIn({ clients, tls: { key: ca.key, cert: ca.cert } }),
    startGrafxStandIn({ clients }),
  ]);
  for (const name of PROXY_VARIABLES) saved[name] = process.env[name];
}, 60_000);
afterAll(async () => {
  await Promise.all([proxy?.stop(), secure?.close(), plain?.close()]);
});
afterEach(() => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = saved[name];
  }
  expect(unhandled).toEqual([]);
});

function options(standIn: GrafxStandIn, extra: Partial<GrafxClientOptions> = {}): GrafxClientOptions {
  return { ...standIn.options('cp-proxy'), timeoutMs: 20_000, ...extra };
}

/** What tinyproxy logs from now on (the log is shared by the tests of this file). */
function logFromNow(): () => string {
  const start = proxy.log().length;
  return () => proxy.log().slice(start);
}

const port = (url: string): string => new URL(url).port;

/** Gets a token and lists templates: both through whatever the client's rules say. */
async function tokenAndTemplates(clientOptions: GrafxClientOptions): Promise<string> {
  const client = createGrafxClient(clientOptions);
  try {
    const token = await client.getToken();
    const { data } = await client.api().get<{ data: unknown[] }>('/templates');
    expect(Array.isArray(data.data)).toBe(true);
    return token;
  } finally {
    await client.close();
  }
}

describe('https:// through the proxy (CONNECT) to a server whose certificate a private CA signed', () => {
  it('serves the token and the API through tunnels; the proxy log holds neither the secret nor the token', async () => {
    const log = logFromNow();
    const token = await tokenAndTemplates(options(secure, { proxy: proxy.url, ca: ca.ca }));
    const seen = log();
    const tokenPort = port(secure.tokenURL);
    const apiPort = port(secure.apiBaseURL('cp-proxy'));
    expect(seen).toContain(`CONNECT 127.0.0.1:${tokenPort}`);
    expect(seen).toContain(`CONNECT 127.0.0.1:${apiPort}`);
    for (const secret of [SECRET, token, 'client_secret', 'Bearer', '/oauth/token', '/templates']) {
      expect(seen).not.toContain(secret);
    }
  });

  it.each(['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'])(
    'follows %s from the environment (read when the client is made)',
    async (variable) => {
      process.env[variable] = proxy.url;
      const log = logFromNow();
      const token = await tokenAndTemplates(options(secure, { ca: ca.ca }));
      expect(log()).toContain(`CONNECT 127.0.0.1:${port(secure.tokenURL)}`);
      expect(log()).toContain(`CONNECT 127.0.0.1:${port(secure.apiBaseURL('cp-proxy'))}`);
      expect(log()).not.toContain(token);
    },
  );

  it('lower-case https_proxy wins over HTTPS_PROXY (as curl)', async () => {
    process.env.https_proxy = proxy.url;
    process.env.HTTPS_PROXY = 'http://127.0.0.1:1';
    const log = logFromNow();
    await tokenAndTemplates(options(secure, { ca: ca.ca }));
    expect(log()).toContain('CONNECT 127.0.0.1:');
  });

  it.each([
    ['NO_PROXY=127.0.0.1', { NO_PROXY: '127.0.0.1' }],
    ['no_proxy=*', { no_proxy: '*' }],
    ['no_proxy=localhost,127.0.0.0/8', { no_proxy: 'localhost, 127.0.0.0/8' }],
  ])('goes direct for the hosts of %s', async (_name, env) => {
    process.env.HTTPS_PROXY = proxy.url;
    Object.assign(process.env, env);
    const log = logFromNow();
    await tokenAndTemplates(options(secure, { ca: ca.ca }));
    expect(log()).not.toContain('CONNECT');
  });

  it('NO_PROXY with a port excludes only that port: the token request direct, the API through the proxy', async () => {
    process.env.HTTPS_PROXY = proxy.url;
    process.env.NO_PROXY = `127.0.0.1:${port(secure.tokenURL)}`;
    const log = logFromNow();
    await tokenAndTemplates(options(secure, { ca: ca.ca }));
    expect(log()).not.toContain(`CONNECT 127.0.0.1:${port(secure.tokenURL)}`);
    expect(log()).toContain(`CONNECT 127.0.0.1:${port(secure.apiBaseURL('cp-proxy'))}`);
  });

  it('`proxy: false` wins over the environment; an explicit `proxy` wins over another in the environment', async () => {
    process.env.HTTPS_PROXY = 'http://127.0.0.1:1';
    const log = logFromNow();
    await tokenAndTemplates(options(secure, { ca: ca.ca, proxy: false }));
    expect(log()).not.toContain('CONNECT');
    await tokenAndTemplates(options(secure, { ca: ca.ca, proxy: proxy.url }));
    expect(log()).toContain('CONNECT');
  });

  it('without the CA, the server is not trusted (through the proxy too): GRAFX_TOKEN_UNREACHABLE naming the TLS failure', async () => {
    const client = createGrafxClient(options(secure, { proxy: proxy.url }));
    try {
      const error = (await client.getToken().catch((e: unknown) => e)) as GrafxAuthError;
      expect(error.code).toBe('GRAFX_TOKEN_UNREACHABLE');
      expect(error.message).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    } finally {
      await client.close();
    }
  });

  it('uses the app’s own https agent for both (its CA), with no proxy of the package’s', async () => {
    process.env.HTTPS_PROXY = proxy.url;
    const agent = new https.Agent({ ca: ca.ca, keepAlive: true });
    const log = logFromNow();
    try {
      await tokenAndTemplates(options(secure, { agent: { https: agent } }));
      expect(log()).not.toContain('CONNECT');
    } finally {
      agent.destroy();
    }
  });
});

describe('plain http:// through the proxy', () => {
  it('sends the token request and the API requests to the proxy in absolute form', async () => {
    const log = logFromNow();
    await tokenAndTemplates(options(plain, { proxy: proxy.url }));
    const seen = log();
    expect(seen).toContain(`POST http://127.0.0.1:${port(plain.tokenURL)}/oauth/token`);
    expect(seen).toContain(
      `GET http://127.0.0.1:${port(plain.apiBaseURL('cp-proxy'))}/grafx/api/v1/environment/cp-proxy/templates`,
    );
    expect(seen).not.toContain(SECRET);
  });

  it('follows HTTP_PROXY and http_proxy, and NO_PROXY', async () => {
    for (const variable of ['http_proxy', 'HTTP_PROXY']) {
      process.env[variable] = proxy.url;
      const log = logFromNow();
      await tokenAndTemplates(options(plain));
      expect(log()).toContain(`POST http://127.0.0.1:${port(plain.tokenURL)}/oauth/token`);
      Reflect.deleteProperty(process.env, variable);
    }
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = '127.0.0.1';
    const log = logFromNow();
    await tokenAndTemplates(options(plain));
    expect(log()).not.toContain('POST http://');
  });
});

describe('a proxy that refuses or is gone', () => {
  it('a 403 to CONNECT: GRAFX_PROXY_REFUSED from the token request, and the API client’s error has the same code', async () => {
    const refusing = await startTinyproxy({ connectPorts: [443] });
    try {
      const client = createGrafxClient(options(secure, { proxy: refusing.url, ca: ca.ca }));
      const error = (await client.getToken().catch((e: unknown) => e)) as GrafxAuthError;
      expect(error).toBeInstanceOf(GrafxAuthError);
      expect(error.code).toBe('GRAFX_PROXY_REFUSED');
      expect(error.status).toBe(502);
      expect(error.message).toContain('403');
      expect(error.message).not.toContain(SECRET);
      await client.close();

      // The API through the refusing proxy, the token request direct (NO_PROXY names the login server's port).
      process.env.NO_PROXY = `127.0.0.1:${port(secure.tokenURL)}`;
      const apiOnly = createGrafxClient(options(secure, { proxy: refusing.url, ca: ca.ca }));
      const apiError = (await apiOnly
        .api()
        .get('/templates')
        .catch((e: unknown) => e)) as { code?: string; message: string };
      expect(apiError.code).toBe('GRAFX_PROXY_REFUSED');
      await apiOnly.close();
    } finally {
      await refusing.stop();
    }
  });

  it.each(['https', 'http'] as const)(
    'a proxy that died: GRAFX_PROXY_UNREACHABLE for an %s login server and API',
    async (scheme) => {
      const dead = await startTinyproxy();
      await dead.stop();
      const standIn = scheme === 'https' ? secure : plain;
      const client = createGrafxClient(options(standIn, { proxy: dead.url, ca: ca.ca }));
      try {
        const error = (await client.getToken().catch((e: unknown) => e)) as GrafxAuthError;
        expect(error.code).toBe('GRAFX_PROXY_UNREACHABLE');
        expect(error.status).toBe(502);
        expect(error.message).toContain('ECONNREFUSED');
      } finally {
        await client.close();
      }
      // The API through the dead proxy, the token request direct: the API client's error has the same code.
      process.env.NO_PROXY = `127.0.0.1:${port(standIn.tokenURL)}`;
      const apiOnly = createGrafxClient(options(standIn, { proxy: dead.url, ca: ca.ca }));
      try {
        const apiError = (await apiOnly
          .api()
          .get('/templates')
          .catch((e: unknown) => e)) as { code?: string; message: string };
        expect(apiError.code).toBe('GRAFX_PROXY_UNREACHABLE');
        expect(apiError.message).toContain('ECONNREFUSED');
      } finally {
        await apiOnly.close();
      }
    },
  );
});
