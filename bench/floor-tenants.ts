// bench/floor-tenants.ts
// The floor of scenarios 6 and 10: the many-tenants layer an app writes by hand (a Map as its LRU, one token request per cold tenant, per-tenant axios config), with no bound, check or telemetry.
import axios, { type AxiosInstance } from 'axios';
import type { RequestHandler } from 'express';
import http from 'node:http';

/** What the app's own loader gives for a tenant (undefined: unknown). */
export interface FloorCredentials {
  clientId: string;
  clientSecret: string;
  environment: string;
}

interface FloorTenant {
  api: AxiosInstance;
  expiresAt: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The floor's axios instance of the request's tenant (bench only). */
    floorApi?: AxiosInstance;
  }
}

/**
 * The fewest steps a cold tenant can take: ask the loader, POST the client-credentials form over a keep-alive agent,
 * parse the answer, keep the tenant's base URL and Bearer header (or an axios instance made with them), hold it (the
 * least recently used goes past `max`). Concurrent requests for one tenant share its load.
 */
export class FloorTenants {
  /** Tenants loaded and token requests sent (one per load). */
  loads = 0;
  tokenRequests = 0;
  readonly #held = new Map<string, FloorTenant>();
  readonly #loading = new Map<string, Promise<FloorTenant>>();
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #token: URL;

  /**
   * @param shared the floor's axios instance: a tenant holds its base URL and header, and its requests go through this
   * one instance with them as per-request config (the leanest); without it, an `axios.create()` per tenant
   */
  constructor(
    private readonly max: number,
    private readonly loader: (key: string) => Promise<FloorCredentials | undefined>,
    tokenURL: string,
    private readonly baseURL: (environment: string) => string,
    private readonly shared?: AxiosInstance,
  ) {
    this.#token = new URL(tokenURL);
  }

  /** Tenants held now. */
  get held(): number {
    return this.#held.size;
  }

  /** The tenant's axios instance: at once when held with a live token, else after its load. */
  api(key: string): AxiosInstance | Promise<AxiosInstance> {
    const held = this.#held.get(key);
    if (held !== undefined && Date.now() < held.expiresAt) {
      this.#held.delete(key);
      this.#held.set(key, held);
      return held.api;
    }
    let loading = this.#loading.get(key);
    if (loading === undefined) {
      loading = this.#load(key).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    return loading.then((tenant) => tenant.api);
  }

  /** `req.floorApi` from the tenant the path names (`:tenant`). */
  middleware(): RequestHandler {
    return (req, _res, next) => {
      const api = this.api(String(req.params.tenant));
      if (!(api instanceof Promise)) {
        req.floorApi = api;
        next();
        return;
      }
      api.then((ready) => {
        req.floorApi = ready;
        next();
      }, next);
    };
  }

  async #load(key: string): Promise<FloorTenant> {
    const credentials = await this.loader(key);
    if (credentials === undefined) throw new Error(`unknown tenant ${key}`);
    this.loads += 1;
    const { token, expiresInSeconds } = await this.#requestToken(credentials);
    const config = { baseURL: this.baseURL(credentials.environment), headers: { Authorization: `Bearer ${token}` } };
    const tenant: FloorTenant = {
      api: this.shared === undefined ? axios.create(config) : sharedInstanceApi(this.shared, config),
      expiresAt: Date.now() + expiresInSeconds * 1000 - 60_000,
    };
    this.#held.set(key, tenant);
    if (this.#held.size > this.max) this.#held.delete(this.#held.keys().next().value as string);
    return tenant;
  }

  #requestToken(credentials: FloorCredentials): Promise<{ token: string; expiresInSeconds: number }> {
    this.tokenRequests += 1;
    const body =
      `grant_type=client_credentials&client_id=${encodeURIComponent(credentials.clientId)}` +
      `&client_secret=${encodeURIComponent(credentials.clientSecret)}&audience=https%3A%2F%2Fchiligrafx.com`;
    return new Promise((resolve, reject) => {
      const request = http.request(
        this.#token,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            try {
              const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                access_token: string;
                expires_in: number;
              };
              if (response.statusCode !== 200) throw new Error(`token request answered ${response.statusCode}`);
              resolve({ token: answer.access_token, expiresInSeconds: answer.expires_in });
            } catch (error) {
              reject(error as Error);
            }
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}

/** `get` of one shared axios instance with a tenant's base URL and header as per-request config (the rest unused). */
function sharedInstanceApi(
  shared: AxiosInstance,
  config: { baseURL: string; headers: Record<string, string> },
): AxiosInstance {
  return { get: (url: string) => shared.get(url, config) } as unknown as AxiosInstance;
}
