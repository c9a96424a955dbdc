// lib/express/middleware.ts
// grafxAuth(): the thin Express adapter; picks the request's integration and attaches `req.grafx` from the client.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  GRAFX_ERROR_CODES,
  GrafxAuthError,
  type GrafxClient,
  type GrafxClientOptions,
  type GrafxContext,
  createGrafxClient,
  isGrafxClient,
} from '../core/index.js';
import { checkKnownKeys, refuseNearMisses, refuseStandIn } from '../core/option-keys.js';
import { guardRequestGrafx } from './request-grafx.js';
import { configError } from './config-error.js';
import { type IntegrationResolver, parseResolveTimeout, resolveKey } from './integration-resolver.js';

export type { IntegrationResolver } from './integration-resolver.js';

/** Options of the Express adapter itself. */
export interface GrafxAuthAdapterOptions {
  /**
   * Returns the integration key of a request. Required when several integrations are configured.
   * Returning nothing, or a key that is not configured, answers 400 (a GrafxAuthError) without asking for a token.
   * @default () => the only integration's key
   */
  resolveIntegration?: IntegrationResolver;
  /**
   * How long an async `resolveIntegration` may take, in milliseconds (1 to 2147483647): past it the request goes to
   * `next(err)` with a 504 `GRAFX_INTEGRATION_RESOLVE_TIMEOUT`. `client.close()` ends the wait too (503
   * `GRAFX_CLIENT_CLOSED`).
   * @default 10000 (10 seconds)
   */
  resolveTimeoutMs?: number;
}

/** The adapter's own option keys, checked by the compiler (an option added to the type must be listed here). */
export const ADAPTER_KEYS: Record<keyof GrafxAuthAdapterOptions, true> = {
  resolveIntegration: true,
  resolveTimeoutMs: true,
};

/** Options of `grafxAuth(options)`: the client's options plus the adapter's. */
export interface GrafxAuthOptions extends GrafxClientOptions, GrafxAuthAdapterOptions {}

/** The middleware, with the client it uses (for workers, tests, or a second middleware). */
export type GrafxAuthMiddleware = RequestHandler & { readonly client: GrafxClient };

/**
 * Express middleware: makes sure a valid GraFx token exists for the request's integration and sets `req.grafx`
 * (`{ integration, environment, token, expiresAt, api }`). Failures go to `next(err)` as GrafxAuthError.
 * Throws at once (GRAFX_CONFIG_INVALID) when the options are wrong.
 */
export function grafxAuth(options: GrafxAuthOptions): GrafxAuthMiddleware;
export function grafxAuth(client: GrafxClient, options?: GrafxAuthAdapterOptions): GrafxAuthMiddleware;
export function grafxAuth(
  optionsOrClient: GrafxAuthOptions | GrafxClient,
  adapterOptions: GrafxAuthAdapterOptions = {},
): GrafxAuthMiddleware {
  if (looksLikeRequest(optionsOrClient)) {
    throw configError('grafxAuth must be called with its options: app.use(grafxAuth({ ... })), not app.use(grafxAuth)');
  }
  let client: GrafxClient;
  let resolveIntegration: unknown;
  let resolveTimeoutMs: unknown;
  if (isGrafxClient(optionsOrClient)) {
    client = optionsOrClient;
    if (typeof adapterOptions !== 'object' || adapterOptions === null) {
      throw configError('the options of grafxAuth(client, options) must be an object { resolveIntegration }');
    }
    checkKnownKeys(
      adapterOptions,
      Object.keys(ADAPTER_KEYS),
      '',
      "grafxAuth(client, options) takes only `resolveIntegration` and `resolveTimeoutMs`; the client's own options go to createGrafxClient()",
    );
    ({ resolveIntegration, resolveTimeoutMs } = adapterOptions);
  } else {
    if (typeof optionsOrClient !== 'object' || optionsOrClient === null) {
      throw configError('options must be an object: grafxAuth({ clientId, clientSecret, environment })');
    }
    refuseStandIn(optionsOrClient);
    refuseNearMisses(
      optionsOrClient,
      ['resolveIntegration', 'resolveTimeoutMs'],
      "grafxAuth(options) takes the client's options, `resolveIntegration` and `resolveTimeoutMs`",
    );
    const { resolveIntegration: resolver, resolveTimeoutMs: limit, ...clientOptions } = optionsOrClient;
    client = createGrafxClient(clientOptions);
    resolveIntegration = resolver;
    resolveTimeoutMs = limit;
  }
  const timeoutMs = parseResolveTimeout(resolveTimeoutMs);
  if (resolveIntegration !== undefined && typeof resolveIntegration !== 'function') {
    throw configError('`resolveIntegration` must be a function (req) => integration key');
  }
  const defaultKey = client.defaultIntegration;
  if (resolveIntegration === undefined && defaultKey === undefined) {
    throw configError(
      client.loadsIntegrations
        ? '`integrations` is a function (integrations loaded on demand): give `resolveIntegration` (req) => key to choose one per request'
        : `several integrations are configured (${client.integrations.join(', ')}): give \`resolveIntegration\` to choose one per request`,
    );
  }
  const resolve = resolveIntegration as IntegrationResolver | undefined;

  const attach = (req: Request, key: unknown, next: NextFunction): void => {
    if (typeof key !== 'string' || key === '') {
      next(
        new GrafxAuthError(GRAFX_ERROR_CODES.INTEGRATION_MISSING, 'No GraFx integration was chosen for this request', {
          status: 400,
        }),
      );
      return;
    }
    let context: GrafxContext | Promise<GrafxContext>;
    try {
      context = client.context(key);
    } catch (error) {
      next(error);
      return;
    }
    if (context instanceof Promise) {
      context.then((ready) => {
        req.grafx = ready;
        next();
      }, next);
    } else {
      req.grafx = context;
      next();
    }
  };

  /** The request prototype (the app's `app.request`) last seen: its `grafx` accessor is installed (see guardRequestGrafx). */
  let seen: object | null = null;
  const middleware = function grafxAuthMiddleware(req: Request, _res: Response, next: NextFunction): void {
    const prototype = Object.getPrototypeOf(req) as object | null;
    if (prototype !== seen) {
      guardRequestGrafx(req);
      seen = prototype;
    }
    if (resolve === undefined) {
      attach(req, defaultKey, next);
      return;
    }
    let key: unknown;
    try {
      key = resolveKey(client, resolve, req, timeoutMs);
    } catch (error) {
      next(error);
      return;
    }
    if (key instanceof Promise) key.then((resolved) => attach(req, resolved, next), next);
    else attach(req, key, next);
  };
  return Object.assign(middleware, { client });
}

/** Whether a factory was handed a request (`app.use(grafxAuth)` without the call). */
export function looksLikeRequest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'method' in value && 'headers' in value && 'socket' in value;
}
