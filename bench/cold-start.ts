// bench/cold-start.ts
// Scenario 9: cold-start bursts (every tenant's first token at once) against a slow login server, the package vs unbounded fan-outs.
import { join } from 'node:path';
import type { ColdStartCommands, ColdStartKind, ColdStartRun } from './cold-start-process.js';
import { Child } from './ipc.js';
import type { StandInCommands } from './stand-in-process.js';

/** The package, then the unbounded fan-outs (each a hand-written Map + single flight). */
const COLD_START_KINDS: readonly ColdStartKind[] = ['grafx', 'fetch', 'openid-client', 'auth0', 'badgateway'];

/** One burst shape: tenants, callers per tenant, the login server's answer time, the target ratio to the fan-out. */
export interface ColdStartShape {
  name: string;
  tenants: number;
  callers: number;
  delayMs: number;
  /** The package's time may be at most this many times the fastest unbounded fan-out's of the same round. */
  target: number;
}

export const COLD_START_SHAPES: readonly ColdStartShape[] = [
  { name: '100 tenants × 10 callers, 50 ms login server', tenants: 100, callers: 10, delayMs: 50, target: 1.5 },
  { name: '1,000 tenants × 1 caller, 200 ms login server', tenants: 1000, callers: 1, delayMs: 200, target: 2 },
];

export interface KindResult {
  /** Milliseconds per round. */
  ms: number[];
  medianMs: number;
  /** Token requests the login server received per round (the ideal: one per tenant). */
  tokenRequests: number[];
  failed: number;
  errors: Record<string, number>;
}

export interface ColdStartResult extends ColdStartShape {
  rounds: number;
  kinds: Record<ColdStartKind, KindResult>;
  /** The package's time / the fastest fan-out's, round by round: median and middle half. */
  ratio: { median: number; q1: number; q3: number; rounds: number[] };
  /** The package's time / each fan-out's, median of the rounds. */
  ratioTo: Record<string, number>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function quartiles(values: readonly number[]): ColdStartResult['ratio'] {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: median(sorted),
    q1: median(sorted.slice(0, Math.ceil(sorted.length / 2))),
    q3: median(sorted.slice(Math.floor(sorted.length / 2))),
    rounds: [...values],
  };
}

/**
 * Each round runs every kind once, in turn (the order reversed every other round), each on a fresh client with cold
 * connections, in one child process; the login server is the stand-in (its own process) answering after `delayMs`.
 */
export async function coldStartScenario(
  stand: Child<StandInCommands>,
  rounds: number,
  log: (message: string) => void,
  register: (child: { stop(): Promise<void> }) => void,
): Promise<ColdStartResult[]> {
  const most = Math.max(...COLD_START_SHAPES.map((shape) => shape.tenants));
  log(`9. Cold starts: every tenant's first token at once, the package vs unbounded fan-outs (${rounds} rounds)`);
  const endpoints = await stand.call('start', { name: 'cold', clients: most, tokenLifetimeSeconds: 36_000 });
  const child = new Child<ColdStartCommands>('cold-start', join(__dirname, 'cold-start-process.ts'));
  register(child);
  const results: ColdStartResult[] = [];
  for (const shape of COLD_START_SHAPES) {
    await stand.call('setTokenDelay', { name: 'cold', ms: shape.delayMs });
    const runs = new Map<ColdStartKind, Array<ColdStartRun & { tokenRequests: number }>>(
      COLD_START_KINDS.map((kind) => [kind, []]),
    );
    // A warm-up round, not counted (the first burst of a process pays for its JIT).
    for (const kind of COLD_START_KINDS) {
      const warm = await child.call('run', {
        kind,
        tokenURL: endpoints.tokenURL,
        tenants: shape.tenants,
        callers: shape.callers,
      });
      log(
        `  ${shape.name}, warm-up: ${kind} ${warm.ms.toFixed(0)} ms${warm.failed > 0 ? ` (${warm.failed} FAILED)` : ''}`,
      );
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? COLD_START_KINDS : [...COLD_START_KINDS].reverse();
      const line: string[] = [];
      for (const kind of order) {
        const before = (await stand.call('counts', { name: 'cold' })).tokenRequests;
        const run = await child.call('run', {
          kind,
          tokenURL: endpoints.tokenURL,
          tenants: shape.tenants,
          callers: shape.callers,
        });
        const tokenRequests = (await stand.call('counts', { name: 'cold' })).tokenRequests - before;
        runs.get(kind)?.push({ ...run, tokenRequests });
        line.push(`${kind} ${run.ms.toFixed(0)} ms${run.failed > 0 ? ` (${run.failed} FAILED)` : ''}`);
      }
      log(`  ${shape.name}, round ${round + 1}/${rounds}: ${line.join(', ')}`);
    }
    const kinds = {} as Record<ColdStartKind, KindResult>;
    for (const [kind, list] of runs) {
      const errors: Record<string, number> = {};
      for (const run of list)
        for (const [code, n] of Object.entries(run.errors)) errors[code] = (errors[code] ?? 0) + n;
      kinds[kind] = {
        ms: list.map((run) => run.ms),
        medianMs: median(list.map((run) => run.ms)),
        tokenRequests: list.map((run) => run.tokenRequests),
        failed: list.reduce((sum, run) => sum + run.failed, 0),
        errors,
      };
    }
    const fanOuts = COLD_START_KINDS.filter((kind) => kind !== 'grafx');
    const ours = kinds.grafx.ms;
    const perRound = ours.map((ms, i) => ms / Math.min(...fanOuts.map((kind) => kinds[kind].ms[i] as number)));
    const ratioTo: Record<string, number> = {};
    for (const kind of fanOuts) ratioTo[kind] = median(ours.map((ms, i) => ms / (kinds[kind].ms[i] as number)));
    const result: ColdStartResult = { ...shape, rounds, kinds, ratio: quartiles(perRound), ratioTo };
    log(
      `  ${shape.name}: the package ${kinds.grafx.medianMs.toFixed(0)} ms, ${result.ratio.median.toFixed(2)}× the fastest ` +
        `fan-out (target ≤ ${shape.target}×); ` +
        fanOuts.map((kind) => `${kind} ${kinds[kind].medianMs.toFixed(0)} ms`).join(', '),
    );
    results.push(result);
  }
  await child.stop();
  return results;
}
