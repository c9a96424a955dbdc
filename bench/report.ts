// bench/report.ts
// The targets checked against the measured figures, and the one table the bench prints (Markdown).

/**
 * One line of the table: a scenario, what was measured, the target, and whether it is met (undefined: no target;
 * 'within noise': missed by less than two identical apps differ on this machine, see {@link noiseOf}).
 */
export interface Row {
  scenario: string;
  result: string;
  target: string;
  met: boolean | 'within noise' | undefined;
}

/** A row with the figures behind it, as written to results.json. */
export interface Target extends Row {
  value: number;
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

/** What targetRows() reads of the bench's results. */
export interface Measured {
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
  };
}

const rps = (value: number): string => `${Math.round(value).toLocaleString('en-US')} req/s`;
const ms = (value: number): string => `${value.toFixed(2)} ms`;
const latency = (run: RunSummary): string => `p50 ${ms(run.p50)}, p99 ${ms(run.p99)}`;
const cpu = (run: RunSummary): string => `**${run.cpuMicrosPerRequest.toFixed(1)} µs** CPU/req`;
const spread = (r: Ratio, digits = 3): string =>
  `middle half of rounds ${r.q1.toFixed(digits)}–${r.q3.toFixed(digits)}`;
/** `**0.981** × bare (rounds: 0.962–0.995)`: the median of the per-round ratios and their interquartile range. */
const ratio = (r: Ratio, of: string): string => `**${r.median.toFixed(3)}** × ${of}, ${spread(r)}`;
const ns = (r: Ratio): string => `${r.median.toFixed(0)} ns (${r.q1.toFixed(0)}–${r.q3.toFixed(0)})`;
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
  const { overhead, endToEnd, renewal, tokens, memory, tenants, micro } = m;
  const noise = noiseOf(overhead.bare2Ratio);
  const cpuNoise = noiseOf(overhead.bare2CpuRatio);
  const n = tokens.integrations;
  const tokenRow = (scenario: string, count: TokenCount, extra = ''): Target => ({
    scenario,
    result: `${count.tokenRequests} token request${count.tokenRequests === 1 ? '' : 's'} (ideal ${count.ideal})${extra}${failures(count.failed)}`,
    target: `= ideal (${count.ideal})`,
    met: count.tokenRequests === count.ideal && count.failed === 0,
    value: count.tokenRequests,
  });
  const info = (scenario: string, result: string, value: number): Target => ({
    scenario,
    result,
    target: '',
    met: undefined,
    value,
  });
  const heapGrowth = tenants.heapLastMB / tenants.heapFirstMB - 1;
  return [
    info(
      '1. Middleware overhead: bare Express, a few bytes',
      `${cpu(overhead.bare)}; ${rps(overhead.bare.rps)}`,
      overhead.bare.cpuMicrosPerRequest,
    ),
    {
      scenario: '1. … the same bare app in a second process (A/A control)',
      result: `CPU/req ${ratio(overhead.bare2CpuRatio, 'bare')}; req/s ${ratio(overhead.bare2Ratio, 'bare')}`,
      target: `noise of this run: CPU ±${(cpuNoise * 100).toFixed(1)} %, req/s ±${(noise * 100).toFixed(1)} %`,
      met: undefined,
      value: overhead.bare2CpuRatio.median,
    },
    info(
      '1. … behind a no-op middleware (`req.grafx = {…}; next()`, the reference)',
      `${cpu(overhead.noop)}; ${rps(overhead.noop.rps)} (${ratio(overhead.noopRatio, 'bare')})`,
      overhead.noop.cpuMicrosPerRequest,
    ),
    {
      scenario: '1. … behind `grafxAuth`, warm cache',
      result:
        `${cpu(overhead.grafxAuth)}: no-op / grafxAuth ${ratio(overhead.noopOverGrafxCpu, 'by CPU')}; ` +
        `${rps(overhead.grafxAuth.rps)} (${ratio(overhead.ratio, 'bare')})${failures(overhead.grafxAuth.failed)}`,
      target: 'CPU/req: no-op / grafxAuth ≥ 0.98',
      met: atLeast(overhead.noopOverGrafxCpu.median, 0.98, cpuNoise, overhead.grafxAuth.failed === 0),
      value: overhead.noopOverGrafxCpu.median,
    },
    info(
      '2. End to end: floor (static token, plain axios)',
      `${rps(endToEnd.floor.rps)}; ${latency(endToEnd.floor)}; ${cpu(endToEnd.floor)}${failures(endToEnd.floor.failed)}`,
      endToEnd.floor.rps,
    ),
    info(
      '2. … `req.grafx.api`',
      `${rps(endToEnd.grafx.rps)} (${ratio(endToEnd.grafxRatio, 'floor')}); ${latency(endToEnd.grafx)}; ` +
        `${cpu(endToEnd.grafx)} (${endToEnd.grafxCpuRatio.median.toFixed(3)} × floor)${failures(endToEnd.grafx.failed)}`,
      endToEnd.grafxRatio.median,
    ),
    info(
      '2. … recipe (module-level token + axios-auth-refresh)',
      `${rps(endToEnd.recipe.rps)} (${ratio(endToEnd.recipeRatio, 'floor')}); ${latency(endToEnd.recipe)}; ` +
        `${cpu(endToEnd.recipe)} (${endToEnd.recipeCpuRatio.median.toFixed(3)} × floor)${failures(endToEnd.recipe.failed)}`,
      endToEnd.recipeRatio.median,
    ),
    info(
      `3. Renewal under load, ${n} integrations: 10-hour tokens`,
      `${rps(renewal.long.rps)}; ${latency(renewal.long)}${failures(renewal.long.failed)}`,
      renewal.long.p99,
    ),
    {
      scenario: `3. … ${renewal.shortLifetimeSeconds}-second tokens (renewed during the runs)`,
      result:
        `${rps(renewal.short.rps)}; ${latency(renewal.short)} (p99 **${renewal.p99Ratio.toFixed(3)}** × 10-hour;` +
        ` round by round: median ${renewal.p99RatioByRound.median.toFixed(3)}, ${spread(renewal.p99RatioByRound)})` +
        failures(renewal.short.failed),
      target: 'p99 ≤ 1.10 × 10-hour',
      met: renewal.p99Ratio <= 1.1 && renewal.short.failed === 0,
      value: renewal.p99Ratio,
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
      target: '< 8 KB',
      met: memory.heldBytesPerTenant < 8192 && memory.held === memory.integrations,
      value: memory.heldBytesPerTenant,
    },
    {
      scenario: '5. … per static integration configured but unused',
      result: `**${Math.round(memory.configuredBytesPerIntegration).toLocaleString('en-US')} B**`,
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
        `tenant; ${rps(tenants.multi.rps)} vs ${rps(tenants.single.rps)}${failures(tenants.multi.failed + tenants.single.failed)}`,
      target: 'CPU/req ≥ 0.95 × single tenant',
      met: atLeast(tenants.cpuRatio.median, 0.95, cpuNoise, tenants.multi.failed + tenants.single.failed === 0),
      value: tenants.cpuRatio.median,
    },
    {
      scenario: '6. … token requests and cold loads (measured rounds)',
      result:
        `**${tenants.loginServerRequests}** token requests for **${tenants.loads}** cold loads ` +
        `(${tenants.tokenRequests} seen by the app), ${tenants.duplicates} duplicates; ${tenants.held} held`,
      target: '= cold loads, no duplicates',
      met:
        tenants.loginServerRequests === tenants.loads && tenants.duplicates === 0 && tenants.held <= tenants.cacheMax,
      value: tenants.loginServerRequests - tenants.loads,
    },
    {
      scenario: '6. … heap after each round (after a full GC)',
      result:
        `first ${tenants.heapFirstMB.toFixed(1)} MB, last ${tenants.heapLastMB.toFixed(1)} MB, ` +
        `max ${tenants.heapMaxMB.toFixed(1)} MB (${heapGrowth >= 0 ? '+' : ''}${(heapGrowth * 100).toFixed(1)} %)`,
      target: 'flat (last within 5 % of first)',
      met: Math.abs(heapGrowth) <= 0.05,
      value: heapGrowth,
    },
    info(
      `7. Micro-benchmark, no HTTP (${micro.rounds} rounds): the middleware on a prepared request`,
      `grafxAuth ${ns(micro.grafxAuth)} per call, no-op ${ns(micro.noop)}: no-op / grafxAuth ` +
        `${micro.noopOverGrafxAuth.median.toFixed(3)}, ${spread(micro.noopOverGrafxAuth)}`,
      micro.noopOverGrafxAuth.median,
    ),
    {
      scenario: '7. … `req.grafx.api` vs plain axios with a static header, adapter answering at once',
      result:
        `${ns(micro.grafxApi)} vs ${ns(micro.plainAxios)} per call: plain / ours ` +
        `${ratio(micro.plainOverGrafxApi, 'by time')}`,
      target: '≥ 0.95',
      met: micro.plainOverGrafxApi.median >= 0.95,
      value: micro.plainOverGrafxApi.median,
    },
  ];
}

export function markdownTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.scenario,
    row.result,
    row.target,
    row.met === undefined ? '' : row.met === 'within noise' ? 'within noise' : row.met ? 'met' : '**missed**',
  ]);
  const header = ['Scenario', 'Measured', 'Target', ''];
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
