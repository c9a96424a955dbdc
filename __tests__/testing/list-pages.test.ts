// __tests__/testing/list-pages.test.ts
// The stand-in's paged lists: full-URL next-page links, sorting carried by the page token, the 400 for both.
import axios from 'axios';
import { createGrafxClient } from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

const TEMPLATES = ['delta', 'alpha', 'echo', 'charlie', 'bravo'].map((name, i) => ({ id: `id-${i}`, name }));
const standIn = useStandIn({ templates: TEMPLATES });

/** GET on the environment API with a valid token, whatever the status. */
async function get(url: string) {
  const token = await createGrafxClient(standIn.options('cp-test')).getToken();
  return axios.get(url, { headers: { authorization: `Bearer ${token}` }, validateStatus: () => true });
}
const base = () => standIn.apiBaseURL('cp-test');

it('keeps the configured order without sortBy; links.nextPage is a full URL with nextPageToken', async () => {
  const first = await get(`${base()}/templates?limit=2&search=a`);
  expect(first.status).toBe(200);
  expect(first.data.data.map((t: { name: string }) => t.name)).toEqual(['delta', 'alpha']);
  const next = new URL(first.data.links.nextPage as string);
  expect(next.origin + next.pathname).toBe(`${base()}/templates`);
  expect(Object.fromEntries(next.searchParams)).toEqual({
    limit: '2',
    search: 'a',
    nextPageToken: expect.any(String),
  });
});

it('sorts by name or id, asc or desc, across pages: the token carries the sort, the link has no sort parameters', async () => {
  let url: string | null = `${base()}/templates?limit=2&sortBy=name&sortOrder=desc`;
  const names: string[] = [];
  while (url !== null) {
    const page: { status: number; data: { data: Array<{ name: string }>; links: { nextPage: string | null } } } =
      await get(url);
    expect(page.status).toBe(200);
    names.push(...page.data.data.map((t) => t.name));
    url = page.data.links.nextPage;
    if (url !== null) expect(new URL(url).searchParams.has('sortBy')).toBe(false);
  }
  expect(names).toEqual(['echo', 'delta', 'charlie', 'bravo', 'alpha']);
  const byId = await get(`${base()}/templates?sortBy=id&sortOrder=desc`);
  expect(byId.data.data[0].id).toBe('id-4');
});

it('answers 400 to sort parameters sent with nextPageToken, as the platform does', async () => {
  const first = await get(`${base()}/templates?limit=2&sortBy=name`);
  for (const sort of ['sortBy=name', 'sortOrder=asc']) {
    const again = await get(`${first.data.links.nextPage as string}&${sort}`);
    expect(again.status).toBe(400);
    expect(again.data.detail).toBe('Sorting options should not be provided when Next Page Token is provided.');
  }
});

it.each(['sortBy=size', 'sortOrder=up'])('answers 400 to %s', async (query) => {
  expect((await get(`${base()}/templates?${query}`)).status).toBe(400);
});
