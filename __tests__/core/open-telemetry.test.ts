// __tests__/core/open-telemetry.test.ts
// Tracing channels and OpenTelemetry, with the real SDK (in-memory exporters): what is recorded, and never a secret.
import { spawn } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { join, resolve } from 'node:path';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  DIAGNOSTICS_CHANNELS,
  type GrafxClient,
  type GrafxClientOptions,
  type TokenStore,
  createGrafxClient,
} from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

const CLIENT_ID = 'otel-client-id-4711';
const SECRET = 'otel-secret-value-never-shown';
const standIn = useStandIn({ clients: [{ clientId: CLIENT_ID, clientSecret: SECRET }] });

/** The SDK as an app sets it up: a meter provider with a reader, a tracer provider, async context. */
class Sdk {
  readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly reader = new PeriodicExportingMetricReader({
    exporter: this.metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  readonly spanExporter = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spanExporter)] });

  register(): this {
    metrics.setGlobalMeterProvider(this.meterProvider);
    trace.setGlobalTracerProvider(this.tracerProvider);
    return this;
  }

  /** Every data point of the metric `name`, with its attributes. */
  async points(name: string): Promise<Array<DataPoint<number | Histogram>>> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    const found = this.metricExporter
      .getMetrics()
      .flatMap((resource) => resource.scopeMetrics)
      .filter((scope) => scope.scope.name === 'express-grafx-auth')
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name);
    return found.flatMap((metric) => metric.dataPoints as Array<DataPoint<number | Histogram>>);
  }

  spans(name?: string): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans().filter((span) => name === undefined || span.name === name);
  }

  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }
}

let sdk: Sdk;
const clients: GrafxClient[] = [];
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});
beforeEach(() => {
  sdk = new Sdk().register();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await sdk.shutdown();
  metrics.disable();
  trace.disable();
});

function makeClient(options: Partial<GrafxClientOptions> = {}): GrafxClient {
  const client = createGrafxClient({ ...standIn.options('cp-otel'), timeoutMs: 2_000, ...options });
  clients.push(client);
  return client;
}

/** Every attribute value recorded anywhere, as text: none may hold the secret, a token or the client ID. */
async function everyAttributeValue(tokens: readonly string[]): Promise<string> {
  const names = [
    'grafx.token.acquisition.duration',
    'grafx.token.renewals',
    'grafx.token.failures',
    'grafx.api.retries',
    'grafx.store.outages',
  ];
  const points = (await Promise.all(names.map((name) => sdk.points(name)))).flat();
  const values = [
    ...points.flatMap((point) => Object.entries(point.attributes)),
    ...sdk.spans().flatMap((span) => [span.name, ...Object.entries(span.attributes), span.status.message ?? '']),
  ];
  const text = JSON.stringify(values);
  for (const secret of [SECRET, CLIENT_ID, ...tokens]) expect(text).not.toContain(secret);
  return text;
}

describe('OpenTelemetry metrics and spans (the real SDK)', () => {
  it('records a token obtained: duration, a renewal counted by source, a span; no integration key by default', async () => {
    const client = makeClient();
    const token = await client.getToken();
    await client.getToken(); // from the cache: nothing more recorded

    const renewals = await sdk.points('grafx.token.renewals');
    expect(renewals).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: { 'grafx.token.source': 'login-server', 'grafx.token.renewal': false },
      }),
    ]);
    const [duration] = await sdk.points('grafx.token.acquisition.duration');
    expect((duration?.value as Histogram).count).toBe(1);
    const spans = sdk.spans('GraFx token');
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toEqual({ 'grafx.token.source': 'login-server', 'grafx.token.renewal': false });
    expect(await everyAttributeValue([token])).not.toContain('grafx.integration');
  });

  it('counts failures by code, the span in error with the code only (never a message)', async () => {
    const client = makeClient({ clientSecret: 'a-wrong-secret-value' });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'GRAFX_CREDENTIALS_REJECTED' });

    expect(await sdk.points('grafx.token.failures')).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: { 'error.type': 'GRAFX_CREDENTIALS_REJECTED', 'grafx.token.renewal': false },
      }),
    ]);
    const [span] = sdk.spans('GraFx token');
    expect(span?.status).toEqual({ code: 2, message: 'GRAFX_CREDENTIALS_REJECTED' });
    expect(span?.attributes['error.type']).toBe('GRAFX_CREDENTIALS_REJECTED');
    expect(await everyAttributeValue(['a-wrong-secret-value'])).toContain('GRAFX_CREDENTIALS_REJECTED');
  });

  it('counts a 401 retry, and repeats the request inside a span with http.request.resend_count', async () => {
    const client = makeClient();
    const first = await client.getToken();
    standIn.revokeTokens();
    await client.api().get('/templates', { params: { limit: 1 } });
    const second = await client.getToken();
    expect(second).not.toBe(first);

    expect(await sdk.points('grafx.api.retries')).toEqual([
      expect.objectContaining({ value: 1, attributes: { 'http.request.method': 'GET' } }),
    ]);
    const [retry] = sdk.spans('GraFx API retry');
    expect(retry?.attributes).toEqual({ 'http.request.method': 'GET', 'http.request.resend_count': 1 });
    await everyAttributeValue([first, second]);
  });

  it('adds the integration key only when the app opts in', async () => {
    const client = makeClient({ openTelemetry: { integrationAttribute: true } });
    await client.getToken();
    const [renewal] = await sdk.points('grafx.token.renewals');
    expect(renewal?.attributes['grafx.integration']).toBe('default');
    expect(sdk.spans('GraFx token')[0]?.attributes['grafx.integration']).toBe('default');
  });

  it('records nothing with openTelemetry: false', async () => {
    const client = makeClient({ openTelemetry: false });
    await client.getToken();
    expect(await sdk.points('grafx.token.renewals')).toEqual([]);
    expect(sdk.spans()).toEqual([]);
  });

  it('counts an SDK registered after the client was made', async () => {
    metrics.disable();
    trace.disable();
    const client = makeClient();
    sdk.register();
    await client.getToken();
    expect(await sdk.points('grafx.token.renewals')).toHaveLength(1);
    expect(sdk.spans('GraFx token')).toHaveLength(1);
  });

  it('counts a store outage once, and the store is called inside the token span', async () => {
    let activeSpanInStore: string | undefined;
    const broken = new Error('store down');
    const store: TokenStore = {
      get: () => {
        activeSpanInStore = (trace.getActiveSpan() as ReadableSpan | undefined)?.name;
        return Promise.reject(broken);
      },
      set: () => Promise.reject(broken),
      deleteIfToken: () => Promise.reject(broken),
      acquireLock: () => Promise.reject(broken),
      releaseLock: () => Promise.reject(broken),
      setFailure: () => Promise.reject(broken),
      getFailure: () => Promise.reject(broken),
    };
    const warnings: string[] = [];
    const client = makeClient({ store, logger: { warn: (message: string) => warnings.push(message) } });
    const token = await client.getToken(); // the store is down: the login server answers
    expect(activeSpanInStore).toBe('GraFx token');
    expect(await sdk.points('grafx.store.outages')).toEqual([expect.objectContaining({ value: 1, attributes: {} })]);
    await everyAttributeValue([token]);
  });
});

describe('diagnostics channels', () => {
  const subscribe = (name: string, into: Array<[string, Record<string, unknown>]>) => {
    const channel = diagnosticsChannel.tracingChannel<object, Record<string, unknown>>(name);
    const handlers = {
      start: (message: Record<string, unknown>) => into.push(['start', { ...message }]),
      end: (message: Record<string, unknown>) => into.push(['end', { ...message }]),
      asyncStart: (message: Record<string, unknown>) => into.push(['asyncStart', { ...message }]),
      asyncEnd: (message: Record<string, unknown>) => into.push(['asyncEnd', { ...message }]),
      error: (message: Record<string, unknown>) => into.push(['error', { ...message }]),
    };
    channel.subscribe(handlers);
    return () => channel.unsubscribe(handlers);
  };

  it('publishes each token acquisition: login server, then the cache; an error with its code', async () => {
    const seen: Array<[string, Record<string, unknown>]> = [];
    const unsubscribe = subscribe(DIAGNOSTICS_CHANNELS.token, seen);
    try {
      const client = makeClient({ openTelemetry: false });
      const token = await client.getToken();
      expect(seen.filter(([name]) => name === 'start' || name === 'asyncEnd')).toEqual([
        ['start', { integration: 'default', source: undefined, renewal: false }],
        ['asyncEnd', expect.objectContaining({ integration: 'default', source: 'login-server', renewal: false })],
      ]);
      seen.length = 0;
      await client.getToken();
      client.context();
      expect(seen).toEqual([
        ['start', { integration: 'default', source: 'cache', renewal: false }],
        ['end', expect.objectContaining({ source: 'cache' })],
        ['start', { integration: 'default', source: 'cache', renewal: false }],
        ['end', expect.objectContaining({ source: 'cache' })],
      ]);
      expect(JSON.stringify(seen)).not.toContain(token);

      seen.length = 0;
      const failing = makeClient({ openTelemetry: false, clientSecret: 'a-wrong-secret-value' });
      await expect(failing.getToken()).rejects.toMatchObject({ code: 'GRAFX_CREDENTIALS_REJECTED' });
      const error = seen.find(([name]) => name === 'error');
      expect(error?.[1].error).toMatchObject({ code: 'GRAFX_CREDENTIALS_REJECTED' });
    } finally {
      unsubscribe();
    }
  });

  it('publishes the repeated request after a 401', async () => {
    const seen: Array<[string, Record<string, unknown>]> = [];
    const unsubscribe = subscribe(DIAGNOSTICS_CHANNELS.apiRetry, seen);
    try {
      const client = makeClient({ openTelemetry: false });
      await client.getToken();
      standIn.revokeTokens();
      await client.api().get('/templates?limit=1');
      expect(seen.map(([name]) => name)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(seen[0]![1]).toEqual({ integration: 'default', method: 'GET', path: '/templates', resendCount: 1 });
    } finally {
      unsubscribe();
    }
  });

  it('costs nothing without subscribers: nothing published, the same answers', async () => {
    const client = makeClient({ openTelemetry: false });
    expect(diagnosticsChannel.tracingChannel(DIAGNOSTICS_CHANNELS.token).hasSubscribers).toBe(false);
    await expect(client.getToken()).resolves.toEqual(expect.any(String));
  });
});

describe('the optional peer', () => {
  const run = (mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((done) => {
      const fixture = join(__dirname, '..', 'fixtures', 'open-telemetry-peer.ts');
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
        cwd: resolve(__dirname, '..', '..'),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => done({ code, stdout, stderr }));
    });

  it.each([
    ['absent', 'not installed: nothing loaded, everything works', 0],
    ['off', 'installed but `openTelemetry: false`: not loaded', 0],
    ['present', 'installed: loaded', 1],
  ])('%s (%s)', async (mode, _what, loaded) => {
    const { code, stdout, stderr } = await run(mode);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(stdout) as { token: boolean; status: number; loaded: number };
    expect({ token: result.token, status: result.status, loaded: Math.min(result.loaded, 1) }).toEqual({
      token: true,
      status: 200,
      loaded,
    });
  });
});
