// __tests__/redis/redis-mixed-clients.test.ts
// Instances on two different Redis clients, for every pair of kinds, share one redis-server: single flight, sealed records.
import { RedisTokenStore } from 'express-grafx-auth/redis';
import { useStandIn } from '../helpers/stand-in.js';
import { describeWithRedis, useRedis } from '../helpers/redis-server.js';
import { CLIENT_KINDS, type ClientKind } from '../helpers/redis-clients.js';
import { expectMixedFleet, pairsOf } from '../helpers/mixed-clients.js';

const CLIENT = { clientId: 'mixed-client', clientSecret: 'mixed-secret' };
const ENCRYPTION_KEY = Buffer.alloc(32, 11);

describeWithRedis('instances with different Redis clients sharing one store', () => {
  const redis = useRedis();
  const standIn = useStandIn({ clients: [CLIENT] });
  const store = (kind: ClientKind) => (): RedisTokenStore =>
    new RedisTokenStore({ ...redis.storeClient(kind).target, encryptionKey: ENCRYPTION_KEY, commandTimeoutMs: 2000 });

  it.each(pairsOf(CLIENT_KINDS).map(([a, b]) => [a.name, b.name, a, b] as const))(
    '%s and %s: one token request for a cold start, each adopts and replaces the sealed record the other wrote',
    async (_a, _b, a, b) => {
      await expectMixedFleet(standIn, CLIENT, store(a), store(b));
    },
  );
});
