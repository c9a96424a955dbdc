// __tests__/redis/redis-fleet.test.ts
// Four separate Node processes with the Redis store: one token request for the fleet's cold start; Redis gone, still 200.
import { type GrafxStandIn, startGrafxStandIn } from 'express-grafx-auth/testing';
import { type RedisServer, describeWithRedis, startRedis } from '../helpers/redis-server.js';
import { type Fleet, expectOneTokenRequestForColdStart, startFleet } from '../helpers/redis-fleet.js';

const INSTANCES = 4;
const REQUESTS_EACH = 25;

describeWithRedis('a fleet of four processes sharing tokens through Redis', () => {
  let redis: RedisServer;
  let standIn: GrafxStandIn;
  let fleet: Fleet;

  beforeAll(async () => {
    redis = await startRedis();
    standIn = await startGrafxStandIn({ clients: [{ clientId: 'fleet-id', clientSecret: 'fleet-secret' }] });
    standIn.setTokenDelay(100); // a login server that takes a moment, so the instances' cold starts overlap
    fleet = await startFleet(INSTANCES, standIn, { REDIS_URL: redis.url });
    standIn.resetCounts();
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    await standIn?.close();
    await redis?.stop();
  });

  it('asks the login server exactly once for 4 × 25 concurrent requests on a cold start', async () => {
    await expectOneTokenRequestForColdStart(fleet, standIn, REQUESTS_EACH);
  });

  it('keeps answering 200 in every process once Redis is stopped', async () => {
    await redis.stop();
    const responses = await fleet.burst(REQUESTS_EACH);
    expect(responses.map((r) => r.status)).toEqual(Array(INSTANCES * REQUESTS_EACH).fill(200));
    expect(new Set(responses.map((r) => r.body.pid)).size).toBe(INSTANCES);
    expect(fleet.stderr()).not.toContain('fleet-secret');
  });
});
