// __tests__/core/api-instance.test.ts
// Each integration's API client is a whole AxiosInstance of its own (defaults, interceptors, methods), over one shared core.
import axios, { type AxiosAdapter, AxiosHeaders } from 'axios';
import { createGrafxClient } from 'express-grafx-auth';
import { ownApi } from '../helpers/own-api.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

/** Two integrations of the stand-in's client, in environments cp-a and cp-b. */
const newClient = () =>
  createGrafxClient({
    integrations: {
      a: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'cp-a' },
      b: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'cp-b' },
    },
    tokenURL: standIn.tokenURL,
    apiBaseURL: standIn.apiBaseURL,
  });

/** An adapter of the app's: records the headers each request goes out with, then sends it over HTTP for real. */
function recordingAdapter() {
  const sent: Array<Record<string, unknown>> = [];
  const http = axios.getAdapter('http');
  const adapter: AxiosAdapter = (config) => {
    sent.push(AxiosHeaders.from(config.headers).toJSON());
    return http(config);
  };
  return { sent, adapter };
}

describe("an integration's API client", () => {
  it('keeps its defaults to itself: headers set on one never reach another', async () => {
    const client = newClient();
    const a = client.api('a');
    const b = client.api('b');
    const { sent, adapter } = recordingAdapter();
    a.defaults.headers.common['X-Tenant'] = 'a';
    a.defaults.adapter = adapter;
    b.defaults.adapter = adapter;
    expect((await a.get('/templates')).status).toBe(200);
    expect((await b.get('/templates')).status).toBe(200);
    expect(sent.map((headers) => headers['X-Tenant'])).toEqual(['a', undefined]);
    expect(a.defaults.baseURL).toBe(standIn.apiBaseURL('cp-a'));
    // what the app reads and sets is axios's own: no redirect hook of the package's
    expect(b.defaults.beforeRedirect).toBeUndefined();
    expect(b.defaults.baseURL).toBe(standIn.apiBaseURL('cp-b'));
    expect(standIn.apiRequests.map((r) => [r.environment, r.status])).toEqual([
      ['cp-a', 200],
      ['cp-b', 200],
    ]);
    await client.close();
  });

  it("runs an app's interceptors on its own requests only, and adds the token after them", async () => {
    const other = await ownApi(() => ({ status: 200, json: { ok: true } }));
    const client = newClient();
    try {
      const a = client.api('a');
      const urls: string[] = [];
      a.interceptors.request.use((config) => {
        urls.push(String(config.url));
        // an app's interceptor that sends one path elsewhere: that request must go without the token
        if (config.url === '/echo') config.baseURL = other.origin;
        return config;
      });
      a.interceptors.response.use((response) => {
        response.headers['x-seen-by-app'] = 'yes';
        return response;
      });
      const fromB = await client.api('b').get('/templates');
      expect(urls).toEqual([]);
      expect(fromB.headers['x-seen-by-app']).toBeUndefined();
      const fromA = await a.get('/templates');
      expect(fromA.headers['x-seen-by-app']).toBe('yes');
      expect(standIn.apiRequests.at(-1)).toMatchObject({
        environment: 'cp-a',
        status: 200,
        clientId: standIn.clientId,
      });
      await a.get('/echo');
      expect(urls).toEqual(['/templates', '/echo']);
      expect(other.seen.map((r) => [r.url, r.authorization])).toEqual([['/echo', undefined]]);
    } finally {
      await client.close();
      await other.close();
    }
  });

  it('still renews and retries once on a 401 when the app gave it interceptors of its own', async () => {
    const client = newClient();
    const a = client.api('a');
    let runs = 0;
    a.interceptors.request.use(async (config) => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
      return config;
    });
    const before = await client.getToken('a');
    standIn.revokeTokens();
    expect((await a.get('/templates')).status).toBe(200);
    expect(await client.getToken('a')).not.toBe(before);
    expect(standIn.apiRequests.map((r) => r.status)).toEqual([401, 200]);
    expect(runs).toBe(2); // the repeated request goes through the app's interceptors again, as any request would
    await client.close();
  });

  it("sends the token through an adapter of the app's, set per request or in its defaults", async () => {
    const client = newClient();
    const token = await client.getToken('a');
    const { sent, adapter } = recordingAdapter();
    expect((await client.api('a').get('/templates', { adapter })).status).toBe(200);
    client.api('b').defaults.adapter = adapter;
    expect((await client.api('b').get('/templates')).status).toBe(200);
    expect(sent.map((headers) => headers.Authorization)).toEqual([
      `Bearer ${token}`,
      `Bearer ${await client.getToken('b')}`,
    ]);
    // and renews through it: a 401 answered through the app's adapter is repeated once with a new token
    standIn.revokeTokens();
    expect((await client.api('a').get('/templates', { adapter })).status).toBe(200);
    expect(sent.slice(2).map((headers) => headers.Authorization)).toEqual([
      `Bearer ${token}`,
      `Bearer ${await client.getToken('a')}`,
    ]);
    expect(await client.getToken('a')).not.toBe(token);
    await client.close();
  });

  it('keeps sending the token when the app replaces its defaults object', async () => {
    const client = newClient();
    const api = client.api('a');
    // a new object, not a copy of the old one: only what the app put in it, and the package's own key kept
    api.defaults = { baseURL: standIn.apiBaseURL('cp-a'), timeout: 5_000 } as typeof api.defaults;
    expect((await api.get('/templates')).status).toBe(200);
    expect(standIn.apiRequests.at(-1)).toMatchObject({ environment: 'cp-a', status: 200, clientId: standIn.clientId });
    await client.close();
  });

  it('is callable, its methods work unbound, and getUri() is axios own', async () => {
    const client = newClient();
    const api = client.api('a');
    const { get, request, getUri } = api;
    expect((await get('/templates')).status).toBe(200);
    expect((await request({ url: '/templates' })).status).toBe(200);
    expect((await api('/templates')).status).toBe(200);
    expect((await api({ url: '/templates', method: 'get' })).status).toBe(200);
    expect(getUri({ url: '/templates', params: { limit: 1 } })).toBe(`${standIn.apiBaseURL('cp-a')}/templates?limit=1`);
    expect(standIn.apiRequests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(standIn.counts.tokenRequests).toBe(1);
    await client.close();
  });

  it('create() gives an ordinary axios instance with its defaults and none of the token logic', async () => {
    const client = newClient();
    await client.getToken('a');
    const child = client.api('a').create({ timeout: 2_000 });
    expect(child.defaults.baseURL).toBe(standIn.apiBaseURL('cp-a'));
    expect(child.defaults.timeout).toBe(2_000);
    expect(Object.keys(child.defaults).filter((key) => key.startsWith('__grafx'))).toEqual([]);
    expect(child.defaults.adapter).toEqual(axios.defaults.adapter);
    expect(child.defaults.beforeRedirect).toBeUndefined();
    // what the app set on its client's defaults goes to the instance create() makes
    const api = client.api('b');
    const hook = (): void => undefined;
    api.defaults.beforeRedirect = hook;
    api.defaults.adapter = 'http';
    expect(api.create().defaults).toMatchObject({ beforeRedirect: hook, adapter: 'http' });
    await expect(child.get('/templates')).rejects.toMatchObject({ response: { status: 401 } });
    expect(standIn.apiRequests.at(-1)).toMatchObject({ status: 401, clientId: undefined });
    expect(standIn.counts.tokenRequests).toBe(1);
    await client.close();
  });
});
