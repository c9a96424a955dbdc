// __tests__/core/bounded-wait.test.ts
// Every wait of the client on the app's loader is bounded: a time limit, a bound on loads in flight, and close().
import {
  type GrafxClientOptions,
  type IntegrationConfig,
  type IntegrationLoader,
  MAX_TIMER_MS,
  createGrafxClient,
} from 'express-grafx-auth';
import { BoundedWaits } from '../../lib/core/bounded-wait.js';
import { useStandIn } from '../helpers/stand-in.js';

const SECRET = 'bounded-secret-never-shown';
const standIn = useStandIn({ clients: [{ clientId: 'bounded-client', clientSecret: SECRET }] });

const row = (key: string): IntegrationConfig => ({
  clientId: 'bounded-client',
  clientSecret: SECRET,
  environment: `env-${key.slice(0, 40)}`,
});

const options = (loader: IntegrationLoader, extra: Partial<GrafxClientOptions> = {}): GrafxClientOptions => ({
  integrations: loader,
  tokenURL: standIn.tokenURL,
  apiBaseURL: standIn.apiBaseURL,
  ...extra,
});

/** A loader that never answers, recording each call's key and signal. */
function hungLoader() {
  const calls: Array<{ key: string; signal: AbortSignal }> = [];
  const loader: IntegrationLoader = (key, { signal }) => {
    calls.push({ key, signal });
    return new Promise<never>(() => undefined);
  };
  return { calls, loader };
}

/** A clock the test moves. */
function testClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Lets background work that is already due run (a few event loop turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the loader has a time limit (loading.timeoutMs)', () => {
  it.each<[string, () => PromiseLike<IntegrationConfig>]>([
    ['a promise that never settles', () => new Promise<never>(() => undefined)],
    [
      'a thenable that never calls back',
      () => ({ then: () => undefined }) as unknown as PromiseLike<IntegrationConfig>,
    ],
    [
      'a promise that settles long after the limit',
      () => new Promise((resolve) => setTimeout(() => resolve(row('late')), 60_000).unref()),
    ],
  ])('%s: GRAFX_INTEGRATION_LOAD_TIMEOUT (504), and the loader signal is aborted', async (_name, answer) => {
    const signals: AbortSignal[] = [];
    const client = createGrafxClient(
      options(
        (_key, { signal }) => {
          signals.push(signal);
          return answer();
        },
        { loading: { timeoutMs: 20 } },
      ),
    );
    const callers = Array.from({ length: 5 }, () => client.getToken('acme'));
    for (const caller of callers) {
      await expect(caller).rejects.toMatchObject({
        code: 'GRAFX_INTEGRATION_LOAD_TIMEOUT',
        status: 504,
        integration: 'acme',
        message: expect.stringContaining('loading.timeoutMs'),
      });
    }
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toMatchObject({ code: 'GRAFX_INTEGRATION_LOAD_TIMEOUT' });
    // The next use asks again (a timeout is not remembered as "unknown").
    await expect(client.getToken('acme')).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_LOAD_TIMEOUT' });
    expect(signals).toHaveLength(2);
    await client.close();
  });

  it.each<[string, (options: { signal: AbortSignal }) => AbortSignal]>([
    ['read as a property', (options) => options.signal],
    ['read from a spread copy', (options) => ({ ...options }).signal],
    ['read by destructuring', ({ signal }) => signal],
  ])('a loader reading its signal only after the limit (%s) finds it aborted, with the same reason', async (_name, read) => {
    const kept: Array<{ signal: AbortSignal }> = [];
    const client = createGrafxClient(
      options(
        (_key, loadOptions) => {
          kept.push(loadOptions);
          return new Promise<never>(() => undefined);
        },
        { loading: { timeoutMs: 20 } },
      ),
    );
    await expect(client.getToken('acme')).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_LOAD_TIMEOUT' });
    const signal = read(kept[0]!);
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ code: 'GRAFX_INTEGRATION_LOAD_TIMEOUT' });
    expect(read(kept[0]!)).toBe(signal); // one signal per call, however often read
    await client.close();
  });

  it('a loader answering within the limit is served as before', async () => {
    const client = createGrafxClient(
      options((key) => new Promise((resolve) => setTimeout(() => resolve(row(key)), 5)), {
        loading: { timeoutMs: 60_000 },
      }),
    );
    await expect(client.getToken('acme')).resolves.toEqual(expect.any(String));
    await client.close();
  });

  it.each<[string, unknown]>([
    ['zero', 0],
    ['negative', -1],
    ['a fraction', 1.5],
    ['past the longest timer', MAX_TIMER_MS + 1],
    ['a string', '1000'],
    ['NaN', Number.NaN],
  ])('loading.timeoutMs %s is refused', (_name, value) => {
    expect(() => createGrafxClient(options(hungLoader().loader, { loading: { timeoutMs: value as number } }))).toThrow(
      /loading\.timeoutMs/,
    );
  });
});

describe('loads in flight are bounded (loading.maxInFlight)', () => {
  it.each<[string, number | undefined, number]>([
    ['the default bound (1000)', undefined, 1000],
    ['loading.maxInFlight: 100', 100, 100],
  ])(
    '%s: 50,000 distinct keys against a hung loader start no more loads than the bound; the rest get GRAFX_INTEGRATION_LOAD_BUSY at once',
    async (_name, maxInFlight, bound) => {
      const KEYS = 50_000;
      const { calls, loader } = hungLoader();
      const loading = { timeoutMs: MAX_TIMER_MS, ...(maxInFlight === undefined ? {} : { maxInFlight }) };
      const client = createGrafxClient(options(loader, { loading }));
      const outcomes = Array.from({ length: KEYS }, (_, i) =>
        client.getToken(`tenant-${i}`).then(
          () => 'served',
          (error: { code?: string; status?: number; retryAfter?: number }) =>
            `${error.code} ${error.status} ${error.retryAfter}`,
        ),
      );
      // The busy ones are answered without waiting for anything.
      await settle();
      expect(calls).toHaveLength(bound);
      // A caller of a key already loading shares its load, bound or not.
      const again = client.getToken('tenant-0').catch((error: { code?: string }) => error.code);
      await settle();
      expect(calls).toHaveLength(bound);

      await client.close();
      const counts = new Map<string, number>();
      for (const outcome of await Promise.all(outcomes)) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      expect(Object.fromEntries(counts)).toEqual({
        'GRAFX_INTEGRATION_LOAD_BUSY 503 1': KEYS - bound,
        'GRAFX_CLIENT_CLOSED 503 undefined': bound,
      });
      expect(await again).toBe('GRAFX_CLIENT_CLOSED');
      expect(calls.every(({ signal }) => signal.aborted)).toBe(true);
    },
    120_000,
  );

  it('a slot is free again once its load ends', async () => {
    let answer: 'hang' | 'row' = 'hang';
    const client = createGrafxClient(
      options((key) => (answer === 'hang' ? new Promise<never>(() => undefined) : row(key)), {
        loading: { maxInFlight: 1, timeoutMs: 20 },
      }),
    );
    const first = client.getToken('one');
    await expect(client.getToken('two')).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_LOAD_BUSY' });
    await expect(first).rejects.toMatchObject({ code: 'GRAFX_INTEGRATION_LOAD_TIMEOUT' });
    answer = 'row';
    await expect(client.getToken('two')).resolves.toEqual(expect.any(String));
    await client.close();
  });

  it.each<[string, unknown]>([
    ['zero', 0],
    ['past 100000', 100_001],
    ['a fraction', 2.5],
  ])('loading.maxInFlight %s is refused', (_name, value) => {
    expect(() =>
      createGrafxClient(options(hungLoader().loader, { loading: { maxInFlight: value as number } })),
    ).toThrow(/loading\.maxInFlight/);
  });
});

describe('close() ends every wait on the loader, and resolves', () => {
  type Wait = (client: ReturnType<typeof createGrafxClient>) => Promise<unknown>;
  it.each<[string, Wait]>([
    ['getToken(key)', (client) => client.getToken('acme')],
    ['ready([key])', (client) => client.ready(['acme'])],
    ['ready(key)', (client) => client.ready('acme')],
    ['context(key)', async (client) => client.context('acme')],
    ['lookup(key)', (client) => client.lookup('acme')],
    ['generateOutput(key, …)', (client) => client.generateOutput('acme', 'pdf', {})],
  ])(
    '%s waiting on a loader that never answers: rejects with GRAFX_CLIENT_CLOSED',
    async (_name, wait) => {
      const { calls, loader } = hungLoader();
      const client = createGrafxClient(options(loader, { loading: { timeoutMs: MAX_TIMER_MS } }));
      const waiting = wait(client).then(
        () => 'served',
        (error: { code?: string }) => error.code,
      );
      await settle();
      expect(calls).toHaveLength(1);
      await client.close();
      expect(await waiting).toBe('GRAFX_CLIENT_CLOSED');
      expect(calls[0]!.signal.aborted).toBe(true);
    },
    60_000,
  );

  it('a background reload waiting on a loader that never answers does not hold close()', async () => {
    const clock = testClock();
    let hang = false;
    const signals: AbortSignal[] = [];
    const warnings: string[] = [];
    const client = createGrafxClient(
      options(
        (key, { signal }) => {
          signals.push(signal);
          return hang ? new Promise<never>(() => undefined) : row(key);
        },
        {
          clock: clock.now,
          loading: { reloadAfterMs: 60_000, timeoutMs: MAX_TIMER_MS },
          logger: { warn: (message) => warnings.push(message) },
        },
      ),
    );
    await client.getToken('acme');
    hang = true;
    clock.advance(60_000);
    await client.context('acme'); // held credentials serve; the reload starts in the background
    await settle();
    expect(signals).toHaveLength(2);
    await client.close();
    expect(signals[1]!.aborted).toBe(true);
    // Closing is not a failed reload.
    expect(warnings).toEqual([]);
  }, 60_000);

  it('a token renewal and a reload due together, the reload hung: close() resolves', async () => {
    const clock = testClock();
    let hang = false;
    const client = createGrafxClient(
      options((key) => (hang ? new Promise<never>(() => undefined) : row(key)), {
        clock: clock.now,
        loading: { reloadAfterMs: 60_000, timeoutMs: MAX_TIMER_MS },
      }),
    );
    const first = await client.getToken('acme');
    hang = true;
    // Ten-hour tokens: four minutes before expiry the renewal is due (5-minute window), and the reload long since.
    clock.advance(36_000_000 - 240_000);
    expect((await client.context('acme')).token).toBe(first);
    await settle();
    await client.close();
    await expect(client.getToken('acme')).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
  }, 60_000);

  it('waits already ended by close() are not asked of the loader again', async () => {
    const { calls, loader } = hungLoader();
    const client = createGrafxClient(options(loader));
    await client.close();
    await expect(client.getToken('acme')).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
    expect(calls).toHaveLength(0);
  });
});

describe('BoundedWaits', () => {
  const limit = (timeoutMs: number) => ({
    timeoutMs,
    timedOut: () => new Error('timed out'),
    closed: () => new Error('closed'),
  });

  it('settles as the promise does, rejects on time or on close, and aborts the given controller', async () => {
    const owner = new AbortController();
    const waits = new BoundedWaits(owner.signal);
    await expect(waits.wait(Promise.resolve(1), limit(MAX_TIMER_MS))).resolves.toBe(1);
    await expect(waits.wait(Promise.reject(new Error('own')), limit(MAX_TIMER_MS))).rejects.toThrow('own');
    const timed = new AbortController();
    await expect(waits.wait(new Promise(() => undefined), limit(5), timed)).rejects.toThrow('timed out');
    expect(timed.signal.reason).toEqual(new Error('timed out'));
    const closing = new AbortController();
    const hung = Array.from({ length: 1000 }, () =>
      waits.wait(new Promise(() => undefined), limit(MAX_TIMER_MS), closing),
    );
    expect(waits.size).toBe(1000);
    owner.abort();
    for (const wait of hung) await expect(wait).rejects.toThrow('closed');
    expect(waits.size).toBe(0);
    expect(closing.signal.aborted).toBe(true);
    await expect(waits.wait(Promise.resolve(1), limit(MAX_TIMER_MS))).rejects.toThrow('closed');
  });

  it.each<[string, () => PromiseLike<unknown>]>([
    [
      'a thenable whose then throws',
      () =>
        ({
          then() {
            throw new Error('then threw');
          },
        }) as PromiseLike<unknown>,
    ],
    [
      'a Proxy whose then getter throws',
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new Error('then threw');
            },
          },
        ) as PromiseLike<unknown>,
    ],
  ])('%s rejects (never throws at the caller)', async (_name, pending) => {
    const waits = new BoundedWaits(new AbortController().signal);
    await expect(waits.wait(pending(), limit(MAX_TIMER_MS))).rejects.toThrow('then threw');
    expect(waits.size).toBe(0);
  });
});
