// bench/load.ts
// Load generation (autocannon, with latencies kept to the microsecond), a burst of concurrent requests, and statistics.
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface LoadOptions {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Paths requested in turn (one per request, round robin). */
  paths: readonly string[];
  /** Instead of `paths`: the path of each next request (a mix that goes on across runs). */
  nextPath?: () => string;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  /** 2xx answers per second. */
  rps: number;
  /** 2xx answers. */
  ok: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failed: number;
  /** Latencies of the 2xx answers, milliseconds. */
  latency: LatencySummary;
  /** Every 2xx latency (milliseconds, sorted), to pool rounds. */
  samples: Float64Array;
  durationSeconds: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Runs autocannon against `origin` for `durationSeconds`. autocannon's own latency histogram counts whole
 * milliseconds, too coarse on loopback, so every 2xx response time is kept here (a Float64Array) and sorted at the end.
 */
export function load(options: LoadOptions): Promise<LoadResult> {
  const { origin, paths, connections, durationSeconds, nextPath } = options;
  let samples = new Float64Array(1 << 16);
  let count = 0;
  let next = 0;
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: origin,
        connections,
        duration: durationSeconds,
        // autocannon stops at its first sample tick after `duration` (1 s by default): tick often, stop on time.
        sampleInt: 50,
        requests: [
          {
            setupRequest: (req) => {
              req.path = nextPath === undefined ? (paths[next++ % paths.length] ?? '/') : nextPath();
              return req;
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const failed = result.non2xx + result.errors + result.timeouts;
        const latencies = samples.slice(0, count);
        resolve({
          rps: result['2xx'] / result.duration,
          ok: result['2xx'],
          failed,
          latency: summarize(latencies),
          samples: latencies,
          durationSeconds: result.duration,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode >= 300) return;
      if (count === samples.length) {
        const grown = new Float64Array(samples.length * 2);
        grown.set(samples);
        samples = grown;
      }
      samples[count++] = responseTime;
    });
  });
}

/** Percentiles of latencies in milliseconds (the array is sorted in place). */
export function summarize(latencies: Float64Array): LatencySummary {
  latencies.sort();
  const at = (q: number): number =>
    latencies.length === 0 ? NaN : (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/** Sends one GET per path, all at once, each on its own connection; resolves with the status codes. */
export async function burst(origin: string, paths: readonly string[]): Promise<number[]> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    return await Promise.all(
      paths.map(
        (path) =>
          new Promise<number>((resolve, reject) => {
            const req = request(`${origin}${path}`, { agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
              res.on('error', reject);
            });
            req.on('error', reject);
            req.end();
          }),
      ),
    );
  } finally {
    agent.destroy();
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** Percentiles of several runs' latencies together. */
export function pooled(runs: ReadonlyArray<{ samples: Float64Array }>): LatencySummary {
  const all = new Float64Array(runs.reduce((sum, run) => sum + run.samples.length, 0));
  let offset = 0;
  for (const run of runs) {
    all.set(run.samples, offset);
    offset += run.samples.length;
  }
  return summarize(all);
}
