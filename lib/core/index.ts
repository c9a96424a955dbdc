// lib/core/index.ts
// The core's public surface (re-exports only): what the Express adapter, the Redis store and users may import.
export { GrafxClient, createGrafxClient, isGrafxClient } from './client.js';
export { MAX_HEALTH_DETAIL } from './client.js';
export type {
  GrafxContext,
  GrafxHealth,
  HealthCounts,
  HealthOptions,
  IntegrationHealth,
  IntegrationInfo,
} from './client.js';
export type {
  ApiRejectsFreshTokensEvent,
  GrafxClientEvents,
  RequestRetriedEvent,
  StoreEvent,
  TokenRenewalFailedEvent,
  TokenRenewedEvent,
  GrafxWarningCode,
  WarningEvent,
} from './telemetry.js';
export { DIAGNOSTICS_CHANNELS } from './diagnostics.js';
export { TOKEN_ID, tokenId } from './token-id.js';
export type { ApiRetryMessage, TokenAcquisitionMessage } from './diagnostics.js';
export { GRAFX_WARNING_CODES } from './telemetry.js';
export { GRAFX_ERROR_CODES, GrafxAuthError, isGrafxAuthError } from './errors.js';
export type { GrafxErrorCode } from './errors.js';
export {
  DEFAULT_AUDIENCE,
  DEFAULT_INTEGRATION,
  DEFAULT_REFRESH_WINDOW_MS,
  DEFAULT_RELOAD_AFTER_MS,
  DEFAULT_LOAD_MAX_IN_FLIGHT,
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_UNKNOWN_MAX,
  DEFAULT_UNKNOWN_MAX_BYTES,
  DEFAULT_UNKNOWN_TTL_MS,
  DEFAULT_REJECTION_RENEWAL_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOKEN_URL,
  defaultApiBaseURL,
} from './options.js';
export type {
  ClientAuthMethod,
  GrafxClientOptions,
  IntegrationConfig,
  IntegrationLoadOptions,
  IntegrationLoader,
  LoadingOptions,
  ReadinessOptions,
} from './options.js';
export {
  MAX_ACCESS_TOKEN_LENGTH,
  MAX_CACHE_MAX,
  MAX_INTEGRATION_KEY_LENGTH,
  MAX_RETRY_AFTER_SECONDS,
  MAX_TIMER_MS,
  MAX_TOKEN_LIFETIME_SECONDS,
  MAX_TOKEN_RESPONSE_BYTES,
  MIN_TOKEN_LIFETIME_SECONDS,
} from './bounds.js';
export type { StoredFailure, StoredToken, TokenStore } from './token-store.js';
export type { Logger } from './logger.js';
export type { GrafxWorkflows } from './workflows.js';
export type { GrafxQueryParams, PaginateOptions } from './paginate.js';
export type { TaskWaitOptions } from './output-task.js';
export type {
  GrafxOutputFormat,
  GrafxOutputTaskDone,
  GrafxOutputTaskStarted,
  GrafxProblem,
  GrafxTaskResult,
} from './api-types.js';
export type {
  GrafxFont,
  GrafxItemResponse,
  GrafxListPage,
  GrafxListQuery,
  GrafxMedia,
  GrafxOtherFields,
  GrafxOutputSettings,
  GrafxOutputTask,
  GrafxPreviewSize,
  GrafxPreviewTask,
  GrafxProject,
  GrafxSdkVersion,
  GrafxSdkVersions,
  GrafxSettings,
  GrafxTag,
  GrafxTaskErrorReport,
  GrafxTemplate,
} from './resource-types.js';
export { GRAFX_TASK_STATUSES } from './task-answer.js';
export type { GrafxTaskStatus } from './task-answer.js';
export type { DownloadOptions, GrafxDownload } from './download.js';
export { grafxTemplateDates } from './template-dates.js';
export { grafxProblem } from './grafx-problem.js';
export { GrafxTaskError } from './task-error.js';
export type { SentRequest } from './api-error-scrubber.js';
export type { GrafxApiError } from './api-client.js';
// axios's own type guard, for error handlers that tell `req.grafx.api`'s errors apart (axios is our dependency, not
// necessarily the app's).
export { isAxiosError } from 'axios';
export type { AxiosError, AxiosInstance } from 'axios';
