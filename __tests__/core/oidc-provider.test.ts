/**
 * @jest-environment ./__tests__/helpers/oidc-environment.mjs
 */
// __tests__/core/oidc-provider.test.ts
// Against a real oidc-provider 9 in-process: resource indicators, both client auth methods, JWTs checked with jose.
import { type GrafxClient, GrafxAuthError, type GrafxClientOptions, createGrafxClient } from 'express-grafx-auth';
import { sleep } from '../helpers/serve.js';
import {
  type JwtApiHandle,
  type OidcClient,
  type OidcProviderHandle,
  oidcCounterparts,
} from '../helpers/oidc-provider.js';

const RESOURCE = 'https://api.example/grafx';
const POST_SECRET = 'post-client-secret-0123456789';
/**
 * A client ID and secret that only survive Basic authentication when form-urlencoded first (RFC 6749 §2.3.1): `:`
 * splits the pair, `+` decodes to a space, a bare `%` does not decode at all. (OAuth allows only %x20-7E here.)
 */
const BASIC_ID = 'basic:client 1';
const BASIC_SECRET = 'b+a/s=i:c %zz~&secret-0123456789';

const registration = (
  client_id: string,
  client_secret: string,
  token_endpoint_auth_method: OidcClient['token_endpoint_auth_method'],
): OidcClient => ({
  client_id,
  client_secret,
  token_endpoint_auth_method,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: 'api:read',
});

let provider: OidcProviderHandle;
let api: JwtApiHandle;
const clients: GrafxClient[] = [];

beforeAll(async () => {
  const { startProvider, startJwtApi } = oidcCounterparts();
  provider = await startProvider({
    clients: [
      registration('post-client', POST_SECRET, 'client_secret_post'),
      registration(BASIC_ID, BASIC_SECRET, 'client_secret_basic'),
      {
        ...registration('code-client', POST_SECRET, 'client_secret_post'),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: ['https://rp.example/cb'],
      },
    ],
    resources: { [RESOURCE]: 'api:read' },
  });
  api = await startJwtApi({ issuer: provider.issuer, jwksURL: provider.jwksURL, audience: RESOURCE });
});
afterAll(async () => {
  await api?.close();
  await provider?.close();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  provider.setLifetime(3600);
});

function clientFor(options: Partial<GrafxClientOptions> = {}): GrafxClient {
  const client = createGrafxClient({
    clientId: 'post-client',
    clientSecret: POST_SECRET,
    tokenURL: provider.tokenURL,
    apiBaseURL: api.baseURL,
    tokenParams: { resource: RESOURCE, scope: 'api:read' },
    ...options,
  });
  clients.push(client);
  return client;
}

interface WhoAmI {
  clientId: string;
  aud: string;
  scope: string;
  kid: string;
  exp: number;
}

describe('oidc-provider: client credentials with a resource indicator', () => {
  it('client_secret_post: a JWT for the resource, which the API verifies against the JWKS with jose', async () => {
    const requestsBefore = provider.tokenRequests;
    const client = clientFor();
    const { data } = await client.api().get<WhoAmI>('/whoami');
    expect(data).toMatchObject({ clientId: 'post-client', aud: RESOURCE, scope: 'api:read', kid: provider.currentKid });
    const { token, expiresAt } = await client.context();
    expect(token.split('.')).toHaveLength(3);
    // expires_in honoured: the JWT's exp and the cached expiry agree within 2 s. exp is the issue time floored to the
    // second plus the lifetime; the cached expiry is the time the answer arrived plus expires_in: they differ by up to
    // a second plus the request's flight (a 1 s tolerance failed now and then on a loaded machine).
    expect(Math.abs(expiresAt.getTime() / 1000 - data.exp)).toBeLessThanOrEqual(2);
    expect(provider.tokenRequests - requestsBefore).toBe(1);
  });

  it('client_secret_basic: a client registered for Basic, its ID and secret form-urlencoded then base64', async () => {
    const client = clientFor({
      clientId: BASIC_ID,
      clientSecret: BASIC_SECRET,
      clientAuthMethod: 'client_secret_basic',
    });
    const { data } = await client.api().get<WhoAmI>('/whoami');
    expect(data).toMatchObject({ clientId: BASIC_ID, aud: RESOURCE });
  });

  it('... which matters: the same pair sent in Basic without form-urlencoding is refused by the provider', async () => {
    const response = await fetch(provider.tokenURL, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${BASIC_ID}:${BASIC_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }).toString(),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await response.json()).toMatchObject({ error: expect.stringMatching(/invalid_request|invalid_client/) });
  });
});

describe("oidc-provider's refusals, each with its code and what the server said", () => {
  const refusals: Array<[string, string, Partial<GrafxClientOptions>, RegExp]> = [
    [
      'a wrong secret',
      'GRAFX_CREDENTIALS_REJECTED',
      { clientSecret: 'wrong-secret-0123456789' },
      /HTTP 401 invalid_client: client authentication failed/,
    ],
    [
      // oidc-provider answers invalid_request here (RFC 6749 would say unauthorized_client): mapped by its code
      'a client not allowed the client_credentials grant',
      'GRAFX_TOKEN_REQUEST_REFUSED',
      { clientId: 'code-client' },
      /HTTP 400 invalid_request: requested grant type is not allowed for this client/,
    ],
    [
      'an unknown resource',
      'GRAFX_TOKEN_REQUEST_REFUSED',
      { tokenParams: { resource: 'https://unknown.example/api' } },
      /HTTP 400 invalid_target: unknown resource https:\/\/unknown.example\/api/,
    ],
    [
      'a scope the resource does not have',
      'GRAFX_TOKEN_REQUEST_REFUSED',
      { tokenParams: { resource: RESOURCE, scope: 'api:write' } },
      /HTTP 400 invalid_scope: requested scope is not allowed/,
    ],
  ];
  it.each(refusals)('%s -> %s', async (_name, code, options, message) => {
    const error = await clientFor(options)
      .getToken()
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(GrafxAuthError);
    expect((error as GrafxAuthError).code).toBe(code);
    expect((error as GrafxAuthError).message).toMatch(message);
    expect((error as GrafxAuthError).message).not.toContain('secret-0123456789');
  });
});

describe('oidc-provider: lifetimes and keys over a run', () => {
  it('short token lifetimes (3 s) are honoured: renewed in time, never sent expired', async () => {
    provider.setLifetime(3);
    const client = clientFor();
    const requestsBefore = provider.tokenRequests;
    const rejectedBefore = api.rejected;
    const tokens = new Set<string>();
    const started = Date.now();
    while (Date.now() - started < 4000) {
      const { status } = await client.api().get('/whoami');
      expect(status).toBe(200);
      tokens.add(await client.getToken());
      await sleep(100);
    }
    // every request was accepted by the API's own expiry check, without one 401, and the token was renewed
    expect(api.rejected - rejectedBefore).toBe(0);
    expect(tokens.size).toBeGreaterThanOrEqual(2);
    const renewals = provider.tokenRequests - requestsBefore;
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(renewals).toBeLessThanOrEqual(8);
  });

  it('a key rotation is answered by one renewal: the old key is refused once, the retry carries a new-key token', async () => {
    const client = clientFor();
    const retried: unknown[] = [];
    client.on('requestRetried', (event) => retried.push(event));
    const first = await client.api().get<WhoAmI>('/whoami');
    const oldKid = first.data.kid;
    const requestsBefore = provider.tokenRequests;
    const rejectedBefore = api.rejected;

    await provider.rotateKeys();
    api.reloadKeys();
    const { data, status } = await client.api().get<WhoAmI>('/whoami');

    expect(status).toBe(200);
    expect(data.kid).not.toBe(oldKid);
    expect(data.kid).toBe(provider.currentKid);
    expect(api.rejected - rejectedBefore).toBe(1);
    expect(api.rejections.at(-1)).toBe('ERR_JWKS_NO_MATCHING_KEY');
    expect(provider.tokenRequests - requestsBefore).toBe(1);
    expect(retried).toHaveLength(1);
    // and the next calls go straight through with the new token
    await client.api().get('/whoami');
    expect(provider.tokenRequests - requestsBefore).toBe(1);
  });
});
