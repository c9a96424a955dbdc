// __tests__/redis/redis-fleet.test.ts
// Four separate Node processes with the Redis store: one token request for the fleet's cold start; Redis gone, still 200.
import { describeWithRedis, startRedis } from '../helpers/redis-server.js';
import { expectOneTokenRequestForColdStart, useFleet } from '../helpers/redis-fleet.js';
import { CLIENT_KINDS } from '../helpers/redis-clients.js';

const INSTANCES = 4;
const REQUESTS_EACH = 25;
/** Four processes of each client kind, and a fleet mixing four kinds (both families, RESP2 and RESP3, Buffers). */
const FLEETS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ...CLIENT_KINDS.map(({ name }) => [name, [name]] as const),
  [
    'four different clients',
    ['ioredis 6 (protocol 2)', 'node-redis 6 (RESP3, strings as Buffers)', 'iovalkey', 'node-redis 5'],
  ],
];

describeWithRedis('a fleet of four processes sharing tokens through Redis', () => {
  describe.each(FLEETS)('with %s', (_name, clients) => {
    fleetTests([...clients]);
  });
});

function fleetTests(clients: string[]): void {
  const used = useFleet(INSTANCES, startRedis, (redis) => ({ REDIS_URL: redis.url }), clients);

  it('asks the login server exactly once for 4 × 25 concurrent requests on a cold start', async () => {
    await expectOneTokenRequestForColdStart(used.fleet, used.standIn, REQUESTS_EACH);
  });

  it('keeps answering 200 in every process once Redis is stopped', async () => {
    await used.redis.stop();
    const responses = await used.fleet.burst(REQUESTS_EACH);
    expect(responses.map((r) => r.status)).toEqual(Array(INSTANCES * REQUESTS_EACH).fill(200));
    expect(new Set(responses.map((r) => r.body.pid)).size).toBe(INSTANCES);
    expect(used.fleet.stderr()).not.toContain('fleet-secret');
  });
}
