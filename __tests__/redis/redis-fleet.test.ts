// __tests__/redis/redis-fleet.test.ts
// Four separate Node processes with the Redis store: one token request for the fleet's cold start; Redis gone, still 200.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { type GrafxStandIn, startGrafxStandIn } from 'express-grafx-auth/testing';
import { type RedisServer, describeWithRedis, startRedis } from '../helpers/redis-server.js';

const INSTANCES = 4;
const REQUESTS_EACH = 25;
const root = resolve(__dirname, '..', '..');

describeWithRedis('a fleet of four processes sharing tokens through Redis', () => {
  let redis: RedisServer;
  let standIn: GrafxStandIn;
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const stderr: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    standIn = await startGrafxStandIn({ clients: [{ clientId: 'fleet-id', clientSecret: 'fleet-secret' }] });
    standIn.setTokenDelay(100); // a login server that takes a moment, so the instances' cold starts overlap
    const env = {
      ...process.env,
      TOKEN_URL: standIn.tokenURL,
      API_BASE_URL: standIn.apiBaseURL('fleet'),
      CLIENT_ID: 'fleet-id',
      CLIENT_SECRET: 'fleet-secret',
      REDIS_URL: redis.url,
    };
    const started = Array.from({ length: INSTANCES }, () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'fleet-instance.ts')],
        {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
      return new Promise<string>((ready, fail) => {
        child.once('exit', (code) => fail(new Error(`an instance exited (${code}): ${stderr.join('')}`)));
        createInterface({ input: child.stdout! }).once('line', (line) => {
          ready(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
        });
      });
    });
    urls.push(...(await Promise.all(started)));
    standIn.resetCounts();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(undefined);
            child.once('exit', done);
            child.kill('SIGKILL');
          }),
      ),
    );
    await standIn?.close();
    await redis?.stop();
  });

  const burst = () =>
    Promise.all(urls.flatMap((url) => Array.from({ length: REQUESTS_EACH }, () => request(url).get('/templates'))));

  it('asks the login server exactly once for 4 × 25 concurrent requests on a cold start', async () => {
    const responses = await burst();
    expect(responses.map((r) => r.status)).toEqual(Array(INSTANCES * REQUESTS_EACH).fill(200));
    expect(new Set(responses.map((r) => r.body.pid)).size).toBe(INSTANCES);
    expect(standIn.counts.tokenRequests).toBe(1);
    expect(standIn.counts.apiRequests).toBe(INSTANCES * REQUESTS_EACH);
  });

  it('keeps answering 200 in every process once Redis is stopped', async () => {
    await redis.stop();
    const responses = await burst();
    expect(responses.map((r) => r.status)).toEqual(Array(INSTANCES * REQUESTS_EACH).fill(200));
    expect(new Set(responses.map((r) => r.body.pid)).size).toBe(INSTANCES);
    expect(stderr.join('')).not.toContain('fleet-secret');
  });
});
