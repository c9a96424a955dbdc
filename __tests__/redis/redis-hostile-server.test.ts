// __tests__/redis/redis-hostile-server.test.ts
// A lying RESP server answers the store's bounded read with far more: refused before decoding, Redis counted as down.
import { createGrafxClient } from 'express-grafx-auth';
import { RedisTokenStore } from 'express-grafx-auth/redis';
import { useStandIn } from '../helpers/stand-in.js';
import { CLIENT_KINDS } from '../helpers/redis-clients.js';
import { startHostileRedis } from '../helpers/redis-hostile-server.js';

const MB = 1024 * 1024;
const bulk = (body: Buffer): Buffer => Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
const big = Buffer.alloc(30 * MB, 'a');
const record = Buffer.concat([Buffer.from('{"v":1,"t":"'), Buffer.alloc(MB, 'a'), Buffer.from('"}')]);

/** Hostile answers to the store's read script (it asks for at most 64 KiB and a PTTL). */
const ANSWERS: Array<[string, Buffer]> = [
  ['a 30 MB value', Buffer.concat([Buffer.from('*2\r\n'), bulk(big), Buffer.from(':1000\r\n')])],
  ['a 1 MB JSON record', Buffer.concat([Buffer.from('*2\r\n'), bulk(record), Buffer.from(':1000\r\n')])],
  ['an array of 100,000 elements', Buffer.from(`*100000\r\n${':1\r\n'.repeat(100_000)}`)],
  ['a string where the array belongs', bulk(Buffer.from('{"v":1,"t":"x"}'))],
  ['a PTTL that is no integer', Buffer.from('*2\r\n$2\r\n{}\r\n+soon\r\n')],
];

describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('a lying Redis, with %s', (_name, kind) => {
  const standIn = useStandIn();

  it.each(ANSWERS)(
    'refuses %s before decoding it, counts Redis as down, and the app goes on with its own tokens',
    async (_answer, answer) => {
      const hostile = await startHostileRedis(answer);
      const client = kind.connect(hostile.url);
      const warnings: string[] = [];
      try {
        const store = new RedisTokenStore({ ...client.target, commandTimeoutMs: 15_000 });
        await expect(store.get('integration')).rejects.toMatchObject({ code: 'REDIS_REPLY_INVALID' });
        expect(hostile.hostileAnswers).toBe(1);
        // The core: a token from the login server, one warning, and while the store is paused (a frozen clock: the
        // pause never ends) the lying server is not read again however many tokens the app needs.
        const grafx = createGrafxClient({
          ...standIn.options(),
          store,
          clock: () => 1_800_000_000_000,
          logger: { warn: (message) => warnings.push(message) },
        });
        for (let i = 0; i < 5; i++) {
          grafx.clearTokens();
          await expect(grafx.getToken()).resolves.toEqual(expect.any(String));
        }
        expect(hostile.hostileAnswers).toBe(2);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/token store is unavailable/);
        expect(standIn.counts.tokenRequests).toBe(5);
        await grafx.close();
      } finally {
        client.close();
        await hostile.close();
      }
    },
    30_000,
  );
});
