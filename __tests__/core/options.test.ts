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
