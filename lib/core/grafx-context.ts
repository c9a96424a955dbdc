// lib/core/grafx-context.ts
// GrafxContext: what a request (or a worker) gets for one integration; the class the client makes them from (helpers on first use).
import type { AxiosInstance } from 'axios';
import { scopeSet } from './scopes.js';
import type { Tenant } from './tenant.js';
import type { GrafxWorkflows } from './workflows.js';

/** What a request (or a worker) gets for one integration: `req.grafx` in Express. */
export interface GrafxContext extends GrafxWorkflows {
  /** The integration key (`'default'` for the single-integration options). */
  integration: string;
  /** The environment's technical name, when configured. */
  environment: string | undefined;
  /** The access token; send it only to the GraFx environment API (or to a browser for a read-only integration). */
  token: string;
  /** When the token expires, from the login server's `expires_in`. */
  expiresAt: Date;
  /** axios bound to the integration's environment API: bearer token, renewal and one retry on 401. */
  api: AxiosInstance;
  /**
   * The token's permissions, from the login server's `scope` (`resource:action` strings such as `template:read`,
   * `output:static`), read-only; empty when the server sent none (or an unusable one). Shared by every context of
   * tokens with the same permissions, made on the first read.
   */
  readonly scopes: ReadonlySet<string>;
}

/** How contexts make their tenant's API client and helpers: once per tenant, on first use (the client's). */
export interface TenantTools {
  apiOf(tenant: Tenant): AxiosInstance;
  workflowsOf(tenant: Tenant): GrafxWorkflows;
}

/**
 * A context: the integration, token and expiry as own data fields; the environment, the API client, the workflow
 * helpers and `scopes` as accessors on the prototype, so that a tenant whose requests never use its API client never
 * has one made (a tenant held costs its credentials and token, not an axios instance), and a request that never reads
 * its permissions pays nothing for them. The helpers need no `this`: destructure them. Assigning one of them gives the
 * context an own property, as on a plain object.
 */
export class RequestContext implements GrafxContext {
  integration: string;
  token: string;
  expiresAt: Date;
  readonly #tenant: Tenant;
  readonly #tools: TenantTools;
  readonly #scope: string | undefined;

  /** The integration's key, its token, the token's expiry and scope (from its record), its tenant, and how to make tools. */
  constructor(
    integration: string,
    token: string,
    expiresAt: Date,
    scope: string | undefined,
    tenant: Tenant,
    tools: TenantTools,
  ) {
    this.integration = integration;
    this.token = token;
    this.expiresAt = expiresAt;
    this.#tenant = tenant;
    this.#tools = tools;
    this.#scope = scope;
  }

  get environment(): string | undefined {
    return this.#tenant.integration.environment;
  }

  set environment(value: string | undefined) {
    own(this, 'environment', value);
  }

  get api(): AxiosInstance {
    return this.#tenant.api ?? this.#tools.apiOf(this.#tenant);
  }

  set api(value: AxiosInstance) {
    own(this, 'api', value);
  }

  get paginate(): GrafxWorkflows['paginate'] {
    return this.#workflows().paginate;
  }

  set paginate(value: GrafxWorkflows['paginate']) {
    own(this, 'paginate', value);
  }

  get generateOutput(): GrafxWorkflows['generateOutput'] {
    return this.#workflows().generateOutput;
  }

  set generateOutput(value: GrafxWorkflows['generateOutput']) {
    own(this, 'generateOutput', value);
  }

  get waitForTask(): GrafxWorkflows['waitForTask'] {
    return this.#workflows().waitForTask;
  }

  set waitForTask(value: GrafxWorkflows['waitForTask']) {
    own(this, 'waitForTask', value);
  }

  get download(): GrafxWorkflows['download'] {
    return this.#workflows().download;
  }

  set download(value: GrafxWorkflows['download']) {
    own(this, 'download', value);
  }

  get scopes(): ReadonlySet<string> {
    return scopeSet(this.#scope);
  }

  #workflows(): GrafxWorkflows {
    return this.#tenant.workflows ?? this.#tools.workflowsOf(this.#tenant);
  }
}

/** An own data property shadowing the prototype's accessor (what the app assigns). */
function own(context: object, name: string, value: unknown): void {
  Object.defineProperty(context, name, { value, writable: true, enumerable: true, configurable: true });
}
