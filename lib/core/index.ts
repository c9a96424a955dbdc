// lib/core/index.ts
// The core's public surface (re-exports only): what the Express adapter, the Redis store and users may import.
export { GrafxClient, createGrafxClient, isGrafxClient } from './client.js';
export type { GrafxContext, GrafxHealth, IntegrationHealth, IntegrationInfo } from './client.js';
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
export type { Logger } from './logger.js';
export type { GrafxWorkflows } from './workflows.js';
export type { GrafxQueryParams, PaginateOptions } from './paginate.js';
export type { TaskWaitOptions } from './output-task.js';
export type {
  GrafxListPage,
  GrafxOutputFormat,
  GrafxOutputTaskDone,
  GrafxOutputTaskStarted,
  GrafxProblem,
  GrafxTaskResult,
  GrafxTemplate,
} from './api-types.js';
export { grafxProblem } from './grafx-problem.js';
export { GrafxTaskError } from './task-error.js';
