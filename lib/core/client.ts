// lib/core/client.ts
// createGrafxClient(): the framework-free core, integrations + token cache + one API client per integration.
import type { AxiosInstance } from 'axios';
import { createApiClient } from './api-client.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, clientClosedError } from './errors.js';
import { type GrafxClientOptions, type ResolvedIntegration, parseOptions } from './options.js';
import { type GrafxClientEvents, type RequestRetriedEvent, Telemetry } from './telemetry.js';
import { TokenCache } from './token-cache.js';
import type { TokenRecord } from './token-record.js';
import type { GrafxOutputFormat, GrafxTaskResult } from './api-types.js';
import type { TaskWaitOptions } from './output-task.js';
import type { GrafxQueryParams, PaginateOptions } from './paginate.js';
import { type GrafxWorkflows, createWorkflows } from './workflows.js';

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
}

/** What may be known of an integration outside the core: never its secret. */
export interface IntegrationInfo {
  readonly key: string;
  readonly environment: string | undefined;
  /** The environment API base URL, without a trailing slash. */
  readonly apiBaseURL: string;
  /** Whether its tokens may be handed to a browser (`browser: true` in its config). */
  readonly browser: boolean;
}

/** The health of one integration: nothing secret (no token, no secret, the client ID shortened). */
export interface IntegrationHealth {
  /** It has a usable token, or its last token request did not fail. */
  canServe: boolean;
  hasToken: boolean;
  /** Seconds until the cached token expires; null without one. */
  expiresInSeconds: number | null;
  /** When a token was last obtained (ISO 8601); null before the first. */
  lastRenewalAt: string | null;
  /** The code of the last failure, cleared by the next success. */
  lastErrorCode: string | null;
  renewals: number;
  failures: number;
  retries: number;
  /** The first characters of the client ID, to tell integrations apart. */
  clientId: string;
  environment: string | null;
}

/** The health of the client: `ok` when every integration can serve. */
export interface GrafxHealth {
  ok: boolean;
  /** Whether a shared token store is configured, and whether it is in an outage. */
  store: { configured: boolean; down: boolean };
  integrations: Record<string, IntegrationHealth>;
}

const CLIENT_BRAND = Symbol.for('express-grafx-auth.client');

/** Tokens and API clients for a set of GraFx integrations; usable in requests, queue workers, scripts and tests. */
export class GrafxClient {
  /** The configured integration keys. */
  readonly integrations: readonly string[];
  /** The key used when none is given: the only integration's; undefined when there are several. */
  readonly defaultIntegration: string | undefined;
  readonly #integrations: ReadonlyMap<string, ResolvedIntegration>;
  readonly #tokens: TokenCache;
  readonly #apis = new Map<string, AxiosInstance>();
  readonly #workflows = new Map<string, GrafxWorkflows>();
  readonly #telemetry = new Telemetry();
  readonly #clock: () => number;
  readonly #storeConfigured: boolean;

  constructor(options: GrafxClientOptions) {
    const resolved = parseOptions(options);
    this.integrations = [...resolved.integrations.keys()];
    this.defaultIntegration = resolved.defaultIntegration;
    this.#integrations = resolved.integrations;
    this.#clock = resolved.clock;
    this.#storeConfigured = resolved.store !== undefined;
    this.#tokens = new TokenCache(resolved, this.#telemetry);
    for (const { key, apiBaseURL } of resolved.integrations.values()) {
      const onRetry = (event: RequestRetriedEvent): void => this.#telemetry.requestRetried(event);
      const api = createApiClient(key, apiBaseURL, this.#tokens, {}, onRetry);
      this.#apis.set(key, api);
      this.#workflows.set(key, createWorkflows(key, api, apiBaseURL));
    }
    Object.defineProperty(this, CLIENT_BRAND, { value: true });
  }

  /** Whether `integration` is one of the configured keys. */
  has(integration: string): boolean {
    return this.#integrations.has(integration);
  }

  /** The integration's key, environment, API base URL and browser flag (never its credentials). */
  integration(integration?: string): IntegrationInfo {
    const key = this.#key(integration);
    const { environment, apiBaseURL, browser } = this.#integrations.get(key) as ResolvedIntegration;
    return { key, environment, apiBaseURL, browser };
  }

  /** A valid access token of the integration (cached; fetched once for all concurrent callers). */
  async getToken(integration?: string): Promise<string> {
    const key = this.#key(integration);
    if (this.#tokens.closed) throw clientClosedError(key);
    const found = this.#tokens.get(key);
    return (found instanceof Promise ? await found : found).token;
  }

  /** The integration's API client (one instance per integration, created once). */
  api(integration?: string): AxiosInstance {
    return this.#apiOf(this.#key(integration));
  }

  /** Every item of every page of a list endpoint of the integration (see `req.grafx.paginate`). */
  paginate<T = unknown>(
    integration: string | undefined,
    path: string,
    params?: GrafxQueryParams,
    options?: PaginateOptions,
  ): AsyncIterable<T> {
    return this.#workflowsOf(this.#key(integration)).paginate<T>(path, params, options);
  }

  /** Starts an output of the integration and waits for its task (see `req.grafx.generateOutput`). */
  async generateOutput(
    integration: string | undefined,
    format: GrafxOutputFormat,
    body: unknown,
    options?: TaskWaitOptions,
  ): Promise<GrafxTaskResult> {
    return this.#workflowsOf(this.#key(integration)).generateOutput(format, body, options);
  }

  /** Waits for a task of the integration (see `req.grafx.waitForTask`). */
  async waitForTask(
    integration: string | undefined,
    taskInfoPath: string,
    options?: TaskWaitOptions,
  ): Promise<GrafxTaskResult> {
    return this.#workflowsOf(this.#key(integration)).waitForTask(taskInfoPath, options);
  }

  /**
   * Token, expiry and API client of the integration. Returns synchronously when a valid token is cached,
   * else a Promise; throws a GrafxAuthError (4xx) for an unknown key. `await` works either way.
   */
  context(integration?: string): GrafxContext | Promise<GrafxContext> {
    const key = this.#key(integration);
    if (this.#tokens.closed) return Promise.reject(clientClosedError(key));
    const found = this.#tokens.get(key);
    return found instanceof Promise
      ? found.then((record) => this.#contextOf(key, record))
      : this.#contextOf(key, found);
  }

  /** Forgets every cached token (the next use fetches new ones). */
  clearTokens(): void {
    this.#tokens.clear();
  }

  /**
   * Listens to the client's events: `tokenRenewed`, `tokenRenewalFailed`, `requestRetried`, `storeFault`,
   * `storeRecovered`. Payloads carry integration keys, timings and error codes, never a token or a secret.
   * A listener that throws does not disturb requests.
   */
  on<E extends keyof GrafxClientEvents>(event: E, listener: (payload: GrafxClientEvents[E]) => void): this {
    this.#telemetry.on(event, listener);
    return this;
  }

  off<E extends keyof GrafxClientEvents>(event: E, listener: (payload: GrafxClientEvents[E]) => void): this {
    this.#telemetry.off(event, listener);
    return this;
  }

  /** Per integration: token or not, seconds to expiry, last renewal and error, counters. Nothing secret. */
  health(): GrafxHealth {
    const integrations: Record<string, IntegrationHealth> = {};
    let ok = !this.#tokens.closed;
    let storeDown = false;
    for (const [key, { clientId, environment }] of this.#integrations) {
      const { record, failing, storeDown: down } = this.#tokens.status(key);
      storeDown = down;
      const stats = this.#telemetry.stats(key);
      const canServe = !this.#tokens.closed && (record !== undefined || !failing);
      ok &&= canServe;
      integrations[key] = {
        canServe,
        hasToken: record !== undefined,
        expiresInSeconds:
          record === undefined ? null : Math.max(0, Math.floor((record.expiresAt - this.#clock()) / 1000)),
        lastRenewalAt: stats.lastRenewalAt === undefined ? null : new Date(stats.lastRenewalAt).toISOString(),
        lastErrorCode: stats.lastErrorCode ?? null,
        renewals: stats.renewals,
        failures: stats.failures,
        retries: stats.retries,
        clientId: `${clientId.slice(0, Math.min(4, Math.floor(clientId.length / 3)))}…`,
        environment: environment ?? null,
      };
    }
    return { ok, store: { configured: this.#storeConfigured, down: storeDown }, integrations };
  }

  /**
   * Closes the client: aborts token requests in flight, starts no more renewals, forgets the tokens and drops the
   * event listeners, so a process (or a test runner) can exit. Using the client afterwards fails with
   * GRAFX_CLIENT_CLOSED.
   */
  async close(): Promise<void> {
    await this.#tokens.close();
    this.#telemetry.removeAllListeners();
  }

  #contextOf(key: string, record: TokenRecord): GrafxContext {
    const { paginate, generateOutput, waitForTask } = this.#workflowsOf(key);
    return {
      integration: key,
      environment: this.#integrations.get(key)?.environment,
      token: record.token,
      expiresAt: record.expiresAtDate,
      api: this.#apiOf(key),
      paginate,
      generateOutput,
      waitForTask,
    };
  }

  #workflowsOf(key: string): GrafxWorkflows {
    const workflows = this.#workflows.get(key);
    if (workflows === undefined) throw unknownIntegration(key);
    return workflows;
  }

  #apiOf(key: string): AxiosInstance {
    const api = this.#apis.get(key);
    if (api === undefined) throw unknownIntegration(key);
    return api;
  }

  #key(integration: string | undefined): string {
    if (integration === undefined) {
      if (this.defaultIntegration === undefined) {
        throw new GrafxAuthError(
          GRAFX_ERROR_CODES.INTEGRATION_MISSING,
          `Several GraFx integrations are configured (${this.integrations.join(', ')}): name the one to use`,
          { status: 400 },
        );
      }
      return this.defaultIntegration;
    }
    if (!this.#integrations.has(integration)) throw unknownIntegration(integration);
    return integration;
  }
}

function unknownIntegration(key: string): GrafxAuthError {
  const shown = JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
  return new GrafxAuthError(GRAFX_ERROR_CODES.INTEGRATION_UNKNOWN, `Unknown GraFx integration ${shown}`, {
    status: 400,
    integration: key,
  });
}

/** Creates a client for code outside requests; pass it to `grafxAuth(client)` so an app and its workers share one cache. */
export function createGrafxClient(options: GrafxClientOptions): GrafxClient {
  return new GrafxClient(options);
}

/** Whether `value` is a GrafxClient (also one from the other module format of this package). */
export function isGrafxClient(value: unknown): value is GrafxClient {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CLIENT_BRAND] === true;
}
