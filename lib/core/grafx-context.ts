// lib/core/grafx-context.ts
// GrafxContext: what a request (or a worker) gets for one integration; the class the client makes them from.
import type { AxiosInstance } from 'axios';
import { scopeSet } from './scopes.js';
import type { TokenRecord } from './token-record.js';
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

/**
 * A context: own data fields, as an object literal would have, and `scopes` as a getter on the prototype, so a
 * request that never reads its permissions pays nothing for them (not even a look-up).
 */
export class RequestContext implements GrafxContext {
  integration: string;
  environment: string | undefined;
  token: string;
  expiresAt: Date;
  api: AxiosInstance;
  paginate: GrafxWorkflows['paginate'];
  generateOutput: GrafxWorkflows['generateOutput'];
  waitForTask: GrafxWorkflows['waitForTask'];
  download: GrafxWorkflows['download'];
  readonly #scope: string | undefined;

  constructor(
    integration: string,
    environment: string | undefined,
    record: TokenRecord,
    api: AxiosInstance,
    workflows: GrafxWorkflows,
  ) {
    this.integration = integration;
    this.environment = environment;
    this.token = record.token;
    this.expiresAt = record.expiresAtDate;
    this.api = api;
    this.paginate = workflows.paginate;
    this.generateOutput = workflows.generateOutput;
    this.waitForTask = workflows.waitForTask;
    this.download = workflows.download;
    this.#scope = record.scope;
  }

  get scopes(): ReadonlySet<string> {
    return scopeSet(this.#scope);
  }
}
