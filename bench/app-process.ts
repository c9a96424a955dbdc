// bench/app-process.ts
// Child process: serves one app under test on 127.0.0.1 (one variant per process, so each has its own event loop and JIT).
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { type Server, createServer } from 'node:http';
import { type AppVariant, type BuiltApp, type TenantCounts, type TenantStats, buildApp } from './apps.js';
import { serve } from './ipc.js';
import type { RouteCpuTake } from './route-cpu.js';
import type { StandInEndpoints } from './shared.js';

/** The commands this process answers (see bench/run.ts). */
export type AppCommands = {
  start: {
    args: {
      variant: AppVariant;
      endpoints: StandInEndpoints;
      integrations: number;
      cacheMax?: number;
      /** `renewal-mix`: the stand-in of its short-lived tokens. */
      second?: StandInEndpoints;
    };
    result: { port: number };
  };
  /** Forgets the client's cached tokens (a cold start). */
  clearTokens: { args: undefined; result: undefined };
  /**
   * CPU time used so far (microseconds), the main thread's (Linux; NaN elsewhere), the collector's pauses, the route
   * failures answered, and the monotonic clock the CPU profiler stamps its samples with (µs: to split a profile by run).
   */
  stats: {
    args: undefined;
    result: { cpuMicros: number; mainThreadMicros: number; gc: GcTotals; failures: number; atMicros: number };
  };
  /**
   * The many-tenants app loads tenants 0…count-1 (the mix's hottest) through its client and makes each one's API
   * client, as the request that loaded it would have: the cache's steady state.
   */
  prewarm: { args: { count: number }; result: undefined };
  /** `hello-mix`: the handler's CPU time by route since the last call. */
  routeCpu: { args: undefined; result: RouteCpuTake };
  /** The many-tenants app's counts, and the heap after a full collection (with --expose-gc). */
  tenantStats: { args: undefined; result: TenantStats & { heapUsed: number } };
  /** The many-tenants app's counts alone: cheap (no health report, no collection), to take around a measured run. */
  tenantCounts: { args: undefined; result: TenantCounts };
};

/**
 * The main thread's CPU time (µs) from Linux's schedstat (NaN elsewhere): the rest of the process's CPU time is its
 * other threads' (V8's collector helpers, libuv's pool).
 */
function mainThreadMicros(): number {
  try {
    const text = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
    return Number(text.split(' ')[0]) / 1000;
  } catch {
    return NaN;
  }
}

/** The collector's pauses on the main thread so far (µs): scavenges, full collections, the rest (perf_hooks `gc`). */
export interface GcTotals {
  minorMicros: number;
  majorMicros: number;
  otherMicros: number;
}
const gcTotals: GcTotals = { minorMicros: 0, majorMicros: 0, otherMicros: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    const micros = entry.duration * 1000;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcTotals.minorMicros += micros;
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcTotals.majorMicros += micros;
    else gcTotals.otherMicros += micros;
  }
}).observe({ entryTypes: ['gc'] });

let built: BuiltApp | undefined;
let server: Server | undefined;

serve<AppCommands>({
  async start({ variant, endpoints, integrations, cacheMax, second }) {
    if (server !== undefined) throw new Error('already started');
    built = await buildApp(variant, endpoints, integrations, cacheMax, second);
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
    return {
      cpuMicros: user + system,
      mainThreadMicros: mainThreadMicros(),
      gc: { ...gcTotals },
      failures: built?.failures() ?? 0,
      atMicros: Number(process.hrtime.bigint() / 1000n),
    };
  },
  routeCpu() {
    const meter = built?.routeCpu;
    if (meter === undefined) throw new Error('not the hello-mix app');
    return meter.take();
  },
  async prewarm({ count }) {
    const prewarm = built?.prewarm;
    if (prewarm === undefined) throw new Error('not the many-tenants app');
    await prewarm(count);
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
