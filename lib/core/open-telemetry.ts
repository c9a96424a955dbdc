// lib/core/open-telemetry.ts
// OpenTelemetry metrics and spans through the optional `@opentelemetry/api` peer: loaded only when the app has it.
import type { ApiRetryMessage, TokenAcquisitionMessage } from './diagnostics.js';

/** The parts of `@opentelemetry/api` used here (its own types stay out of this package's declarations). */
export interface OpenTelemetryApi {
  metrics: { getMeterProvider(): MeterProvider };
  trace: {
    getTracer(name: string, version?: string): Tracer;
    setSpan(context: unknown, span: Span): unknown;
  };
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  SpanKind: { INTERNAL: number };
  SpanStatusCode: { ERROR: number };
}
interface MeterProvider {
  getMeter(name: string, version?: string): Meter;
}
interface Meter {
  createHistogram(name: string, options: InstrumentOptions): Instrument;
  createCounter(name: string, options: InstrumentOptions): Instrument;
}
interface InstrumentOptions {
  description: string;
  unit: string;
  advice?: { explicitBucketBoundaries: number[] };
}
interface Instrument {
  record?(value: number, attributes: Attributes): void;
  add?(value: number, attributes: Attributes): void;
}
interface Tracer {
  startSpan(name: string, options: { kind: number; attributes: Attributes }): Span;
}
interface Span {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
type Attributes = Record<string, string | number | boolean>;

/** How the client records to OpenTelemetry (`openTelemetry` option, resolved). */
export interface OpenTelemetrySettings {
  /** Adds `grafx.integration` (the integration key) to every metric and span; off by default (cardinality). */
  readonly integrationAttribute: boolean;
}

const PACKAGE = 'express-grafx-auth';
/** Token requests take from milliseconds (the store) to seconds (a slow login server, up to `timeoutMs`). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The counters: name, description, unit. */
const COUNTERS = {
  renewals: ['grafx.token.renewals', 'Tokens obtained from the shared store or the login server', '{token}'],
  failures: ['grafx.token.failures', 'Failed token acquisitions, by error code (error.type)', '{failure}'],
  retries: ['grafx.api.retries', 'API requests repeated once after a 401 with a renewed token', '{request}'],
  outages: ['grafx.store.outages', 'Outages of the shared token store (counted once per outage)', '{outage}'],
} as const;

/** The metric instruments of one meter provider. */
interface Instruments {
  provider: MeterProvider;
  duration: Instrument;
  renewals: Instrument;
  failures: Instrument;
  retries: Instrument;
  outages: Instrument;
}

/** Records the client's token acquisitions, 401 retries and store outages as OpenTelemetry metrics and spans. */
export class OpenTelemetryRecorder {
  readonly #api: OpenTelemetryApi;
  readonly #settings: OpenTelemetrySettings;
  #instruments: Instruments | undefined;

  constructor(api: OpenTelemetryApi, settings: OpenTelemetrySettings) {
    this.#api = api;
    this.#settings = settings;
  }

  /** Runs a token acquisition inside a span of its own (the login server's HTTP span, if instrumented, is its child). */
  traceToken<T>(message: TokenAcquisitionMessage, run: () => Promise<T>): Promise<T> {
    const attributes = this.#attributes(message.integration, { 'grafx.token.renewal': message.renewal });
    const span = this.#tracer().startSpan('GraFx token', { kind: this.#api.SpanKind.INTERNAL, attributes });
    const settle = (error?: unknown): void => {
      if (message.source !== undefined) span.setAttribute('grafx.token.source', message.source);
      if (error !== undefined) this.#failed(span, error);
      span.end();
    };
    return this.#inSpan(span, run).then(
      (value) => {
        settle();
        return value;
      },
      (error: unknown) => {
        settle(error ?? 'error');
        throw error;
      },
    );
  }

  /** Runs the repeated request after a 401 inside a span with `http.request.resend_count` (the HTTP span its child). */
  traceRetry<T>(message: ApiRetryMessage, run: () => Promise<T>): Promise<T> {
    const attributes = this.#attributes(message.integration, {
      'http.request.method': message.method,
      'http.request.resend_count': message.resendCount,
    });
    const span = this.#tracer().startSpan('GraFx API retry', { kind: this.#api.SpanKind.INTERNAL, attributes });
    return this.#inSpan(span, run).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        this.#failed(span, error ?? 'error');
        span.end();
        throw error;
      },
    );
  }

  tokenObtained(integration: string, durationMs: number, source: string, renewal: boolean): void {
    const instruments = this.#metrics();
    const attributes = this.#attributes(integration, { 'grafx.token.source': source, 'grafx.token.renewal': renewal });
    instruments.duration.record?.(durationMs / 1000, attributes);
    instruments.renewals.add?.(1, attributes);
  }

  tokenFailed(integration: string, durationMs: number, code: string, renewal: boolean): void {
    const instruments = this.#metrics();
    const attributes = this.#attributes(integration, { 'error.type': code, 'grafx.token.renewal': renewal });
    instruments.duration.record?.(durationMs / 1000, attributes);
    instruments.failures.add?.(1, attributes);
  }

  requestRetried(integration: string, method: string): void {
    this.#metrics().retries.add?.(1, this.#attributes(integration, { 'http.request.method': method }));
  }

  storeFault(): void {
    this.#metrics().outages.add?.(1, {});
  }

  #attributes(integration: string, attributes: Attributes): Attributes {
    if (this.#settings.integrationAttribute) attributes['grafx.integration'] = integration;
    return attributes;
  }

  /** Only the error's code (`GRAFX_*`, or the error's name): an error message is never an attribute. */
  #failed(span: Span, error: unknown): void {
    const code = errorType(error);
    span.setAttribute('error.type', code);
    span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: code });
  }

  #inSpan<T>(span: Span, run: () => Promise<T>): Promise<T> {
    const { context, trace } = this.#api;
    try {
      return context.with(trace.setSpan(context.active(), span), run);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #tracer(): Tracer {
    // The global tracer provider is a proxy: a tracer taken before the SDK registers still reaches it.
    return this.#api.trace.getTracer(PACKAGE);
  }

  /** The instruments of the meter provider registered now: an SDK registered after the client was made still counts. */
  #metrics(): Instruments {
    const provider = this.#api.metrics.getMeterProvider();
    if (this.#instruments?.provider === provider) return this.#instruments;
    const meter = provider.getMeter(PACKAGE);
    const counter = (name: keyof typeof COUNTERS): Instrument => {
      const [metric, description, unit] = COUNTERS[name];
      return meter.createCounter(metric, { description, unit });
    };
    this.#instruments = {
      provider,
      duration: meter.createHistogram('grafx.token.acquisition.duration', {
        description: 'How long getting a token from the shared store or the login server took',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      }),
      renewals: counter('renewals'),
      failures: counter('failures'),
      retries: counter('retries'),
      outages: counter('outages'),
    };
    return this.#instruments;
  }
}

/** `GRAFX_*` for the package's errors, the error class's name for others: never a message. */
function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) return name;
  }
  return '_OTHER';
}

const API_MODULE = '@opentelemetry/api';

/**
 * `@opentelemetry/api` when the app has it installed, else undefined. Synchronous where `require` exists (the
 * CommonJS build), so the first token request is recorded; the ES module build imports it (a Promise).
 */
export function loadOpenTelemetryApi(): OpenTelemetryApi | undefined | Promise<OpenTelemetryApi | undefined> {
  if (typeof require === 'function') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only if present
      return usable(require(API_MODULE));
    } catch {
      return undefined;
    }
  }
  // A specifier in a variable: bundlers and TypeScript leave the optional peer alone.
  const specifier: string = API_MODULE;
  return import(specifier).then(
    (loaded: unknown) => usable(loaded),
    () => undefined,
  );
}

/** The module if it looks like `@opentelemetry/api` 1.x (its default export, too), else undefined. */
function usable(loaded: unknown): OpenTelemetryApi | undefined {
  for (const candidate of [loaded, (loaded as { default?: unknown } | null)?.default]) {
    const api = candidate as Partial<OpenTelemetryApi> | null | undefined;
    if (
      typeof api?.metrics?.getMeterProvider === 'function' &&
      typeof api.trace?.getTracer === 'function' &&
      typeof api.context?.with === 'function'
    ) {
      return api as OpenTelemetryApi;
    }
  }
  return undefined;
}
