// bench/memory-process.ts
// Child process (--expose-gc): heap per tenant held (credentials, token, API client) and per configured unused integration.
import { globalAgent } from 'node:http';
import { type IntegrationConfig, createGrafxClient } from 'express-grafx-auth';
import { serve } from './ipc.js';
import { type StandInEndpoints, apiBaseURL, benchClientId, benchClientSecret, tenantKey } from './shared.js';

export interface MemoryResult {
  integrations: number;
  /** Tenants held at the end, each checked to hand out its context synchronously (token and API client ready). */
  held: number;
  /** Heap per tenant held by a client whose integrations are loaded on demand: credentials, token, API client. */
  heldBytesPerTenant: number;
  /** Heap per integration of a client configured with that many static integrations, none used. */
  configuredBytesPerIntegration: number;
  /** Seconds taken to load all the tenants (loader, token request, API client). */
  loadSeconds: number;
}

export type MemoryCommands = {
  measure: { args: { endpoints: StandInEndpoints; integrations: number; concurrency: number }; result: MemoryResult };
};

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const row = (i: number): IntegrationConfig => ({
  clientId: benchClientId(i),
  clientSecret: benchClientSecret(i),
  environment: tenantKey(i),
});

serve<MemoryCommands>({
  async measure({ endpoints, integrations, concurrency }) {
    const keys = Array.from({ length: integrations }, (_, i) => tenantKey(i));
    const common = {
      tokenURL: endpoints.tokenURL,
      apiBaseURL: (environment: string) => apiBaseURL(endpoints, environment),
      cache: { max: integrations },
    };

    // Static integrations, configured and never used: what each costs by itself.
    const config: Record<string, IntegrationConfig> = {};
    keys.forEach((key, i) => (config[key] = row(i)));
    const beforeStatic = heapUsed();
    const staticClient = createGrafxClient({ ...common, integrations: config });
    const configuredBytesPerIntegration = (heapUsed() - beforeStatic) / integrations;
    await staticClient.close();

    // Tenants loaded on demand, each used once (its token fetched, its API client made) and held.
    const before = heapUsed();
    const client = createGrafxClient({
      ...common,
      integrations: async (key) => row(Number(key.slice(key.lastIndexOf('-') + 1))),
    });
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) await client.context(keys[next++] as string);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const loadSeconds = (performance.now() - started) / 1000;
    // The keep-alive sockets of the token requests belong to HTTP agents, not to the tenants: close them first.
    globalAgent.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const heldHeap = heapUsed();
    const held = keys.filter((key) => !(client.context(key) instanceof Promise)).length;
    return {
      integrations,
      held,
      heldBytesPerTenant: (heldHeap - before) / integrations,
      configuredBytesPerIntegration,
      loadSeconds,
    };
  },
});
