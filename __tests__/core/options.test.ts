// __tests__/core/options.test.ts
// parseOptions() and grafxAuth(): defaults, and bad configuration thrown at set-up time, naming the option.
import { GrafxAuthError, createGrafxClient, grafxAuth } from '../../lib/index.js';
import {
  DEFAULT_AUDIENCE,
  DEFAULT_CACHE_MAX,
  DEFAULT_REFRESH_WINDOW_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOKEN_URL,
  parseOptions,
} from '../../lib/core/options.js';
import { MAX_CACHE_MAX, MAX_TIMER_MS } from '../../lib/core/bounds.js';

const SECRET = 'very-secret-value-1234';
const one = { clientId: 'id', clientSecret: SECRET, environment: 'cp-abc-123' };

describe('parseOptions defaults', () => {
  it('fills every default for a single integration keyed "default"', () => {
    const resolved = parseOptions(one);
    expect(resolved.tokenURL).toBe(DEFAULT_TOKEN_URL);
    expect(resolved.tokenURL).toBe('https://integration-login.chiligrafx.com/oauth/token');
    expect(resolved.audience).toBe(DEFAULT_AUDIENCE);
    expect(resolved.audience).toBe('https://chiligrafx.com');
    expect(resolved.cacheMax).toBe(DEFAULT_CACHE_MAX);
    expect(resolved.refreshWindowMs).toBe(DEFAULT_REFRESH_WINDOW_MS);
    expect(resolved.timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
    expect(resolved.defaultIntegration).toBe('default');
    expect(resolved.integrations.get('default')).toMatchObject({
      clientId: 'id',
      environment: 'cp-abc-123',
      apiBaseURL: 'https://cp-abc-123.chili-publish.online/grafx/api/v1/environment/cp-abc-123',
    });
  });

  it('takes apiBaseURL as a string, as a function of the environment, and per integration (which wins)', () => {
    expect(
      parseOptions({ ...one, apiBaseURL: 'http://127.0.0.1:9/api/' }).integrations.get('default')?.apiBaseURL,
    ).toBe('http://127.0.0.1:9/api');
    const resolved = parseOptions({
      apiBaseURL: (env: string) => `https://${env}.chili-publish-sandbox.online/grafx/api/v1/environment/${env}`,
      integrations: {
        a: { clientId: 'a', clientSecret: 's', environment: 'env-a' },
        b: { clientId: 'b', clientSecret: 's', environment: 'env-b', apiBaseURL: 'http://127.0.0.1:1/b' },
      },
    });
    expect(resolved.integrations.get('a')?.apiBaseURL).toBe(
      'https://env-a.chili-publish-sandbox.online/grafx/api/v1/environment/env-a',
    );
    expect(resolved.integrations.get('b')?.apiBaseURL).toBe('http://127.0.0.1:1/b');
    expect(resolved.defaultIntegration).toBeUndefined();
  });

  it('accepts an integration with apiBaseURL and no environment', () => {
    const resolved = parseOptions({ clientId: 'id', clientSecret: 's', apiBaseURL: 'https://example.test/api' });
    expect(resolved.integrations.get('default')?.environment).toBeUndefined();
  });
});

describe('bad configuration throws at grafxAuth(...) time, naming the option', () => {
  it.each<[string, unknown, RegExp]>([
    ['missing clientId', { clientSecret: SECRET, environment: 'e' }, /`clientId` is required/],
    ['empty clientId', { ...one, clientId: '' }, /`clientId` is required/],
    ['missing clientSecret', { clientId: 'id', environment: 'e' }, /`clientSecret` is required/],
    ['clientSecret not a string', { ...one, clientSecret: 42 }, /`clientSecret` is required/],
    [
      'neither environment nor apiBaseURL',
      { clientId: 'id', clientSecret: SECRET },
      /`environment` is required.*apiBaseURL/,
    ],
    ['environment not a technical name', { ...one, environment: 'a/b?c' }, /`environment` must be/],
    ['tokenURL not a URL', { ...one, tokenURL: 'not a url' }, /`tokenURL` must be an absolute http\(s\) URL/],
    ['tokenURL not http', { ...one, tokenURL: 'ftp://x/y' }, /`tokenURL` must be an absolute http\(s\) URL/],
    ['apiBaseURL not a URL', { ...one, apiBaseURL: '/relative' }, /`apiBaseURL` must be an absolute/],
    ['refreshWindowMs negative', { ...one, refreshWindowMs: -1 }, /`refreshWindowMs` must be/],
    ['refreshWindowMs NaN', { ...one, refreshWindowMs: NaN }, /`refreshWindowMs` must be/],
    ['refreshWindowMs a string', { ...one, refreshWindowMs: '1000' }, /`refreshWindowMs` must be/],
    ['timeoutMs zero', { ...one, timeoutMs: 0 }, /`timeoutMs` must be a positive integer/],
    ['timeoutMs fractional', { ...one, timeoutMs: 1.5 }, /`timeoutMs` must be a positive integer/],
    ['cache.max zero', { ...one, cache: { max: 0 } }, /`cache.max` must be a positive integer/],
    ['cache not an object', { ...one, cache: 5 }, /`cache` must be an object/],
    ['a typo in an option', { ...one, timeoutMS: 5 }, /unsupported option, `timeoutMS`. Did you mean `timeoutMs`\?/],
    ['a typo in cache', { ...one, cache: { maxx: 5 } }, /`cache.maxx`. Did you mean `cache.max`\?/],
    ['both styles at once', { ...one, integrations: { a: one } }, /either `clientId`.*or `integrations`/],
    ['an empty integrations map', { integrations: {} }, /`integrations` is empty/],
    [
      'an integration without secret',
      { integrations: { a: { clientId: 'x', environment: 'e' } } },
      /`integrations.a.clientSecret` is required/,
    ],
    [
      'an integration without environment',
      { integrations: { a: { clientId: 'x', clientSecret: 's' } } },
      /`integrations.a.environment` is required/,
    ],
    [
      'a typo in an integration',
      { integrations: { a: { ...one, enviroment: 'x' } } },
      /`integrations.a.enviroment`. Did you mean `integrations.a.environment`\?/,
    ],
    [
      'several integrations without resolveIntegration',
      { integrations: { a: one, b: one } },
      /several integrations are configured \(a, b\): give `resolveIntegration`/,
    ],
    [
      'resolveIntegration not a function',
      { ...one, resolveIntegration: 'x-tenant' },
      /`resolveIntegration` must be a function/,
    ],
    ['no options at all', undefined, /options must be an object/],
    ['options not an object', 'id:secret', /options must be an object/],
  ])('%s', (_name, options, message) => {
    let thrown: unknown;
    try {
      grafxAuth(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GrafxAuthError);
    const error = thrown as GrafxAuthError;
    expect(error.code).toBe('GRAFX_CONFIG_INVALID');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(SECRET);
  });

  it('catches app.use(grafxAuth) without the call', () => {
    const fakeRequest = { method: 'GET', headers: {}, socket: {} };
    expect(() => grafxAuth(fakeRequest as never)).toThrow(/app.use\(grafxAuth\(\{ ... \}\)\)/);
  });

  it('points resolveIntegration given to createGrafxClient to grafxAuth', () => {
    expect(() => createGrafxClient({ ...one, resolveIntegration: () => 'a' } as never)).toThrow(
      /`resolveIntegration` is an option of grafxAuth\(\)/,
    );
  });

  it('accepts a client with several integrations plus a resolver, and a single integration without one', () => {
    const client = createGrafxClient({ integrations: { a: one, b: one } });
    expect(() => grafxAuth(client)).toThrow(/`resolveIntegration`/);
    expect(typeof grafxAuth(client, { resolveIntegration: () => 'a' })).toBe('function');
    expect(grafxAuth(one).client.integrations).toEqual(['default']);
  });
});

describe('bounds, transport and token request options (issue 9 §4, issue 10 §2)', () => {
  const configFailure = (options: unknown): GrafxAuthError => {
    try {
      parseOptions(options);
    } catch (error) {
      expect(error).toBeInstanceOf(GrafxAuthError);
      expect((error as GrafxAuthError).code).toBe('GRAFX_CONFIG_INVALID');
      return error as GrafxAuthError;
    }
    throw new Error('parseOptions accepted the options');
  };

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['timeoutMs past what a timer holds', { timeoutMs: 2 ** 31 }, /`timeoutMs` must be .* at most 2147483647/],
    ['timeoutMs of Infinity', { timeoutMs: Infinity }, /`timeoutMs` must be/],
    [
      'refreshWindowMs past what a timer holds',
      { refreshWindowMs: 2 ** 31 },
      /`refreshWindowMs` .* at most 2147483647/,
    ],
    ['refreshWindowMs of 1e300', { refreshWindowMs: 1e300 }, /`refreshWindowMs` must be/],
    ['cache.max past the maximum', { cache: { max: MAX_CACHE_MAX + 1 } }, /`cache.max` .* at most 100000/],
    ['cache.max of a billion', { cache: { max: 1e9 } }, /`cache.max` .* at most 100000/],
    [
      'a plain-http tokenURL to another host',
      { tokenURL: 'http://login.example.com/oauth/token' },
      /`tokenURL` uses plain http:\/\/ .*allowInsecureHttp/,
    ],
    [
      'a plain-http apiBaseURL to another host',
      { apiBaseURL: 'http://10.0.0.5/api' },
      /`apiBaseURL` uses plain http:\/\//,
    ],
    [
      'a plain-http apiBaseURL from the function',
      { apiBaseURL: (env: string) => `http://${env}.example/api` },
      /`apiBaseURL\("cp-abc-123"\)` uses plain http/,
    ],
    [
      'a tokenURL with credentials',
      { tokenURL: 'https://user:hunter2-pass@login.example/oauth/token' },
      /`tokenURL` must not carry credentials/,
    ],
    [
      'a loopback tokenURL with credentials',
      { tokenURL: 'http://user:hunter2-pass@127.0.0.1:9/t' },
      /`tokenURL` must not carry credentials/,
    ],
    [
      'an apiBaseURL with a user only',
      { apiBaseURL: 'https://hunter2-pass@api.example/' },
      /`apiBaseURL` must not carry credentials/,
    ],
    ['allowInsecureHttp not a boolean', { allowInsecureHttp: 'yes' }, /`allowInsecureHttp` must be true or false/],
    [
      'clientAuthMethod unknown',
      { clientAuthMethod: 'private_key_jwt' },
      /`clientAuthMethod` must be 'client_secret_post' or 'client_secret_basic'/,
    ],
    ['tokenParams not an object', { tokenParams: 'resource=x' }, /`tokenParams` must be an object/],
    ['tokenParams an array', { tokenParams: [['resource', 'x']] }, /`tokenParams` must be an object/],
    ['tokenParams.grant_type', { tokenParams: { grant_type: 'password' } }, /`tokenParams.grant_type` cannot be set/],
    ['tokenParams.client_id', { tokenParams: { client_id: 'other' } }, /`tokenParams.client_id` cannot be set/],
    [
      'tokenParams.client_secret',
      { tokenParams: { client_secret: SECRET } },
      /`tokenParams.client_secret` cannot be set/,
    ],
    [
      'tokenParams.audience',
      { tokenParams: { audience: 'x' } },
      /`tokenParams.audience` cannot be set in tokenParams: use the `audience` option/,
    ],
    [
      'a number in tokenParams',
      { tokenParams: { resource: 42 } },
      /`tokenParams.resource` must be a string or an array of strings/,
    ],
    ['an empty array in tokenParams', { tokenParams: { resource: [] } }, /`tokenParams.resource` must be a string/],
    ['a nested object in tokenParams', { tokenParams: { claims: { a: 1 } } }, /`tokenParams.claims` must be a string/],
    ['a huge tokenParams value', { tokenParams: { scope: 'x'.repeat(5000) } }, /at most 4096 characters/],
    [
      'too many tokenParams',
      { tokenParams: { resource: Array.from({ length: 33 }, (_, i) => `r${i}`) } },
      /at most 32 form fields/,
    ],
    [
      'a tokenParams name that is not a field name',
      { tokenParams: { 'a b\r\n': 'x' } },
      /`tokenParams` has a field name/,
    ],
  ])('%s is GRAFX_CONFIG_INVALID naming the option', (_name, extra, message) => {
    const error = configFailure({ ...one, ...extra });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain(SECRET);
  });

  it.each([
    'http://127.0.0.1:9/oauth/token',
    'http://127.10.0.1/t',
    'http://localhost:3000/t',
    'http://auth.localhost/t',
    'http://[::1]:8080/t',
    'http://[::ffff:127.0.0.1]:8080/t',
    'https://login.example.com/oauth/token',
  ])('allows %s without opting in', (tokenURL) => {
    expect(parseOptions({ ...one, tokenURL, apiBaseURL: tokenURL }).tokenURL).toBe(tokenURL);
  });

  it('allows plain http to another host with allowInsecureHttp: true', () => {
    const resolved = parseOptions({
      ...one,
      allowInsecureHttp: true,
      tokenURL: 'http://login.internal/oauth/token',
      apiBaseURL: 'http://api.internal/v1',
    });
    expect(resolved.allowInsecureHttp).toBe(true);
    expect(resolved.integrations.get('default')?.apiBaseURL).toBe('http://api.internal/v1');
  });

  it('takes the largest bounded values', () => {
    const resolved = parseOptions({
      ...one,
      timeoutMs: MAX_TIMER_MS,
      refreshWindowMs: MAX_TIMER_MS,
      cache: { max: MAX_CACHE_MAX },
    });
    expect([resolved.timeoutMs, resolved.refreshWindowMs, resolved.cacheMax]).toEqual([
      2 ** 31 - 1,
      2 ** 31 - 1,
      100_000,
    ]);
  });

  it.each<[string, unknown]>([
    ['a number', 987654321],
    ['a boolean', true],
    ['an object with toString', { toString: () => 'obj-secret-987654321' }],
    ['an array', ['arr-secret-987654321']],
    ['a bigint', 987654321n],
  ])('a clientSecret that is %s is refused without echoing its value', (_name, clientSecret) => {
    for (const options of [{ ...one, clientSecret }, { integrations: { a: { ...one, clientSecret } } }]) {
      const error = configFailure(options);
      expect(error.message).toMatch(/clientSecret` is required/);
      expect(error.message).not.toMatch(/987654321|secret-9/);
    }
  });

  it('resolves tokenParams to ordered form pairs and clientAuthMethod to its default', () => {
    const resolved = parseOptions({ ...one, tokenParams: { resource: ['https://a', 'https://b'], scope: 'read' } });
    expect(resolved.tokenParams).toEqual([
      ['resource', 'https://a'],
      ['resource', 'https://b'],
      ['scope', 'read'],
    ]);
    expect(resolved.clientAuthMethod).toBe('client_secret_post');
    expect(parseOptions({ ...one, clientAuthMethod: 'client_secret_basic' }).clientAuthMethod).toBe(
      'client_secret_basic',
    );
    expect(parseOptions(one).tokenParams).toEqual([]);
  });
});
