// lib/core/diagnostics.ts
// The package's node:diagnostics_channel tracing channels (undici's and ioredis's way): free while nobody subscribes.
import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * What `tracing:express-grafx-auth:token:*` publishes for one token acquisition. Never a token, a secret or a client
 * ID. `source` is set by the time `end` (synchronous, from the cache) or `asyncEnd` (store or login server) is
 * published; on `error`, the message also has `error` (a GrafxAuthError, whose message and fields are scrubbed).
 */
export interface TokenAcquisitionMessage {
  /** The integration key (a tenant key with integrations loaded on demand). */
  integration: string;
  /** Where the token came from: the in-memory cache, the shared store, or the login server. */
  source: 'cache' | 'store' | 'login-server' | undefined;
  /** True for a renewal of a still-valid token (in the background); false for a cold cache or after a 401. */
  renewal: boolean;
  error?: unknown;
}

/**
 * What `tracing:express-grafx-auth:api-retry:*` publishes when `req.grafx.api` repeats a request once after a 401,
 * around the repeated request. `path` has no query string and no host.
 */
export interface ApiRetryMessage {
  integration: string;
  /** The HTTP method, upper case. */
  method: string;
  path: string;
  /** Always 1: a request is repeated once at most (OpenTelemetry's `http.request.resend_count`). */
  resendCount: 1;
  error?: unknown;
}

/** The channel names, as subscribers pass them to `diagnostics_channel.tracingChannel(name)`. */
export const DIAGNOSTICS_CHANNELS = {
  token: 'express-grafx-auth:token',
  apiRetry: 'express-grafx-auth:api-retry',
} as const;

export const tokenChannel = diagnosticsChannel.tracingChannel<TokenAcquisitionMessage, TokenAcquisitionMessage>(
  DIAGNOSTICS_CHANNELS.token,
);
export const apiRetryChannel = diagnosticsChannel.tracingChannel<ApiRetryMessage, ApiRetryMessage>(
  DIAGNOSTICS_CHANNELS.apiRetry,
);

/** Publishes a token taken from the cache (callers check `tokenChannel.hasSubscribers` first: the warm path). */
export function traceCachedToken(integration: string): void {
  const message: TokenAcquisitionMessage = { integration, source: 'cache', renewal: false };
  tokenChannel.traceSync(() => undefined, message);
}
