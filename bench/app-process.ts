// bench/app-process.ts
// Child process: serves one app under test on 127.0.0.1 (one variant per process, so each has its own event loop and JIT).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { type AppVariant, type BuiltApp, buildApp } from './apps.js';
import { serve } from './ipc.js';
import type { StandInEndpoints } from './shared.js';

/** The commands this process answers (see bench/run.ts). */
export type AppCommands = {
  start: { args: { variant: AppVariant; endpoints: StandInEndpoints; integrations: number }; result: { port: number } };
  /** Forgets the client's cached tokens (a cold start). */
  clearTokens: { args: undefined; result: undefined };
  /** CPU time used so far (microseconds) and the route failures answered. */
  stats: { args: undefined; result: { cpuMicros: number; failures: number } };
};

let built: BuiltApp | undefined;
let server: Server | undefined;

serve<AppCommands>({
  async start({ variant, endpoints, integrations }) {
    if (server !== undefined) throw new Error('already started');
    built = await buildApp(variant, endpoints, integrations);
    const app = built.app;
    const listening = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', (error?: Error) => (error === undefined ? resolve(s) : reject(error)));
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
});
