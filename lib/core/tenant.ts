// lib/core/tenant.ts
// Tenant: what the client holds of one integration in its LRU: credentials, reload time, counts, API client (made on first use).
import type { AxiosInstance } from 'axios';
import type { ResolvedIntegration } from './options.js';
import type { GrafxWorkflows } from './workflows.js';

/**
 * One integration as the client holds it, created on its first use (for static and loaded integrations alike)
 * and dropped with its token when the LRU evicts it. Per-integration helpers built once (the API client, and
 * whatever is created next to it) live here, made on first use, so that they go with their tenant. What a warm
 * look-up reads of its token is not here but beside it, by its slot in the LRU (see WarmTokens).
 */
export interface Tenant {
  readonly key: string;
  readonly integration: ResolvedIntegration;
  /** When the loader is asked for its credentials again (Infinity for a static integration). */
  reloadAt: number;
  /** Tokens obtained for it, and when the last one was (kept here: a counter object per tenant would cost more). */
  renewals: number;
  lastRenewalAt: number | undefined;
  /** Its API client, created on first use. */
  api: AxiosInstance | undefined;
  /** Its paginate, generateOutput, waitForTask and download, created on first use next to its API client. */
  workflows: GrafxWorkflows | undefined;
}
