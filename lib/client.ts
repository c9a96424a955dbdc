// lib/client.ts
// createGrafxClient(): the framework-free core, integrations + token cache + one API client per integration.
import type { AxiosInstance } from 'axios';
import { createApiClient } from './api-client.js';
import { GRAFX_ERROR_CODES, GrafxAuthError } from './errors.js';
import { type GrafxClientOptions, type ResolvedIntegration, parseOptions } from './options.js';
import { TokenCache, type TokenRecord } from './token-cache.js';

/** What a request (or a worker) gets for one integration: `req.grafx` in Express. */
export interface GrafxContext {
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

  constructor(options: GrafxClientOptions) {
    const resolved = parseOptions(options);
    this.integrations = [...resolved.integrations.keys()];
    this.defaultIntegration = resolved.defaultIntegration;
    this.#integrations = resolved.integrations;
    this.#tokens = new TokenCache(resolved);
    for (const { key, apiBaseURL } of resolved.integrations.values()) {
      this.#apis.set(key, createApiClient(key, apiBaseURL, this.#tokens));
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
    const found = this.#tokens.get(key);
    return (found instanceof Promise ? await found : found).token;
  }

  /** The integration's API client (one instance per integration, created once). */
  api(integration?: string): AxiosInstance {
    return this.#apiOf(this.#key(integration));
  }

  /**
   * Token, expiry and API client of the integration. Returns synchronously when a valid token is cached,
   * else a Promise; throws a GrafxAuthError (4xx) for an unknown key. `await` works either way.
   */
  context(integration?: string): GrafxContext | Promise<GrafxContext> {
    const key = this.#key(integration);
    const found = this.#tokens.get(key);
    return found instanceof Promise ? found.then((record) => this.#contextOf(key, record)) : this.#contextOf(key, found);
  }

  /** Forgets every cached token (the next use fetches new ones). */
  clearTokens(): void {
    this.#tokens.clear();
  }

  #contextOf(key: string, record: TokenRecord): GrafxContext {
    return {
      integration: key,
      environment: this.#integrations.get(key)?.environment,
      token: record.token,
      expiresAt: record.expiresAtDate,
      api: this.#apiOf(key),
    };
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
