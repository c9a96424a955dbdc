// lib/core/tenant.ts
// Tenant: what the client holds of one integration in its LRU: validated credentials, store key, API client (made on first use).
import type { AxiosInstance } from 'axios';
import type { ResolvedIntegration } from './options.js';
import type { GrafxWorkflows } from './workflows.js';

/**
 * One integration as the client holds it, created on its first use (for static and loaded integrations alike)
 * and dropped with its token when the LRU evicts it. Per-integration helpers built once (the API client, and
 * whatever is created next to it) live here, so that they go with their tenant.
 */
export interface Tenant {
  readonly key: string;
  readonly integration: ResolvedIntegration;
  /** The key of its token in the shared store, when one is configured. */
  readonly storeKey: string | undefined;
  /** When the loader is asked for its credentials again (Infinity for a static integration). */
  reloadAt: number;
  /** Its API client, created on first use. */
  api: AxiosInstance | undefined;
  /** Its paginate, generateOutput, waitForTask and download, created on first use next to its API client. */
  workflows: GrafxWorkflows | undefined;
}
