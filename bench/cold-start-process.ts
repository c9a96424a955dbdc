// bench/cold-start-process.ts
// Child process: one cold-start burst per call (every tenant's first token at once), by the package or by an unbounded fan-out.
import { OAuth2Client } from '@badgateway/oauth2-client';
import { TokenProvider } from 'auth0';
import { createGrafxClient } from 'express-grafx-auth';
import * as openid from 'openid-client';
import { serve } from './ipc.js';
import { benchClientId, benchClientSecret, tenantKey } from './shared.js';

/** Who gets the tokens: the package, or a hand-written Map + single flight (unbounded) over fetch or a peer library. */
export type ColdStartKind = 'grafx' | 'fetch' | 'openid-client' | 'auth0' | 'badgateway';

export interface ColdStartRun {
  /** From the first call to the last one settled, milliseconds. */
  ms: number;
  ok: number;
  failed: number;
  /** The error codes (or messages) of the failed calls, counted. */
  errors: Record<string, number>;
}

export type ColdStartCommands = {
  run: {
    args: { kind: ColdStartKind; tokenURL: string; tenants: number; callers: number };
    result: ColdStartRun;
  };
};

const AUDIENCE = 'https://chiligrafx.com';

/**
 * fetch (undici) keeps its connections in a global dispatcher; each run of a fan-out starts with a fresh one, so
 * that every kind starts cold (the package's client is made anew per run, with agents of its own). The dispatcher's
 * class is taken from the running one: Node ships undici without exporting it.
 */
async function freshFetchConnections(tokenURL: string): Promise<void> {
  const key = Symbol.for('undici.globalDispatcher.1');
  const holder = globalThis as unknown as Record<symbol, { constructor: new () => unknown; close(): Promise<void> }>;
  if (holder[key] === undefined) await fetch(new URL('/', tokenURL)).catch(() => undefined);
  const current = holder[key];
  if (current === undefined) return;
  holder[key] = new current.constructor() as (typeof holder)[symbol];
  await current.close().catch(() => undefined);
}

/** One token getter per kind; each call of `token(i)` is one caller of tenant i. */
function getter(
  kind: ColdStartKind,
  tokenURL: string,
  tenants: number,
): { token(i: number): Promise<string>; close(): Promise<void> } {
  if (kind === 'grafx') {
    const integrations = Object.fromEntries(
      Array.from({ length: tenants }, (_, i) => [
        tenantKey(i),
        { clientId: benchClientId(i), clientSecret: benchClientSecret(i), apiBaseURL: 'http://127.0.0.1:1/api' },
      ]),
    );
    const client = createGrafxClient({ integrations, tokenURL, cache: { max: tenants } });
    return { token: (i) => client.getToken(tenantKey(i)), close: () => client.close() };
  }
  if (kind === 'auth0') {
    // auth0's own single flight lives in each TokenProvider; its URL is https://<domain>/oauth/token, so its fetch is
    // pointed at the stand-in.
    const providers = new Map<number, TokenProvider>();
    const pointed: typeof fetch = (_url, init) => fetch(tokenURL, init);
    return {
      token(i) {
        let provider = providers.get(i);
        if (provider === undefined) {
          provider = new TokenProvider({
            domain: 'login.bench',
            clientId: benchClientId(i),
            clientSecret: benchClientSecret(i),
            audience: AUDIENCE,
            fetch: pointed,
          });
          providers.set(i, provider);
        }
        return provider.getAccessToken();
      },
      close: async () => undefined,
    };
  }
  const fetchToken = singleFlightSource(kind, tokenURL);
  const pending = new Map<number, Promise<string>>();
  return {
    token(i) {
      let found = pending.get(i);
      if (found === undefined) {
        found = fetchToken(i);
        pending.set(i, found);
      }
      return found;
    },
    close: async () => undefined,
  };
}

/** The token request of a hand-written Map + single flight: plain fetch, openid-client or @badgateway/oauth2-client. */
function singleFlightSource(
  kind: 'fetch' | 'openid-client' | 'badgateway',
  tokenURL: string,
): (i: number) => Promise<string> {
  if (kind === 'fetch') {
    return async (i) => {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        audience: AUDIENCE,
        client_id: benchClientId(i),
        client_secret: benchClientSecret(i),
      });
      const res = await fetch(tokenURL, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      });
      if (!res.ok) throw new Error(`status ${res.status}`);
      return ((await res.json()) as { access_token: string }).access_token;
    };
  }
  if (kind === 'openid-client') {
    const issuer = new URL(tokenURL).origin;
    return async (i) => {
      const config = new openid.Configuration(
        { issuer, token_endpoint: tokenURL },
        benchClientId(i),
        benchClientSecret(i),
      );
      openid.allowInsecureRequests(config);
      return (await openid.clientCredentialsGrant(config, { audience: AUDIENCE })).access_token;
    };
  }
  return async (i) => {
    const client = new OAuth2Client({
      tokenEndpoint: tokenURL,
      clientId: benchClientId(i),
      clientSecret: benchClientSecret(i),
      authenticationMethod: 'client_secret_post',
    });
    return (await client.clientCredentials({ extraParams: { audience: AUDIENCE } })).accessToken;
  };
}

serve<ColdStartCommands>({
  async run({ kind, tokenURL, tenants, callers }) {
    if (kind !== 'grafx') await freshFetchConnections(tokenURL);
    const source = getter(kind, tokenURL, tenants);
    const errors: Record<string, number> = {};
    let ok = 0;
    const started = performance.now();
    const calls: Array<Promise<void>> = [];
    for (let caller = 0; caller < callers; caller++) {
      for (let i = 0; i < tenants; i++) {
        calls.push(
          source.token(i).then(
            () => {
              ok += 1;
            },
            (error: unknown) => {
              const code = (error as { code?: unknown }).code;
              const name = typeof code === 'string' ? code : String((error as Error).message).slice(0, 60);
              errors[name] = (errors[name] ?? 0) + 1;
            },
          ),
        );
      }
    }
    await Promise.all(calls);
    const ms = performance.now() - started;
    await source.close();
    return { ms, ok, failed: tenants * callers - ok, errors };
  },
});
