// lib/express/token-handler.ts
// grafxTokenHandler(): the Express route that gives the browser (GraFx Studio) a token of a `browser: true` integration.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  GRAFX_ERROR_CODES,
  GrafxAuthError,
  type GrafxClient,
  type GrafxClientOptions,
  TOKEN_ID,
  createGrafxClient,
  isGrafxClient,
  tokenId,
} from '../core/index.js';
import { checkKnownKeys, refuseNearMisses, refuseStandIn } from '../core/option-keys.js';
import { configError } from './config-error.js';
import { type IntegrationResolver, parseResolveTimeout, resolveKey } from './integration-resolver.js';
import { looksLikeRequest } from './middleware.js';

/**
 * Decides whether a request may get a token of `integration` (the key `resolveIntegration` chose for it): check that
 * the session belongs to that tenant, not only that there is a session. Anything but `true` refuses; a throw goes to
 * `next`.
 */
export type TokenRouteAuthorizer = (req: Request, integration: string) => boolean | PromiseLike<boolean>;

/** Options of the token route itself. */
export interface GrafxTokenHandlerAdapterOptions {
  /**
   * Returns the integration key of a request. Required when the client has several integrations. Only an integration
   * marked `browser: true` is served; another answers 403, nothing or an unknown key 400, none of them fetch a token.
   * @default () => the only integration's key
   */
  resolveIntegration?: IntegrationResolver;
  /**
   * Who may get a token of which integration: `(req, integration) => boolean`, called with the key
   * `resolveIntegration` chose, before the integration is looked up or any token fetched. With a key from the request
   * (a header, a path), check it against the session: `(req, key) => req.session?.tenant === key`.
   * `false` (or anything but `true`) answers 403 `GRAFX_TOKEN_ROUTE_FORBIDDEN`.
   * @default () => true (anyone who can reach the route)
   */
  authorize?: TokenRouteAuthorizer;
  /**
   * How long an async `resolveIntegration` may take, in milliseconds (1 to 2147483647); past it, 504
   * `GRAFX_INTEGRATION_RESOLVE_TIMEOUT`.
   * @default 10000 (10 seconds)
   */
  resolveTimeoutMs?: number;
}

/** Options of `grafxTokenHandler(options)`: the client's options plus the route's. */
export interface GrafxTokenHandlerOptions extends GrafxClientOptions, GrafxTokenHandlerAdapterOptions {}

/** The token route's answer, what the browser's `onAuthExpired` reads. */
export interface GrafxBrowserToken {
  /** The access token of the browser integration. */
  token: string;
  /** When it expires (ISO 8601), from the login server's `expires_in`. */
  expiresAt: string;
  /** The environment API base URL with a trailing slash (the Studio SDK's `ENVIRONMENT_API`). */
  environmentApiUrl: string;
  /**
   * The token's public name (a SHA-256 prefix, nothing of the token itself). When the API refuses the token, ask the
   * route again with `?refused=<tokenId>`: it then renews the token (see `grafxTokenHandler`).
   */
  tokenId: string;
}

/** The route's handler, with the client it uses. */
export type GrafxTokenHandler = RequestHandler & { readonly client: GrafxClient };

/** The route's own option keys, checked by the compiler (a misspelt `authorize` must never be ignored). */
const ADAPTER_KEYS: Record<keyof GrafxTokenHandlerAdapterOptions, true> = {
  resolveIntegration: true,
  authorize: true,
  resolveTimeoutMs: true,
};

/** The methods the route answers: HEAD as GET (the same headers, no body), as Express does for `app.get`. */
const ALLOWED_METHODS = 'GET, HEAD';

/**
 * An Express handler answering `GET` (and `HEAD`, the same headers without a body) with
 * `{ token, expiresAt, environmentApiUrl, tokenId }` for the request's integration, from the client's token cache
 * (share the client with `grafxAuth(client)`: one token for both). `?refused=<tokenId>` says the API refused that
 * token (it is still the served one): the route renews it first, under the same per-integration limit as the
 * server's own renewals after a 401 (`rejectionRenewalIntervalMs`). Only integrations marked `browser: true` are
 * served. Answers
 * carry `Cache-Control: no-store`. Refusals go to `next(err)` as GrafxAuthError: 405 (not GET or HEAD), 403
 * (`authorize` said no, or not a browser integration), 400 (no or unknown key).
 * Throws at once (GRAFX_CONFIG_INVALID) when the options are wrong, e.g. no integration is marked `browser: true`.
 *
 * @example
 * app.all('/grafx/token', grafxTokenHandler(client, { resolveIntegration: () => 'studio', authorize: (req, key) => req.session?.studioKey === key }));
 */
export function grafxTokenHandler(options: GrafxTokenHandlerOptions): GrafxTokenHandler;
export function grafxTokenHandler(client: GrafxClient, options?: GrafxTokenHandlerAdapterOptions): GrafxTokenHandler;
export function grafxTokenHandler(
  optionsOrClient: GrafxTokenHandlerOptions | GrafxClient,
  adapterOptions?: GrafxTokenHandlerAdapterOptions,
): GrafxTokenHandler {
  if (looksLikeRequest(optionsOrClient)) {
    throw configError(
      'grafxTokenHandler must be called with its options: app.all(path, grafxTokenHandler(client)), not app.all(path, grafxTokenHandler)',
    );
  }
  let client: GrafxClient;
  let adapter: Record<string, unknown>;
  if (isGrafxClient(optionsOrClient)) {
    client = optionsOrClient;
    adapter = checkAdapterOptions(adapterOptions);
  } else {
    if (typeof optionsOrClient !== 'object' || optionsOrClient === null) {
      throw configError(
        'options must be an object: grafxTokenHandler({ clientId, clientSecret, environment, browser: true })',
      );
    }
    if (adapterOptions !== undefined) {
      // A misplaced `authorize` must not be ignored silently.
      throw configError(
        'grafxTokenHandler(options) takes one argument: put `resolveIntegration` and `authorize` in the options, or pass a client first',
      );
    }
    refuseStandIn(optionsOrClient);
    refuseNearMisses(
      optionsOrClient,
      Object.keys(ADAPTER_KEYS),
      "grafxTokenHandler(options) takes the client's options, `resolveIntegration` and `authorize`",
    );
    refuseUndefinedAuthorize(optionsOrClient);
    const { resolveIntegration, authorize, resolveTimeoutMs, ...clientOptions } = optionsOrClient;
    client = createGrafxClient(clientOptions);
    adapter = { resolveIntegration, authorize, resolveTimeoutMs };
  }

  const { resolveIntegration, authorize } = adapter;
  const timeoutMs = parseResolveTimeout(adapter.resolveTimeoutMs);
  if (resolveIntegration !== undefined && typeof resolveIntegration !== 'function') {
    throw configError('`resolveIntegration` must be a function (req) => integration key');
  }
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw configError('`authorize` must be a function (req, integration) => boolean | Promise<boolean>');
  }
  const browserKeys = client.integrations.filter((key) => client.integration(key).browser);
  if (browserKeys.length === 0 && !client.loadsIntegrations) {
    throw configError(
      client.integrations.length === 1 && client.defaultIntegration === 'default'
        ? 'the token route only hands out tokens of an integration marked for the browser: set `browser: true` (on a read-only integration)'
        : `no integration is marked for the browser (${client.integrations.join(', ')}): set \`integrations.<key>.browser: true\` on a read-only integration`,
    );
  }
  const defaultKey = client.defaultIntegration;
  if (resolveIntegration === undefined && defaultKey === undefined) {
    if (client.loadsIntegrations) {
      throw configError(
        "the client's integrations are loaded on demand: give `resolveIntegration` (req) => key to choose the token route's",
      );
    }
    throw configError(
      `several integrations are configured (${client.integrations.join(', ')}): give \`resolveIntegration\` to choose the token route's, e.g. () => ${JSON.stringify(browserKeys[0])}`,
    );
  }
  const resolve = resolveIntegration as IntegrationResolver | undefined;
  const allows = authorize as TokenRouteAuthorizer | undefined;

  const answer = async (req: Request, res: Response): Promise<void> => {
    const key = resolve === undefined ? defaultKey : await resolveKey(client, resolve, req, timeoutMs);
    if (typeof key !== 'string' || key === '') {
      const message = 'No GraFx integration was chosen for this request';
      throw new GrafxAuthError(GRAFX_ERROR_CODES.INTEGRATION_MISSING, message, { status: 400 });
    }
    // Who may have a token of this integration: decided before it is looked up or any token fetched.
    if (allows !== undefined && (await allows(req, key)) !== true) {
      throw new GrafxAuthError(GRAFX_ERROR_CODES.TOKEN_ROUTE_FORBIDDEN, 'This request may not have a GraFx token', {
        status: 403,
      });
    }
    const integration = await client.lookup(key); // an unknown key throws a 400 GrafxAuthError
    if (!integration.browser) {
      throw new GrafxAuthError(
        GRAFX_ERROR_CODES.INTEGRATION_NOT_FOR_BROWSER,
        `The tokens of GraFx integration ${JSON.stringify(key)} are not for browsers: it is not marked \`browser: true\``,
        { status: 403, integration: key },
      );
    }
    let context = await client.browserContext(key);
    const refused = refusedTokenId(req);
    // Only the token the route serves now can be refused: an older one (renewed since) gets the current one.
    if (refused !== undefined && refused === tokenId(context.token)) {
      context = await client.renewRefusedToken(key, context.token);
    }
    const { token, expiresAt } = context;
    const body: GrafxBrowserToken = {
      token,
      expiresAt: expiresAt.toISOString(),
      environmentApiUrl: `${integration.apiBaseURL}/`,
      tokenId: tokenId(token),
    };
    res.status(200).json(body);
  };

  const handler = function grafxTokenHandler(req: Request, res: Response, next: NextFunction): void {
    // Refusals too: no answer of this route is ever stored by a cache.
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('Allow', ALLOWED_METHODS);
      const message = `The GraFx token route answers GET and HEAD only, not ${req.method}`;
      next(
        new GrafxAuthError(GRAFX_ERROR_CODES.METHOD_NOT_ALLOWED, message, {
          status: 405,
          headers: { allow: ALLOWED_METHODS },
        }),
      );
      return;
    }
    answer(req, res).catch(next);
  };
  return Object.assign(handler, { client });
}

/** `?refused=<tokenId>`: the id of a token the API refused (anything else is no refusal: it cannot match a token). */
function refusedTokenId(req: Request): string | undefined {
  const refused: unknown = (req.query as Record<string, unknown> | undefined)?.refused;
  return typeof refused === 'string' && TOKEN_ID.test(refused) ? refused : undefined;
}

/** The second argument of `grafxTokenHandler(client, options)`, with no key but the route's own. */
function checkAdapterOptions(options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw configError(
      'the options of grafxTokenHandler(client, options) must be an object { resolveIntegration, authorize }',
    );
  }
  checkKnownKeys(
    options,
    Object.keys(ADAPTER_KEYS),
    '',
    'grafxTokenHandler(client, options) takes `resolveIntegration`, `authorize` and `resolveTimeoutMs`',
  );
  refuseUndefinedAuthorize(options);
  return options as Record<string, unknown>;
}

/**
 * `authorize: undefined` written out is a mistake (a misspelt or unset variable, `authorize: checkSession` before
 * it is defined) that would serve tokens to everyone: refused. Leaving the key out is how to allow everyone.
 */
function refuseUndefinedAuthorize(options: object): void {
  if (Object.hasOwn(options, 'authorize') && (options as { authorize?: unknown }).authorize === undefined) {
    throw configError(
      '`authorize` is undefined: give a function (req, integration) => boolean | Promise<boolean>, or leave the key out to serve the token to everyone who can reach the route',
    );
  }
}
