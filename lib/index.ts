// lib/index.ts
// The package's public API (re-exports only).
import './types.js';

export { grafxAuth } from './middleware.js';
export type {
  GrafxAuthAdapterOptions,
  GrafxAuthMiddleware,
  GrafxAuthOptions,
  IntegrationResolver,
} from './middleware.js';
export { GrafxClient, createGrafxClient, isGrafxClient } from './client.js';
export type { GrafxContext, GrafxHealth, IntegrationHealth, IntegrationInfo } from './client.js';
export { grafxHealthHandler } from './health-handler.js';
export type {
  GrafxClientEvents,
  RequestRetriedEvent,
  StoreEvent,
  TokenRenewalFailedEvent,
  TokenRenewedEvent,
} from './telemetry.js';
export { GRAFX_ERROR_CODES, GrafxAuthError, isGrafxAuthError } from './errors.js';
export type { GrafxErrorCode } from './errors.js';
export {
  DEFAULT_AUDIENCE,
  DEFAULT_INTEGRATION,
  DEFAULT_REFRESH_WINDOW_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOKEN_URL,
  defaultApiBaseURL,
} from './options.js';
export type { GrafxClientOptions, IntegrationConfig } from './options.js';
export type { StoredFailure, StoredToken, TokenStore } from './token-store.js';
export type { Logger } from './fleet-token-fetch.js';
export {
  grafxTokenHandler,
  type GrafxBrowserToken,
  type GrafxTokenHandler,
  type GrafxTokenHandlerAdapterOptions,
  type GrafxTokenHandlerOptions,
  type TokenRouteAuthorizer,
} from './token-handler.js';
