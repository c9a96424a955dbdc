// __tests__/helpers/oidc-counterparts.mjs
// A real oidc-provider (client credentials, RFC 8707 resources, JWT access tokens) and an API that verifies with jose.
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';

/** Listens on 127.0.0.1:0 and returns the server, its origin and a close() that ends open connections too. */
async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { origin, close };
}

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

/**
 * Starts oidc-provider on 127.0.0.1:0. `clients` are registered as given (plain data); `resources` maps each known
 * resource indicator to its scope; tokens for them are JWTs (RS256) living `lifetime` seconds (setLifetime changes it).
 * rotateKeys() replaces the signing key: from then on tokens are signed, and the JWKS published, with the new key only.
 */
export async function startProvider({ clients, resources, lifetime = 3600 }) {
  const state = { lifetime, keyNumber: 1, tokenRequests: 0, provider: undefined };
  const handler = (req, res) => {
    if (req.method === 'POST' && req.url === '/token') state.tokenRequests += 1;
    state.provider.callback()(req, res);
  };
  const { origin, close } = await listen(handler);
  const build = async () => {
    const provider = new Provider(origin, {
      clients: JSON.parse(JSON.stringify(clients)),
      jwks: { keys: [await signingKey(`key-${state.keyNumber}`)] },
      scopes: ['api:read', 'api:write'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => undefined,
          useGrantedResource: () => false,
          getResourceServerInfo(_ctx, resourceIndicator) {
            const scope = resources[resourceIndicator];
            if (scope === undefined) throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
            return {
              scope,
              audience: resourceIndicator,
              accessTokenTTL: state.lifetime,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
    });
    provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));
    return provider;
  };
  state.provider = await build();
  return {
    issuer: origin,
    tokenURL: `${origin}/token`,
    jwksURL: `${origin}/jwks`,
    get tokenRequests() {
      return state.tokenRequests;
    },
    get currentKid() {
      return `key-${state.keyNumber}`;
    },
    setLifetime(seconds) {
      state.lifetime = seconds;
    },
    async rotateKeys() {
      state.keyNumber += 1;
      state.provider = await build();
    },
    close,
  };
}

/**
 * An API that accepts a request only with a JWT access token the provider signed (its JWKS, via jose), for
 * `audience`, not expired (no clock tolerance). GET /whoami answers the token's claims; anything else is 401.
 * reloadKeys() drops the cached JWKS, as an API does when its cache expires.
 */
export async function startJwtApi({ issuer, jwksURL, audience }) {
  const state = { keys: undefined, ok: 0, rejected: 0, kids: [], rejections: [] };
  const reloadKeys = () => {
    state.keys = createRemoteJWKSet(new URL(jwksURL), { cooldownDuration: 0 });
  };
  reloadKeys();
  const { origin, close } = await listen(async (req, res) => {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    try {
      if (scheme !== 'Bearer' || token === undefined) throw new Error('no bearer token');
      const { payload, protectedHeader } = await jwtVerify(token, state.keys, {
        issuer,
        audience,
        typ: 'at+jwt',
        algorithms: ['RS256'],
      });
      state.ok += 1;
      state.kids.push(protectedHeader.kid);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          clientId: payload.client_id,
          aud: payload.aud,
          scope: payload.scope,
          kid: protectedHeader.kid,
          exp: payload.exp,
        }),
      );
    } catch (error) {
      state.rejected += 1;
      state.rejections.push(error.code ?? error.message);
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
      res.end(JSON.stringify({ error: 'invalid_token' }));
    }
  });
  return {
    baseURL: origin,
    get ok() {
      return state.ok;
    },
    get rejected() {
      return state.rejected;
    },
    get kids() {
      return [...state.kids];
    },
    get rejections() {
      return [...state.rejections];
    },
    reloadKeys,
    close,
  };
}
