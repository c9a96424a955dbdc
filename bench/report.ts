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
  };
  endToEnd: { floor: RunSummary; grafx: RunSummary; recipe: RunSummary; grafxRatio: Ratio; recipeRatio: Ratio };
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
    run: TokenCount & {
      seconds: number;
      lifetimeSeconds: number;
      lowerBound: number;
      expectedWithHalfwayRenewal: number;
    };
  };
  memory: {
    integrations: number;
    cached: number;
    cachedBytesPerIntegration: number;
    configuredBytesPerIntegration: number;
  };
}

const rps = (value: number): string => `${Math.round(value).toLocaleString('en-US')} req/s`;
const ms = (value: number): string => `${value.toFixed(2)} ms`;
const latency = (run: RunSummary): string => `p50 ${ms(run.p50)}, p99 ${ms(run.p99)}`;
/** `**0.981** × bare (rounds: 0.962–0.995)`: the median of the per-round ratios and their interquartile range. */
const ratio = (r: Ratio, of: string): string =>
  `**${r.median.toFixed(3)}** × ${of}, middle half of rounds ${r.q1.toFixed(3)}–${r.q3.toFixed(3)}`;
const failures = (failed: number): string => (failed === 0 ? '' : `; **${failed} failed**`);

/**
 * How far apart two identical apps measure on this machine: the A/A control's distance from 1 (its median, or half
 * the spread of its middle rounds, whichever is larger). A throughput ratio closer than this to its target is not
 * resolved by the run.
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
  const { overhead, endToEnd, renewal, tokens, memory } = m;
  const noise = noiseOf(overhead.bare2Ratio);
  const n = tokens.integrations;
  const tokenRow = (scenario: string, count: TokenCount, extra = ''): Target => ({
    scenario,
    result: `${count.tokenRequests} token request${count.tokenRequests === 1 ? '' : 's'} (ideal ${count.ideal})${extra}${failures(count.failed)}`,
    target: `= ideal (${count.ideal})`,
    met: count.tokenRequests === count.ideal && count.failed === 0,
    value: count.tokenRequests,
  });
  return [
    {
      scenario: '1. Middleware overhead: bare Express',
      result: rps(overhead.bare.rps),
      target: '',
      met: undefined,
      value: overhead.bare.rps,
    },
    {
      scenario: '1. … the same bare app in a second process (A/A control)',
      result: `${rps(overhead.bare2.rps)} (${ratio(overhead.bare2Ratio, 'bare')})`,
      target: `noise of this run: ±${(noise * 100).toFixed(1)} %`,
      met: undefined,
      value: overhead.bare2Ratio.median,
    },
    {
      scenario: '1. … behind a no-op middleware (reference)',
      result: `${rps(overhead.noop.rps)} (${ratio(overhead.noopRatio, 'bare')})`,
      target: '',
      met: undefined,
      value: overhead.noopRatio.median,
    },
    {
      scenario: '1. … behind `grafxAuth`, warm cache',
      result: `${rps(overhead.grafxAuth.rps)} (${ratio(overhead.ratio, 'bare')})${failures(overhead.grafxAuth.failed)}`,
      target: '≥ 0.97 × bare',
      met: atLeast(overhead.ratio.median, 0.97, noise, overhead.grafxAuth.failed === 0),
      value: overhead.ratio.median,
    },
    {
      scenario: '2. End to end: floor (static token, plain axios)',
      result: `${rps(endToEnd.floor.rps)}; ${latency(endToEnd.floor)}${failures(endToEnd.floor.failed)}`,
      target: '',
      met: undefined,
      value: endToEnd.floor.rps,
    },
    {
      scenario: '2. … `req.grafx.api`',
      result: `${rps(endToEnd.grafx.rps)} (${ratio(endToEnd.grafxRatio, 'floor')}); ${latency(endToEnd.grafx)}${failures(endToEnd.grafx.failed)}`,
      target: '≥ 0.95 × floor',
      met: atLeast(endToEnd.grafxRatio.median, 0.95, noise, endToEnd.grafx.failed === 0),
      value: endToEnd.grafxRatio.median,
    },
    {
      scenario: '2. … recipe (module-level token + axios-auth-refresh)',
      result: `${rps(endToEnd.recipe.rps)} (${ratio(endToEnd.recipeRatio, 'floor')}); ${latency(endToEnd.recipe)}${failures(endToEnd.recipe.failed)}`,
      target: '',
      met: undefined,
      value: endToEnd.recipeRatio.median,
    },
    {
      scenario: `3. Renewal under load, ${n} integrations: 10-hour tokens`,
      result: `${rps(renewal.long.rps)}; ${latency(renewal.long)}${failures(renewal.long.failed)}`,
      target: '',
      met: undefined,
      value: renewal.long.p99,
    },
    {
      scenario: `3. … ${renewal.shortLifetimeSeconds}-second tokens (renewed during the runs)`,
      result:
        `${rps(renewal.short.rps)}; ${latency(renewal.short)} (p99 **${renewal.p99Ratio.toFixed(3)}** × 10-hour;` +
        ` round by round: median ${renewal.p99RatioByRound.median.toFixed(3)}, middle half` +
        ` ${renewal.p99RatioByRound.q1.toFixed(3)}–${renewal.p99RatioByRound.q3.toFixed(3)})${failures(renewal.short.failed)}`,
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
      ...tokenRow(
        `4c. ${tokens.run.seconds}-second run, ${tokens.run.lifetimeSeconds}-second tokens, ${n} integrations`,
        tokens.run,
        ` = ${(tokens.run.tokenRequests / tokens.run.ideal).toFixed(2)} × ideal; no-wait lower bound` +
          ` ${tokens.run.lowerBound}; the halfway renewal rule predicts ${tokens.run.expectedWithHalfwayRenewal}`,
      ),
    },
    {
      scenario: `5. Memory: ${memory.integrations.toLocaleString('en-US')} integrations in the cache`,
      result:
        `**${Math.round(memory.cachedBytesPerIntegration)} B** of heap per cached token` +
        ` (+ ${Math.round(memory.configuredBytesPerIntegration)} B per configured integration, before any token:` +
        ` mostly its axios instance); ${memory.cached} cached`,
      target: '< 4 KB per cached integration',
      met: memory.cachedBytesPerIntegration < 4096 && memory.cached === memory.integrations,
      value: memory.cachedBytesPerIntegration,
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
