// bench/lookup-peers.ts
// The warm token look-up of each candidate holding N tenants: a hand-written Map (the floor) and the library peers.
import { randomBytes } from 'node:crypto';

/** A candidate holding every tenant's token: one warm look-up of `key`, synchronous or not, as its users call it. */
export interface LookupCandidate {
  name: string;
  /** Gets a token for every key (setup, not measured). */
  fill(keys: readonly string[]): Promise<void>;
  /** One warm look-up; its token (read so that nothing is optimized away). */
  lookup(key: string): string | Promise<string>;
  /** Drops everything (so its heap can be measured before the next one is made). */
  clear(): void;
}

export const TOKEN_LENGTH = 900;
const LIFETIME_SECONDS = 36_000;
/** The host the peers' injected fetch stands for (nothing is sent on the network: tokens are made in the process). */
const LOGIN_HOST = 'login.bench.invalid';
const TOKEN_URL = `https://${LOGIN_HOST}/oauth/token`;

/** A token of a realistic length, different for every request (like a JWT: letters, digits, '-', '_', '.'). */
export function benchToken(): string {
  return `eyJ${randomBytes(TOKEN_LENGTH)
    .toString('base64url')
    .slice(0, TOKEN_LENGTH - 3)}`;
}

function tokenAnswer(): string {
  return JSON.stringify({ access_token: benchToken(), token_type: 'Bearer', expires_in: LIFETIME_SECONDS });
}

/** What the peers get instead of the network: every POST answers a fresh client-credentials token. */
const injectedFetch: typeof fetch = async () =>
  new Response(tokenAnswer(), { status: 200, headers: { 'content-type': 'application/json' } });

export const MAP_FLOOR = 'Map (floor)';
export const MAP_CONTROL = 'Map, a second copy (A/A control)';

/**
 * The floor: a Map of tokens and their expiry, checked against the clock on each look-up. A second one, filled at
 * another point of the process, is the A/A control: the same code, its tokens elsewhere in memory.
 */
export function mapCandidate(name = MAP_FLOOR): LookupCandidate {
  let tokens = new Map<string, { token: string; expiresAt: number }>();
  return {
    name,
    async fill(keys) {
      for (const key of keys) tokens.set(key, { token: benchToken(), expiresAt: Date.now() + LIFETIME_SECONDS * 1000 });
    },
    lookup(key) {
      const entry = tokens.get(key);
      if (entry === undefined || entry.expiresAt <= Date.now()) throw new Error('cold');
      return entry.token;
    },
    clear() {
      tokens = new Map();
    },
  };
}

/**
 * openid-client's client-credentials grant, its answers in a Map, one grant in flight per key: an async function, as
 * its users write it (the grant is asynchronous) and call it, with await. (Written to answer synchronously when warm,
 * its look-up would be the floor's own code.)
 */
export async function openidCandidate(): Promise<LookupCandidate> {
  const client = await import('openid-client');
  const config = new client.Configuration({ issuer: `https://${LOGIN_HOST}`, token_endpoint: TOKEN_URL }, 'client', {
    client_secret: 'secret',
  });
  config[client.customFetch] = (_url, _options) => injectedFetch(_url);
  let tokens = new Map<string, { token: string; expiresAt: number }>();
  let pending = new Map<string, Promise<string>>();
  const grant = (key: string): Promise<string> => {
    let flight = pending.get(key);
    if (flight === undefined) {
      flight = client.clientCredentialsGrant(config, { audience: key }).then((answer) => {
        pending.delete(key);
        tokens.set(key, { token: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 0) * 1000 });
        return answer.access_token;
      });
      pending.set(key, flight);
    }
    return flight;
  };
  return {
    name: 'openid-client + Map + single flight',
    async fill(keys) {
      for (const key of keys) await grant(key);
    },
    async lookup(key) {
      const entry = tokens.get(key);
      if (entry !== undefined && entry.expiresAt > Date.now()) return entry.token;
      return grant(key);
    },
    clear() {
      tokens = new Map();
      pending = new Map();
    },
  };
}

/** @badgateway/oauth2-client: an OAuth2Fetch per tenant (its token kept and renewed by it), in a Map. */
export async function badgatewayCandidate(): Promise<LookupCandidate> {
  const { OAuth2Client, OAuth2Fetch } = await import('@badgateway/oauth2-client');
  let fetchers = new Map<string, InstanceType<typeof OAuth2Fetch>>();
  return {
    name: '@badgateway/oauth2-client',
    async fill(keys) {
      for (const key of keys) {
        const client = new OAuth2Client({
          server: `https://${LOGIN_HOST}`,
          tokenEndpoint: '/oauth/token',
          clientId: key,
          clientSecret: 'secret',
          fetch: injectedFetch,
        });
        // No refresh timer per tenant (100,000 timers); the token is renewed on use when it expired.
        const fetcher = new OAuth2Fetch({
          client,
          getNewToken: () => client.clientCredentials(),
          scheduleRefresh: false,
        });
        await fetcher.getToken();
        fetchers.set(key, fetcher);
      }
    },
    async lookup(key) {
      const fetcher = fetchers.get(key);
      if (fetcher === undefined) throw new Error('cold');
      return (await fetcher.getToken()).accessToken;
    },
    clear() {
      fetchers = new Map();
    },
  };
}

/** auth0's TokenProvider (the Management API client's token cache): one per tenant, in a Map. */
export async function auth0Candidate(): Promise<LookupCandidate> {
  const { TokenProvider } = await import('auth0');
  let providers = new Map<string, InstanceType<typeof TokenProvider>>();
  return {
    name: 'auth0 TokenProvider',
    async fill(keys) {
      for (const key of keys) {
        const provider = new TokenProvider({
          domain: LOGIN_HOST,
          clientId: key,
          clientSecret: 'secret',
          audience: 'https://chiligrafx.com',
          fetch: injectedFetch,
        });
        await provider.getAccessToken();
        providers.set(key, provider);
      }
    },
    lookup(key) {
      const provider = providers.get(key);
      if (provider === undefined) throw new Error('cold');
      return provider.getAccessToken();
    },
    clear() {
      providers = new Map();
    },
  };
}

/** MSAL (@azure/msal-node): a ConfidentialClientApplication per tenant (its token in its cache), in a Map. */
export async function msalCandidate(): Promise<LookupCandidate> {
  const msal = await import('@azure/msal-node');
  const authority = `https://${LOGIN_HOST}/tenant`;
  const authorityMetadata = JSON.stringify({
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    issuer: authority,
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
  });
  const networkClient = {
    sendGetRequestAsync: () => Promise.reject(new Error('no GET in this bench')),
    sendPostRequestAsync: async <T>() =>
      ({ headers: {}, body: JSON.parse(tokenAnswer()) as T, status: 200 }) as {
        headers: Record<string, string>;
        body: T;
        status: number;
      },
  };
  const scopes = ['https://chiligrafx.com/.default'];
  let apps = new Map<string, InstanceType<typeof msal.ConfidentialClientApplication>>();
  return {
    name: 'MSAL, app per tenant',
    async fill(keys) {
      for (const key of keys) {
        const app = new msal.ConfidentialClientApplication({
          auth: {
            clientId: key,
            clientSecret: 'secret',
            authority,
            knownAuthorities: [LOGIN_HOST],
            authorityMetadata,
            cloudDiscoveryMetadata: JSON.stringify({
              tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
              'api-version': '1.1',
              metadata: [{ preferred_network: LOGIN_HOST, preferred_cache: LOGIN_HOST, aliases: [LOGIN_HOST] }],
            }),
          },
          system: { networkClient },
        });
        await app.acquireTokenByClientCredential({ scopes });
        apps.set(key, app);
      }
    },
    async lookup(key) {
      const app = apps.get(key);
      if (app === undefined) throw new Error('cold');
      const result = await app.acquireTokenByClientCredential({ scopes });
      if (result === null) throw new Error('no token');
      return result.accessToken;
    },
    clear() {
      apps = new Map();
    },
  };
}
