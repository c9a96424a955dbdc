// lib/core/telemetry.ts
// Telemetry: the client's events, `DEBUG=express-grafx-auth*` logging, and per-integration counters for health.
import { EventEmitter } from 'node:events';
import createDebug from 'debug';
import { type ApiRetryMessage, type TokenAcquisitionMessage, apiRetryChannel, tokenChannel } from './diagnostics.js';
import { type OpenTelemetrySettings, OpenTelemetryRecorder, loadOpenTelemetryApi } from './open-telemetry.js';
import type { Logger } from './logger.js';
import { quotedKey } from './redaction.js';
import { LazyLRU } from './lazy-lru.js';

/** A token was obtained: from the login server, or from the shared store (another instance asked for it). */
export interface TokenRenewedEvent {
  integration: string;
  /** How long getting it took, in milliseconds. */
  durationMs: number;
  expiresAt: Date;
  source: 'login-server' | 'store';
  /** True when it replaced a still-valid token (a background renewal); false for a cold cache or after a 401. */
  renewal: boolean;
}

/** Getting a token failed (the error is what requests get, as `next(err)`). */
export interface TokenRenewalFailedEvent {
  integration: string;
  durationMs: number;
  code: string;
  status: number;
  renewal: boolean;
}

/** A request through `api` met a 401 and is repeated once with a renewed token. */
export interface RequestRetriedEvent {
  integration: string;
  method: string;
  /** The request's path (no query string, no host). */
  path: string;
}

/**
 * The API refused a token the login server had just handed out: renewing again would not help. Likely causes: a
 * wrong environment name or API base URL, or an integration without permissions in that environment.
 */
export interface ApiRejectsFreshTokensEvent {
  integration: string;
  method: string;
  /** The request's path (no query string, no host). */
  path: string;
  /** True: the renewal after the 401 got back the very token refused; false: the renewed token was refused too. */
  sameToken: boolean;
  /** The earliest time a 401 may cause another token request (`rejectionRenewalIntervalMs` after the last one). */
  nextRenewalAt: Date;
}

/** The shared token store failed (once per outage) or came back. */
export interface StoreEvent {
  reason: string;
}

/** The codes of the client's warnings (the `warning` event, and the logger's message starts with it in brackets). */
export const GRAFX_WARNING_CODES = {
  /**
   * The token route handed a browser a token whose permissions go beyond reading (a `:write` or `output:` scope):
   * once per integration. Use a separate read-only integration for browsers.
   */
  BROWSER_TOKEN_NOT_READ_ONLY: 'GRAFX_BROWSER_TOKEN_NOT_READ_ONLY',
} as const;

export type GrafxWarningCode = (typeof GRAFX_WARNING_CODES)[keyof typeof GRAFX_WARNING_CODES];

/** A coded warning (also written to the `logger`). Never holds a token or a secret. */
export interface WarningEvent {
  code: GrafxWarningCode;
  integration: string;
  /** The same text the logger got. */
  message: string;
  /** The permissions the warning is about (for GRAFX_BROWSER_TOKEN_NOT_READ_ONLY: those beyond reading). */
  permissions: string[];
}

/** The events of a GrafxClient, by name. Payloads never hold a token, a secret or a client ID. */
export interface GrafxClientEvents {
  tokenRenewed: TokenRenewedEvent;
  tokenRenewalFailed: TokenRenewalFailedEvent;
  requestRetried: RequestRetriedEvent;
  apiRejectsFreshTokens: ApiRejectsFreshTokensEvent;
  storeFault: StoreEvent;
  storeRecovered: StoreEvent;
  warning: WarningEvent;
}

/** Counters of one integration, for the health handler. */
export interface IntegrationStats {
  failures: number;
  retries: number;
  lastErrorCode: string | undefined;
  /** Whether the API's latest answers refused fresh tokens (until it accepts a request again). */
  apiRejectingTokens: boolean;
  /** When the API last refused a fresh token. */
  lastTokenRejectionAt: number | undefined;
}

const log = {
  token: createDebug('express-grafx-auth:token'),
  api: createDebug('express-grafx-auth:api'),
  store: createDebug('express-grafx-auth:store'),
  events: createDebug('express-grafx-auth:events'),
};

export class Telemetry {
  readonly #emitter = new EventEmitter();
  readonly #stats: LazyLRU<string, IntegrationStats>;
  readonly #logger: Logger | undefined;
  /** Integrations whose API refuses fresh tokens now (kept at each change: health's O(1) count). */
  #apiRejecting = 0;
  /** Set once `@opentelemetry/api` is loaded (only when the app has it and `openTelemetry` is not false). */
  #otel: OpenTelemetryRecorder | undefined;

  /**
   * @param statsMax how many integrations' counters are kept (those of tenants no longer held go first).
   * @param openTelemetry how to record to OpenTelemetry, or false for not at all (`@opentelemetry/api` not loaded).
   * @param logger where the one warning per integration and outage of an API refusing fresh tokens goes.
   */
  constructor(statsMax = 10_000, openTelemetry: OpenTelemetrySettings | false = false, logger?: Logger) {
    this.#logger = logger;
    this.#stats = new LazyLRU<string, IntegrationStats>({
      max: statsMax,
      dispose: (stats) => {
        if (stats.apiRejectingTokens) this.#apiRejecting -= 1;
      },
    });
    if (openTelemetry === false) return;
    const api = loadOpenTelemetryApi();
    if (api instanceof Promise) {
      void api.then((loaded) => {
        if (loaded !== undefined) this.#otel = new OpenTelemetryRecorder(loaded, openTelemetry);
      });
    } else if (api !== undefined) {
      this.#otel = new OpenTelemetryRecorder(api, openTelemetry);
    }
  }

  /** Whether OpenTelemetry is being recorded to (`@opentelemetry/api` found and loaded). */
  get openTelemetry(): boolean {
    return this.#otel !== undefined;
  }

  /**
   * Runs a token acquisition (store or login server) under the `express-grafx-auth:token` tracing channel and an
   * OpenTelemetry span, each only when present. `message.source` is to be set by `run` before it resolves.
   */
  traceToken<T>(message: TokenAcquisitionMessage, run: () => Promise<T>): Promise<T> {
    const traced = tokenChannel.hasSubscribers ? () => tokenChannel.tracePromise(run, message) : run;
    return this.#otel === undefined ? traced() : this.#otel.traceToken(message, traced);
  }

  /** Runs the repeated request after a 401 under the `express-grafx-auth:api-retry` channel and a span, if present. */
  traceRetry<T>(message: ApiRetryMessage, run: () => Promise<T>): Promise<T> {
    const traced = apiRetryChannel.hasSubscribers ? () => apiRetryChannel.tracePromise(run, message) : run;
    return this.#otel === undefined ? traced() : this.#otel.traceRetry(message, traced);
  }

  /** How many integrations' API refuses fresh tokens now (each since its first refusal, until it accepts one). */
  get apiRejecting(): number {
    return this.#apiRejecting;
  }

  /** The counters of an integration if it has any (health's detail), without making them. */
  peekStats(integration: string): IntegrationStats | undefined {
    return this.#stats.peek(integration);
  }

  on<E extends keyof GrafxClientEvents>(event: E, listener: (payload: GrafxClientEvents[E]) => void): void {
    this.#emitter.on(event, listener);
  }

  off<E extends keyof GrafxClientEvents>(event: E, listener: (payload: GrafxClientEvents[E]) => void): void {
    this.#emitter.off(event, listener);
  }

  stats(integration: string): IntegrationStats {
    let stats = this.#stats.get(integration);
    if (stats === undefined) {
      stats = {
        failures: 0,
        retries: 0,
        lastErrorCode: undefined,
        apiRejectingTokens: false,
        lastTokenRejectionAt: undefined,
      };
      this.#stats.set(integration, stats);
    }
    return stats;
  }

  /** Forgets the counters of an integration (a loaded tenant that left). */
  forget(integration: string): void {
    this.#stats.delete(integration);
  }

  /** A token was obtained; its count and time are kept on the tenant (no counters made for a tenant that never fails). */
  tokenRenewed(event: TokenRenewedEvent, _now: number): void {
    const stats = this.#stats.peek(event.integration);
    if (stats !== undefined) stats.lastErrorCode = undefined;
    // (its arguments are worked out only when the namespace is on: a cold load should not format a date for nobody)
    if (log.token.enabled) {
      log.token(
        '%s: token %s in %d ms from the %s, expires %s',
        event.integration,
        event.renewal ? 'renewed' : 'obtained',
        event.durationMs,
        event.source === 'store' ? 'shared store' : 'login server',
        event.expiresAt.toISOString(),
      );
    }
    this.#otel?.tokenObtained(event.integration, event.durationMs, event.source, event.renewal);
    this.#emit('tokenRenewed', event);
  }

  tokenRenewalFailed(event: TokenRenewalFailedEvent): void {
    const stats = this.stats(event.integration);
    stats.failures += 1;
    stats.lastErrorCode = event.code;
    log.token(
      '%s: getting a token failed in %d ms: %s (%d)',
      event.integration,
      event.durationMs,
      event.code,
      event.status,
    );
    this.#otel?.tokenFailed(event.integration, event.durationMs, event.code, event.renewal);
    this.#emit('tokenRenewalFailed', event);
  }

  requestRetried(event: RequestRetriedEvent): void {
    this.stats(event.integration).retries += 1;
    log.api(
      '%s: %s %s answered 401; renewing the token and repeating it once',
      event.integration,
      event.method,
      event.path,
    );
    this.#otel?.requestRetried(event.integration, event.method);
    this.#emit('requestRetried', event);
  }

  /** The API refused a fresh token (health); with `event`, the first refusal since the last renewal (event + DEBUG). */
  tokenRefused(integration: string, now: number, event?: ApiRejectsFreshTokensEvent): void {
    const stats = this.stats(integration);
    if (!stats.apiRejectingTokens) {
      // The start of an outage: one warning, whatever follows, until the API accepts a request again.
      this.#apiRejecting += 1;
      stats.apiRejectingTokens = true;
      this.#logger?.warn(
        `express-grafx-auth: the GraFx API refuses freshly issued tokens of integration ${quotedKey(integration)}` +
          (event === undefined ? '' : ` (${event.method} ${event.path} answered 401)`) +
          ': check its environment name or API base URL, and its permissions in that environment. Requests get the ' +
          "API's 401 meanwhile; health shows the integration degraded until the API accepts a request again " +
          '(one warning per integration and outage)',
      );
    }
    stats.lastTokenRejectionAt = now;
    if (event === undefined) return;
    log.api(
      '%s: the API keeps refusing fresh tokens (%s %s answered 401 %s); check the environment name or API base URL ' +
        "and the integration's permissions in that environment. 401s are handed back; the next token request " +
        'after a 401 is not before %s',
      integration,
      event.method,
      event.path,
      event.sameToken ? 'and the login server handed back the same token' : 'to a renewed token too',
      event.nextRenewalAt.toISOString(),
    );
    this.#emit('apiRejectsFreshTokens', event);
  }

  /** The API accepted a request again after refusing fresh tokens. */
  tokenAccepted(integration: string): void {
    const stats = this.stats(integration);
    if (stats.apiRejectingTokens) this.#apiRejecting -= 1;
    stats.apiRejectingTokens = false;
    log.api('%s: the API accepts the token again', integration);
  }

  storeFault(reason: string): void {
    log.store('the token store is unavailable (%s)', reason);
    this.#otel?.storeFault();
    this.#emit('storeFault', { reason });
  }

  storeRecovered(): void {
    log.store('the token store answers again');
    this.#emit('storeRecovered', { reason: 'answered' });
  }

  warning(event: WarningEvent): void {
    log.events('%s: warning %s', event.integration, event.code);
    this.#emit('warning', event);
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }

  /** Emits without letting a listener's exception reach the token or request path. */
  #emit<E extends keyof GrafxClientEvents>(event: E, payload: GrafxClientEvents[E]): void {
    try {
      this.#emitter.emit(event, payload);
    } catch (error) {
      log.events('a %s listener threw: %s', event, error instanceof Error ? error.message : String(error));
    }
  }
}
