// bench/stand-in-process.ts
// Child process: the platform stand-ins the benchmark's apps talk to (login server + environment API), off the apps' CPU.
import { type GrafxStandIn, type StandInCounts, startGrafxStandIn } from 'express-grafx-auth/testing';
import { serve } from './ipc.js';
import { ENV_PLACEHOLDER, type StandInEndpoints, benchClientId, benchClientSecret } from './shared.js';

/** The commands this process answers (see bench/run.ts). */
export type StandInCommands = {
  /** Starts a stand-in named `name` knowing the default client plus `clients` bench clients. */
  start: { args: { name: string; clients: number; tokenLifetimeSeconds: number }; result: StandInEndpoints };
  counts: { args: { name: string }; result: StandInCounts };
  /** This process's CPU time so far (µs), every stand-in's. */
  cpu: { args: undefined; result: number };
  revokeTokens: { args: { name: string }; result: undefined };
  /** Delays every answer of the login server (a real one takes 100-300 ms). */
  setTokenDelay: { args: { name: string; ms: number }; result: undefined };
};

const standIns = new Map<string, GrafxStandIn>();

function standIn(name: string): GrafxStandIn {
  const found = standIns.get(name);
  if (found === undefined) throw new Error(`no stand-in ${name}`);
  return found;
}

// The stand-in records every request it answers; at tens of thousands of requests a second that list would grow for
// the whole run (and its garbage collection would show in the latencies). The counters are all the bench needs.
setInterval(() => {
  for (const running of standIns.values()) {
    running.apiRequests.length = 0;
    running.tokenRequests.length = 0;
  }
}, 250).unref();

serve<StandInCommands>({
  async start({ name, clients, tokenLifetimeSeconds }) {
    const started = await startGrafxStandIn({ tokenLifetimeSeconds });
    for (let i = 0; i < clients; i++) {
      started.addClient({ clientId: benchClientId(i), clientSecret: benchClientSecret(i) });
    }
    standIns.set(name, started);
    return {
      tokenURL: started.tokenURL,
      apiBaseURLTemplate: started.apiBaseURL(ENV_PLACEHOLDER),
      clientId: started.clientId,
      clientSecret: started.clientSecret,
    };
  },
  counts: ({ name }) => ({ ...standIn(name).counts }),
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
  revokeTokens: ({ name }) => {
    standIn(name).revokeTokens();
    return undefined;
  },
  setTokenDelay: ({ name, ms }) => {
    standIn(name).setTokenDelay(ms);
    return undefined;
  },
});
