// bench/memory-process.ts
// Child process (--expose-gc): heap of a client with N integrations, before and after a token is cached for each.
import { globalAgent } from 'node:http';
import { createGrafxClient } from 'express-grafx-auth';
import { serve } from './ipc.js';
import { type StandInEndpoints, apiBaseURL, benchClientId, benchClientSecret, tenantKey } from './shared.js';

export interface MemoryResult {
  integrations: number;
  /** Tokens in the cache at the end (each checked to be handed out synchronously). */
  cached: number;
  /** Heap used by the client per configured integration, before any token (options, API client). */
  configuredBytesPerIntegration: number;
  /** Heap added per integration by caching its token. */
  cachedBytesPerIntegration: number;
  /** Both. */
  totalBytesPerIntegration: number;
  /** Seconds taken to fetch all the tokens. */
  fetchSeconds: number;
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

serve<MemoryCommands>({
  async measure({ endpoints, integrations, concurrency }) {
    const config: Record<string, { clientId: string; clientSecret: string; environment: string }> = {};
    const keys: string[] = [];
    for (let i = 0; i < integrations; i++) {
      keys.push(tenantKey(i));
      config[tenantKey(i)] = {
        clientId: benchClientId(i),
        clientSecret: benchClientSecret(i),
        environment: tenantKey(i),
      };
    }
    const before = heapUsed();
    const client = createGrafxClient({
      integrations: config,
      cache: { max: integrations },
      tokenURL: endpoints.tokenURL,
      apiBaseURL: (environment) => apiBaseURL(endpoints, environment),
    });
    const configured = heapUsed();

    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        await client.getToken(key);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const fetchSeconds = (performance.now() - started) / 1000;
    // The keep-alive sockets of the token requests are the HTTP agent's, not the cache's: close them before measuring.
    globalAgent.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const cachedHeap = heapUsed();
    const cached = keys.filter((key) => !(client.context(key) instanceof Promise)).length;
    return {
      integrations,
      cached,
      configuredBytesPerIntegration: (configured - before) / integrations,
      cachedBytesPerIntegration: (cachedHeap - configured) / integrations,
      totalBytesPerIntegration: (cachedHeap - before) / integrations,
      fetchSeconds,
    };
  },
});
