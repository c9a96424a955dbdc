// bench/config.ts
// The benchmark's durations and sizes: the full run (about 3.5 minutes) or BENCH_QUICK=1 (about a minute), each overridable by env.

export interface BenchConfig {
  quick: boolean;
  /** autocannon connections of every load run. */
  connections: number;
  /** Scenario 1, the routes of one process (requests in turn): rounds, seconds per round and of warm-up. */
  sameProcess: { rounds: number; roundSeconds: number; warmupSeconds: number };
  /** Scenario 1b, one process per app: rounds per variant (interleaved), seconds per round and of warm-up. */
  overhead: { rounds: number; roundSeconds: number; warmupSeconds: number };
  /** Scenario 2: the same for the end-to-end variants. */
  endToEnd: { rounds: number; roundSeconds: number; warmupSeconds: number };
  /** Scenario 3: rounds per token lifetime (interleaved), seconds per round. */
  renewal: { rounds: number; roundSeconds: number; shortLifetimeSeconds: number };
  /** Scenario 4: integrations and concurrency of the bursts. */
  tokens: { integrations: number; concurrency: number };
  /** Scenario 5: tenants held (and static integrations configured). */
  memory: { integrations: number };
  /**
   * Scenario 6: tenants behind a loader, tenants held (`cache.max`), the Zipf exponent of the mix; rounds of the
   * many-tenants and the single-tenant route (interleaved), seconds per round and of warm-up; the many-tenants
   * route's mix (`zipf`, the guard's; `hot`, `cold`, `one`, `wait` take it apart: see run.ts's tenantPath); whether
   * the app process gets a core of its own (BENCH_TENANTS_PIN=1).
   */
  tenants: {
    tenants: number;
    cacheMax: number;
    zipfExponent: number;
    rounds: number;
    roundSeconds: number;
    warmupSeconds: number;
    mix: string;
    pin: boolean;
    /**
     * BENCH_TENANTS_MIX=wait: how long the waiting requests idle (ms; BENCH_TENANTS_WAIT_MS; 6 by default, about a
     * cold load's token request in this scenario: 6.25 ms on average in one run).
     */
    waitMs: number;
  };
  /**
   * Scenario 7: micro-benchmark rounds; milliseconds per middleware task and round (tinybench); calls of each axios
   * instance per round (in alternation).
   */
  micro: { rounds: number; taskMs: number; calls: number };
  /**
   * Scenario 8: tenants held, child processes per size (each fills the candidates in another order: where a
   * candidate's tokens land in memory is a lottery of the process, as large as the differences measured), rounds of
   * interleaved batches per process, milliseconds per batch, the Zipf exponent, the most tenants MSAL is given (an
   * application per tenant), the sizes also measured under churn, and where `BENCH_ONLY=lookup` writes its JSON.
   */
  lookup: {
    sizes: number[];
    processes: number;
    rounds: number;
    batchMs: number;
    zipfExponent: number;
    msalMax: number;
    churnAt: number[];
    resultsPath: string;
  };
  /**
   * `lookup`: run scenario 8 alone (BENCH_ONLY=lookup); `cold`: the cold-start bursts alone (BENCH_ONLY=cold);
   * `tenants`: scenario 6 alone, its ratio printed (BENCH_ONLY=tenants); `coldload`: scenario 10 alone.
   */
  only: string | undefined;
  /** Scenario 9: cold-start bursts, rounds (each runs the package and every unbounded fan-out once). */
  coldStart: { rounds: number };
  /**
   * Scenario 10: a cold load alone, rounds and cold loads per batch (the tenants held: `tenants.cacheMax`); `base`, a
   * second build of the package to measure beside this one (BENCH_COLD_LOAD_BASE: the folder of a checkout where
   * `npm run build` ran, e.g. a `git worktree` of an earlier commit), or undefined.
   */
  coldLoad: { rounds: number; batch: number; base: string | undefined };
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

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return raw.split(',').map((item) => {
    const value = Number(item);
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`${name} must list positive integers, got "${raw}"`);
    return value;
  });
}

export function benchConfig(defaultResultsPath: string): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  const rounds = envNumber('BENCH_ROUNDS', quick ? 2 : 10);
  const roundSeconds = envNumber('BENCH_ROUND_SECONDS', quick ? 0.5 : 0.75);
  const warmupSeconds = envNumber('BENCH_WARMUP_SECONDS', quick ? 0.5 : 1);
  return {
    quick,
    connections: envNumber('BENCH_CONNECTIONS', 16),
    sameProcess: {
      rounds: envNumber('BENCH_SAME_ROUNDS', quick ? 6 : 20),
      roundSeconds,
      warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', quick ? 1 : 2),
    },
    overhead: { rounds, roundSeconds, warmupSeconds },
    endToEnd: { rounds, roundSeconds, warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', quick ? 0.5 : 2) },
    renewal: {
      rounds: envNumber('BENCH_RENEWAL_ROUNDS', quick ? 1 : 4),
      roundSeconds: envNumber('BENCH_RENEWAL_ROUND_SECONDS', quick ? 1.5 : 2.5),
      shortLifetimeSeconds: 2,
    },
    tokens: { integrations: 10, concurrency: 200 },
    memory: { integrations: envNumber('BENCH_MEMORY_INTEGRATIONS', quick ? 2000 : 10_000) },
    tenants: {
      tenants: envNumber('BENCH_TENANTS', 100_000),
      cacheMax: envNumber('BENCH_TENANTS_CACHE_MAX', 10_000),
      zipfExponent: envNumber('BENCH_ZIPF_EXPONENT', 1.3),
      // Many short rounds rather than a few long ones: the median of their paired ratios is what settles 5 %.
      rounds: envNumber('BENCH_TENANT_ROUNDS', quick ? rounds : 20),
      roundSeconds: envNumber('BENCH_TENANT_ROUND_SECONDS', 1),
      warmupSeconds: envNumber('BENCH_TENANT_WARMUP_SECONDS', quick ? 2 : 5),
      mix:
        process.env.BENCH_TENANTS_MIX === undefined || process.env.BENCH_TENANTS_MIX === ''
          ? 'zipf'
          : process.env.BENCH_TENANTS_MIX,
      pin: process.env.BENCH_TENANTS_PIN === '1',
      waitMs: envNumber('BENCH_TENANTS_WAIT_MS', 6),
    },
    micro: {
      rounds: envNumber('BENCH_MICRO_ROUNDS', quick ? 10 : 15),
      taskMs: envNumber('BENCH_MICRO_TASK_MS', quick ? 40 : 150),
      calls: envNumber('BENCH_MICRO_CALLS', quick ? 1000 : 4000),
    },
    lookup: {
      sizes: envList('BENCH_LOOKUP_TENANTS', quick ? [1, 1000, 10_000] : [1, 1000, 10_000, 100_000]),
      processes: envNumber('BENCH_LOOKUP_PROCESSES', quick ? 1 : 3),
      rounds: envNumber('BENCH_LOOKUP_ROUNDS', quick ? 6 : 9),
      batchMs: envNumber('BENCH_LOOKUP_BATCH_MS', quick ? 10 : 25),
      zipfExponent: envNumber('BENCH_ZIPF_EXPONENT', 1.3),
      msalMax: envNumber('BENCH_LOOKUP_MSAL_MAX', 10_000),
      churnAt: envList('BENCH_LOOKUP_CHURN', [10_000]),
      resultsPath:
        process.env.BENCH_LOOKUP_RESULTS ?? defaultResultsPath.replace(/results\.json$/, 'lookup-results.json'),
    },
    only: process.env.BENCH_ONLY === undefined || process.env.BENCH_ONLY === '' ? undefined : process.env.BENCH_ONLY,
    coldStart: { rounds: envNumber('BENCH_COLD_ROUNDS', quick ? 3 : 7) },
    coldLoad: {
      rounds: envNumber('BENCH_COLD_LOAD_ROUNDS', quick ? 6 : 30),
      batch: envNumber('BENCH_COLD_LOAD_BATCH', 150),
      base: process.env.BENCH_COLD_LOAD_BASE === '' ? undefined : process.env.BENCH_COLD_LOAD_BASE,
    },
    profile: process.env.BENCH_PROFILE === '1',
    resultsPath: process.env.BENCH_RESULTS ?? defaultResultsPath,
  };
}
