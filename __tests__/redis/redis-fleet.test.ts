// __tests__/redis/redis-fleet.test.ts
// Four separate Node processes with the Redis store: one token request for the fleet's cold start; Redis gone, still 200.
import { describeWithRedis, startRedis } from '../helpers/redis-server.js';
import { expectOneTokenRequestForColdStart, useFleet } from '../helpers/redis-fleet.js';
import { CLIENT_KINDS } from '../helpers/redis-clients.js';

const INSTANCES = 4;
const REQUESTS_EACH = 25;
/**
 * Each supported client in a fleet process, four kinds to a fleet (a fleet mixing clients, as during a migration
 * from one to another): two fleets rather than one per client keep the suite's time in bounds.
 */
const FLEETS = [0, 1]
  .map((odd) => CLIENT_KINDS.filter((_, index) => index % 2 === odd))
  .map((kinds) => [kinds.map(({ name }) => name).join(', '), kinds.map(({ name }) => name)]);

describeWithRedis('a fleet of four processes sharing tokens through Redis', () => {
  describe.each(FLEETS)('with %s', (_names, clients) => {
    fleetTests(clients as string[]);
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
