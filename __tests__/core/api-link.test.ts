// __tests__/core/api-link.test.ts
// Links the API hands back (download, task, next page) go through one check: same origin, under the base, no user info.
import { GRAFX_ERROR_CODES, type GrafxClient } from 'express-grafx-auth';
import { checkApiLink, apiBaseOf } from '../../lib/core/api-link.js';
import { type OwnApi, OWN_BASE_PATH, clientFor, ownApi } from '../helpers/own-api.js';
import { rejection } from '../helpers/failure.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();
const FAST = { pollIntervalMs: 1, maxPollIntervalMs: 2 };

let link: (origin: string) => unknown = () => undefined;
let server: OwnApi;
let client: GrafxClient;

beforeAll(async () => {
  server = await ownApi((url) => {
    if (url.pathname.endsWith('/output/pdf'))
      return { status: 202, json: { data: { taskId: 't1' }, links: { taskInfo: `${server.base}/output/tasks/t1` } } };
    if (url.pathname.endsWith('/output/tasks/t1'))
      return { status: 200, json: { data: {}, links: { download: link(server.origin) } } };
    if (url.pathname.endsWith('/list'))
      return { status: 200, json: { data: [1], links: { nextPage: link(server.origin) } } };
    return { status: 200, json: { data: [] } };
  });
});
afterAll(() => server.close());
beforeEach(() => {
  client = clientFor(standIn, server.base);
  server.seen.length = 0;
});
afterEach(() => client.close());

/** Links that must never be followed nor handed back: each a way around a case-by-case check. */
const REFUSED: Array<[string, (origin: string) => unknown]> = [
  ['another origin', () => 'https://other.example/file.pdf'],
  ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
  [
    'the same server under another host name',
    (origin) => origin.replace('127.0.0.1', 'localhost') + `${OWN_BASE_PATH}/x`,
  ],
  ['the same host on another port', () => `http://127.0.0.1:1${OWN_BASE_PATH}/x`],
  [
    'another environment on the same origin',
    (origin) => `${origin}/grafx/api/v1/environment/other/output/tasks/t1/download`,
  ],
  ['another environment as a path from the origin', () => '/grafx/api/v1/environment/other/x'],
  ['a base-path prefix that is not the base', (origin) => `${origin}${OWN_BASE_PATH}-evil/x`],
  ['dot segments out of the base', (origin) => `${origin}${OWN_BASE_PATH}/../other/x`],
  ['encoded dot segments', (origin) => `${origin}${OWN_BASE_PATH}/%2e%2e/other/x`],
  [
    'user and password on the API origin',
    (origin) => origin.replace('http://', 'http://user:pass@') + `${OWN_BASE_PATH}/x`,
  ],
  ['a user alone on the API origin', (origin) => origin.replace('http://', 'http://user@') + `${OWN_BASE_PATH}/x`],
  ['protocol-relative to another host', () => '//other.example/x'],
  ['a file URL', () => 'file:///etc/passwd'],
  ['a javascript URL', () => 'javascript:alert(1)'],
  ['a control character', (origin) => `${origin}${OWN_BASE_PATH}/x\n`],
  ['not a string', () => ({ href: 'x' })],
  ['an over-long link', (origin) => `${origin}${OWN_BASE_PATH}/${'a'.repeat(9000)}`],
];

describe('links.download of a finished task', () => {
  it.each(REFUSED)(
    '%s: refused (GRAFX_LINK_REFUSED / GRAFX_TASK_INVALID_RESPONSE), never handed back',
    async (_name, make) => {
      link = make;
      const error = await rejection<{ code?: string; message: string }>(
        client.generateOutput(undefined, 'pdf', {}, FAST),
      );
      expect([GRAFX_ERROR_CODES.LINK_REFUSED, GRAFX_ERROR_CODES.TASK_INVALID_RESPONSE]).toContain(error.code);
      expect(error.message).not.toContain('user:pass');
    },
  );

  it.each([
    ['an absolute link under the base', (origin: string) => `${origin}${OWN_BASE_PATH}/output/tasks/t1/download`],
    ['a path from the origin', () => `${OWN_BASE_PATH}/output/tasks/t1/download`],
    ['a path below the base', () => 'output/tasks/t1/download'],
  ])('%s: handed back as an absolute URL', async (_name, make) => {
    link = make;
    const result = await client.generateOutput(undefined, 'pdf', {}, FAST);
    expect(result.downloadURL).toBe(`${server.base}/output/tasks/t1/download`);
  });
});

describe('the task link of waitForTask and the next-page link', () => {
  it.each(REFUSED.filter(([name]) => name !== 'not a string'))(
    'waitForTask(%s): GRAFX_LINK_REFUSED, nothing requested',
    async (_name, make) => {
      const error = await rejection<{ code?: string }>(
        client.waitForTask(undefined, make(server.origin) as string, FAST),
      );
      expect(error.code).toBe(GRAFX_ERROR_CODES.LINK_REFUSED);
      expect(server.seen).toEqual([]);
    },
  );

  it.each(REFUSED)('nextPage %s: GRAFX_LINK_REFUSED, not followed', async (_name, make) => {
    link = make;
    const seen: unknown[] = [];
    const error = await rejection<{ code?: string }>(
      (async () => {
        for await (const item of client.paginate(undefined, '/list')) seen.push(item);
      })(),
    );
    expect(error.code).toBe(GRAFX_ERROR_CODES.LINK_REFUSED);
    expect(server.seen.map((request) => new URL(request.url, 'http://x').pathname)).toEqual([`${OWN_BASE_PATH}/list`]);
  });

  it('checkApiLink is the one check: it says why a link is refused', () => {
    const base = apiBaseOf('https://env.example/grafx/api/v1/environment/env');
    expect(checkApiLink('templates?x=1', base)).toEqual({
      url: new URL('https://env.example/grafx/api/v1/environment/env/templates?x=1'),
    });
    expect(checkApiLink('https://user:pw@env.example/grafx/api/v1/environment/env/x', base)).toEqual({
      refused: 'carries a user name or password',
    });
    expect(checkApiLink('https://other.example/x', base)).toEqual({
      refused: 'leads outside the API (https://other.example/x)',
    });
    expect(checkApiLink(42, base)).toEqual({ refused: 'is not a usable link' });
  });
});
