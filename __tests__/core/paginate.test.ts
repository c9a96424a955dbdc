// __tests__/core/paginate.test.ts
// paginate(): every item of every page over real HTTP (the stand-in, or a hostile server), lazily, within the API.
import { GRAFX_ERROR_CODES, type GrafxTemplate, createGrafxClient } from 'express-grafx-auth';
import { type OwnAnswer, OWN_BASE_PATH, clientFor, ownApi } from '../helpers/own-api.js';
import { rejection } from '../helpers/failure.js';
import { useStandIn } from '../helpers/stand-in.js';

const TEMPLATES = Array.from({ length: 23 }, (_, i) => ({
  id: `t-${String(i).padStart(2, '0')}`,
  name: `Template ${String.fromCharCode(97 + ((i * 7) % 26))}${i}`,
}));
const standIn = useStandIn({ templates: TEMPLATES });

const newClient = () => createGrafxClient(standIn.options('cp-test'));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** What the loop rejected with. */
const listFailure = (promise: Promise<unknown>) =>
  rejection<{ code?: string; message: string; status?: number }>(promise);

describe('against the stand-in', () => {
  it('yields every item of every page, in order, one request per page', async () => {
    const grafx = await newClient().context();
    const items = await collect(grafx.paginate<GrafxTemplate>('/templates', undefined, { pageSize: 5 }));
    expect(items.map((item) => item.id)).toEqual(TEMPLATES.map((template) => template.id));
    expect(standIn.apiRequests.map((r) => [r.method, r.path, r.status])).toEqual(
      Array.from({ length: 5 }, () => ['GET', '/templates', 200]),
    );
  });

  it('fetches a page only when the loop needs its first item', async () => {
    const grafx = await newClient().context();
    const iterator = grafx.paginate('/templates', {}, { pageSize: 5 })[Symbol.asyncIterator]();
    expect(standIn.counts.apiRequests).toBe(0);
    for (let i = 0; i < 5; i += 1) await iterator.next();
    expect(standIn.counts.apiRequests).toBe(1);
    await iterator.next();
    expect(standIn.counts.apiRequests).toBe(2);
  });

  it('sends sortBy and sortOrder with the first page only (the stand-in answers 400 to them with a page token)', async () => {
    const grafx = await newClient().context();
    const params = { sortBy: 'name', sortOrder: 'desc', search: 'template' };
    const names = (await collect(grafx.paginate<GrafxTemplate>('/templates', params, { pageSize: 4 }))).map(
      (item) => item.name,
    );
    expect(names).toEqual(
      TEMPLATES.map((template) => template.name)
        .sort()
        .reverse(),
    );
    expect(standIn.counts.apiRequests).toBe(6);
  });

  it('stops at maxItems without fetching a page beyond it', async () => {
    const grafx = await newClient().context();
    const items = await collect(grafx.paginate('/templates', undefined, { pageSize: 5, maxItems: 7 }));
    expect(items).toHaveLength(7);
    expect(standIn.counts.apiRequests).toBe(2);
    expect(await collect(grafx.paginate('/templates', undefined, { maxItems: 0 }))).toEqual([]);
    expect(standIn.counts.apiRequests).toBe(2);
  });

  it('fetches nothing more once the loop is left with break', async () => {
    const grafx = await newClient().context();
    const seen: string[] = [];
    for await (const item of grafx.paginate<GrafxTemplate>('/templates', undefined, { pageSize: 5 })) {
      seen.push(item.id);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['t-00', 't-01', 't-02']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(standIn.counts.apiRequests).toBe(1);
  });

  it('stops with signal.reason when aborted mid-list, and fetches no further page', async () => {
    const grafx = await newClient().context();
    const controller = new AbortController();
    const reason = new Error('the user went away');
    const seen: unknown[] = [];
    const loop = (async () => {
      for await (const item of grafx.paginate('/templates', undefined, { pageSize: 5, signal: controller.signal })) {
        seen.push(item);
        if (seen.length === 7) controller.abort(reason);
      }
    })();
    await expect(loop).rejects.toBe(reason);
    expect(seen).toHaveLength(7);
    expect(standIn.counts.apiRequests).toBe(2);
  });

  it('rejects at once, without a request, when the signal is already aborted', async () => {
    const grafx = await newClient().context();
    const signal = AbortSignal.abort();
    await expect(collect(grafx.paginate('/templates', undefined, { signal }))).rejects.toBe(signal.reason);
    expect(standIn.counts.apiRequests).toBe(0);
  });

  it('a 401 in the middle of the list renews the token once and goes on', async () => {
    const grafx = await newClient().context();
    const ids: string[] = [];
    for await (const item of grafx.paginate<GrafxTemplate>('/templates', undefined, { pageSize: 10 })) {
      ids.push(item.id);
      if (ids.length === 10) standIn.revokeTokens();
    }
    expect(ids).toHaveLength(TEMPLATES.length);
    expect(standIn.counts.apiUnauthorized).toBe(1);
    expect(standIn.counts.tokenRequests).toBe(2);
  });

  it('client.paginate(integration, …) lists through the named integration', async () => {
    const client = createGrafxClient({
      integrations: {
        acme: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'acme-env' },
        initech: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'initech-env' },
      },
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    });
    const items = await collect(client.paginate('initech', '/templates', { limit: 20 }));
    expect(items).toHaveLength(TEMPLATES.length);
    expect(new Set(standIn.apiRequests.map((r) => r.environment))).toEqual(new Set(['initech-env']));
    expect(() => client.paginate('nope', '/templates')).toThrow(
      expect.objectContaining({ code: 'GRAFX_INTEGRATION_UNKNOWN' }),
    );
    await client.close();
  });

  it('client.paginate() of an integration loaded on demand loads it when the loop starts', async () => {
    const client = createGrafxClient({
      integrations: async (key) =>
        key === 'acme'
          ? { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'acme-env' }
          : undefined,
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    });
    expect(await collect(client.paginate('acme', '/templates', {}, { pageSize: 10 }))).toHaveLength(TEMPLATES.length);
    expect(standIn.counts.apiRequests).toBe(3);
    await expect(collect(client.paginate('nope', '/templates'))).rejects.toMatchObject({
      code: GRAFX_ERROR_CODES.INTEGRATION_UNKNOWN,
    });
    await client.close();
  });

  it.each([
    ['an empty path', '', undefined, undefined],
    ['params that are no object', '/templates', 'search=x', undefined],
    ['pageSize 0', '/templates', undefined, { pageSize: 0 }],
    ['pageSize 1001', '/templates', undefined, { pageSize: 1001 }],
    ['pageSize 2.5', '/templates', undefined, { pageSize: 2.5 }],
    ['pageSize "5"', '/templates', undefined, { pageSize: '5' }],
    ['maxItems -1', '/templates', undefined, { maxItems: -1 }],
    ['a signal that is no AbortSignal', '/templates', undefined, { signal: { aborted: false } }],
  ])('throws GRAFX_CONFIG_INVALID at once for %s', async (_name, path, params, options) => {
    const grafx = await newClient().context();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => grafx.paginate(path, params as any, options as any)).toThrow(
      expect.objectContaining({ code: GRAFX_ERROR_CODES.CONFIG_INVALID }),
    );
    expect(standIn.counts.apiRequests).toBe(0);
  });
});

describe('against a hostile API', () => {
  /** A server whose pages are `pages[i]` (by `page` query parameter, first page without it). */
  async function pagedApi(pages: Array<(origin: string) => OwnAnswer>) {
    let origin = '';
    const api = await ownApi((url) => {
      const index = Number(url.searchParams.get('page') ?? '0');
      return pages[index]?.(origin) ?? { status: 404, json: { title: 'Not Found' } };
    });
    origin = api.origin;
    return api;
  }

  it('follows every form of next-page link: full URL, path from the origin, path below the API, query alone', async () => {
    const api = await pagedApi([
      (origin) => ({
        status: 200,
        json: { data: [0], links: { nextPage: `${origin}${OWN_BASE_PATH}/templates?page=1` } },
      }),
      () => ({ status: 200, json: { data: [1], links: { nextPage: `${OWN_BASE_PATH}/templates?page=2` } } }),
      () => ({ status: 200, json: { data: [2], links: { nextPage: 'templates?page=3' } } }),
      () => ({ status: 200, json: { data: [3], links: { nextPage: '?page=4' } } }),
      () => ({ status: 200, json: { data: [4], links: { nextPage: null } } }),
    ]);
    try {
      const grafx = await clientFor(standIn, api.base).context();
      expect(await collect(grafx.paginate('/templates'))).toEqual([0, 1, 2, 3, 4]);
      expect(api.seen.map((r) => r.url)).toEqual([
        `${OWN_BASE_PATH}/templates`,
        ...[1, 2, 3, 4].map((page) => `${OWN_BASE_PATH}/templates?page=${page}`),
      ]);
      expect(api.seen.every((r) => r.authorization?.startsWith('Bearer '))).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('drops sortBy and sortOrder once the link carries nextPageToken, and sends the other parameters again', async () => {
    const api = await pagedApi([
      () => ({
        status: 200,
        json: { data: [0], links: { nextPage: '?page=1&nextPageToken=abc&sortBy=name&sortOrder=asc' } },
      }),
      () => ({ status: 200, json: { data: [1] } }),
    ]);
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const params = { sortBy: 'name', sortOrder: 'desc', search: 'card' };
      expect(await collect(grafx.paginate('/templates', params, { pageSize: 1 }))).toEqual([0, 1]);
      const [first, second] = api.seen.map((r) => new URL(r.url, api.origin).searchParams);
      expect(Object.fromEntries(first!)).toEqual({ sortBy: 'name', sortOrder: 'desc', search: 'card', limit: '1' });
      expect(Object.fromEntries(second!)).toEqual({ page: '1', nextPageToken: 'abc', search: 'card', limit: '1' });
    } finally {
      await api.close();
    }
  });

  it('refuses a next-page link to another origin and never requests it', async () => {
    const foreign = await ownApi(() => ({ status: 200, json: { data: ['stolen'] } }));
    const api = await pagedApi([
      () => ({ status: 200, json: { data: [0], links: { nextPage: `${foreign.base}/templates?nextPageToken=x` } } }),
    ]);
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const seen: unknown[] = [];
      const error = await listFailure(
        (async () => {
          for await (const item of grafx.paginate('/templates')) seen.push(item);
        })(),
      );
      expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.LINK_REFUSED, status: 502 });
      expect(error.message).toContain(foreign.origin);
      expect(error.message).not.toContain('nextPageToken');
      expect(seen).toEqual([0]);
      expect(foreign.seen).toEqual([]);
    } finally {
      await Promise.all([api.close(), foreign.close()]);
    }
  });

  it.each([
    [
      'the same port under another host name',
      (origin: string) => `${origin.replace('127.0.0.1', 'localhost')}${OWN_BASE_PATH}/templates`,
    ],
    ['another environment on the same origin', () => '/grafx/api/v1/environment/other/templates?nextPageToken=x'],
    ['a path climbing out of the base', () => `${OWN_BASE_PATH}/../other/templates`],
    ['an encoded climb out of the base', (origin: string) => `${origin}${OWN_BASE_PATH}/%2e%2e/other/templates`],
    ['a protocol-relative URL to another host', () => '//example.com/grafx/api/v1/environment/env/templates'],
    ['a javascript: link', () => 'javascript:alert(1)'],
    ['a link with a line break', () => 'templates?page=1\r\nx-evil: 1'],
    ['a link of 9000 characters', () => `templates?nextPageToken=${'a'.repeat(9000)}`],
    ['a number', () => 42],
  ])('refuses a next-page link to %s (GRAFX_LINK_REFUSED)', async (_name, link) => {
    const api = await pagedApi([(origin) => ({ status: 200, json: { data: [0], links: { nextPage: link(origin) } } })]);
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const error = await listFailure(collect(grafx.paginate('/templates')));
      expect(error.code).toBe(GRAFX_ERROR_CODES.LINK_REFUSED);
      expect(api.seen).toHaveLength(1);
    } finally {
      await api.close();
    }
  });

  it('stops with GRAFX_LIST_INVALID_RESPONSE when a next-page link leads to the page just fetched', async () => {
    const api = await pagedApi([
      () => ({ status: 200, json: { data: [0], links: { nextPage: '?page=1' } } }),
      () => ({ status: 200, json: { data: [1], links: { nextPage: '?page=1' } } }),
    ]);
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const error = await listFailure(collect(grafx.paginate('/templates')));
      expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.LIST_INVALID_RESPONSE, status: 502 });
      expect(error.message).toContain('loop');
      expect(api.seen).toHaveLength(2);
    } finally {
      await api.close();
    }
  });

  it('stops with GRAFX_LIST_INVALID_RESPONSE after 100 empty pages in a row that each link to a new one', async () => {
    const api = await ownApi((url) => {
      const page = Number(url.searchParams.get('page') ?? '0');
      return { status: 200, json: { data: page === 0 ? [0] : [], links: { nextPage: `?page=${page + 1}` } } };
    });
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const error = await listFailure(collect(grafx.paginate('/templates')));
      expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.LIST_INVALID_RESPONSE });
      expect(error.message).toContain('100 empty pages');
      expect(api.seen).toHaveLength(102);
    } finally {
      await api.close();
    }
  });

  it('refuses a first path that is a URL outside the API, at the call and without a request', async () => {
    const grafx = await clientFor(standIn, 'http://127.0.0.1:9/grafx/api/v1/environment/env').context();
    for (const path of ['http://127.0.0.1:9/grafx/api/v1/environment/other/templates', '//example.com/templates']) {
      expect(() => grafx.paginate(path)).toThrow(expect.objectContaining({ code: GRAFX_ERROR_CODES.LINK_REFUSED }));
    }
    expect(() => grafx.paginate('http://127.0.0.1:9/grafx/api/v1/environment/env/templates')).not.toThrow();
  });

  it.each([
    ['an array', { status: 200, json: [1, 2] }],
    ['data that is no array', { status: 200, json: { data: 'x' } }],
    ['links that are no object', { status: 200, json: { data: [], links: 'next' } }],
    ['an HTML page', { status: 200, text: '<html>sign in</html>' }],
    ['no body', { status: 204 }],
  ] as Array<[string, OwnAnswer]>)(
    'stops with GRAFX_LIST_INVALID_RESPONSE on a page that is %s',
    async (_name, answer) => {
      const api = await pagedApi([() => answer]);
      try {
        const grafx = await clientFor(standIn, api.base).context();
        const error = await listFailure(collect(grafx.paginate('/templates')));
        expect(error.code).toBe(GRAFX_ERROR_CODES.LIST_INVALID_RESPONSE);
      } finally {
        await api.close();
      }
    },
  );

  it('aborts the page request in flight', async () => {
    const api = await pagedApi([
      () => ({ status: 200, json: { data: [0], links: { nextPage: '?page=1' } } }),
      () => 'hang',
    ]);
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const controller = new AbortController();
      const iterator = grafx.paginate('/templates', undefined, { signal: controller.signal })[Symbol.asyncIterator]();
      expect(await iterator.next()).toEqual({ done: false, value: 0 });
      const pending = iterator.next();
      while (api.seen.length < 2) await new Promise((resolve) => setImmediate(resolve));
      const reason = new Error('stop');
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
    } finally {
      await api.close();
    }
  });

  it('hands API errors on as the axios error (status and problem intact)', async () => {
    const api = await pagedApi([
      () => ({ status: 200, json: { data: [0], links: { nextPage: '?page=1' } } }),
      () => ({ status: 403, json: { type: 'about:blank', title: 'Forbidden', status: '403' } }),
    ]);
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const error = (await listFailure(collect(grafx.paginate('/templates')))) as unknown as {
        response: { status: number; data: unknown };
      };
      expect(error.response.status).toBe(403);
    } finally {
      await api.close();
    }
  });
});
