// bench/run.ts
// `npm run bench`: CPU per request against a no-op layer (in one process) and the static-token floor, many tenants, memory, micro; table + JSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { AppCommands, GcTotals } from './app-process.js';
import type { AppVariant } from './apps.js';
import { type BenchConfig, benchConfig } from './config.js';
import type { ColdLoadCommands } from './cold-load-process.js';
import { coldStartScenario } from './cold-start.js';
import { Child } from './ipc.js';
import { type LatencySummary, type LoadResult, burst, load, median, pooled } from './load.js';
import type { LookupCommands, LookupResult } from './lookup-process.js';
import { medianByName, poolRounds, spread, spreads } from './lookup-merge.js';
import type { MemoryCommands, MemoryResult } from './memory-process.js';
import type { CallCost, MicroCommands } from './micro-process.js';
import { zipfSampler } from './zipf.js';
import { type PackageShare, packageShare } from './profile-share.js';
import { type RouteProfile, difference, splitProfile } from './profile-split.js';
import { BASE_BUILD, type ColdLoadCandidate, type StandInEndpoints, tenantKey } from './shared.js';
import type { StandInCommands } from './stand-in-process.js';
import { type Row, type Target, coldStartRows, lookupTable, markdownTable, targetRows } from './report.js';

const config = benchConfig(join(__dirname, 'results.json'));
const PROFILE_DIR = join(__dirname, 'profiles');
const tenantPaths = Array.from({ length: config.tokens.integrations }, (_, i) => `/t/${tenantKey(i)}/templates`);

/** An app under test, running in its own process. */
interface App {
  name: string;
  child: Child<AppCommands>;
  origin: string;
  paths: readonly string[];
  /** Instead of `paths`: the path of each next request. */
  nextPath?: () => string;
}

/** One load run of one app, with the app process's CPU use during it (1 = one core busy) and per 2xx answer. */
interface Round extends LoadResult {
  appCpu: number;
  cpuMicrosPerRequest: number;
  /** CPU use of this process (autocannon) during the run: near 1, the load generator would be the bottleneck. */
  loadGeneratorCpu: number;
  /** Of `cpuMicrosPerRequest`, the main thread's (Linux; the rest is the app's other threads': the collector's helpers). */
  mainThreadMicrosPerRequest: number;
  /** The collector's pauses on the main thread per request (µs; part of `mainThreadMicrosPerRequest`). */
  gcMicrosPerRequest: GcTotals;
  /** The app process's monotonic clock (µs) before and after the run, to split its CPU profile by run. */
  window: [number, number];
}

const children: Array<{ stop(): Promise<void> }> = [];

const t0 = performance.now();

/** Progress, on stderr (the table goes to stdout), with the time since the start. */
function log(message: string): void {
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

async function startApps(
  specs: ReadonlyArray<{
    name: string;
    variant: AppVariant;
    endpoints: StandInEndpoints;
    paths: readonly string[];
    second?: StandInEndpoints;
  }>,
): Promise<App[]> {
  const nodeOptions = config.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  return Promise.all(
    specs.map(async ({ name, variant, endpoints, paths, second }) => {
      const child = new Child<AppCommands>(name, join(__dirname, 'app-process.ts'), nodeOptions);
      children.push(child);
      const { port } = await child.call('start', {
        variant,
        endpoints,
        integrations: config.tokens.integrations,
        ...(second === undefined ? {} : { second }),
      });
      return { name, child, origin: `http://127.0.0.1:${port}`, paths };
    }),
  );
}

async function stopApps(apps: readonly App[]): Promise<void> {
  await Promise.all(apps.map((app) => app.child.stop()));
}

async function run(app: App, seconds: number): Promise<Round> {
  const before = await app.child.call('stats', undefined);
  const ownBefore = process.cpuUsage();
  const result = await load({
    origin: app.origin,
    paths: app.paths,
    ...(app.nextPath === undefined ? {} : { nextPath: app.nextPath }),
    connections: config.connections,
    durationSeconds: seconds,
  });
  const own = process.cpuUsage(ownBefore);
  const after = await app.child.call('stats', undefined);
  const cpuMicros = after.cpuMicros - before.cpuMicros;
  return {
    ...result,
    appCpu: cpuMicros / (result.durationSeconds * 1e6),
    cpuMicrosPerRequest: result.ok === 0 ? NaN : cpuMicros / result.ok,
    loadGeneratorCpu: (own.user + own.system) / (result.durationSeconds * 1e6),
    mainThreadMicrosPerRequest: (after.mainThreadMicros - before.mainThreadMicros) / result.ok,
    gcMicrosPerRequest: {
      minorMicros: (after.gc.minorMicros - before.gc.minorMicros) / result.ok,
      majorMicros: (after.gc.majorMicros - before.gc.majorMicros) / result.ok,
      otherMicros: (after.gc.otherMicros - before.gc.otherMicros) / result.ok,
    },
    window: [before.atMicros, after.atMicros],
  };
}

/**
 * Warms every app up, then runs `rounds` rounds; each round runs every app once, in order and reversed in turn
 * (A B C, C B A, A B C, ...): of any two apps each runs first as often as the other, so a drift of the machine's speed
 * during the bench favours neither. `beforeRun` prepares an app before each of its runs.
 */
async function interleaved(
  apps: readonly App[],
  { rounds, roundSeconds, warmupSeconds }: { rounds: number; roundSeconds: number; warmupSeconds: number },
  beforeRun: (app: App) => Promise<void> = async () => undefined,
): Promise<Map<string, Round[]>> {
  for (const app of apps) {
    await beforeRun(app);
    await run(app, warmupSeconds);
  }
  const results = new Map<string, Round[]>(apps.map((app) => [app.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < apps.length; i++) {
      const app = apps[round % 2 === 0 ? i : apps.length - 1 - i] as App;
      await beforeRun(app);
      const result = await run(app, roundSeconds);
      results.get(app.name)?.push(result);
      log(
        `  round ${round + 1}/${rounds} ${app.name.padEnd(16)} ${result.rps.toFixed(0).padStart(6)} req/s` +
          `  p50 ${result.latency.p50.toFixed(2)} ms  p99 ${result.latency.p99.toFixed(2)} ms  app CPU ${(result.appCpu * 100).toFixed(0)}% ` +
          `(${result.cpuMicrosPerRequest.toFixed(0)} µs/req), autocannon ${(result.loadGeneratorCpu * 100).toFixed(0)}%` +
          (result.failed > 0 ? `  FAILED ${result.failed}` : ''),
      );
    }
  }
  return results;
}

/** One app's rounds: median requests/s and CPU, latency percentiles of all its rounds' requests together. */
interface Summary {
  rps: number;
  p50: number;
  p99: number;
  appCpu: number;
  cpuMicrosPerRequest: number;
  loadGeneratorCpu: number;
  failed: number;
  rounds: Array<{ rps: number; latency: LatencySummary; appCpu: number; cpuMicrosPerRequest: number; failed: number }>;
}

function summary(rounds: readonly Round[]): Summary {
  const latency = pooled(rounds);
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50: latency.p50,
    p99: latency.p99,
    appCpu: median(rounds.map((r) => r.appCpu)),
    cpuMicrosPerRequest: median(rounds.map((r) => r.cpuMicrosPerRequest)),
    loadGeneratorCpu: median(rounds.map((r) => r.loadGeneratorCpu)),
    failed: rounds.reduce((sum, r) => sum + r.failed, 0),
    rounds: rounds.map(({ rps, latency: l, appCpu, cpuMicrosPerRequest, failed }) => ({
      rps,
      latency: l,
      appCpu,
      cpuMicrosPerRequest,
      failed,
    })),
  };
}

interface Ratio {
  median: number;
  q1: number;
  q3: number;
  rounds: number[];
}

/** The per-round ratios a/b (round i of a is paired with round i of b: they ran next to each other), summarized. */
function pairedRatio(a: readonly Round[], b: readonly Round[], value: (r: Round) => number): Ratio {
  return quartiles(a.map((round, i) => value(round) / value(b[i] as Round)));
}

/** Median and quartiles (the middle half of the rounds) of per-round values. */
function quartiles(rounds: readonly number[]): Ratio {
  const sorted = [...rounds].sort((x, y) => x - y);
  const lower = sorted.slice(0, Math.ceil(sorted.length / 2));
  const upper = sorted.slice(Math.floor(sorted.length / 2));
  return { median: median(sorted), q1: median(lower), q3: median(upper), rounds: [...rounds] };
}

function roundsOf(results: Map<string, Round[]>, name: string): Round[] {
  const rounds = results.get(name);
  if (rounds === undefined) throw new Error(`no rounds for ${name}`);
  return rounds;
}

/** Every app of the bench, by name; all started at once, before any measurement, each in its own process. */
interface Apps {
  /** The bare, no-op and grafxAuth routes in one process (`hello-mix`); its routes are Apps of their own. */
  mix: App;
  bare: App;
  /** A second bare app: how far two identical processes differ on this machine (an A/A control). */
  bare2: App;
  noop: App;
  grafxAuth: App;
  floor: App;
  grafx: App;
  recipe: App;
  long: App;
  short: App;
  burstGrafx: App;
  burstRecipe: App;
}

async function startAll(
  main: StandInEndpoints,
  short: StandInEndpoints,
  burstStandIn: StandInEndpoints,
): Promise<Apps> {
  const lifetime = config.renewal.shortLifetimeSeconds;
  const [mix, bare, bare2, noop, grafxAuth, floor, grafx, recipe, tokensMix, burstGrafx, burstRecipe] =
    await startApps([
      { name: 'hello-mix', variant: 'hello-mix', endpoints: main, paths: ['/bare/hello'] },
      { name: 'hello-bare', variant: 'hello-bare', endpoints: main, paths: ['/hello'] },
      { name: 'hello-bare-2', variant: 'hello-bare', endpoints: main, paths: ['/hello'] },
      { name: 'hello-noop', variant: 'hello-noop', endpoints: main, paths: ['/hello'] },
      { name: 'hello-grafxAuth', variant: 'hello-grafx', endpoints: main, paths: ['/hello'] },
      { name: 'templates-floor', variant: 'templates-floor', endpoints: main, paths: ['/templates'] },
      { name: 'templates-grafx', variant: 'templates-grafx', endpoints: main, paths: ['/templates'] },
      { name: 'templates-recipe', variant: 'templates-recipe', endpoints: main, paths: ['/templates'] },
      // Scenario 3: both token lifetimes in one process (its routes are Apps of their own), as scenario 1 does it.
      { name: 'tokens-mix', variant: 'renewal-mix', endpoints: main, paths: [], second: short },
      { name: 'burst-grafx', variant: 'tenants-grafx', endpoints: burstStandIn, paths: tenantPaths },
      { name: 'burst-recipe', variant: 'templates-recipe', endpoints: burstStandIn, paths: ['/templates'] },
    ]);
  if (burstRecipe === undefined) throw new Error('the apps did not start');
  return {
    mix: mix as App,
    bare: bare as App,
    bare2: bare2 as App,
    noop: noop as App,
    grafxAuth: grafxAuth as App,
    floor: floor as App,
    grafx: grafx as App,
    recipe: recipe as App,
    long: { ...(tokensMix as App), name: 'tokens-10h', paths: tenantPaths.map((path) => `/long${path}`) },
    short: {
      ...(tokensMix as App),
      name: `tokens-${lifetime}s`,
      paths: tenantPaths.map((path) => `/short${path}`),
    },
    burstGrafx: burstGrafx as App,
    burstRecipe,
  };
}

const byRps = (r: Round): number => r.rps;
const BURST_TOKEN_DELAY_MS = 1000;
const byCpu = (r: Round): number => r.cpuMicrosPerRequest;

/** The routes of `hello-mix`; requests go to them in this order and back (A B C D D C B A ...). */
const MIX_ROUTES = ['bare', 'noop-2', 'noop', 'grafx'] as const;
type MixRoute = (typeof MIX_ROUTES)[number];

/** One round of `hello-mix`: CPU time per request of each route, and the load run's requests/s (all routes). */
interface MixRound {
  cpuMicrosPerRequest: Record<MixRoute, number>;
  /** Process CPU time per request outside the app's handler (reading, parsing, writing, the event loop). */
  sharedMicrosPerRequest: number;
  rps: number;
  failed: number;
  /** Requests whose answer was not finished when the handler returned (expected 0: see route-cpu.ts). */
  unfinished: number;
}

/**
 * The guard's measurement: the bare, no-op and grafxAuth routes in one process. Two processes running the same app
 * differ by about 10 % on these machines (each JIT's state is a lottery), and one process's speed drifts from one
 * second to the next with the machine's other work; so the routes share one process (the JIT, the heap, the Express
 * code) and one load run, their requests in turn (A B C D D C B A ...), and the app measures the CPU time of each
 * request's handling by route (route-cpu.ts). A route's CPU per request is the process's CPU time per request
 * outside the handlers (the same for every route: reading, parsing, writing, the event loop) plus its own handler's
 * per request. The routes of a round meet the same machine within a millisecond; a second no-op route (the A/A
 * control) shows this measurement's own noise.
 */
async function sameProcessScenario(apps: Apps) {
  const { rounds, roundSeconds, warmupSeconds } = config.sameProcess;
  log(
    `1. Middleware overhead in one process: bare, no-op, grafxAuth (warm) and a second no-op route, requests in ` +
      `turn, ${rounds} rounds of ${roundSeconds} s`,
  );
  const { child, origin } = apps.mix;
  const order = [...MIX_ROUTES, ...[...MIX_ROUTES].reverse()].map((route) => `/${route}/hello`);
  let next = 0;
  const mixRound = async (seconds: number): Promise<MixRound> => {
    await child.call('routeCpu', undefined);
    const before = await child.call('stats', undefined);
    const result = await load({
      origin,
      paths: [],
      nextPath: () => order[next++ % order.length] as string,
      connections: config.connections,
      durationSeconds: seconds,
    });
    const after = await child.call('stats', undefined);
    const { routes, unfinished } = await child.call('routeCpu', undefined);
    const measured = MIX_ROUTES.map((route) => routes[route] ?? { requests: 0, handlerMicros: 0 });
    const requests = measured.reduce((sum, r) => sum + r.requests, 0);
    const handlers = measured.reduce((sum, r) => sum + r.handlerMicros, 0);
    const shared = (after.cpuMicros - before.cpuMicros - handlers) / requests;
    const cpuMicrosPerRequest = Object.fromEntries(
      MIX_ROUTES.map((route, i) => {
        const { requests: n, handlerMicros } = measured[i] as { requests: number; handlerMicros: number };
        return [route, n === 0 ? NaN : shared + handlerMicros / n];
      }),
    ) as Record<MixRoute, number>;
    return { cpuMicrosPerRequest, sharedMicrosPerRequest: shared, rps: result.rps, failed: result.failed, unfinished };
  };
  await mixRound(warmupSeconds);
  const measured: MixRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const r = await mixRound(roundSeconds);
    measured.push(r);
    const { bare, noop, grafx } = r.cpuMicrosPerRequest;
    log(
      `  round ${round + 1}/${rounds} CPU/req bare ${bare.toFixed(1)} µs, no-op ${noop.toFixed(1)}, grafxAuth ` +
        `${grafx.toFixed(1)}, no-op-2 ${r.cpuMicrosPerRequest['noop-2'].toFixed(1)} (outside the handlers ` +
        `${r.sharedMicrosPerRequest.toFixed(1)}); ${r.rps.toFixed(0)} req/s` +
        (r.failed + r.unfinished > 0 ? `  FAILED ${r.failed}, unfinished ${r.unfinished}` : ''),
    );
  }
  const route = (name: MixRoute) => ({
    cpuMicrosPerRequest: median(measured.map((r) => r.cpuMicrosPerRequest[name])),
    rounds: measured.map((r) => r.cpuMicrosPerRequest[name]),
  });
  const paired = (a: MixRoute, b: MixRoute): Ratio =>
    quartiles(measured.map((r) => r.cpuMicrosPerRequest[a] / r.cpuMicrosPerRequest[b]));
  return {
    rounds,
    roundSeconds,
    /** requests/s of the load runs (all four routes together): the secondary figure. */
    rps: median(measured.map((r) => r.rps)),
    sharedMicrosPerRequest: median(measured.map((r) => r.sharedMicrosPerRequest)),
    failed: measured.reduce((sum, r) => sum + r.failed, 0),
    unfinished: measured.reduce((sum, r) => sum + r.unfinished, 0),
    bare: route('bare'),
    noop: route('noop'),
    noop2: route('noop-2'),
    grafxAuth: route('grafx'),
    /** The guard: CPU per request of the no-op route / the grafxAuth route, round by round. */
    noopOverGrafxCpu: paired('noop', 'grafx'),
    /** The A/A control: the second no-op route / the first. */
    noop2CpuRatio: paired('noop-2', 'noop'),
    /** What one Express layer costs: CPU per request bare / no-op. */
    bareOverNoopCpu: paired('bare', 'noop'),
  };
}

/** The same three apps, each in its own process: the picture between processes, and the A/A control of scenario 2. */
async function overheadScenario(apps: Apps) {
  log('1b. Middleware overhead between processes: bare, no-op and grafxAuth apps, each in its own process');
  // grafxAuth runs next to the bare app it is compared with; the A/A control runs farthest from it.
  const results = await interleaved([apps.bare, apps.grafxAuth, apps.noop, apps.bare2], config.overhead);
  const bare = roundsOf(results, apps.bare.name);
  const bare2 = roundsOf(results, apps.bare2.name);
  const noop = roundsOf(results, apps.noop.name);
  const grafxAuth = roundsOf(results, apps.grafxAuth.name);
  return {
    bare: summary(bare),
    bare2: summary(bare2),
    noop: summary(noop),
    grafxAuth: summary(grafxAuth),
    /** requests/s behind grafxAuth / bare: the median of the per-round ratios. */
    ratio: pairedRatio(grafxAuth, bare, byRps),
    noopRatio: pairedRatio(noop, bare, byRps),
    bare2Ratio: pairedRatio(bare2, bare, byRps),
    /** App CPU time per request behind grafxAuth / bare (less sensitive than requests/s to other load on the machine). */
    cpuRatio: pairedRatio(grafxAuth, bare, byCpu),
    noopCpuRatio: pairedRatio(noop, bare, byCpu),
    /** The guard: CPU per request of the no-op middleware / behind grafxAuth (1 = as cheap as a no-op layer). */
    noopOverGrafxCpu: pairedRatio(noop, grafxAuth, byCpu),
    /** The A/A control by CPU per request (second bare process / first). */
    bare2CpuRatio: pairedRatio(bare2, bare, byCpu),
  };
}

async function endToEndScenario(apps: Apps) {
  log('2. End to end: GET /templates on the stand-in through the floor, the package and the recipe');
  const results = await interleaved([apps.floor, apps.grafx, apps.recipe], config.endToEnd);
  const floor = roundsOf(results, apps.floor.name);
  const grafx = roundsOf(results, apps.grafx.name);
  const recipe = roundsOf(results, apps.recipe.name);
  return {
    floor: summary(floor),
    grafx: summary(grafx),
    recipe: summary(recipe),
    grafxRatio: pairedRatio(grafx, floor, byRps),
    recipeRatio: pairedRatio(recipe, floor, byRps),
    grafxCpuRatio: pairedRatio(grafx, floor, byCpu),
    recipeCpuRatio: pairedRatio(recipe, floor, byCpu),
  };
}

async function renewalScenario(apps: Apps, stand: Child<StandInCommands>) {
  const lifetime = config.renewal.shortLifetimeSeconds;
  const { long, short } = apps;
  log(
    `3. Renewal under load: ${config.tokens.integrations} integrations, ${lifetime}-second tokens vs. 10-hour tokens`,
  );
  // Between its rounds an app is idle and its short-lived tokens expire: each round starts with fresh tokens (one
  // request per integration, outside the measured run), so every renewal in the round happens under load.
  let before = 0;
  const renewals: number[] = [];
  const results = await interleaved(
    [long, short],
    {
      rounds: config.renewal.rounds,
      roundSeconds: config.renewal.roundSeconds,
      warmupSeconds: config.overhead.warmupSeconds,
    },
    async (app) => {
      if (app === short && before > 0)
        renewals.push((await stand.call('counts', { name: 'short' })).tokenRequests - before);
      const statuses = await burst(app.origin, app.paths);
      if (statuses.some((status) => status !== 200))
        throw new Error(`${app.name}: warm-up answered ${statuses.join(',')}`);
      if (app === short) before = (await stand.call('counts', { name: 'short' })).tokenRequests;
    },
  );
  renewals.push((await stand.call('counts', { name: 'short' })).tokenRequests - before);
  const longRounds = roundsOf(results, long.name);
  const shortRounds = roundsOf(results, short.name);
  return {
    integrations: config.tokens.integrations,
    shortLifetimeSeconds: lifetime,
    long: summary(longRounds),
    short: summary(shortRounds),
    /** Token requests (background renewals) made during each measured short-token round (warm-up run excluded). */
    renewalsPerRound: renewals.slice(1),
    /** p99 of all the short-token rounds' requests / p99 of all the 10-hour rounds' requests. */
    p99Ratio: pooled(shortRounds).p99 / pooled(longRounds).p99,
    p50Ratio: pooled(shortRounds).p50 / pooled(longRounds).p50,
    /** The same, round by round (each short round over the 10-hour round next to it). */
    p99RatioByRound: pairedRatio(shortRounds, longRounds, (r) => r.latency.p99),
    rpsRatio: pairedRatio(shortRounds, longRounds, byRps),
  };
}

async function burstScenarios(apps: Apps, stand: Child<StandInCommands>) {
  const { integrations, concurrency } = config.tokens;
  log(
    `4a/4b. Token requests: ${concurrency} concurrent requests over ${integrations} integrations, cold, then all answered 401`,
  );
  const measure = async (app: App) => {
    const before = await stand.call('counts', { name: 'burst' });
    const statuses = await burst(
      app.origin,
      Array.from({ length: concurrency }, (_, i) => app.paths[i % app.paths.length] as string),
    );
    const after = await stand.call('counts', { name: 'burst' });
    return {
      tokenRequests: after.tokenRequests - before.tokenRequests,
      apiUnauthorized: after.apiUnauthorized - before.apiUnauthorized,
      ok: statuses.filter((status) => status === 200).length,
      failed: statuses.filter((status) => status !== 200).length,
    };
  };
  // The login server answers after 1 s (a slow day for a real one): every request of a burst arrives while the token
  // requests are in flight, so the bursts test that concurrent requests share them.
  await stand.call('setTokenDelay', { name: 'burst', ms: BURST_TOKEN_DELAY_MS });
  const cold = { ...(await measure(apps.burstGrafx)), ideal: integrations };
  await stand.call('revokeTokens', { name: 'burst' });
  const unauthorized = { ...(await measure(apps.burstGrafx)), ideal: integrations };
  // The recipe for comparison (one integration: its module-level token, fetched at start-up), all tokens revoked.
  await stand.call('revokeTokens', { name: 'burst' });
  const recipeUnauthorized = { ...(await measure(apps.burstRecipe)), ideal: 1 };
  log(
    `  cold: ${cold.tokenRequests} token requests (ideal ${cold.ideal}); 401s: ${unauthorized.tokenRequests} ` +
      `(ideal ${unauthorized.ideal}); recipe 401s: ${recipeUnauthorized.tokenRequests} (ideal 1), ${recipeUnauthorized.failed} failed`,
  );
  return { integrations, concurrency, tokenDelayMs: BURST_TOKEN_DELAY_MS, cold, unauthorized, recipeUnauthorized };
}

async function memoryScenario(stand: Child<StandInCommands>): Promise<MemoryResult> {
  const integrations = config.memory.integrations;
  log(`5. Memory: heap per cached integration, ${integrations} integrations`);
  const endpoints = await stand.call('start', { name: 'memory', clients: integrations, tokenLifetimeSeconds: 36_000 });
  const child = new Child<MemoryCommands>('memory', join(__dirname, 'memory-process.ts'), ['--expose-gc']);
  children.push(child);
  const result = await child.call('measure', { endpoints, integrations, concurrency: 64 });
  await child.stop();
  log(
    `  ${result.heldBytesPerTenant.toFixed(0)} B per tenant held, ${result.configuredBytesPerIntegration.toFixed(0)} B per configured unused integration`,
  );
  return result;
}

/** One round of the many-tenants route: CPU and throughput, and what the tenants cost during it. */
interface TenantRound extends Round {
  loads: number;
  tokenRequests: number;
  /** Token requests the login server (the stand-in) answered during the round. */
  loginServerRequests: number;
  duplicates: number;
  /** The token requests' durations added up (ms). */
  tokenMs: number;
}

async function tenantsScenario(stand: Child<StandInCommands>) {
  const { tenants, cacheMax, zipfExponent, rounds, roundSeconds, warmupSeconds, mix, pin, waitMs } = config.tenants;
  log(
    `6. Many tenants: ${tenants} behind a loader, cache.max ${cacheMax}, Zipf mix (s = ${zipfExponent}), vs one tenant` +
      (mix === 'zipf' ? '' : ` (BENCH_TENANTS_MIX=${mix}: a diagnosis, not the guard's mix)`),
  );
  const endpoints = await stand.call('start', { name: 'tenants', clients: tenants, tokenLifetimeSeconds: 36_000 });
  const profileOptions = config.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = new Child<AppCommands>('tenants', join(__dirname, 'app-process.ts'), [
    '--expose-gc',
    ...profileOptions,
    ...(process.env.BENCH_TENANTS_NODE_OPTIONS ?? '').split(' ').filter((o) => o !== ''),
  ]);
  children.push(child);
  const { port } = await child.call('start', { variant: 'tenants-mix', endpoints, integrations: tenants, cacheMax });
  const origin = `http://127.0.0.1:${port}`;
  const pinned = pin && pinTenantsProcesses(child.pid, stand.pid);
  const multi: App = {
    name: 'many-tenants',
    child,
    origin,
    paths: [],
    nextPath: tenantPath(mix, tenants, cacheMax, zipfExponent, waitMs, 't'),
  };
  const single: App = { name: 'single-tenant', child, origin, paths: ['/s/tenant-0/templates'] };
  // The A/A control: the single-tenant route again, as a run of its own in each round (the measurement's own noise).
  const single2: App = { ...single, name: 'single-tenant-2' };
  // The floor: the same two routes written by hand (bench/floor-tenants.ts), in the same process.
  const floorMulti: App = {
    name: 'floor-many-tenants',
    child,
    origin,
    paths: [],
    nextPath: tenantPath(mix, tenants, cacheMax, zipfExponent, waitMs, 'f'),
  };
  const floorSingle: App = { name: 'floor-single-tenant', child, origin, paths: ['/fs/tenant-0/templates'] };
  // Warm-up: the caches hold the mix's hottest tenants (its steady state), then a run of the mix itself.
  await child.call('prewarm', { count: cacheMax });
  await run(multi, warmupSeconds);
  await run(floorMulti, warmupSeconds);
  await run(single, Math.min(warmupSeconds, 2));
  await run(floorSingle, Math.min(warmupSeconds, 2));
  type Which = 'multi' | 'single' | 'single2' | 'floorMulti' | 'floorSingle';
  const apps: Record<Which, App> = { multi, single, single2, floorMulti, floorSingle };
  const roundsBy: Record<Which, TenantRound[]> = { multi: [], single: [], single2: [], floorMulti: [], floorSingle: [] };
  /** The stand-in's CPU time per request of each run (it answers the routes' API requests, and the token requests). */
  const standIn: Record<Which, number[]> = { multi: [], single: [], single2: [], floorMulti: [], floorSingle: [] };
  // The heap (after a full collection) before and after the measured rounds, not between them: the second or so after
  // a full collection costs the app about a quarter more CPU per request (measured: the first run after one, either
  // route, was that much dearer), which would have gone to whichever route came next.
  const heaps: number[] = [(await child.call('tenantStats', undefined)).heapUsed];
  await run(multi, warmupSeconds);
  await run(floorMulti, warmupSeconds);
  // Each ratio pairs runs that follow each other: the A/A control (single2, single), issue 11's (single, multi), the
  // package beside the floor (multi, floorMulti) and the floor's own (floorMulti, floorSingle); reversed every round.
  // The guard is issue 11's over the floor's own.
  const order: Which[] = ['single2', 'single', 'multi', 'floorMulti', 'floorSingle'];
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 === 0 ? order : [...order].reverse()) {
      // Only cheap counts around a measured run: a health report of 10,000 tenants or a forced collection here
      // would put their work (the collector's background threads) into the run that follows.
      const before = await child.call('tenantCounts', undefined);
      const loginBefore = (await stand.call('counts', { name: 'tenants' })).tokenRequests;
      const standBefore = await stand.call('cpu', undefined);
      const result = await run(apps[which], roundSeconds);
      const after = await child.call('tenantCounts', undefined);
      const loginAfter = (await stand.call('counts', { name: 'tenants' })).tokenRequests;
      standIn[which].push(((await stand.call('cpu', undefined)) - standBefore) / result.ok);
      const floor = which === 'floorMulti';
      roundsBy[which].push({
        ...result,
        loads: floor ? after.floorLoads - before.floorLoads : after.loads - before.loads,
        tokenRequests: floor
          ? after.floorTokenRequests - before.floorTokenRequests
          : after.tokenRequests - before.tokenRequests,
        loginServerRequests: loginAfter - loginBefore,
        duplicates: after.duplicates - before.duplicates,
        tokenMs: after.tokenMs - before.tokenMs,
      });
    }
    const [m, s1, f] = [roundsBy.multi, roundsBy.single, roundsBy.floorMulti].map((r) => r.at(-1) as TenantRound) as [
      TenantRound,
      TenantRound,
      TenantRound,
    ];
    const failed = Object.values(roundsBy).reduce((sum, r) => sum + (r.at(-1) as TenantRound).failed, 0);
    log(
      `  round ${round + 1}/${rounds} many ${m.cpuMicrosPerRequest.toFixed(0)} µs/req (${m.rps.toFixed(0)} req/s, ` +
        `${m.loads} loads, ${m.loginServerRequests} token requests), ` +
        `single ${s1.cpuMicrosPerRequest.toFixed(0)} µs/req (${s1.rps.toFixed(0)} req/s), ` +
        `floor many ${f.cpuMicrosPerRequest.toFixed(0)} µs/req (${f.loads} loads)` +
        (failed > 0 ? `  FAILED ${failed}` : ''),
    );
  }
  const multiRounds = roundsBy.multi;
  const singleRounds = roundsBy.single;
  const last = await child.call('tenantStats', undefined);
  heaps.push(last.heapUsed);
  const { held } = last;
  await child.stop();
  if (config.profile) tenantsProfile(child.pid, singleRounds, multiRounds);
  const where = {
    single: whereCpuGoes(singleRounds, standIn.single),
    multi: whereCpuGoes(multiRounds, standIn.multi),
    floorSingle: whereCpuGoes(roundsBy.floorSingle, standIn.floorSingle),
    floorMulti: whereCpuGoes(roundsBy.floorMulti, standIn.floorMulti),
  };
  for (const [name, w] of [
    ['single      ', where.single],
    ['many        ', where.multi],
    ['floor single', where.floorSingle],
    ['floor many  ', where.floorMulti],
  ] as const) {
    log(
      `  ${name} (all rounds): ${w.cpuMicrosPerRequest.toFixed(1)} µs CPU/req, main thread ` +
        `${w.mainThreadMicrosPerRequest.toFixed(1)} (of it collector pauses ${w.gcMicrosPerRequest.toFixed(1)}), ` +
        `other threads ${(w.cpuMicrosPerRequest - w.mainThreadMicrosPerRequest).toFixed(1)}; the stand-in ` +
        `${w.standInCpuMicrosPerRequest.toFixed(1)} µs/req`,
    );
  }
  const sum = (pick: (r: TenantRound) => number): number => multiRounds.reduce((total, r) => total + pick(r), 0);
  const requests = sum((r) => r.ok);
  if (sum((r) => r.tokenRequests) > 0)
    log(`  token requests: ${(sum((r) => r.tokenMs) / sum((r) => r.tokenRequests)).toFixed(2)} ms each on average`);
  const cpuRatio = pairedRatio(singleRounds, multiRounds, byCpu);
  const floorCpuRatio = pairedRatio(roundsBy.floorSingle, roundsBy.floorMulti, byCpu);
  return {
    tenants,
    cacheMax,
    zipfExponent,
    multi: summary(multiRounds),
    single: summary(singleRounds),
    /** Issue 11's ratio: CPU per request of the single-tenant route / the many-tenants route, round by round. */
    cpuRatio,
    /** The A/A control: CPU per request of the single-tenant route's second run / its first, round by round. */
    aaCpuRatio: pairedRatio(roundsBy.single2, singleRounds, byCpu),
    /** The floor's many-tenants route / the package's, by CPU per request (what the package adds; no target). */
    vsFloorCpuRatio: pairedRatio(roundsBy.floorMulti, multiRounds, byCpu),
    /** The floor's own single / many: what the mix's cold loads cost code written by hand. */
    floorCpuRatio,
    /**
     * Issue 11's ratio, the package's / the floor's, round by round: what the mix's cold loads cost the package beside
     * what they cost code written by hand, each against its own single-tenant route in the same round (so what one
     * route costs beside the other, which moves with the process, cancels out).
     */
    coldCostVsFloor: quartiles(cpuRatio.rounds.map((ratio, i) => ratio / (floorCpuRatio.rounds[i] as number))),
    /** The guard: the same from every round's requests together (`where`), the package's single / many over the floor's. */
    coldCostVsFloorAllRounds:
      where.single.cpuMicrosPerRequest /
      where.multi.cpuMicrosPerRequest /
      (where.floorSingle.cpuMicrosPerRequest / where.floorMulti.cpuMicrosPerRequest),
    /** The floor's single-tenant route (plain axios, static token) / the package's. */
    singleVsFloorCpuRatio: pairedRatio(roundsBy.floorSingle, singleRounds, byCpu),
    floorMulti: summary(roundsBy.floorMulti),
    floorSingle: summary(roundsBy.floorSingle),
    floorColdShare:
      roundsBy.floorMulti.reduce((t, r) => t + r.loads, 0) / roundsBy.floorMulti.reduce((t, r) => t + r.ok, 0),
    floorTokenRequests: roundsBy.floorMulti.reduce((t, r) => t + r.tokenRequests, 0),
    floorLoads: roundsBy.floorMulti.reduce((t, r) => t + r.loads, 0),
    loads: sum((r) => r.loads),
    tokenRequests: sum((r) => r.tokenRequests),
    loginServerRequests: sum((r) => r.loginServerRequests),
    duplicates: sum((r) => r.duplicates),
    requests,
    /** Share of the measured requests that had to load their tenant (the mix's miss rate with this cache). */
    coldShare: requests === 0 ? NaN : sum((r) => r.loads) / requests,
    held,
    /** Where each route's CPU goes (every round's requests together), and the stand-in's per request. */
    where,
    mix,
    pinned,
    heapFirstMB: (heaps[0] ?? NaN) / 2 ** 20,
    heapLastMB: (heaps.at(-1) ?? NaN) / 2 ** 20,
    heapMaxMB: Math.max(...heaps) / 2 ** 20,
    heapMB: heaps.map((h) => h / 2 ** 20),
  };
}

/** Scenario 10's figures: µs of CPU per cold load alone by candidate, and the package's / the floor's per round. */
export interface ColdLoadResult {
  held: number;
  batch: number;
  micros: Partial<Record<ColdLoadCandidate, Ratio>>;
  /** The package's µs per cold load / the floor's (shared axios instance), round by round. */
  packageOverFloor: Ratio;
  /** With BENCH_COLD_LOAD_BASE: the package's µs per cold load / the base build's, round by round. */
  packageOverBase?: Ratio | undefined;
}

/**
 * Scenario 10: a cold load alone (no other traffic), in a process of its own: the package beside the floor written by
 * hand, each holding `tenants.cacheMax` tenants; batches of new tenants' first requests, alternated, each less a
 * batch of warm requests (cold-load-process.ts). Steadier than scenario 6, whose cold loads are 4.5 % of its
 * requests.
 */
async function coldLoadScenario(stand: Child<StandInCommands>): Promise<ColdLoadResult> {
  const { rounds, batch } = config.coldLoad;
  const held = config.tenants.cacheMax;
  log(`10. A cold load alone: ${held} tenants held, ${rounds} rounds of ${batch} cold loads per candidate`);
  const endpoints = await stand.call('start', { name: 'cold-load', clients: 0, tokenLifetimeSeconds: 36_000 });
  const child = new Child<ColdLoadCommands>('cold-load', join(__dirname, 'cold-load-process.ts'));
  children.push(child);
  const { base } = config.coldLoad;
  if (base !== undefined) log(`  beside the build in ${base}`);
  const measuredRounds = await child.call('measure', { endpoints, rounds, batch, held, base });
  await child.stop();
  const micros = Object.fromEntries(
    Object.entries(measuredRounds).map(([candidate, values]) => [candidate, quartiles(values)]),
  ) as Partial<Record<ColdLoadCandidate, Ratio>>;
  const over = (other: readonly number[] | undefined): Ratio | undefined =>
    other === undefined ? undefined : quartiles((measuredRounds.package ?? []).map((v, i) => v / (other[i] as number)));
  const result: ColdLoadResult = {
    held,
    batch,
    micros,
    packageOverFloor: over(measuredRounds.floor) as Ratio,
    packageOverBase: over(measuredRounds[BASE_BUILD]),
  };
  log(`  ${coldLoadLine(result)}`);
  return result;
}

function coldLoadLine({ micros, packageOverFloor: ratio, packageOverBase: base }: ColdLoadResult): string {
  const each = Object.entries(micros)
    .map(([candidate, r]) => `${candidate} ${r.median.toFixed(0)} µs (${r.q1.toFixed(0)}–${r.q3.toFixed(0)})`)
    .join(', ');
  return (
    `10. A cold load alone, CPU beyond a warm request: ${each}; the package / the floor ${ratio.median.toFixed(2)} × ` +
    `(middle half ${ratio.q1.toFixed(2)}–${ratio.q3.toFixed(2)})` +
    (base === undefined
      ? ''
      : `; the package / the base build ${base.median.toFixed(3)} × (${base.q1.toFixed(3)}–${base.q3.toFixed(3)})`)
  );
}

/**
 * The many-tenants route's next path. `zipf` (the guard's): rank r with probability ∝ 1/r^s over every tenant. The
 * others take the mix apart (BENCH_TENANTS_MIX): `hot`, the Zipf mix over the tenants held only (tenant switches, no
 * cold load); `cold`, tenant 0 but for a share of first loads as large as the Zipf mix's (about 4.5 %: cold loads,
 * no tenant switches); `one`, tenant 0 only (the loader client's own path, an A/A of the route); `wait`, tenant 0
 * only, the same share of requests idle for `waitMs` first (a cold load's wait without its work).
 */
function tenantPath(
  mix: string,
  tenants: number,
  cacheMax: number,
  exponent: number,
  waitMs: number,
  route: 't' | 'f',
): () => string {
  const draw = zipfSampler(tenants, exponent);
  const path = (i: number): string => `/${route}/${tenantKey(i)}/templates`;
  switch (mix) {
    case 'zipf':
      return () => path(draw());
    case 'hot':
      return () => {
        for (;;) {
          const i = draw();
          if (i < cacheMax) return path(i);
        }
      };
    case 'cold': {
      const random = lcg();
      // The tenants past the held ones, in a cycle longer than any run: each is a first load (or one long evicted).
      let next = cacheMax;
      return () => {
        if (random() >= COLD_MIX_SHARE) return path(0);
        next = next + 1 < tenants ? next + 1 : cacheMax;
        return path(next);
      };
    }
    case 'one':
      return () => path(0);
    case 'wait': {
      // (the floor has no waiting route: its requests all go to tenant 0)
      if (route === 'f') return () => path(0);
      const random = lcg();
      const waiting = `/w/${tenantKey(0)}/templates?wait=${waitMs}`;
      return () => (random() >= COLD_MIX_SHARE ? path(0) : waiting);
    }
    default:
      throw new Error(`BENCH_TENANTS_MIX must be zipf, hot, cold, one or wait, got "${mix}"`);
  }
}

/** A small seeded generator of numbers in [0, 1): the same draws in every run. */
function lcg(): () => number {
  let state = 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

/** The `cold` mix's share of first loads: the Zipf(1.3) mix's over 100,000 tenants with 10,000 held. */
const COLD_MIX_SHARE = 0.045;

/**
 * BENCH_TENANTS_PIN=1 (Linux with taskset, 2 cores or more): the app process on the last core, the bench (autocannon)
 * and the stand-in on the others, so that the app shares no core with the processes that answer it. False when not.
 */
function pinTenantsProcesses(app: number | undefined, standIn: number | undefined): boolean {
  const cores = availableParallelism();
  if (platform() !== 'linux' || cores < 2 || app === undefined || standIn === undefined) return false;
  const others = `0-${cores - 2}`;
  try {
    execFileSync('taskset', ['-a', '-pc', String(cores - 1), String(app)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-pc', others, String(standIn)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-pc', others, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Where a route's CPU time goes, every round's requests together (µs per request). */
interface WhereCpuGoes {
  cpuMicrosPerRequest: number;
  mainThreadMicrosPerRequest: number;
  /** The collector's pauses on the main thread (scavenges, full collections, the rest). */
  gcMicrosPerRequest: number;
  /** The stand-in's CPU time per request (median of the runs): it answers the API and the token requests. */
  standInCpuMicrosPerRequest: number;
}

function whereCpuGoes(rounds: readonly Round[], standIn: readonly number[]): WhereCpuGoes {
  const ok = rounds.reduce((total, r) => total + r.ok, 0);
  const perRequest = (pick: (r: Round) => number): number =>
    rounds.reduce((total, r) => total + pick(r) * r.ok, 0) / ok;
  const { minorMicros, majorMicros, otherMicros } = {
    minorMicros: perRequest((r) => r.gcMicrosPerRequest.minorMicros),
    majorMicros: perRequest((r) => r.gcMicrosPerRequest.majorMicros),
    otherMicros: perRequest((r) => r.gcMicrosPerRequest.otherMicros),
  };
  return {
    cpuMicrosPerRequest: perRequest((r) => r.cpuMicrosPerRequest),
    mainThreadMicrosPerRequest: perRequest((r) => r.mainThreadMicrosPerRequest),
    gcMicrosPerRequest: minorMicros + majorMicros + otherMicros,
    standInCpuMicrosPerRequest: median(standIn),
  };
}

/** BENCH_PROFILE=1: the tenants process's profile split by route (µs of samples per request), and the difference. */
function tenantsProfile(pid: number | undefined, single: readonly Round[], multi: readonly Round[]): void {
  const file = readdirSync(PROFILE_DIR).find(
    (name) => name.endsWith('.cpuprofile') && name.split('.')[3] === String(pid),
  );
  if (file === undefined) return;
  const [one, many] = splitProfile(
    join(PROFILE_DIR, file),
    [
      { name: 'single', runs: single },
      { name: 'many', runs: multi },
    ],
    200,
  ) as [RouteProfile, RouteProfile];
  writeFileSync(join(PROFILE_DIR, `tenants.${pid}.split.json`), JSON.stringify({ one, many }, null, 2));
  log(
    `  profile ${file}: sampled busy µs/request single ${one.busyMicrosPerRequest.toFixed(1)}, many ` +
      `${many.busyMicrosPerRequest.toFixed(1)}; by place (single, many, difference):`,
  );
  const show = (rows: Array<[string, number, number, number]>, count: number): void => {
    for (const [key, a, b, d] of rows.slice(0, count)) {
      log(
        `    ${a.toFixed(1).padStart(7)} ${b.toFixed(1).padStart(7)} ${d >= 0 ? '+' : ''}${d.toFixed(1).padStart(6)}  ${key}`,
      );
    }
  };
  show(difference(one.byPlace, many.byPlace), 15);
  log('  by function (self):');
  show(difference(one.byFunction, many.byFunction), 30);
  log('  package functions (inclusive):');
  show(difference(one.packageInclusive, many.packageInclusive), 30);
}

async function microScenario(endpoints: StandInEndpoints) {
  const { rounds, taskMs, calls } = config.micro;
  log(
    `7. Micro-benchmark (no HTTP): ${rounds} rounds, a full GC before each: tinybench ${taskMs} ms per middleware, ` +
      `then ${calls} calls each of plain axios and req.grafx.api in alternation`,
  );
  const child = new Child<MicroCommands>('micro', join(__dirname, 'micro-process.ts'), ['--expose-gc']);
  children.push(child);
  const result = await child.call('measure', { endpoints, rounds, taskMs, calls });
  await child.stop();
  const { ns } = result;
  const ratio = (a: readonly number[], b: readonly number[]) =>
    quartiles(a.map((value, i) => value / (b[i] as number)));
  /** A call's cost: the median call outside collection pauses, plus the pauses its side met, per call. */
  const cost = (c: CallCost): number => c.medianNs + c.gcNs;
  const plain = result.plainAxios.map(cost);
  const ours = result.grafxApi.map(cost);
  const micro = {
    rounds,
    taskMs,
    calls,
    noop: quartiles(ns.noop),
    grafxAuth: quartiles(ns.grafxAuth),
    /** ns per call, round by round (see `cost`), and the collection pauses' share of it. */
    plainAxios: quartiles(plain),
    grafxApi: quartiles(ours),
    plainAxiosGcNs: quartiles(result.plainAxios.map((c) => c.gcNs)),
    grafxApiGcNs: quartiles(result.grafxApi.map((c) => c.gcNs)),
    /** no-op ns / grafxAuth ns per call, round by round. */
    noopOverGrafxAuth: ratio(ns.noop, ns.grafxAuth),
    /** The guard: plain axios / req.grafx.api per call, round by round. */
    plainOverGrafxApi: ratio(plain, ours),
    /** The same from the rounds' total times (every interruption of the machine included): a cross-check. */
    plainOverGrafxApiTotals: ratio(
      result.plainAxios.map((c) => c.meanNs),
      result.grafxApi.map((c) => c.meanNs),
    ),
  };
  const { plainOverGrafxApi: guard } = micro;
  log(
    `  grafxAuth ${micro.grafxAuth.median.toFixed(0)} ns/call vs no-op ${micro.noop.median.toFixed(0)} ns; ` +
      `req.grafx.api ${micro.grafxApi.median.toFixed(0)} ns/call vs plain axios ${micro.plainAxios.median.toFixed(0)} ns: ` +
      `plain / ours ${guard.median.toFixed(3)} (middle half ${guard.q1.toFixed(3)}–${guard.q3.toFixed(3)}; totals ` +
      `${micro.plainOverGrafxApiTotals.median.toFixed(3)}, ${micro.plainOverGrafxApiTotals.q1.toFixed(3)}–` +
      `${micro.plainOverGrafxApiTotals.q3.toFixed(3)})`,
  );
  return micro;
}

/**
 * Scenario 8: warm look-ups with N tenants held, this package beside a hand-written Map (the floor) and the library
 * peers, all in one process (one child per N), their batches interleaved round by round (A B C … C B A); heap per
 * tenant held; the health report's time at N.
 */
async function lookupScenario(): Promise<LookupResult[]> {
  const { sizes, processes, rounds, batchMs, zipfExponent, msalMax, churnAt } = config.lookup;
  const results: LookupResult[] = [];
  for (const tenants of sizes) {
    log(
      `8. Warm look-ups, ${tenants} tenants held: this package, a Map and the peers in one process, ` +
        `${processes} processes of ${rounds} rounds`,
    );
    const each: LookupResult[] = [];
    for (let processIndex = 0; processIndex < processes; processIndex++) {
      const child = new Child<LookupCommands>('lookup', join(__dirname, 'lookup-process.ts'), [
        '--expose-gc',
        '--max-old-space-size=8192',
      ]);
      children.push(child);
      each.push(
        await child.call('measure', {
          tenants,
          rounds,
          batchMs,
          zipfExponent,
          msalMax,
          // (churn once per size: it measures the heap, not a look-up)
          churn: processIndex === 0 && churnAt.includes(tenants),
          processIndex,
          processes,
        }),
      );
      await child.stop();
    }
    const result = pooledLookup(each);
    results.push(result);
    for (const [distribution, ratios] of Object.entries(result.overMap)) {
      const line = Object.entries(ratios)
        .map(([name, r]) => `${name} ${r.median.toFixed(2)} × Map (${r.q1.toFixed(2)}–${r.q3.toFixed(2)})`)
        .join('; ');
      log(`  ${distribution}: ${line}`);
    }
    log(
      `  heap per tenant: ${Object.entries(result.bytesPerTenant)
        .map(([name, bytes]) => `${name} ${bytes.toFixed(0)} B`)
        .join(', ')}; health() ${result.healthMs.median.toFixed(2)} ms` +
        (result.churn === undefined
          ? ''
          : `; churn ${result.churn.loads} loads: heap ${result.churn.beforeMB.toFixed(1)} → ${result.churn.afterMB.toFixed(1)} MB`),
    );
  }
  return results;
}

/** The processes of one size as one result: their rounds pooled, heap per tenant their median, churn the first's. */
function pooledLookup(each: readonly LookupResult[]): LookupResult {
  const first = each[0] as LookupResult;
  const rounds = {
    ns: poolRounds(each.map((r) => r.rounds.ns)),
    overMap: poolRounds(each.map((r) => r.rounds.overMap)),
  };
  return {
    ...first,
    ns: spreads(rounds.ns),
    overMap: spreads(rounds.overMap),
    rounds,
    bytesPerTenant: medianByName(each.map((r) => r.bytesPerTenant)),
    healthMs: spread(each.map((r) => r.healthMs.median)),
    processes: each.length,
  };
}

/** With BENCH_PROFILE=1: per app, the share of its CPU samples in lib/ and lru-cache (profiles are written at exit). */
function profileShares(apps: Apps): Record<string, PackageShare> {
  const shares: Record<string, PackageShare> = {};
  for (const app of Object.values(apps)) {
    const share = app.child.pid === undefined ? undefined : packageShare(PROFILE_DIR, app.child.pid);
    if (share !== undefined) shares[app.name] = share;
  }
  return shares;
}

function machine() {
  const cpu = cpus()[0];
  return {
    cores: availableParallelism(),
    cpu: cpu?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${platform()} ${release()}`,
    memoryGB: Math.round(totalmem() / 2 ** 30),
  };
}

async function main(): Promise<void> {
  if (config.only === 'lookup') {
    const lookup = await lookupScenario();
    writeFileSync(
      config.lookup.resultsPath,
      await resultsJson({ machine: machine(), date: new Date().toISOString(), config: benchSettings(config), lookup }),
    );
    console.log(lookupTable(lookup));
    console.log(`\nJSON: ${config.lookup.resultsPath}`);
    return;
  }
  const started = performance.now();
  const host = machine();
  const loadStart = loadavg()[0] ?? NaN;
  log(
    `express-grafx-auth bench${config.quick ? ' (BENCH_QUICK)' : ''}: ${host.cores} cores, ${host.cpu}, Node ${host.node}`,
  );
  const stand = new Child<StandInCommands>('stand-in', join(__dirname, 'stand-in-process.ts'));
  children.push(stand);
  if (config.only === 'tenants') {
    const tenants = await tenantsScenario(stand);
    await stand.stop();
    const { cpuRatio, aaCpuRatio, multi, single, coldShare, heapFirstMB, heapLastMB } = tenants;
    console.log(
      `6. Many tenants: single / many ${cpuRatio.median.toFixed(3)} × by CPU (middle half ${cpuRatio.q1.toFixed(3)}–` +
        `${cpuRatio.q3.toFixed(3)}); ${multi.cpuMicrosPerRequest.toFixed(1)} vs ${single.cpuMicrosPerRequest.toFixed(1)} ` +
        `µs CPU/req; ${(coldShare * 100).toFixed(2)} % of requests loaded their tenant; A/A control ` +
        `${aaCpuRatio.median.toFixed(3)} (${aaCpuRatio.q1.toFixed(3)}–${aaCpuRatio.q3.toFixed(3)}); heap before and ` +
        `after the rounds ${heapFirstMB.toFixed(2)} → ${heapLastMB.toFixed(2)} MB ` +
        `(${((heapLastMB / heapFirstMB - 1) * 100).toFixed(1)} %)`,
    );
    const { vsFloorCpuRatio: vs, floorCpuRatio: floor, floorMulti, floorColdShare } = tenants;
    console.log(
      `   the floor (written by hand, same process): floor many / many ${vs.median.toFixed(3)} × (middle half ` +
        `${vs.q1.toFixed(3)}–${vs.q3.toFixed(3)}); its own single / many ${floor.median.toFixed(3)} × ` +
        `(${floor.q1.toFixed(3)}–${floor.q3.toFixed(3)}); ${floorMulti.cpuMicrosPerRequest.toFixed(1)} µs CPU/req; ` +
        `${(floorColdShare * 100).toFixed(2)} % of its requests loaded their tenant`,
    );
    const { coldCostVsFloor: cold, coldCostVsFloorAllRounds: coldAll } = tenants;
    console.log(
      `   single / many, the package's / the floor's: ${cold.median.toFixed(3)} × (middle half ${cold.q1.toFixed(3)}–` +
        `${cold.q3.toFixed(3)}); all rounds together ${coldAll.toFixed(3)} ×`,
    );
    return;
  }
  if (config.only === 'coldload') {
    const coldLoad = await coldLoadScenario(stand);
    await stand.stop();
    console.log(coldLoadLine(coldLoad));
    return;
  }
  if (config.only === 'cold') {
    const coldStarts = await coldStartScenario(stand, config.coldStart.rounds, log, (child) => children.push(child));
    await stand.stop();
    const targets = coldStartRows(coldStarts);
    console.log(markdownTable(targets));
    const path = config.resultsPath.replace(/\.json$/, '.cold.json');
    writeFileSync(path, await resultsJson({ machine: host, date: new Date().toISOString(), coldStarts, targets }));
    console.log(`\nJSON: ${path}`);
    return;
  }
  const { integrations } = config.tokens;
  const [main, short, burstStandIn] = await Promise.all([
    stand.call('start', { name: 'main', clients: integrations, tokenLifetimeSeconds: 36_000 }),
    stand.call('start', {
      name: 'short',
      clients: integrations,
      tokenLifetimeSeconds: config.renewal.shortLifetimeSeconds,
    }),
    stand.call('start', { name: 'burst', clients: integrations, tokenLifetimeSeconds: 36_000 }),
  ]);

  if (config.profile) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    for (const name of readdirSync(PROFILE_DIR)) if (name.endsWith('.cpuprofile')) rmSync(join(PROFILE_DIR, name));
  }
  const apps = await startAll(main, short, burstStandIn);
  log(`${Object.keys(apps).length} app processes started (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  const sameProcess = await sameProcessScenario(apps);
  const overhead = await overheadScenario(apps);
  const endToEnd = await endToEndScenario(apps);
  const renewal = await renewalScenario(apps, stand);
  const tokens = await burstScenarios(apps, stand);
  await stopApps(Object.values(apps));
  const profile = config.profile ? profileShares(apps) : undefined;
  const memory = await memoryScenario(stand);
  const tenants = await tenantsScenario(stand);
  const micro = await microScenario(main);
  const coldStarts = await coldStartScenario(stand, config.coldStart.rounds, log, (child) => children.push(child));
  const coldLoad = await coldLoadScenario(stand);
  await stand.stop();
  const lookup = await lookupScenario();

  const seconds = (performance.now() - started) / 1000;
  const measured = {
    sameProcess,
    overhead,
    endToEnd,
    renewal,
    tokens,
    memory,
    tenants,
    micro,
    lookup,
    coldStarts,
    coldLoad,
  };
  const targets: Target[] = targetRows(measured);
  const rows: Row[] = targets.map(({ scenario, result, spread, target, met }) => ({
    scenario,
    result,
    spread,
    target,
    met,
  }));
  const results = {
    machine: host,
    /** The machine's 1-minute load average before and after the run (other work on it shows here). */
    loadAverage: { start: loadStart, end: loadavg()[0] ?? NaN },
    date: new Date().toISOString(),
    seconds,
    config: benchSettings(config),
    ...measured,
    profile,
    targets,
  };
  writeFileSync(config.resultsPath, await resultsJson(results));
  console.log(
    `\nexpress-grafx-auth bench: ${host.cores} cores (${host.cpu}), Node ${host.node}, ${seconds.toFixed(0)} s` +
      ` (load average ${loadStart.toFixed(2)} before, ${results.loadAverage.end.toFixed(2)} after)\n`,
  );
  console.log(markdownTable(rows));
  console.log(`\n${lookupTable(lookup)}`);
  if (profile !== undefined) {
    console.log(`\nCPU profiles in ${PROFILE_DIR}; share of each app's busy CPU time in the package's own code:`);
    for (const [name, share] of Object.entries(profile)) {
      console.log(`  ${name.padEnd(18)} ${(share.packageShare * 100).toFixed(2)} %`);
    }
  }
  console.log(`\nJSON: ${config.resultsPath}`);
}

/** The results as JSON, numbers to 4 significant digits, laid out as the repository's prettier would (when it loads). */
async function resultsJson(results: object): Promise<string> {
  const text = JSON.stringify(
    results,
    (_key, value: unknown) =>
      typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value,
    2,
  );
  try {
    const prettier = await import('prettier');
    const options = await prettier.resolveConfig(config.resultsPath);
    return await prettier.format(text, { ...options, filepath: config.resultsPath });
  } catch {
    return `${text}\n`;
  }
}

function benchSettings(c: BenchConfig) {
  return { ...c, resultsPath: undefined };
}

main().catch(async (error: unknown) => {
  console.error(error);
  await Promise.all(children.map((child) => child.stop().catch(() => undefined)));
  process.exitCode = 1;
});
