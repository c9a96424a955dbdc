// __tests__/core/api-destination.test.ts
// The token goes only where the API is: the URL axios really requests, transport options, redirects out and back.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { type GrafxClient, type GrafxClientOptions, createGrafxClient } from 'express-grafx-auth';
import { type Served, serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

interface Seen {
  host: string;
  url: string;
  authorization: string | undefined;
}

/** A server that records every request (Host, path, Authorization) and answers with `route` (default: 200 `{}`). */
interface Recorder extends Served {
  seen: Seen[];
  port: number;
}

type Route = (req: IncomingMessage, res: ServerResponse, recorder: Recorder) => boolean;

async function recorder(route?: Route): Promise<Recorder> {
  const seen: Seen[] = [];
  const self = {} as Recorder;
  const served = await serve((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ host: req.headers.host ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    if (route?.(req, res, self) === true) return;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  return Object.assign(self, served, { seen, port: Number(new URL(served.url).port) });
}

let api: Recorder;
let other: Recorder;
let clients: GrafxClient[] = [];

/** Redirects of the API server: `/api/hop?to=<url>` answers 302 to `to`; `/api/refuse` answers 401. */
const apiRoutes: Route = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/api/refuse') {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"title":"Unauthorized"}');
    return true;
  }
  if (url.pathname === '/back') return otherRoutes(req, res, api);
  if (url.pathname === '/api/hop') {
    res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/' }).end();
    return true;
  }
  return false;
};

/** The other server sends `/back?to=<url>` on to `to` (a redirect back to the API). */
function otherRoutes(req: IncomingMessage, res: ServerResponse, _recorder: Recorder): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/back') {
    res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    return true;
  }
  return false;
}

beforeAll(async () => {
  api = await recorder(apiRoutes);
  other = await recorder(otherRoutes);
});
afterAll(async () => {
  await api.close();
  await other.close();
});
beforeEach(() => {
  api.seen.length = 0;
  other.seen.length = 0;
});
afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  clients = [];
});

function clientWith(options: Partial<GrafxClientOptions> = {}): GrafxClient {
  const client = createGrafxClient({
    ...standIn.options('cp-test'),
    apiBaseURL: `${api.url}/api`,
    ...options,
  } as GrafxClientOptions);
  clients.push(client);
  return client;
}

/** Settles a request whatever it does (a refused URL, a 404): only where it went matters here. */
async function settle(promise: Promise<unknown>): Promise<void> {
  await promise.then(
    () => undefined,
    () => undefined,
  );
}

/** Requests whose Host is not the API's own origin (`127.0.0.1:<api port>`), wherever they arrived. */
function offApi(): Seen[] {
  return [...api.seen.filter((seen) => seen.host !== `127.0.0.1:${api.port}`), ...other.seen];
}

type Shape = (api: AxiosInstance, where: { other: string; otherByName: string; apiByName: string }) => Promise<unknown>;

/**
 * Every way to make axios request another origin while the request looks like the API's: a falsy base with
 * `allowAbsoluteUrls: false` (axios uses a base only when it is truthy), set per request, in the defaults, or by an
 * app interceptor; protocol-relative and user-info URLs; the API server's own port under another host name.
 */
const ELSEWHERE: Array<[string, Shape, boolean]> = [
  [
    'baseURL "" with allowAbsoluteUrls: false',
    (a, w) => a.get(`${w.other}/x`, { allowAbsoluteUrls: false, baseURL: '' }),
    true,
  ],
  [
    'baseURL null with allowAbsoluteUrls: false',
    (a, w) => a.get(`${w.other}/x`, { allowAbsoluteUrls: false, baseURL: null } as unknown as AxiosRequestConfig),
    true,
  ],
  [
    'baseURL 0 with allowAbsoluteUrls: false',
    (a, w) => a.get(`${w.other}/x`, { allowAbsoluteUrls: false, baseURL: 0 } as unknown as AxiosRequestConfig),
    true,
  ],
  [
    'baseURL false with allowAbsoluteUrls: false',
    (a, w) => a.get(`${w.other}/x`, { allowAbsoluteUrls: false, baseURL: false } as unknown as AxiosRequestConfig),
    true,
  ],
  [
    'baseURL undefined-valued key with allowAbsoluteUrls: false',
    (a, w) => a.request({ url: `${w.other}/x`, allowAbsoluteUrls: false, baseURL: '' }),
    true,
  ],
  [
    'api.defaults.baseURL = "" and allowAbsoluteUrls: false',
    (a, w) => {
      a.defaults.baseURL = '';
      return a.get(`${w.other}/x`, { allowAbsoluteUrls: false });
    },
    true,
  ],
  [
    'api.defaults.baseURL = null and api.defaults.allowAbsoluteUrls = false',
    (a, w) => {
      (a.defaults as { baseURL: unknown }).baseURL = null;
      a.defaults.allowAbsoluteUrls = false;
      return a.get(`${w.other}/x`);
    },
    true,
  ],
  [
    'api.defaults replaced by an object without baseURL',
    (a, w) => {
      a.defaults = { ...a.defaults, baseURL: undefined, allowAbsoluteUrls: false } as typeof a.defaults;
      return a.get(`${w.other}/x`);
    },
    true,
  ],
  [
    'an app interceptor sets baseURL to false',
    (a, w) => {
      a.interceptors.request.use((config) => Object.assign(config, { baseURL: false, allowAbsoluteUrls: false }));
      return a.get(`${w.other}/x`);
    },
    true,
  ],
  [
    'an async app interceptor sets baseURL to "" and the URL to another origin',
    (a, w) => {
      a.interceptors.request.use(async (config) => Object.assign(config, { baseURL: '', url: `${w.other}/y` }));
      return a.get('/templates', { allowAbsoluteUrls: false });
    },
    true,
  ],
  ['an absolute URL of another origin', (a, w) => a.get(`${w.other}/x`), true],
  ['the API port under another host name', (a, w) => a.get(`${w.apiByName}/api/x`), true],
  ['baseURL of another origin, relative URL', (a, w) => a.get('/x', { baseURL: w.other }), true],
  ['baseURL of another origin by name', (a, w) => a.get('/x', { baseURL: w.otherByName }), true],
  [
    'user info that looks like the API host',
    (a, w) => a.get(`http://127.0.0.1:${api.port}@${new URL(w.other).host}/x`),
    true,
  ],
  ['protocol-relative URL with a falsy base', (a, w) => a.get(`//${new URL(w.other).host}/x`, { baseURL: '' }), false],
  ['a protocol-relative URL', (a, w) => a.get(`//${new URL(w.other).host}/x`), false],
  [
    'a protocol-relative URL with allowAbsoluteUrls: false',
    (a, w) =>
      a.get(`//${new URL(w.other).host}/x`, {
        allowAbsoluteUrls: false,
        baseURL: null,
      } as unknown as AxiosRequestConfig),
    false,
  ],
];

describe('the token goes only to the URL axios really requests', () => {
  it.each(ELSEWHERE)('%s: no token off the API', async (_name, shape, arrives) => {
    const client = clientWith();
    await client.getToken();
    const where = {
      other: other.url,
      otherByName: `http://localhost:${other.port}`,
      apiByName: `http://localhost:${api.port}`,
    };
    await settle(shape(client.api(), where));
    const off = offApi();
    if (arrives) expect(off.length).toBeGreaterThan(0);
    expect(off.filter((seen) => seen.authorization?.startsWith('Bearer') === true)).toEqual([]);
  });

  it.each([
    ['a relative path', (a: AxiosInstance) => a.get('/templates')],
    ['a path without a leading slash', (a: AxiosInstance) => a.get('templates')],
    ['the absolute API URL', (a: AxiosInstance) => a.get(`${api.url}/api/templates`)],
    [
      'allowAbsoluteUrls: false with the API base',
      (a: AxiosInstance) => a.get('/templates', { allowAbsoluteUrls: false }),
    ],
    ['a baseURL on the API origin', (a: AxiosInstance) => a.get('/x', { baseURL: `${api.url}/other-base` })],
  ])('%s: the API gets the token', async (_name, shape) => {
    const client = clientWith();
    const token = await client.getToken();
    await shape(client.api());
    expect(api.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${token}`]);
  });
});

describe('transport options that send a request elsewhere than its URL', () => {
  let socketDir: string;
  let socketServer: http.Server;
  const socketSeen: Seen[] = [];
  let second: http.Server | undefined;
  const secondSeen: Seen[] = [];

  beforeAll(async () => {
    socketDir = mkdtempSync(join(tmpdir(), 'grafx-socket-'));
    socketServer = http.createServer((req, res) => {
      socketSeen.push({ host: req.headers.host ?? '', url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => socketServer.listen(join(socketDir, 's.sock'), resolve));
    // A server on another loopback address with the API's port: what a lookup can send the API's host name to.
    second = http.createServer((req, res) => {
      secondSeen.push({ host: req.headers.host ?? '', url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve, reject) => {
      second!.once('error', reject).listen(api.port, '127.0.0.2', resolve);
    });
  });
  afterAll(async () => {
    socketServer.closeAllConnections();
    await new Promise((resolve) => socketServer.close(resolve));
    second?.closeAllConnections();
    await new Promise((resolve) => second?.close(resolve));
    rmSync(socketDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    socketSeen.length = 0;
    secondSeen.length = 0;
  });

  const toSecond: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all === true)
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: '127.0.0.2', family: 4 },
      ]);
    else callback(null, '127.0.0.2', 4);
  };
  class ElsewhereAgent extends http.Agent {
    override createConnection(options: object, callback?: unknown): ReturnType<http.Agent['createConnection']> {
      const create = http.Agent.prototype.createConnection as (
        o: object,
        c?: unknown,
      ) => ReturnType<http.Agent['createConnection']>;
      return create.call(this, { ...options, port: other.port, host: '127.0.0.1' }, callback);
    }
  }

  /** Each shape: the request config, and the list of requests where it arrives instead of the API. */
  const TRANSPORTS: Array<[string, () => AxiosRequestConfig, () => Seen[]]> = [
    ['socketPath', () => ({ socketPath: join(socketDir, 's.sock') }), () => socketSeen],
    [
      'a per-request proxy',
      () => ({ proxy: { protocol: 'http', host: '127.0.0.1', port: other.port } }),
      () => other.seen,
    ],
    [
      'a proxy given as a URL',
      () => ({ proxy: new URL(other.url) as unknown as AxiosRequestConfig['proxy'] }),
      () => other.seen,
    ],
    [
      'a custom lookup (API by host name)',
      // (an agent of its own: a pooled connection to the API's host name would skip the lookup)
      () => ({ lookup: toSecond as unknown as AxiosRequestConfig['lookup'], httpAgent: new http.Agent() }),
      () => secondSeen,
    ],
    [
      'a custom transport',
      () => ({
        transport: {
          request: (options: http.RequestOptions, callback: (res: IncomingMessage) => void) =>
            http.request({ ...options, port: other.port }, callback),
        },
      }),
      () => other.seen,
    ],
    [
      'an agent whose options name another port',
      () => ({ httpAgent: new http.Agent({ port: other.port } as http.AgentOptions) }),
      () => other.seen,
    ],
    [
      'an agent whose options name a socket path',
      () => ({ httpAgent: new http.Agent({ socketPath: join(socketDir, 's.sock') } as http.AgentOptions) }),
      () => socketSeen,
    ],
    ['an agent that makes its own connections', () => ({ httpAgent: new ElsewhereAgent() }), () => other.seen],
  ];

  it.each(TRANSPORTS)('%s: no token without the opt-in', async (_name, config, arrived) => {
    // The API by host name, so that a lookup has a name to resolve.
    const client = clientWith({ apiBaseURL: `http://localhost:${api.port}/api` });
    await client.getToken();
    await settle(client.api().get('/templates', config()));
    expect(arrived().length).toBeGreaterThan(0);
    expect(arrived().filter((seen) => seen.authorization !== undefined)).toEqual([]);
    expect([...api.seen, ...secondSeen, ...socketSeen, ...other.seen].filter((s) => s.authorization)).toEqual([]);
  });

  it.each([
    [
      'in defaults set by the app',
      (a: AxiosInstance) => {
        a.defaults.socketPath = join(socketDir, 's.sock');
        return a.get('/templates');
      },
    ],
    [
      'set by an app interceptor',
      (a: AxiosInstance) => {
        a.interceptors.request.use((config) => Object.assign(config, { socketPath: join(socketDir, 's.sock') }));
        return a.get('/templates');
      },
    ],
  ])('socketPath %s: no token', async (_name, shape) => {
    const client = clientWith();
    await client.getToken();
    await settle(shape(client.api()));
    expect(socketSeen.length).toBe(1);
    expect(socketSeen[0]!.authorization).toBeUndefined();
  });

  it("a keep-alive agent of the app (Node's own, connecting where the URL says) keeps the token", async () => {
    const client = clientWith();
    const token = await client.getToken();
    const agent = new http.Agent({ keepAlive: true });
    try {
      await client.api().get('/templates', { httpAgent: agent });
      expect(api.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${token}`]);
    } finally {
      agent.destroy();
    }
  });

  it("allowTokenThroughTransport: true lets socketPath and a proxy carry the token (the app's own choice)", async () => {
    const client = clientWith({ allowTokenThroughTransport: true } as Partial<GrafxClientOptions>);
    const token = await client.getToken();
    await client.api().get('/templates', { socketPath: join(socketDir, 's.sock') });
    await settle(client.api().get('/templates', { proxy: { protocol: 'http', host: '127.0.0.1', port: other.port } }));
    expect(socketSeen.map((seen) => seen.authorization)).toEqual([`Bearer ${token}`]);
    expect(other.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${token}`]);
  });
});

describe('a 401 after a redirect away from the API and back renews nothing', () => {
  /** `/api/hop` → `target` … → `/api/refuse` (401). */
  const bounce = (via: string, status = 302): string => {
    const back = `${api.url}/api/refuse`;
    const out = `${via}/back?to=${encodeURIComponent(back)}`;
    return `/hop?status=${status}&to=${encodeURIComponent(out)}`;
  };
  const ROUTES: Array<[string, (a: AxiosInstance) => Promise<unknown>]> = [
    ['302 through another port', (a) => a.get(bounce(other.url))],
    ['302 through the API port under another host name', (a) => a.get(bounce(`http://localhost:${api.port}`))],
    ['302 through another server by name', (a) => a.get(bounce(`http://localhost:${other.port}`))],
    ['307 POST through another port', (a) => a.post(bounce(other.url, 307), { a: 1 })],
    ['with a redirect hook of the app', (a) => a.get(bounce(other.url), { beforeRedirect: () => undefined })],
    [
      'with a redirect hook in the defaults',
      (a) => {
        a.defaults.beforeRedirect = () => undefined;
        return a.get(bounce(other.url));
      },
    ],
    [
      'two hops away before coming back',
      (a) => {
        const back = `${api.url}/api/refuse`;
        const second = `http://localhost:${other.port}/back?to=${encodeURIComponent(back)}`;
        const first = `${other.url}/back?to=${encodeURIComponent(second)}`;
        return a.get(`/hop?to=${encodeURIComponent(first)}`);
      },
    ],
  ];

  it.each(ROUTES)('%s: 401 handed back, no renewal, no requestRetried, not sent again', async (_name, shape) => {
    const client = clientWith();
    await client.getToken();
    const retried: unknown[] = [];
    client.on('requestRetried', (event) => retried.push(event));
    const before = standIn.counts.tokenRequests;
    const error = await shape(client.api()).then(
      () => undefined,
      (e: { response?: { status?: number } }) => e,
    );
    expect(error?.response?.status).toBe(401);
    expect(standIn.counts.tokenRequests).toBe(before);
    expect(retried).toEqual([]);
    expect(api.seen.filter((seen) => seen.url === '/api/refuse')).toHaveLength(1);
    expect(offApi().filter((seen) => seen.authorization !== undefined)).toEqual([]);
  });

  it('a redirect that stays on the API still renews on 401 and repeats the request once', async () => {
    const client = clientWith();
    await client.getToken();
    const retried: unknown[] = [];
    client.on('requestRetried', (event) => retried.push(event));
    const before = standIn.counts.tokenRequests;
    standIn.revokeTokens();
    await settle(client.api().get(`/hop?to=${encodeURIComponent('/api/refuse')}`));
    expect(standIn.counts.tokenRequests).toBe(before + 1);
    expect(retried).toHaveLength(1);
    expect(api.seen.filter((seen) => seen.url === '/api/refuse')).toHaveLength(2);
    expect(api.seen.every((seen) => seen.authorization !== undefined)).toBe(true);
  });
});
