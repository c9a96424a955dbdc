// lib/express/index.ts
// The Express adapter's public surface (re-exports only); importing it installs the `req.grafx` type.
import './request-augmentation.js';

export { grafxAuth } from './middleware.js';
export type {
  GrafxAuthAdapterOptions,
  GrafxAuthMiddleware,
  GrafxAuthOptions,
  IntegrationResolver,
} from './middleware.js';
export { grafxHealthHandler, type GrafxHealthHandlerOptions } from './health-handler.js';
export { sendGrafxDownload, type SendGrafxDownloadOptions } from './send-download.js';
export {
  grafxTokenHandler,
  type GrafxBrowserToken,
  type GrafxTokenHandler,
  type GrafxTokenHandlerAdapterOptions,
  type GrafxTokenHandlerOptions,
  type TokenRouteAuthorizer,
} from './token-handler.js';
