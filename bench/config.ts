// bench/config.ts
// The benchmark's durations and sizes: the full run (under 3 minutes) or BENCH_QUICK=1 (about 30 s), each overridable by env.

export interface BenchConfig {
  quick: boolean;
  /** autocannon connections of every load run. */
  connections: number;
  /** Scenario 1: rounds per variant (interleaved), seconds per round, seconds of warm-up per variant. */
  overhead: { rounds: number; roundSeconds: number; warmupSeconds: number };
  /** Scenario 2: the same for the end-to-end variants. */
  endToEnd: { rounds: number; roundSeconds: number; warmupSeconds: number };
  /** Scenario 3: rounds per token lifetime (interleaved), seconds per round. */
  renewal: { rounds: number; roundSeconds: number; shortLifetimeSeconds: number };
  /** Scenario 4: integrations and concurrency of the bursts; the long run with short tokens. */
  tokens: { integrations: number; concurrency: number; runSeconds: number };
  /** Scenario 5: integrations in the cache. */
  memory: { integrations: number };
  /** Write a CPU profile of every app process into bench/profiles/ (node --cpu-prof). */
  profile: boolean;
  /** Where the JSON goes. */
  resultsPath: string;
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export function benchConfig(defaultResultsPath: string): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  const rounds = envNumber('BENCH_ROUNDS', quick ? 2 : 10);
  const roundSeconds = envNumber('BENCH_ROUND_SECONDS', quick ? 0.5 : 0.75);
  const warmupSeconds = envNumber('BENCH_WARMUP_SECONDS', quick ? 0.5 : 1);
  return {
    quick,
    connections: envNumber('BENCH_CONNECTIONS', 16),
    overhead: { rounds, roundSeconds, warmupSeconds },
    endToEnd: { rounds, roundSeconds, warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', quick ? 0.5 : 2) },
    renewal: {
      rounds: envNumber('BENCH_RENEWAL_ROUNDS', quick ? 1 : 4),
      roundSeconds: envNumber('BENCH_RENEWAL_ROUND_SECONDS', quick ? 1.5 : 2.5),
      shortLifetimeSeconds: 2,
    },
    tokens: {
      integrations: 10,
      concurrency: 200,
      runSeconds: envNumber('BENCH_TOKEN_RUN_SECONDS', quick ? 5 : 60),
    },
    memory: { integrations: envNumber('BENCH_MEMORY_INTEGRATIONS', quick ? 2000 : 10_000) },
    profile: process.env.BENCH_PROFILE === '1',
    resultsPath: process.env.BENCH_RESULTS ?? defaultResultsPath,
  };
}
