// __tests__/core/option-keys.test.ts
// Plausible wrong calls get a message that says what to do: misnamed options ("Did you mean"), the stand-in or the
// Redis client given where options belong, a misplaced or misspelt option of grafxAuth() and grafxTokenHandler().
import { Cluster, Redis } from 'ioredis';
import { GRAFX_ERROR_CODES, createGrafxClient, grafxAuth, grafxTokenHandler } from 'express-grafx-auth';
import { RedisTokenStore } from 'express-grafx-auth/redis';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();
const one = { clientId: 'id', clientSecret: 'secret-value', environment: 'cp-abc-123' };

/** The error `call` throws, which must be GRAFX_CONFIG_INVALID with the link to its reference section. */
function thrownBy(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.CONFIG_INVALID, status: 500 });
    const message = (error as Error).message;
    expect(message).toContain('errors.md#grafx_config_invalid');
    expect(message).not.toContain('secret-value');
    return message;
  }
  throw new Error('did not throw');
}

const client = () => createGrafxClient(one);
const redis = new Redis({ lazyConnect: true });
const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
afterAll(() => {
  redis.disconnect();
  cluster.disconnect();
});

describe('misnamed options get a "Did you mean"', () => {
  it.each<[string, () => unknown, RegExp]>([
    [
      'createGrafxClient({ secret })',
      () => createGrafxClient({ ...one, clientSecret: undefined, secret: 'secret-value' } as never),
      /unsupported option, `secret`\. Did you mean `clientSecret`\?/,
    ],
    [
      'createGrafxClient({ client_secret })',
      () => createGrafxClient({ clientId: 'id', environment: 'e', client_secret: 'secret-value' } as never),
      /`client_secret`\. Did you mean `clientSecret`\?/,
    ],
    [
      'createGrafxClient({ env })',
      () => createGrafxClient({ clientId: 'id', clientSecret: 'secret-value', env: 'cp-abc-123' } as never),
      /unsupported option, `env`\. Did you mean `environment`\?/,
    ],
    [
      'createGrafxClient({ timeout })',
      () => createGrafxClient({ ...one, timeout: 5 } as never),
      /`timeout`\. Did you mean `timeoutMs`\?/,
    ],
    [
      'createGrafxClient({ cache: { size } })',
      () => createGrafxClient({ ...one, cache: { maxx: 5 } } as never),
      /`cache\.maxx`\. Did you mean `cache\.max`\?/,
    ],
    [
      'grafxAuth({ env })',
      () => grafxAuth({ clientId: 'id', clientSecret: 'secret-value', env: 'cp-abc-123' } as never),
      /`env`\. Did you mean `environment`\?/,
    ],
    [
      'grafxAuth({ resolveIntegraton })',
      () => grafxAuth({ ...one, resolveIntegraton: () => 'a' } as never),
      /`resolveIntegraton`\. Did you mean `resolveIntegration`\?/,
    ],
    [
      'grafxAuth(client, { resolveIntegraton })',
      () => grafxAuth(client(), { resolveIntegraton: () => 'a' } as never),
      /`resolveIntegraton`\. Did you mean `resolveIntegration`\? grafxAuth\(client, options\) takes only/,
    ],
    [
      'grafxAuth(client, { resolveTenant })',
      () => grafxAuth(client(), { resolveTenant: () => 'a' } as never),
      /`resolveTenant`\. Did you mean `resolveIntegration`\?/,
    ],
    [
      'grafxAuth(client, { clientId })',
      () => grafxAuth(client(), { clientId: 'id' } as never),
      /unsupported option, `clientId`\. grafxAuth\(client, options\) takes only `resolveIntegration` and `resolveTimeoutMs`; the client's own options go to createGrafxClient\(\)/,
    ],
    [
      'grafxAuth(client, "acme")',
      () => grafxAuth(client(), 'acme' as never),
      /grafxAuth\(client, options\) must be an object/,
    ],
    [
      'grafxTokenHandler(client, { authorise })',
      () => grafxTokenHandler(client(), { authorise: () => true } as never),
      /`authorise`\. Did you mean `authorize`\?/,
    ],
    [
      'grafxTokenHandler({ …, authorise })',
      () => grafxTokenHandler({ ...one, browser: true, authorise: () => true } as never),
      /`authorise`\. Did you mean `authorize`\?/,
    ],
    [
      'grafxTokenHandler(client, { authorization })',
      () => grafxTokenHandler(client(), { authorization: () => true } as never),
      /`authorization`\. Did you mean `authorize`\?/,
    ],
    [
      'new RedisTokenStore({ redis })',
      () => new RedisTokenStore({ redis } as never),
      /`redis`\. Did you mean `client`\?/,
    ],
    [
      'new RedisTokenStore({ prefix })',
      () => new RedisTokenStore({ client: redis, prefix: 'x' } as never),
      /`prefix`\. Did you mean `keyPrefix`\?/,
    ],
  ])('%s', (_call, call, message) => {
    expect(thrownBy(call)).toMatch(message);
  });
});

describe('a thing given where its options belong gets told what to pass', () => {
  it.each<[string, () => unknown, RegExp]>([
    [
      'createGrafxClient(standIn)',
      () => createGrafxClient(standIn as never),
      /the local stand-in itself, not options: pass standIn\.options\(\)/,
    ],
    [
      'grafxAuth(standIn)',
      () => grafxAuth(standIn as never),
      /the local stand-in itself, not options: pass standIn\.options\(\)/,
    ],
    ['grafxTokenHandler(standIn)', () => grafxTokenHandler(standIn as never), /the local stand-in itself/],
    [
      'new RedisTokenStore(redis)',
      () => new RedisTokenStore(redis as never),
      /takes options, not the client: new RedisTokenStore\(\{ client: redis \}\)/,
    ],
    ['new RedisTokenStore(cluster)', () => new RedisTokenStore(cluster as never), /takes options, not the client/],
  ])('%s', (_call, call, message) => {
    expect(thrownBy(call)).toMatch(message);
  });

  it('the right calls still work', async () => {
    const made = createGrafxClient(standIn.options());
    expect(() => grafxAuth(made, { resolveIntegration: () => 'default' })).not.toThrow();
    expect(() => grafxTokenHandler(createGrafxClient({ ...standIn.options(), browser: true }), {})).not.toThrow();
    expect(() => new RedisTokenStore({ client: redis })).not.toThrow();
    await made.close();
  });
});
