// __tests__/core/paginate-bounds.test.ts
// paginate() ends on its own: a cycle check over the pages seen, and a default time limit for the API's answers.
import { GRAFX_ERROR_CODES } from 'express-grafx-auth';
import { OWN_BASE_PATH, type OwnAnswer, clientFor, ownApi } from '../helpers/own-api.js';
import { rejection } from '../helpers/failure.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const listFailure = (promise: Promise<unknown>) =>
  rejection<{ code?: string; message: string; status?: number }>(promise);

/** Pages by their `page` query parameter (the first is `?page=A`): one item each, and the link `links[page]`. */
function linkedPages(links: Record<string, string>) {
  return (url: URL): OwnAnswer => {
    const page = url.searchParams.get('page') ?? 'A';
    return { status: 200, json: { data: [page], links: { nextPage: links[page] ?? null } } };
  };
}

describe('a next-page link back to a page already fetched is a loop', () => {
  it.each<[string, Record<string, string>, number]>([
    ['A → B → A', { A: '?page=B', B: '?page=A' }, 2],
    ['A → B → C → B', { A: '?page=B', B: '?page=C', C: '?page=B' }, 3],
    [
      'A → B → C → D → A (the first page, named in full)',
      { A: '?page=B', B: '?page=C', C: '?page=D', D: '?page=A' },
      4,
    ],
    ['B linking to itself with its query reordered', { A: '?page=B&x=1', B: '?x=1&page=B' }, 2],
    ['B linking to itself with a fragment', { A: '?page=B', B: '?page=B#again' }, 2],
    ['B linking to itself with a path escape', { A: '?page=B', B: `${OWN_BASE_PATH}/%74emplates?page=B` }, 2],
    ['B linking to itself with a query escape', { A: '?page=B', B: '?page=%42' }, 2],
    ['B → C → B with repeated parameters reordered', { A: '?page=B&t=1&t=2', B: '?page=C', C: '?t=2&page=B&t=1' }, 3],
  ])('%s: GRAFX_LIST_INVALID_RESPONSE (502), the looping page not requested again', async (_name, links, pages) => {
    const api = await ownApi(linkedPages(links));
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const items: unknown[] = [];
      const error = await listFailure(
        (async () => {
          for await (const item of grafx.paginate('/templates', { page: 'A' })) items.push(item);
        })(),
      );
      expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.LIST_INVALID_RESPONSE, status: 502 });
      expect(error.message).toContain('a loop');
      expect(api.seen).toHaveLength(pages);
      expect(items).toHaveLength(pages);
    } finally {
      await api.close();
    }
  });

  it('pages that differ only in a parameter value are different pages', async () => {
    const api = await ownApi((url) => {
      const page = Number(url.searchParams.get('page') ?? '0');
      return { status: 200, json: { data: [page], links: { nextPage: page < 30 ? `?page=${page + 1}` : null } } };
    });
    try {
      const grafx = await clientFor(standIn, api.base).context();
      expect(await collect(grafx.paginate('/templates'))).toHaveLength(31);
    } finally {
      await api.close();
    }
  });
});

describe('paginate() has a time limit for the API (timeoutMs, 5 minutes by default)', () => {
  it.each<[string, (page: number) => OwnAnswer]>([
    ['the first page never answers', () => 'hang'],
    [
      'a later page never answers',
      (page) => (page < 3 ? { status: 200, json: { data: [page], links: { nextPage: `?page=${page + 1}` } } } : 'hang'),
    ],
  ])('%s: GRAFX_LIST_TIMEOUT (504)', async (_name, answer) => {
    const api = await ownApi((url) => answer(Number(url.searchParams.get('page') ?? '0')));
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const error = await listFailure(collect(grafx.paginate('/templates', undefined, { timeoutMs: 300 })));
      expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.LIST_TIMEOUT, status: 504 });
      expect(error.message).toContain('300 ms');
    } finally {
      await api.close();
    }
  });

  it("the loop's own time between items does not count", async () => {
    const api = await ownApi((url) => {
      const page = Number(url.searchParams.get('page') ?? '0');
      return { status: 200, json: { data: [page], links: { nextPage: page < 2 ? `?page=${page + 1}` : null } } };
    });
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const items: unknown[] = [];
      // 3 × 1.2 s of the loop's own work against a 3 s limit for the API.
      for await (const item of grafx.paginate('/templates', undefined, { timeoutMs: 3000 })) {
        items.push(item);
        await new Promise((resolve) => setTimeout(resolve, 1200));
      }
      expect(items).toEqual([0, 1, 2]);
    } finally {
      await api.close();
    }
  }, 60_000);

  it('the caller’s signal still ends the wait with its own reason', async () => {
    const api = await ownApi(() => 'hang');
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const controller = new AbortController();
      const reason = new Error('stopped by the caller');
      const loop = collect(grafx.paginate('/templates', undefined, { signal: controller.signal }));
      setTimeout(() => controller.abort(reason), 20);
      await expect(loop).rejects.toBe(reason);
    } finally {
      await api.close();
    }
  });

  it.each<[string, unknown]>([
    ['zero', 0],
    ['negative', -1],
    ['a fraction', 1.5],
    ['past one hour', 3_600_001],
    ['a string', '1000'],
  ])('timeoutMs %s is refused', async (_name, timeoutMs) => {
    const grafx = await clientFor(standIn, 'http://127.0.0.1:9/grafx/api/v1/environment/env').context();
    expect(() => grafx.paginate('/templates', undefined, { timeoutMs: timeoutMs as number })).toThrow(/timeoutMs/);
  });
});
