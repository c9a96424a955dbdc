// bench/micro-process.ts
// Child process: the warm path without HTTP (tinybench), grafxAuth vs a no-op middleware and req.grafx.api vs plain axios.
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createGrafxClient, grafxAuth } from 'express-grafx-auth';
import { serve } from './ipc.js';
import { BENCH_ENVIRONMENT, type StandInEndpoints, apiBaseURL } from './shared.js';

/** Nanoseconds per call of each task, one value per round (rounds interleaved: the task order flips each round). */
export interface MicroResult {
  rounds: number;
  taskMs: number;
  ns: { noop: number[]; grafxAuth: number[]; plainAxios: number[]; grafxApi: number[] };
}

export type MicroCommands = {
  measure: { args: { endpoints: StandInEndpoints; rounds: number; taskMs: number }; result: MicroResult };
};

/** Calls per tinybench sample: one call is too short for the timer (tens of nanoseconds). */
const SYNC_BATCH = 2_000;
const ASYNC_BATCH = 100;
const TEMPLATES = { data: [{ id: 't1', name: 'Template' }], pageSize: 1 };

/** An axios adapter that answers at once: the HTTP client's own cost, no network. */
const immediate: AxiosAdapter = (config) =>
  Promise.resolve({ data: TEMPLATES, status: 200, statusText: 'OK', headers: {}, config, request: {} });

serve<MicroCommands>({
  async measure({ endpoints, rounds, taskMs }) {
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
    const { integration, environment, expiresAt, api, paginate, generateOutput, waitForTask } = await client.context();
    const noop: RequestHandler = (req, _res, next) => {
      req.grafx = { integration, environment, token: 'noop', expiresAt, api, paginate, generateOutput, waitForTask };
      next();
    };
    const req = { method: 'GET', url: '/hello', headers: {} } as unknown as Request;
    const res = {} as Response;
    let nexts = 0;
    const next: NextFunction = () => {
      nexts += 1;
    };
    const plain: AxiosInstance = axios.create({
      baseURL: apiBaseURL(endpoints, BENCH_ENVIRONMENT),
      headers: { Authorization: `Bearer ${token}` },
      adapter: immediate,
    });
    const grafxApi = client.api();
    grafxApi.defaults.adapter = immediate;

    const syncTask = (handler: RequestHandler) => () => {
      const started = performance.now();
      for (let i = 0; i < SYNC_BATCH; i++) void handler(req, res, next);
      const spent = performance.now() - started;
      return { overriddenDuration: spent / SYNC_BATCH, overriddenIterationCost: spent };
    };
    const asyncTask = (api: AxiosInstance) => async () => {
      const started = performance.now();
      for (let i = 0; i < ASYNC_BATCH; i++) await api.get('/templates');
      const spent = performance.now() - started;
      return { overriddenDuration: spent / ASYNC_BATCH, overriddenIterationCost: spent };
    };
    const tasks: Array<[keyof MicroResult['ns'], () => unknown]> = [
      ['noop', syncTask(noop)],
      ['grafxAuth', syncTask(middleware)],
      ['plainAxios', asyncTask(plain)],
      ['grafxApi', asyncTask(grafxApi)],
    ];
    const ns: MicroResult['ns'] = { noop: [], grafxAuth: [], plainAxios: [], grafxApi: [] };
    for (let round = 0; round < rounds; round++) {
      const bench = new Bench({ time: taskMs, warmupTime: round === 0 ? taskMs : taskMs / 4, iterations: 8 });
      const order = round % 2 === 0 ? tasks : [...tasks].reverse();
      for (const [name, fn] of order) bench.add(name, fn);
      await bench.run();
      for (const task of bench.tasks) {
        const { result } = task;
        if (result.state !== 'completed') throw new Error(`micro-benchmark ${task.name}: ${result.state}`);
        ns[task.name as keyof MicroResult['ns']].push(result.latency.mean * 1e6);
      }
    }
    if (nexts === 0) throw new Error('the middlewares did not run');
    await client.close();
    return { rounds, taskMs, ns };
  },
});
