// __tests__/core/proxy-rules.test.ts
// ProxyRules: which requests go through which proxy (the option, the environment as curl reads it, NO_PROXY), and bad values refused.
import { createGrafxClient } from 'express-grafx-auth';
import { ProxyRules } from '../../lib/core/proxy-rules.js';

const PROXY = 'http://proxy.example:3128';

function via(env: NodeJS.ProcessEnv, protocol: 'http:' | 'https:', host: string, port: number, option?: unknown) {
  const rules = ProxyRules.resolve(option, env);
  const proxy = rules?.proxyFor(protocol, host, port);
  return proxy === undefined ? 'direct' : `${proxy.host}:${proxy.port}`;
}

describe('ProxyRules', () => {
  it.each([
    // [environment, protocol, host, port, expected]
    [{}, 'https:', 'login.example', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY }, 'https:', 'login.example', 443, 'proxy.example:3128'],
    [{ https_proxy: 'proxy.example:8080' }, 'https:', 'login.example', 443, 'proxy.example:8080'],
    [
      { https_proxy: 'http://a.example:1', HTTPS_PROXY: 'http://b.example:2' },
      'https:',
      'x.example',
      443,
      'a.example:1',
    ],
    [{ HTTP_PROXY: PROXY }, 'https:', 'login.example', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY }, 'http:', 'login.example', 80, 'direct'],
    [{ http_proxy: PROXY }, 'http:', 'login.example', 80, 'proxy.example:3128'],
    [{ ALL_PROXY: PROXY }, 'http:', 'login.example', 80, 'proxy.example:3128'],
    [{ all_proxy: PROXY, HTTPS_PROXY: 'http://b.example:2' }, 'https:', 'x.example', 443, 'b.example:2'],
    [{ HTTPS_PROXY: 'http://proxy.example' }, 'https:', 'x.example', 443, 'proxy.example:80'],
    [{ HTTPS_PROXY: '  ' }, 'https:', 'x.example', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '*' }, 'https:', 'x.example', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'example.com' }, 'https:', 'example.com', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'example.com' }, 'https:', 'api.EXAMPLE.com', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'example.com' }, 'https:', 'notexample.com', 443, 'proxy.example:3128'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '.example.com' }, 'https:', 'a.b.example.com', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '*.example.com' }, 'https:', 'a.example.com', 443, 'direct'],
    [
      { HTTPS_PROXY: PROXY, no_proxy: 'other.example', NO_PROXY: 'x.example' },
      'https:',
      'x.example',
      443,
      'proxy.example:3128',
    ],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'x.example:8443' }, 'https:', 'x.example', 443, 'proxy.example:3128'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'x.example:8443' }, 'https:', 'x.example', 8443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '10.0.0.0/8' }, 'https:', '10.20.30.40', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '10.0.0.0/8' }, 'https:', '11.0.0.1', 443, 'proxy.example:3128'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '10.0.0.0/8' }, 'https:', '10.example', 443, 'proxy.example:3128'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '::1' }, 'https:', '[::1]', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '[::1]:443' }, 'https:', '::1', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'fd00::/8' }, 'https:', 'fd12::5', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'fd00::/8' }, 'https:', 'fe80::1', 443, 'proxy.example:3128'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: '127.0.0.1' }, 'https:', '127.0.0.2', 443, 'proxy.example:3128'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'a.example b.example,,c.example' }, 'https:', 'b.example', 443, 'direct'],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: 'example.com' }, 'https:', 'example.com.', 443, 'direct'],
  ] as const)('%j: %s//%s:%d goes %s', (env, protocol, host, port, expected) => {
    expect(via(env, protocol, host, port)).toBe(expected);
    // Asked again (the remembered decision) it is the same.
    expect(via(env, protocol, host, port)).toBe(expected);
  });

  it.each([
    [PROXY, {}, 'https:', 'proxy.example:3128'],
    [PROXY, { HTTPS_PROXY: 'http://other.example:1' }, 'https:', 'proxy.example:3128'],
    [PROXY, {}, 'http:', 'proxy.example:3128'],
    [PROXY, { NO_PROXY: 'x.example' }, 'https:', 'direct'],
    [false, { HTTPS_PROXY: PROXY }, 'https:', 'direct'],
  ] as const)('the option %p with %j for %s goes %s', (option, env, protocol, expected) => {
    expect(via(env, protocol, 'x.example', 443, option)).toBe(expected);
  });

  it('sends Basic credentials from the proxy URL (decoded), and only in the header', () => {
    const proxy = ProxyRules.resolve('http://us%40er:p%3Ass@proxy.example:3128', {})?.proxyFor('https:', 'x', 443);
    expect(proxy?.authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
  });

  it.each([
    ['https://proxy.example:3128', 'must be an http:// proxy URL'],
    ['socks5://proxy.example:1080', 'must be an http:// proxy URL'],
    ['http://proxy.example:3128/path', 'without a path or query'],
    ['http://proxy.example:3128/?q=1', 'without a path or query'],
    ['http://', 'is not a proxy URL'],
    ['', 'must be a proxy URL'],
    [true, 'must be a proxy URL'],
    [3128, 'must be a proxy URL'],
    [{ host: 'proxy' }, 'must be a proxy URL'],
  ])('refuses the `proxy` option %p, naming it and never echoing its value', (proxy, message) => {
    const attempt = (): unknown =>
      createGrafxClient({ clientId: 'a', clientSecret: 'b', environment: 'e', proxy } as never);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/GRAFX|`proxy`/);
  });

  it('refuses a bad proxy variable, naming the variable but not its value (it may hold a password)', () => {
    expect(() => ProxyRules.resolve(undefined, { HTTPS_PROXY: 'https://user:hunter2@proxy.example' })).toThrow(
      /HTTPS_PROXY must be an http:\/\/ proxy URL/,
    );
    try {
      ProxyRules.resolve(undefined, { HTTPS_PROXY: 'https://user:hunter2@proxy.example' });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });

  it.each([
    [{ ca: 'not a certificate' }, '`ca` must be a PEM certificate'],
    [{ ca: [] }, '`ca` must be a PEM certificate'],
    [{ ca: 42 }, '`ca` must be a PEM certificate'],
    [{ agent: {} as never, proxy: 'http://p:1' }, undefined],
    [{ agent: { https: {} } }, '`agent.https` must be an https.Agent'],
    [{ agent: { http: 'x' } }, '`agent.http` must be an http.Agent'],
    [{ agent: { socks: 1 } }, 'unsupported option, `agent.socks`'],
    [{ agent: 'x' }, '`agent` must be an object'],
  ])('checks the transport options %p', (extra, message) => {
    const attempt = (): unknown =>
      createGrafxClient({ clientId: 'a', clientSecret: 'b', environment: 'e', ...extra } as never);
    if (message === undefined) expect(attempt).not.toThrow();
    else expect(attempt).toThrow(message);
  });
});
