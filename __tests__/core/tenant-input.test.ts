// __tests__/core/tenant-input.test.ts
// Input from the app's own data: rows that throw while read, integration keys' length, the memory of unknown keys.
import {
  type GrafxClientOptions,
  type IntegrationConfig,
  type IntegrationLoader,
  MAX_INTEGRATION_KEY_LENGTH,
  createGrafxClient,
} from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

const SECRET = 'row-secret-never-shown';
const standIn = useStandIn({ clients: [{ clientId: 'row-client', clientSecret: SECRET }] });

const row = (key: string): IntegrationConfig => ({
  clientId: 'row-client',
  clientSecret: SECRET,
  environment: `env-${key.length}`,
});

const options = (loader: IntegrationLoader, extra: Partial<GrafxClientOptions> = {}): GrafxClientOptions => ({
  integrations: loader,
  tokenURL: standIn.tokenURL,
  apiBaseURL: standIn.apiBaseURL,
  ...extra,
});

const fail = (): never => {
  throw new TypeError(`could not decrypt column client_secret (${SECRET})`);
};

/** Rows that throw while the client reads them: a getter, a decrypting ORM column, Proxy traps, a revoked Proxy. */
const throwingRows: Array<[string, () => unknown]> = [
  [
    'a getter on clientSecret',
    () => ({
      clientId: 'row-client',
      get clientSecret(): string {
        return fail();
      },
      environment: 'env',
    }),
  ],
  ['a Proxy whose get trap throws', () => new Proxy({ clientId: 'row-client' }, { get: fail })],
  ['a Proxy whose ownKeys trap throws', () => new Proxy({ ...row('k') }, { ownKeys: fail })],
  ['a Proxy whose has trap throws', () => new Proxy({ ...row('k') }, { has: fail, get: fail })],
  ['a Proxy whose getPrototypeOf trap throws', () => new Proxy({ ...row('k') }, { getPrototypeOf: fail, get: fail })],
  [
    'a revoked Proxy',
    () => {
      const { proxy, revoke } = Proxy.revocable({ ...row('k') }, {});
      revoke();
      return proxy;
    },
  ],
  [
    'a getter on `then` (read to tell a promise apart)',
    () =>
      Object.defineProperty({ ...row('k') }, 'then', {
        get: fail,
      }),
  ],
  ['a promise of a Proxy whose get trap throws', () => Promise.resolve(new Proxy({}, { get: fail }))],
];

describe('a loaded row that throws while read', () => {
  it.each(throwingRows)(
    '%s: GRAFX_INTEGRATION_LOAD_FAILED (503) for the request, the cause kept, never a raw TypeError',
    async (_name, answer) => {
      const client = createGrafxClient(options(() => answer() as IntegrationConfig));
      const error: unknown = await client.getToken('acme').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'GrafxAuthError', code: 'GRAFX_INTEGRATION_LOAD_FAILED', status: 503 });
      expect((error as Error).message).not.toContain(SECRET);
      expect(JSON.stringify(error)).not.toContain(SECRET);
      expect(standIn.counts.tokenRequests).toBe(0);
      await client.close();
    },
  );

  it.each(throwingRows)(
    '%s on a reload: the warning names the cause, scrubbed of the held secret, not "undefined"',
    async (_name, answer) => {
      let now = Date.now();
      let reloaded = false;
      const warnings: string[] = [];
      const client = createGrafxClient(
        options((key) => (reloaded ? (answer() as IntegrationConfig) : row(key)), {
          clock: () => now,
          loading: { reloadAfterMs: 60_000 },
          logger: { warn: (message) => warnings.push(message) },
        }),
      );
      const token = await client.getToken('acme');
      reloaded = true;
      now += 60_000;
      await client.context('acme');
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      // The held credentials still serve.
      expect(await client.getToken('acme')).toBe(token);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('GRAFX_INTEGRATION_LOAD_FAILED: TypeError: ');
      expect(warnings[0]).not.toMatch(/undefined/);
      expect(warnings[0]).not.toContain(SECRET);
      await client.close();
    },
  );
});

describe('integration keys have a maximum length', () => {
  it.each<[string, number]>([
    ['one past the maximum', MAX_INTEGRATION_KEY_LENGTH + 1],
    ['8 KB', 8192],
    ['16 KB (a header can carry that)', 16_384],
  ])('a key of %s is unknown (400) without asking the loader or remembering it', async (_name, length) => {
    const calls: string[] = [];
    const client = createGrafxClient(
      options((key) => {
        calls.push(key);
        return row(key);
      }),
    );
    const key = 'k'.repeat(length);
    for (const attempt of [client.getToken(key), client.lookup(key), client.ready([key])]) {
      await expect(attempt).rejects.toMatchObject({
        code: 'GRAFX_INTEGRATION_UNKNOWN',
        status: 400,
        message: expect.stringContaining(`1 to ${MAX_INTEGRATION_KEY_LENGTH} characters`),
      });
    }
    expect(calls).toEqual([]);
    expect((await client.getToken('acme').then(() => client.health())).tenants.held).toBe(1);
    await client.close();
  });

  it('a key of exactly the maximum is loaded', async () => {
    const client = createGrafxClient(options(row));
    await expect(client.getToken('k'.repeat(MAX_INTEGRATION_KEY_LENGTH))).resolves.toEqual(expect.any(String));
    await client.close();
  });

  it.each<[string, string]>([
    ['longer than the maximum', 'k'.repeat(MAX_INTEGRATION_KEY_LENGTH + 1)],
    ['empty', ''],
  ])('a configured key %s is refused at set-up', (_name, key) => {
    expect(() =>
      createGrafxClient({
        integrations: { [key]: row('x'), other: row('y') },
        tokenURL: standIn.tokenURL,
        apiBaseURL: standIn.apiBaseURL,
      }),
    ).toThrow(expect.objectContaining({ code: 'GRAFX_CONFIG_INVALID' }) as Error);
  });
});

describe('the memory of unknown keys is bounded in bytes', () => {
  it.each<[string, number, number]>([
    ['256-character keys, 64 KiB', 256, 64 * 1024],
    ['36-character keys (UUIDs), 16 KiB', 36, 16 * 1024],
  ])('%s: the keys remembered hold no more than unknownMaxBytes', async (_name, length, unknownMaxBytes) => {
    const KEYS = 2000;
    const calls = new Map<string, number>();
    const client = createGrafxClient(
      options(
        (key) => {
          calls.set(key, (calls.get(key) ?? 0) + 1);
          return undefined;
        },
        { loading: { unknownMaxBytes, unknownMax: 1_000_000, unknownTtlMs: 3_600_000 } },
      ),
    );
    const keys = Array.from({ length: KEYS }, (_, i) => `${i}-`.padEnd(length, 'x'));
    for (const key of keys)
      await expect(client.getToken(key)).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_UNKNOWN' });
    // A remembered key is answered without the loader; a forgotten one asks it again (most recent first, so that
    // the keys asked again do not push out those still to be checked).
    for (const key of [...keys].reverse()) await client.getToken(key).catch(() => undefined);
    const remembered = keys.filter((key) => calls.get(key) === 1).length;
    expect(remembered).toBeGreaterThan(0);
    expect(remembered * 2 * length).toBeLessThanOrEqual(unknownMaxBytes);
    await client.close();
  });

  it.each<[string, unknown]>([
    ['zero', 0],
    ['below two keys of the longest length', 511],
    ['a string', '1MB'],
  ])('loading.unknownMaxBytes %s is refused', (_name, value) => {
    expect(() => createGrafxClient(options(row, { loading: { unknownMaxBytes: value as number } }))).toThrow(
      /loading\.unknownMaxBytes/,
    );
  });
});

describe('apiBaseURL is a base: no ?query, no #fragment', () => {
  const bases: Array<[string, string]> = [
    ['a query', '?x=1'],
    ['an empty query', '?'],
    ['a fragment', '#top'],
    ['an empty fragment', '#'],
    ['a query and a fragment', '?a=b#c'],
  ];
  const base = (suffix: string) => `${standIn.apiBaseURL('env')}${suffix}`;

  it.each(bases)('%s at the top level is refused at set-up', (_name, suffix) => {
    expect(() =>
      createGrafxClient({ ...standIn.options('env'), apiBaseURL: base(suffix), environment: undefined }),
    ).toThrow(/`apiBaseURL` must not have a \?query or #fragment/);
  });

  it.each(bases)('%s on a static integration is refused at set-up', (_name, suffix) => {
    expect(() =>
      createGrafxClient({
        integrations: { a: { clientId: 'row-client', clientSecret: SECRET, apiBaseURL: base(suffix) } },
        tokenURL: standIn.tokenURL,
      }),
    ).toThrow(/`integrations\.a\.apiBaseURL` must not have a \?query or #fragment/);
  });

  it.each(bases)('%s from the apiBaseURL function is refused at set-up', (_name, suffix) => {
    expect(() =>
      createGrafxClient({
        ...standIn.options('env'),
        apiBaseURL: (environment) => `${standIn.apiBaseURL(environment)}${suffix}`,
      }),
    ).toThrow(/must not have a \?query or #fragment/);
  });

  it.each(bases)(
    '%s in a loaded row fails that request (GRAFX_CONFIG_INVALID), no token asked',
    async (_name, suffix) => {
      const client = createGrafxClient({
        integrations: () => ({ clientId: 'row-client', clientSecret: SECRET, apiBaseURL: base(suffix) }),
        tokenURL: standIn.tokenURL,
      });
      await expect(client.getToken('acme')).rejects.toMatchObject({
        code: 'GRAFX_CONFIG_INVALID',
        message: expect.stringMatching(/apiBaseURL` must not have a \?query or #fragment/),
      });
      expect(standIn.counts.tokenRequests).toBe(0);
      await client.close();
    },
  );

  it('a base with a trailing slash, an encoded ? or # in its path, is still a base', () => {
    for (const apiBaseURL of [base('/'), base('%3Fx'), base('%23x')]) {
      expect(() => createGrafxClient({ ...standIn.options('env'), apiBaseURL, environment: undefined })).not.toThrow();
    }
  });
});
