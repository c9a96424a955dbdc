// bench/micro-process.ts
// Child process: the warm path without HTTP; grafxAuth vs a no-op middleware (tinybench), req.grafx.api vs plain axios (alternating calls).
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGrafxClient, grafxAuth } from 'express-grafx-auth';
import { serve } from './ipc.js';
import { noopMiddleware } from './noop-middleware.js';
import { BENCH_ENVIRONMENT, type StandInEndpoints, apiBaseURL } from './shared.js';

/** One side of an axios round: nanoseconds per call. */
export interface CallCost {
  /** The median call's time outside garbage collection pauses. */
  medianNs: number;
  /** The garbage collection pauses charged to this side's calls, per call. */
  gcNs: number;
  /** All its calls' time (pauses and interruptions included), per call. */
  meanNs: number;
}

/** One value per round: rounds interleaved (the middlewares' order flips each round). */
export interface MicroResult {
  rounds: number;
  taskMs: number;
  calls: number;
  ns: { noop: number[]; grafxAuth: number[] };
  plainAxios: CallCost[];
  grafxApi: CallCost[];
}

/**
 * `rounds` rounds, a full garbage collection before each (the child runs with --expose-gc). Per round, tinybench
 * runs the two middlewares `taskMs` each on a prepared request; then plain axios and `req.grafx.api` are called
 * `calls` times each, in alternation (plain ours, ours plain, ...), every call timed: the two sides of a round meet
 * the same machine, heap and JIT state within microseconds of each other.
 */
export interface MicroArgs {
  endpoints: StandInEndpoints;
  rounds: number;
  taskMs: number;
  calls: number;
}

export type MicroCommands = {
  measure: { args: MicroArgs; result: MicroResult };
};

/** Calls per tinybench sample: one call is too short for the timer (tens of nanoseconds). */
const SYNC_BATCH = 2_000;
const TEMPLATES = { data: [{ id: 't1', name: 'Template' }], pageSize: 1 };

/** An axios adapter that answers at once: the HTTP client's own cost, no network. */
const immediate: AxiosAdapter = (config) =>
  Promise.resolve({ data: TEMPLATES, status: 200, statusText: 'OK', headers: {}, config, request: {} });

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('bench/micro-process.ts runs with --expose-gc');
  gc();
}

/** Garbage collection pauses as they are reported (start and end, in performance.now() time). */
const pauses: Array<{ start: number; end: number }> = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
}).observe({ entryTypes: ['gc'] });

function medianOf(values: Float64Array): number {
  const sorted = values.slice().sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/**
 * `calls` awaited `get('/templates')` on each of `a` and `b`, alternating (a b, b a, a b, ...). A call's cost is its
 * time minus the collection pauses that began during it; the pauses are charged to the side whose call they
 * interrupted (a collection starts when an allocation finds the young generation full, so each side meets them in
 * proportion to what it allocates). The median keeps a call the machine interrupted (another process, the
 * hypervisor) from counting; the pauses are added back per call, so what a side allocates is paid for.
 */
async function alternatingCalls(a: AxiosInstance, b: AxiosInstance, calls: number): Promise<[CallCost, CallCost]> {
  collectGarbage();
  await sleep(5); // the collection's own report arrives, and is dropped with the others before the first call
  pauses.length = 0;
  const marks = new Float64Array(2 * calls + 1);
  for (let i = 0; i < 2 * calls; i++) {
    marks[i] = performance.now();
    await ((i >> 1) % 2 === (i & 1) ? a : b).get('/templates');
  }
  marks[2 * calls] = performance.now();
  await sleep(5); // the pauses' reports are delivered on the event loop, after the calls
  const paused = new Float64Array(2 * calls);
  let call = 0;
  for (const pause of [...pauses].sort((x, y) => x.start - y.start)) {
    if (pause.start < (marks[0] ?? 0) || pause.start >= (marks[2 * calls] ?? 0)) continue;
    while (call < 2 * calls - 1 && (marks[call + 1] ?? Infinity) <= pause.start) call++;
    paused[call] = (paused[call] ?? 0) + (pause.end - pause.start);
  }
  const sides = [0, 1].map(() => ({ net: new Float64Array(calls), count: 0, gc: 0, total: 0 }));
  for (let i = 0; i < 2 * calls; i++) {
    const side = sides[(i >> 1) % 2 === (i & 1) ? 0 : 1] as (typeof sides)[number];
    const spent = (marks[i + 1] ?? 0) - (marks[i] ?? 0);
    side.net[side.count++] = spent - (paused[i] ?? 0);
    side.gc += paused[i] ?? 0;
    side.total += spent;
  }
  const cost = ({ net, gc, total }: (typeof sides)[number]): CallCost => ({
    medianNs: medianOf(net) * 1e6,
    gcNs: (gc / calls) * 1e6,
    meanNs: (total / calls) * 1e6,
  });
  return [cost(sides[0] as (typeof sides)[number]), cost(sides[1] as (typeof sides)[number])];
}

serve<MicroCommands>({
  async measure({ endpoints, rounds, taskMs, calls }) {
    const { Bench } = await import('tinybench');
    const client = createGrafxClient({
      clientId: endpoints.clientId,
      clientSecret: endpoints.clientSecret,
      environment: BENCH_ENVIRONMENT,
      tokenURL: endpoints.tokenURL,
      apiBaseURL: (environment) => apiBaseURL(endpoints, environment),
    });
    const token = await client.getToken();
    const middleware = grafxAuth(client);
    // The no-op middleware sets a context object of the same shape, from values prepared once.
    const noop = await noopMiddleware(client);
    const req = { method: 'GET', url: '/hello', headers: {} } as unknown as Request;
    const res = {} as Response;
    let nexts = 0;
    const next: NextFunction = () => {
      nexts += 1;
    };
    // What a route calls: `req.grafx.api`, as the middleware set it on a request.
    await new Promise<void>((resolve, reject) => {
      void middleware(req, res, (error?: unknown) => (error === undefined ? resolve() : reject(error as Error)));
    });
    const grafxApi = req.grafx.api;
    const plain: AxiosInstance = axios.create({
      baseURL: apiBaseURL(endpoints, BENCH_ENVIRONMENT),
      headers: { Authorization: `Bearer ${token}` },
    });
    // The same adapter, set the same (public) way on both; both send the same request with the same token.
    for (const instance of [plain, grafxApi]) {
      instance.defaults.adapter = immediate;
      const { config } = await instance.get('/templates');
      if (config.headers.Authorization !== `Bearer ${token}`) throw new Error('an axios instance sent no token');
    }

    const syncTask = (handler: RequestHandler) => () => {
      const started = performance.now();
      for (let i = 0; i < SYNC_BATCH; i++) void handler(req, res, next);
      const spent = performance.now() - started;
      return { overriddenDuration: spent / SYNC_BATCH, overriddenIterationCost: spent };
    };
    const tasks: Array<['noop' | 'grafxAuth', () => unknown]> = [
      ['noop', syncTask(noop)],
      ['grafxAuth', syncTask(middleware)],
    ];
    const result: MicroResult = {
      rounds,
      taskMs,
      calls,
      ns: { noop: [], grafxAuth: [] },
      plainAxios: [],
      grafxApi: [],
    };
    await alternatingCalls(plain, grafxApi, calls); // warm-up: both code paths compiled before the first round
    for (let round = 0; round < rounds; round++) {
      collectGarbage();
      const bench = new Bench({ time: taskMs, warmupTime: round === 0 ? taskMs : taskMs / 4, iterations: 8 });
      for (const [name, fn] of round % 2 === 0 ? tasks : [...tasks].reverse()) bench.add(name, fn);
      await bench.run();
      for (const task of bench.tasks) {
        const { result: taskResult } = task;
        if (taskResult.state !== 'completed') throw new Error(`micro-benchmark ${task.name}: ${taskResult.state}`);
        result.ns[task.name as 'noop' | 'grafxAuth'].push(taskResult.latency.mean * 1e6);
      }
      const [plainCost, grafxCost] = await alternatingCalls(plain, grafxApi, calls);
      result.plainAxios.push(plainCost);
      result.grafxApi.push(grafxCost);
    }
    if (nexts === 0) throw new Error('the middlewares did not run');
    await client.close();
    return result;
  },
});
