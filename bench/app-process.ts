// bench/app-process.ts
// Child process: serves one app under test on 127.0.0.1 (one variant per process, so each has its own event loop and JIT).
import type { AddressInfo } from 'node:net';
import { type Server, createServer } from 'node:http';
import { type AppVariant, type BuiltApp, type TenantStats, buildApp } from './apps.js';
import { serve } from './ipc.js';
import type { RouteCpuTake } from './route-cpu.js';
import { type StandInEndpoints, tenantKey } from './shared.js';

/** The commands this process answers (see bench/run.ts). */
export type AppCommands = {
  start: {
    args: { variant: AppVariant; endpoints: StandInEndpoints; integrations: number; cacheMax?: number };
    result: { port: number };
  };
  /** Forgets the client's cached tokens (a cold start). */
  clearTokens: { args: undefined; result: undefined };
  /** CPU time used so far (microseconds) and the route failures answered. */
  stats: { args: undefined; result: { cpuMicros: number; failures: number } };
  /** The many-tenants app loads tenants 0…count-1 (the mix's hottest) through its client: the cache's steady state. */
  prewarm: { args: { count: number }; result: undefined };
  /** `hello-mix`: the handler's CPU time by route since the last call. */
  routeCpu: { args: undefined; result: RouteCpuTake };
  /** The many-tenants app's counts, and the heap after a full collection (with --expose-gc). */
  tenantStats: { args: undefined; result: TenantStats & { heapUsed: number } };
  /** The many-tenants app's counts alone: cheap (no health report, no collection), to take around a measured run. */
  tenantCounts: { args: undefined; result: Omit<TenantStats, 'held'> };
};

let built: BuiltApp | undefined;
let server: Server | undefined;

serve<AppCommands>({
  async start({ variant, endpoints, integrations, cacheMax }) {
    if (server !== undefined) throw new Error('already started');
    built = await buildApp(variant, endpoints, integrations, cacheMax);
    const listening = createServer(built.listener ?? built.app);
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(0, '127.0.0.1', () => resolve());
    });
    listening.keepAliveTimeout = 60_000;
    server = listening;
    return { port: (listening.address() as AddressInfo).port };
  },
  clearTokens() {
    built?.client?.clearTokens();
    return undefined;
  },
  stats() {
    const { user, system } = process.cpuUsage();
    return { cpuMicros: user + system, failures: built?.failures() ?? 0 };
  },
  routeCpu() {
    const meter = built?.routeCpu;
    if (meter === undefined) throw new Error('not the hello-mix app');
    return meter.take();
  },
  async prewarm({ count }) {
    const client = built?.client;
    if (client === undefined) throw new Error('no client');
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) await client.context(tenantKey(next++));
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    return undefined;
  },
  tenantCounts() {
    const counts = built?.tenantCounts?.();
    if (counts === undefined) throw new Error('not the many-tenants app');
    return counts;
  },
  tenantStats() {
    const stats = built?.tenantStats?.();
    if (stats === undefined) throw new Error('not the many-tenants app');
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; gc !== undefined && i < 2; i++) gc();
    return { ...stats, heapUsed: process.memoryUsage().heapUsed };
  },
});
