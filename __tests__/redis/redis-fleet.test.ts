// __tests__/redis/redis-fleet.test.ts
// Four separate Node processes with the Redis store: one token request for the fleet's cold start; Redis gone, still 200.
import { describeWithRedis, startRedis } from '../helpers/redis-server.js';
import { expectOneTokenRequestForColdStart, useFleet } from '../helpers/redis-fleet.js';

const INSTANCES = 4;
const REQUESTS_EACH = 25;
/**
 * Four ioredis 6 processes. Not yet in the matrix: fleets of processes with the other clients (two fleets mixing
 * four clients each did not start within the hook's time on the loaded machine; the in-process fleet tests of
 * redis-token-store.test.ts cover every client).
 */
const FLEETS = [['ioredis 6', ['ioredis 6']]] as const;

describeWithRedis('a fleet of four processes sharing tokens through Redis', () => {
  describe.each(FLEETS)('with %s', (_names, clients) => {
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
