// bench/cold-load-process.ts
// Child process of scenario 10: CPU per cold load alone, the package beside the floors written by hand (batches of new tenants' first requests, alternated, each less a batch of warm requests).
import axios, { type AxiosInstance } from 'axios';
import { createGrafxClient } from 'express-grafx-auth';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { FloorTenants } from './floor-tenants.js';
import { serve } from './ipc.js';
import {
  BASE_BUILD,
  COLD_LOAD_CANDIDATES,
  type ColdLoadCandidate,
  type StandInEndpoints,
  apiBaseURL,
} from './shared.js';

export type { ColdLoadCandidate } from './shared.js';

export type ColdLoadCommands = {
  /**
   * Each candidate holds `held` tenants (the least recently used goes past it), pre-filled; then `rounds` rounds, the
   * candidates in turn (reversed every round): `batch` first requests of new tenants, 8 at a time, then `batch`
   * requests of 8 warm tenants. Per round and candidate: µs of CPU per cold load beyond a warm request. `base`: the
   * folder of another build of the package, a candidate more (BASE_BUILD).
   */
  measure: {
    args: { endpoints: StandInEndpoints; rounds: number; batch: number; held: number; base?: string | undefined };
    result: Partial<Record<ColdLoadCandidate, number[]>>;
  };
};

const CONCURRENCY = 8;

serve<ColdLoadCommands>({
  async measure({ endpoints, rounds, batch, held, base }) {
    // Every tenant is the stand-in's default client (it may use every environment) in an environment of its own.
    const credentials = async (key: string) => ({
      clientId: endpoints.clientId,
      clientSecret: endpoints.clientSecret,
      environment: key,
    });
    const baseURL = (environment: string): string => apiBaseURL(endpoints, environment);
    const client = createGrafxClient({
      integrations: credentials,
      tokenURL: endpoints.tokenURL,
      apiBaseURL: baseURL,
      cache: { max: held },
    });
    const floor = new FloorTenants(held, credentials, endpoints.tokenURL, baseURL, axios.create());
    const heavy = new FloorTenants(held, credentials, endpoints.tokenURL, baseURL);
    const apiOf: Partial<Record<ColdLoadCandidate, (key: string) => Promise<AxiosInstance>>> = {
      package: async (key) => (await client.context(key)).api as unknown as AxiosInstance,
      floor: async (key) => floor.api(key),
      'floor, an axios instance per tenant': async (key) => heavy.api(key),
    };
    const candidates: ColdLoadCandidate[] = [...COLD_LOAD_CANDIDATES];
    let baseClient: ReturnType<typeof createGrafxClient> | undefined;
    if (base !== undefined) {
      // The other build as a user's app would load it: the package folder's own entry (its package.json), CommonJS.
      const other = createRequire(__filename)(resolve(base)) as { createGrafxClient: typeof createGrafxClient };
      const made = other.createGrafxClient({
        integrations: credentials,
        tokenURL: endpoints.tokenURL,
        apiBaseURL: baseURL,
        cache: { max: held },
      });
      baseClient = made;
      apiOf[BASE_BUILD] = async (key) => (await made.context(key)).api as unknown as AxiosInstance;
      candidates.push(BASE_BUILD);
    }
    let next = 0;
    /** CPU µs per request of `count` requests, 8 at a time: first requests of new tenants, or of 8 warm ones. */
    const requests = async (candidate: ColdLoadCandidate, cold: boolean, count: number): Promise<number> => {
      const prefix = `c${candidates.indexOf(candidate)}-`;
      const api = apiOf[candidate] as (key: string) => Promise<AxiosInstance>;
      const keys = Array.from({ length: count }, (_, i) => (cold ? `${prefix}${next++}` : `${prefix}warm-${i % 8}`));
      let i = 0;
      const start = process.cpuUsage();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (i < keys.length) await (await api(keys[i++] as string)).get('/templates');
        }),
      );
      const used = process.cpuUsage(start);
      return (used.user + used.system) / count;
    };
    for (const candidate of candidates) {
      for (let filled = 0; filled < held; filled += batch) await requests(candidate, true, batch);
      await requests(candidate, false, batch * 4);
    }
    const result: Partial<Record<ColdLoadCandidate, number[]>> = {};
    for (const candidate of candidates) result[candidate] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [...candidates] : [...candidates].reverse();
      for (const candidate of order) {
        const cold = await requests(candidate, true, batch);
        result[candidate]?.push(cold - (await requests(candidate, false, batch)));
      }
    }
    await client.close();
    await baseClient?.close();
    return result;
  },
});
