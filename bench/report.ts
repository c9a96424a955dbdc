// bench/report.ts
// The issue's targets checked against the measured figures, and the one table the bench prints (Markdown).
import type { ColdStartResult } from './cold-start.js';

/**
 * One line of the table: a scenario, what was measured, the middle half of the rounds of its headline figure (a
 * ratio's), the target, and whether it is met (undefined: no target; 'within noise': missed by less than the
 * measurement's A/A control differs from 1, see {@link noiseOf}).
 */
export interface Row {
  scenario: string;
  result: string;
  /** `0.962–0.995`, or '' where the figure is a count or a single measurement. */
  spread: string;
  target: string;
  met: boolean | 'within noise' | undefined;
}

/** A row with the figures behind it, as written to results.json: the headline figure and its quartiles. */
export interface Target extends Row {
  value: number;
  q1?: number;
  q3?: number;
}

interface RunSummary {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  /** App CPU time per 2xx answer, microseconds (median of the rounds). */
  cpuMicrosPerRequest: number;
}

interface Ratio {
  median: number;
  q1: number;
  q3: number;
}

interface TokenCount {
  tokenRequests: number;
  ideal: number;
  failed: number;
}

/** A route of the same-process app: CPU per request, median of the rounds. */
interface RouteSummary {
  cpuMicrosPerRequest: number;
}

/** What targetRows() reads of the bench's results. */
export interface Measured {
  coldStarts: readonly ColdStartResult[];
  /** Scenario 10: µs of CPU per cold load alone, by candidate, and the package's / the floor's. */
  coldLoad: { held: number; micros: Record<string, Ratio>; packageOverFloor: Ratio };
  sameProcess: {
    rounds: number;
    rps: number;
    sharedMicrosPerRequest: number;
    failed: number;
    unfinished: number;
    bare: RouteSummary;
    noop: RouteSummary;
    noop2: RouteSummary;
    grafxAuth: RouteSummary;
    noopOverGrafxCpu: Ratio;
    noop2CpuRatio: Ratio;
    bareOverNoopCpu: Ratio;
  };
  overhead: {
    bare: RunSummary;
    bare2: RunSummary;
    noop: RunSummary;
    grafxAuth: RunSummary;
    ratio: Ratio;
    noopRatio: Ratio;
    bare2Ratio: Ratio;
    noopOverGrafxCpu: Ratio;
    bare2CpuRatio: Ratio;
  };
  endToEnd: {
    floor: RunSummary;
    grafx: RunSummary;
    recipe: RunSummary;
    grafxRatio: Ratio;
    recipeRatio: Ratio;
    grafxCpuRatio: Ratio;
    recipeCpuRatio: Ratio;
  };
  renewal: {
    long: RunSummary;
    short: RunSummary;
    p99Ratio: number;
    p99RatioByRound: Ratio;
    shortLifetimeSeconds: number;
    integrations: number;
  };
  tokens: {
    integrations: number;
    concurrency: number;
    cold: TokenCount;
    unauthorized: TokenCount & { apiUnauthorized: number };
    recipeUnauthorized: TokenCount;
  };
  memory: {
    integrations: number;
    held: number;
    heldBytesPerTenant: number;
    configuredBytesPerIntegration: number;
  };
  tenants: {
    tenants: number;
    cacheMax: number;
    zipfExponent: number;
    multi: RunSummary;
    single: RunSummary;
    cpuRatio: Ratio;
    /** The A/A control: the single-tenant route's second run of each round / its first. */
    aaCpuRatio: Ratio;
    /** The floor's many-tenants route (written by hand, same process and rounds) / the package's, by CPU. */
    vsFloorCpuRatio: Ratio;
    /** The floor's own single / many. */
    floorCpuRatio: Ratio;
    /** The package's single / many over the floor's, round by round (what the cold loads cost each). */
    coldCostVsFloor: Ratio;
    /** The same from every round's requests together. */
    coldCostVsFloorAllRounds: number;
    /** The floor's single-tenant route (plain axios, static token) / the package's. */
    singleVsFloorCpuRatio: Ratio;
    floorMulti: RunSummary;
    floorSingle: RunSummary;
    floorColdShare: number;
    floorLoads: number;
    floorTokenRequests: number;
    loads: number;
    tokenRequests: number;
    loginServerRequests: number;
    duplicates: number;
    requests: number;
    coldShare: number;
    held: number;
    heapFirstMB: number;
    heapLastMB: number;
    heapMaxMB: number;
  };
  micro: {
    rounds: number;
    noop: Ratio;
    grafxAuth: Ratio;
    plainAxios: Ratio;
    grafxApi: Ratio;
    noopOverGrafxAuth: Ratio;
    plainOverGrafxApi: Ratio;
    plainOverGrafxApiTotals: Ratio;
  };
  lookup: readonly LookupSize[];
}

const rps = (value: number): string => `${Math.round(value).toLocaleString('en-US')} req/s`;
const ms = (value: number): string => `${value.toFixed(2)} ms`;
const latency = (run: RunSummary): string => `p50 ${ms(run.p50)}, p99 ${ms(run.p99)}`;
const cpu = (run: { cpuMicrosPerRequest: number }): string => `**${run.cpuMicrosPerRequest.toFixed(1)} µs** CPU/req`;
/** `0.962–0.995`: the middle half of the rounds (their interquartile range). */
const range = (r: Ratio, digits = 3): string => `${r.q1.toFixed(digits)}–${r.q3.toFixed(digits)}`;
/** `**0.981** × bare`: the median of the per-round ratios (its middle half goes in the table's own column). */
const ratio = (r: Ratio, of: string): string => `**${r.median.toFixed(3)}** × ${of}`;
/** A second ratio of a row, with its middle half in the text. */
const ratioWithSpread = (r: Ratio, of: string): string => `${r.median.toFixed(3)} × ${of} (middle half ${range(r)})`;
const ns = (r: Ratio): string => `${r.median.toFixed(0)} ns (${r.q1.toFixed(0)}–${r.q3.toFixed(0)})`;
/** The headline ratio's fields of a row. */
const headline = (r: Ratio): Pick<Target, 'spread' | 'value' | 'q1' | 'q3'> => ({
  spread: range(r),
  value: r.median,
  q1: r.q1,
  q3: r.q3,
});
const failures = (failed: number): string => (failed === 0 ? '' : `; **${failed} failed**`);

/**
 * How far apart two identical apps measure on this machine: the A/A control's distance from 1 (its median, or half
 * the spread of its middle rounds, whichever is larger). A ratio closer than this to its target is not resolved by
 * the run.
 */
export function noiseOf(aa: Ratio): number {
  return Math.max(Math.abs(aa.median - 1), (aa.q3 - aa.q1) / 2);
}

/** At least `target`: met; short of it by less than `noise`: within noise; else missed. */
function atLeast(value: number, target: number, noise: number, ok: boolean): Row['met'] {
  if (!ok) return false;
  if (value >= target) return true;
  return value >= target - noise ? 'within noise' : false;
}

export function targetRows(m: Measured): Target[] {
  const { sameProcess: same, overhead, endToEnd, renewal, tokens, memory, tenants, micro, coldStarts } = m;
  const noise = noiseOf(overhead.bare2Ratio);
  const cpuNoise = noiseOf(overhead.bare2CpuRatio);
  const sameNoise = noiseOf(same.noop2CpuRatio);
  const n = tokens.integrations;
  const tokenRow = (scenario: string, count: TokenCount, extra = ''): Target => ({
    scenario,
    result: `${count.tokenRequests} token request${count.tokenRequests === 1 ? '' : 's'} (ideal ${count.ideal})${extra}${failures(count.failed)}`,
    spread: '',
    target: `= ideal (${count.ideal})`,
    met: count.tokenRequests === count.ideal && count.failed === 0,
    value: count.tokenRequests,
  });
  /** A row without a target; its figure a number, or a ratio of rounds (with their middle half). */
  const info = (scenario: string, result: string, value: number | Ratio): Target => ({
    scenario,
    result,
    target: '',
    met: undefined,
    ...(typeof value === 'number' ? { spread: '', value } : headline(value)),
  });
  /** An end-to-end variant against the floor: requests/s (the row's ratio), latency and CPU per request. */
  const versusFloor = (scenario: string, run: RunSummary, rpsRatio: Ratio, cpuRatio: Ratio): Target =>
    info(
      scenario,
      `${rps(run.rps)} (${ratio(rpsRatio, 'floor')}); ${latency(run)}; ${cpu(run)} ` +
        `(${cpuRatio.median.toFixed(3)} × floor)${failures(run.failed)}`,
      rpsRatio,
    );
  const heapGrowth = tenants.heapLastMB / tenants.heapFirstMB - 1;
  const sameFailed = same.failed + same.unfinished;
  return [
    info(
      `1. Middleware overhead, one process, requests to the routes in turn (${same.rounds} rounds): bare Express, ` +
        'a few bytes',
      `${cpu(same.bare)} (${same.sharedMicrosPerRequest.toFixed(1)} µs of it outside the app's handler, the same ` +
        `for every route); all routes together ${rps(same.rps)}`,
      same.bare.cpuMicrosPerRequest,
    ),
    {
      scenario: '1. … a second no-op route in the same process (A/A control)',
      result: `CPU/req ${ratio(same.noop2CpuRatio, 'the first no-op route')}`,
      target: `noise of this measurement: ±${(sameNoise * 100).toFixed(1)} %`,
      met: undefined,
      ...headline(same.noop2CpuRatio),
    },
    info(
      '1. … behind a no-op middleware (`req.grafx = {…}; next()`, the reference)',
      `${cpu(same.noop)} (bare / no-op ${ratioWithSpread(same.bareOverNoopCpu, 'by CPU')})`,
      same.noop.cpuMicrosPerRequest,
    ),
    {
      scenario: '1. … behind `grafxAuth`, warm cache',
      result:
        `${cpu(same.grafxAuth)}: no-op / grafxAuth ${ratio(same.noopOverGrafxCpu, 'by CPU')}` +
        (sameFailed === 0 ? '' : `; **${same.failed} failed, ${same.unfinished} answered after the handler**`),
      target: 'CPU/req: no-op / grafxAuth ≥ 0.98',
      met: atLeast(same.noopOverGrafxCpu.median, 0.98, sameNoise, sameFailed === 0),
      ...headline(same.noopOverGrafxCpu),
    },
    info(
      '1b. Between processes (one app each): bare / no-op / grafxAuth',
      `${overhead.bare.cpuMicrosPerRequest.toFixed(1)} / ${overhead.noop.cpuMicrosPerRequest.toFixed(1)} / ` +
        `${overhead.grafxAuth.cpuMicrosPerRequest.toFixed(1)} µs CPU/req: no-op / grafxAuth ` +
        `${ratio(overhead.noopOverGrafxCpu, 'by CPU')}; ${rps(overhead.bare.rps)} / ${rps(overhead.noop.rps)} / ` +
        `${rps(overhead.grafxAuth.rps)}${failures(overhead.bare.failed + overhead.noop.failed + overhead.grafxAuth.failed)}`,
      overhead.noopOverGrafxCpu,
    ),
    {
      scenario: '1b. … the bare app in a second process (A/A control between processes)',
      result: `CPU/req ${ratio(overhead.bare2CpuRatio, 'bare')}; req/s ${ratioWithSpread(overhead.bare2Ratio, 'bare')}`,
      target: `noise between processes: CPU ±${(cpuNoise * 100).toFixed(1)} %, req/s ±${(noise * 100).toFixed(1)} %`,
      met: undefined,
      ...headline(overhead.bare2CpuRatio),
    },
    info(
      '2. End to end: floor (static token, plain axios)',
      `${rps(endToEnd.floor.rps)}; ${latency(endToEnd.floor)}; ${cpu(endToEnd.floor)}${failures(endToEnd.floor.failed)}`,
      endToEnd.floor.rps,
    ),
    versusFloor('2. … `req.grafx.api`', endToEnd.grafx, endToEnd.grafxRatio, endToEnd.grafxCpuRatio),
    versusFloor(
      '2. … recipe (module-level token + axios-auth-refresh)',
      endToEnd.recipe,
      endToEnd.recipeRatio,
      endToEnd.recipeCpuRatio,
    ),
    info(
      `3. Renewal under load, ${n} integrations: 10-hour tokens`,
      `${rps(renewal.long.rps)}; ${latency(renewal.long)}${failures(renewal.long.failed)}`,
      renewal.long.p99,
    ),
    {
      scenario: `3. … ${renewal.shortLifetimeSeconds}-second tokens (renewed during the runs)`,
      result:
        `${rps(renewal.short.rps)}; ${latency(renewal.short)} (p99 **${renewal.p99Ratio.toFixed(3)}** × 10-hour, ` +
        `all rounds' requests together; round by round: median ${renewal.p99RatioByRound.median.toFixed(3)})` +
        failures(renewal.short.failed),
      spread: range(renewal.p99RatioByRound),
      target: 'p99 ≤ 1.10 × 10-hour',
      met: renewal.p99Ratio <= 1.1 && renewal.short.failed === 0,
      value: renewal.p99Ratio,
      q1: renewal.p99RatioByRound.q1,
      q3: renewal.p99RatioByRound.q3,
    },
    tokenRow(`4a. Cold start: ${tokens.concurrency} concurrent requests, ${n} integrations`, tokens.cold),
    tokenRow(
      `4b. ${tokens.concurrency} concurrent 401s (all tokens revoked), ${n} integrations`,
      tokens.unauthorized,
      `; ${tokens.unauthorized.apiUnauthorized} requests met the 401`,
    ),
    {
      ...tokenRow(`4b. … the recipe (axios-auth-refresh), 1 integration (reference)`, tokens.recipeUnauthorized),
      target: '',
      met: undefined,
    },
    {
      scenario: `5. Memory: heap per tenant held (credentials, token, API client), ${memory.integrations.toLocaleString('en-US')} held`,
      result: `**${Math.round(memory.heldBytesPerTenant).toLocaleString('en-US')} B**; ${memory.held} held`,
      spread: '',
      target: '< 8 KB',
      met: memory.heldBytesPerTenant < 8192 && memory.held === memory.integrations,
      value: memory.heldBytesPerTenant,
    },
    {
      scenario: '5. … per static integration configured but unused',
      result: `**${Math.round(memory.configuredBytesPerIntegration).toLocaleString('en-US')} B**`,
      spread: '',
      target: '< 1.5 KB',
      met: memory.configuredBytesPerIntegration < 1536,
      value: memory.configuredBytesPerIntegration,
    },
    {
      scenario:
        `6. Many tenants: ${tenants.tenants.toLocaleString('en-US')} behind a loader, cache.max ` +
        `${tenants.cacheMax.toLocaleString('en-US')}, Zipf mix (s = ${tenants.zipfExponent}), GET through \`req.grafx.api\``,
      result:
        `${cpu(tenants.multi)}, single tenant ${tenants.single.cpuMicrosPerRequest.toFixed(1)} µs: single / many ` +
        `${ratio(tenants.cpuRatio, 'by CPU')}; ${(tenants.coldShare * 100).toFixed(2)} % of requests loaded their ` +
        `tenant; ${rps(tenants.multi.rps)} vs ${rps(tenants.single.rps)}; A/A control (the single-tenant route run ` +
        `twice a round) ${tenants.aaCpuRatio.median.toFixed(3)} × (middle half ${tenants.aaCpuRatio.q1.toFixed(3)}–` +
        `${tenants.aaCpuRatio.q3.toFixed(3)}); the floor written by hand, the same ratio in the same rounds: ` +
        `${tenants.floorCpuRatio.median.toFixed(3)} ×${failures(tenants.multi.failed + tenants.single.failed)}`,
      target: 'CPU/req ≥ 0.95 × single tenant',
      met: atLeast(tenants.cpuRatio.median, 0.95, cpuNoise, tenants.multi.failed + tenants.single.failed === 0),
      ...headline(tenants.cpuRatio),
    },
    {
      scenario:
        '6. … beside the same routes written by hand, in the same process and rounds (the floor: a `Map` of tenants, ' +
        'one token request per cold tenant, one axios instance with per-tenant config, no bound or check: `bench/floor-tenants.ts`)',
      result:
        `floor many / many ${ratio(tenants.vsFloorCpuRatio, 'by CPU')} (${tenants.floorMulti.cpuMicrosPerRequest.toFixed(1)} ` +
        `µs CPU/req, ${(tenants.floorColdShare * 100).toFixed(2)} % of its requests loaded their tenant); the floor's ` +
        `own single / many ${ratioWithSpread(tenants.floorCpuRatio, 'by CPU')}; its single-tenant route (plain axios, ` +
        `a static token) / the package's ${tenants.singleVsFloorCpuRatio.median.toFixed(3)} ×` +
        failures(tenants.floorMulti.failed + tenants.floorSingle.failed),
      // No target of its own: beside two routes of another code in one process, it moves with what each route costs
      // in that process (their single-tenant routes too: see the next row, which takes that out).
      target: '',
      met: undefined,
      ...headline(tenants.vsFloorCpuRatio),
    },
    {
      scenario:
        "6. … what the cold loads cost beside code written by hand: single / many, the package's over the floor's " +
        '(each against its own single-tenant route in the same round)',
      // Every round's requests together, as scenario 3's guard: a quotient of four runs spreads widely round by round.
      result:
        `**${tenants.coldCostVsFloorAllRounds.toFixed(3)} ×** from every round's requests together; round by round ` +
        `${ratioWithSpread(tenants.coldCostVsFloor, 'by CPU')}`,
      spread: range(tenants.coldCostVsFloor),
      target: '≥ 0.95',
      met: atLeast(
        tenants.coldCostVsFloorAllRounds,
        0.95,
        cpuNoise,
        tenants.multi.failed + tenants.single.failed + tenants.floorMulti.failed + tenants.floorSingle.failed === 0,
      ),
      value: tenants.coldCostVsFloorAllRounds,
      q1: tenants.coldCostVsFloor.q1,
      q3: tenants.coldCostVsFloor.q3,
    },
    {
      scenario: '6. … token requests and cold loads (measured rounds)',
      result:
        `**${tenants.loginServerRequests}** token requests for **${tenants.loads}** cold loads ` +
        `(${tenants.tokenRequests} seen by the app), ${tenants.duplicates} duplicates; ${tenants.held} held`,
      spread: '',
      target: '= cold loads, no duplicates',
      met:
        tenants.loginServerRequests === tenants.loads && tenants.duplicates === 0 && tenants.held <= tenants.cacheMax,
      value: tenants.loginServerRequests - tenants.loads,
    },
    {
      scenario: '6. … heap before and after the measured rounds (after a full GC)',
      result:
        `before ${tenants.heapFirstMB.toFixed(1)} MB, after ${tenants.heapLastMB.toFixed(1)} MB ` +
        `(${heapGrowth >= 0 ? '+' : ''}${(heapGrowth * 100).toFixed(1)} %)`,
      spread: '',
      target: 'flat (last within 5 % of first)',
      met: Math.abs(heapGrowth) <= 0.05,
      value: heapGrowth,
    },
    info(
      `7. Micro-benchmark, no HTTP (${micro.rounds} rounds): the middleware on a prepared request (one object, reused: ` +
        '`req.grafx` is a field write there, a new property on each real request)',
      `grafxAuth ${ns(micro.grafxAuth)} per call, no-op ${ns(micro.noop)}: no-op / grafxAuth ` +
        `${ratio(micro.noopOverGrafxAuth, 'by time')}`,
      micro.noopOverGrafxAuth,
    ),
    {
      scenario:
        '7. … `req.grafx.api` vs plain axios with a static header, adapter answering at once, calls alternating',
      result:
        `${ns(micro.grafxApi)} vs ${ns(micro.plainAxios)} per call: plain / ours ` +
        `${ratio(micro.plainOverGrafxApi, 'by time')} (from total times, interruptions included: ` +
        `${ratioWithSpread(micro.plainOverGrafxApiTotals, 'by time')})`,
      target: '≥ 0.95',
      met: micro.plainOverGrafxApi.median >= 0.95,
      ...headline(micro.plainOverGrafxApi),
    },
    ...lookupTargets(m.lookup),
    ...coldStartRows(coldStarts),
    info(
      `10. A cold load alone (a new tenant's first request beyond a warm one, ${m.coldLoad.held.toLocaleString('en-US')} ` +
        'held), the package beside the floor written by hand (one axios instance, per-request config)',
      `${Object.entries(m.coldLoad.micros)
        .map(([candidate, r]) => `${candidate} ${r.median.toFixed(0)} µs`)
        .join(', ')}: the package / the floor ${ratio(m.coldLoad.packageOverFloor, 'by CPU')}`,
      m.coldLoad.packageOverFloor,
    ),
  ];
}

/**
 * Scenario 9's rows: per burst shape, the package's time against the fastest unbounded fan-out of the same round
 * (target: the shape's ratio, every caller served, one token request per tenant in every round).
 */
export function coldStartRows(coldStarts: readonly ColdStartResult[]): Target[] {
  return coldStarts.map((shape) => {
    const { grafx, ...fanOuts } = shape.kinds;
    const oneEach = grafx.tokenRequests.every((n) => n === shape.tenants);
    const others = Object.entries(fanOuts)
      .map(
        ([kind, result]) =>
          `${kind} ${result.medianMs.toFixed(0)} ms${result.failed > 0 ? ` (${result.failed} failed)` : ''}`,
      )
      .join(', ');
    return {
      scenario: `9. Cold start: ${shape.name}, the package vs unbounded fan-outs (Map + single flight; ${shape.rounds} rounds)`,
      result:
        `**${grafx.medianMs.toFixed(0)} ms**, ${shape.ratio.median.toFixed(2)}× the fastest fan-out (${others}); ` +
        `token requests per round ${[...new Set(grafx.tokenRequests)].join('/')} (ideal ${shape.tenants})${failures(grafx.failed)}`,
      spread: `${shape.ratio.q1.toFixed(2)}–${shape.ratio.q3.toFixed(2)}`,
      target: `≤ ${shape.target}×, all served, 1 request per tenant`,
      met: shape.ratio.median <= shape.target && grafx.failed === 0 && oneEach,
      value: shape.ratio.median,
      q1: shape.ratio.q1,
      q3: shape.ratio.q3,
    };
  });
}

export function markdownTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.scenario,
    row.result,
    row.spread,
    row.target,
    row.met === undefined ? '' : row.met === 'within noise' ? 'within noise' : row.met ? 'met' : '**missed**',
  ]);
  const header = ['Scenario', 'Measured', 'Middle half of rounds', 'Target', ''];
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/** What the look-up scenario reports for one size (see lookup-process.ts). */
interface LookupSize {
  tenants: number;
  ns: Record<string, Record<string, Ratio>>;
  overMap: Record<string, Record<string, Ratio>>;
  bytesPerTenant: Record<string, number>;
  healthMs: Ratio;
  churn?: { beforeMB: number; afterMB: number; loads: number };
  skipped: Record<string, string>;
}

const LOOKUP_TARGET = 'this package context(k)';
/** The package's heap per tenant once each tenant's API client is made (what a request using `req.grafx.api` makes). */
const LOOKUP_WITH_API = 'this package, every API client used';

/** Scenario 8 as a Markdown table: ns per warm look-up (× Map, middle half) by size and distribution, then heap. */
export function lookupTable(sizes: readonly LookupSize[]): string {
  const names = [...new Set(sizes.flatMap((size) => Object.values(size.ns).flatMap((byName) => Object.keys(byName))))];
  const lines = [`| tenants held | ${names.join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`];
  for (const size of sizes) {
    for (const [distribution, byName] of Object.entries(size.ns)) {
      const cells = names.map((name) => {
        const ns = byName[name];
        const over = size.overMap[distribution]?.[name];
        if (ns === undefined || over === undefined) return size.skipped[name] === undefined ? '' : 'skipped';
        return `${ns.median.toFixed(0)} ns (${over.median.toFixed(2)} ×, ${over.q1.toFixed(2)}–${over.q3.toFixed(2)})`;
      });
      lines.push(`| ${size.tenants.toLocaleString('en-US')} ${distribution} | ${cells.join(' | ')} |`);
    }
  }
  const heapNames = [...new Set(sizes.flatMap((size) => Object.keys(size.bytesPerTenant)))];
  lines.push(
    '',
    `| heap per tenant held | ${heapNames.join(' | ')} | health() |`,
    `|---|${heapNames.map(() => '---:').join('|')}|---:|`,
  );
  for (const size of sizes) {
    const cells = heapNames.map((name) => {
      const bytes = size.bytesPerTenant[name];
      return bytes === undefined ? '' : `${bytes.toFixed(0)} B`;
    });
    lines.push(
      `| ${size.tenants.toLocaleString('en-US')} | ${cells.join(' | ')} | ${size.healthMs.median.toFixed(3)} ms |`,
    );
  }
  for (const size of sizes) {
    if (size.churn !== undefined) {
      lines.push(
        '',
        `Churn at ${size.tenants.toLocaleString('en-US')} held: ${size.churn.loads} tenants loaded through the client, heap ` +
          `${size.churn.beforeMB.toFixed(1)} MB before, ${size.churn.afterMB.toFixed(1)} MB after (after a full collection).`,
      );
    }
  }
  return lines.join('\n');
}

/** Scenario 8's targets: context(k) ≤ 2 × Map and below every peer; heap ≤ 2 KB; health() < 5 ms at 100,000. */
export function lookupTargets(sizes: readonly LookupSize[]): Target[] {
  const rows: Target[] = [];
  for (const size of sizes) {
    if (size.tenants < 1000) continue;
    for (const [distribution, byName] of Object.entries(size.overMap)) {
      const ours = byName[LOOKUP_TARGET];
      if (ours === undefined) continue;
      const peers = Object.entries(size.ns[distribution] ?? {}).filter(
        ([name]) =>
          name !== LOOKUP_TARGET &&
          !name.startsWith('Map') &&
          !name.startsWith('this package') &&
          !name.startsWith('baseline'),
      );
      const oursNs = size.ns[distribution]?.[LOOKUP_TARGET]?.median ?? NaN;
      const behind = peers.filter(([, ns]) => ns.median <= oursNs).map(([name]) => name);
      rows.push({
        scenario: `8. Warm \`context(k)\`, ${size.tenants.toLocaleString('en-US')} tenants held, ${distribution} keys`,
        result:
          `${oursNs.toFixed(0)} ns: **${ours.median.toFixed(2)}** × a Map` +
          (behind.length === 0 ? ', ahead of every peer' : `; not ahead of ${behind.join(', ')}`),
        spread: `${ours.q1.toFixed(2)}–${ours.q3.toFixed(2)}`,
        target: '≤ 2 × Map, ahead of every peer',
        met: ours.median <= 2 && behind.length === 0,
        value: ours.median,
        q1: ours.q1,
        q3: ours.q3,
      });
    }
    const bytes = size.bytesPerTenant[LOOKUP_WITH_API];
    if (bytes !== undefined && size.tenants >= 10_000) {
      rows.push({
        scenario: `8. Heap per tenant held with its API client, ${size.tenants.toLocaleString('en-US')} held (900-char tokens)`,
        result:
          `**${bytes.toFixed(0)} B** (before its API client is made: ${(size.bytesPerTenant[LOOKUP_TARGET] ?? NaN).toFixed(0)} B;` +
          ` a Map of the tokens: ${(size.bytesPerTenant['Map (floor)'] ?? NaN).toFixed(0)} B)`,
        spread: '',
        target: '≤ 2 KB',
        met: bytes <= 2048,
        value: bytes,
      });
    }
    if (size.churn !== undefined) {
      const growth = size.churn.afterMB / size.churn.beforeMB - 1;
      rows.push({
        scenario: `8. … heap under churn (${size.churn.loads} other tenants through a client holding ${size.tenants.toLocaleString('en-US')})`,
        result: `${size.churn.beforeMB.toFixed(1)} MB before, ${size.churn.afterMB.toFixed(1)} MB after (${(growth * 100).toFixed(1)} %)`,
        spread: '',
        target: 'flat (no growth past 5 %)',
        met: growth <= 0.05,
        value: growth,
      });
    }
    if (size.tenants >= 100_000) {
      rows.push({
        scenario: `8. \`client.health()\` (default report), ${size.tenants.toLocaleString('en-US')} tenants held`,
        result: `**${size.healthMs.median.toFixed(3)} ms**`,
        spread: `${size.healthMs.q1.toFixed(3)}–${size.healthMs.q3.toFixed(3)}`,
        target: '< 5 ms',
        met: size.healthMs.median < 5,
        value: size.healthMs.median,
      });
    }
  }
  return rows;
}
