// bench/lookup-process.ts
// Child process (--expose-gc): warm look-ups of N held tenants, this package beside a Map and the peers, interleaved; heap per tenant; health().
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type GrafxClient, type GrafxContext, createGrafxClient } from 'express-grafx-auth';
import { serve } from './ipc.js';
import { type RoundValues, type Spread, spread, spreads } from './lookup-merge.js';
import {
  type LookupCandidate,
  auth0Candidate,
  badgatewayCandidate,
  benchToken,
  MAP_CONTROL,
  MAP_FLOOR,
  mapCandidate,
  msalCandidate,
  openidCandidate,
} from './lookup-peers.js';
import { tenantKey } from './shared.js';
import { zipfSampler } from './zipf.js';

export interface LookupResult {
  tenants: number;
  /** ns per warm look-up, by distribution then candidate. */
  ns: Record<string, Record<string, Spread>>;
  /** ns of the candidate / ns of the Map in the same round, by distribution then candidate. */
  overMap: Record<string, Record<string, Spread>>;
  /** The rounds themselves (ns, and × the Map of the same round), for pooling the processes of one size. */
  rounds: { ns: RoundValues; overMap: RoundValues };
  /** Heap per held tenant, in bytes, by candidate (after a full collection; from 1,000 tenants up). */
  bytesPerTenant: Record<string, number>;
  /** Milliseconds of one `client.health()` (the default report), median of a few calls. */
  healthMs: Spread;
  /** With churn: heap held before and after loading 3 × N other tenants through the same client (MB). */
  churn?: { beforeMB: number; afterMB: number; loads: number };
  /** Candidates left out at this size, and why. */
  skipped: Record<string, string>;
  /** The processes measured (pooled) and rounds in each. */
  processes: number;
  roundsPerProcess: number;
}

export type LookupCommands = {
  measure: {
    args: {
      tenants: number;
      rounds: number;
      batchMs: number;
      zipfExponent: number;
      msalMax: number;
      churn: boolean;
      /** Which of `processes` this one is (from 0): the candidates are filled in an order rotated by it. */
      processIndex: number;
      processes: number;
    };
    result: LookupResult;
  };
};

const PACKAGE = 'this package context(k)';
const PACKAGE_GET_TOKEN = 'this package getToken(k)';
const BASELINE = 'baseline context(k)';
const API_USED = 'this package, every API client used';

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** A login server in this process for the package's clients: every token request answers a fresh 900-char token. */
async function tokenServer(): Promise<{ url: string; close(): void; requests(): number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      const body = JSON.stringify({ access_token: benchToken(), token_type: 'Bearer', expires_in: 36_000 });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    close: () => server.close(),
    requests: () => requests,
  };
}

type CreateClient = typeof createGrafxClient;

/** A package client whose tenants are loaded on demand, holding up to `max`. */
function packageClient(create: CreateClient, tokenURL: string, max: number): GrafxClient {
  return create({
    tokenURL,
    cache: { max },
    integrations: (key) => ({ clientId: `client-${key}`, clientSecret: `secret-${key}`, environment: key }),
  }) as GrafxClient;
}

async function loadAll(client: GrafxClient, keys: readonly string[], from = 0, to = keys.length): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) await client.getToken(keys[next++] as string);
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

function contextCandidate(
  name: string,
  create: CreateClient,
  tokenURL: string,
): LookupCandidate & { client(): GrafxClient } {
  let client: GrafxClient | undefined;
  const tokenOf = (found: GrafxContext | Promise<GrafxContext>): string | Promise<string> =>
    found instanceof Promise ? found.then((context) => context.token) : found.token;
  return {
    name,
    async fill(keys) {
      client = packageClient(create, tokenURL, Math.max(100, keys.length));
      await loadAll(client, keys);
      // Each tenant's context, as a request through the middleware gets it (its API client is made on first use).
      for (const key of keys) {
        if (client.context(key) instanceof Promise) throw new Error(`${key} is not warm`);
      }
    },
    lookup: (key) => tokenOf((client as GrafxClient).context(key)),
    clear() {
      void client?.close();
      client = undefined;
    },
    client: () => client as GrafxClient,
  };
}

/** getToken(k) of a client that shares the tenants of `of` (the same client: no heap of its own). */
function getTokenCandidate(of: { client(): GrafxClient }): LookupCandidate {
  return {
    name: PACKAGE_GET_TOKEN,
    async fill() {},
    lookup: (key) => of.client().getToken(key),
    clear() {},
  };
}

type Loop = (lookup: LookupCandidate['lookup'], draws: readonly string[], count: number) => Promise<number>;
const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => Loop;
/** The timed loop of each candidate, compiled apart (new code per candidate: its call site sees only its look-up). */
const loops = new Map<string, Loop>();

function loopOf(candidate: LookupCandidate, sync: boolean): Loop {
  let loop = loops.get(candidate.name);
  if (loop === undefined) {
    const get = sync ? 'lookup(draws[i & mask])' : '(await lookup(draws[i & mask]))';
    loop = new AsyncFunction(
      'lookup',
      'draws',
      'count',
      `// ${JSON.stringify(candidate.name)}
      const mask = draws.length - 1;
      let sink = 0;
      const started = process.cpuUsage();
      for (let i = 0; i < count; i++) sink += ${get}.length;
      const used = process.cpuUsage(started);
      const ns = ((used.user + used.system) * 1000) / count;
      if (!(sink > 0)) throw new Error('no token');
      return ns;`,
    );
    loops.set(candidate.name, loop);
  }
  return loop;
}

/**
 * CPU ns per look-up over `count` look-ups (the process's CPU time, not the wall clock: on a shared machine the
 * process waits for a core now and then, which says nothing of the candidate). A warm synchronous look-up is called without await, as its users do. */
async function timeBatch(candidate: LookupCandidate, draws: readonly string[], count: number): Promise<number> {
  const sync = typeof candidate.lookup(draws[0] as string) === 'string';
  return loopOf(candidate, sync)(candidate.lookup, draws, count);
}

serve<LookupCommands>({
  async measure({ tenants, rounds, batchMs, zipfExponent, msalMax, churn, processIndex: index, processes }) {
    const keys = Array.from({ length: tenants }, (_, i) => tenantKey(i));
    const server = await tokenServer();
    const { createGrafxClient: baselineCreate } = (
      process.env.BENCH_LOOKUP_BASELINE === undefined ? {} : await import(process.env.BENCH_LOOKUP_BASELINE)
    ) as { createGrafxClient?: CreateClient };
    const ours = contextCandidate(PACKAGE, createGrafxClient, server.url);
    const candidates: LookupCandidate[] = [mapCandidate(), mapCandidate(MAP_CONTROL), ours, getTokenCandidate(ours)];
    if (baselineCreate !== undefined) candidates.push(contextCandidate(BASELINE, baselineCreate, server.url));
    candidates.push(await openidCandidate(), await badgatewayCandidate(), await auth0Candidate());
    const skipped: Record<string, string> = {};
    if (tenants <= msalMax) candidates.push(await msalCandidate());
    else skipped['MSAL, app per tenant'] = `over ${msalMax} tenants (an application per tenant: memory and fill time)`;

    // Each candidate gets its tokens; the heap it added, per tenant, after a full collection. Each first fills and
    // clears a hundred other keys (and, for this package, makes their API clients), so that the code compiled on a
    // candidate's first use, made once per process, is not counted as held per tenant.
    const bytesPerTenant: Record<string, number> = {};
    const warmKeys = Array.from({ length: 100 }, (_, i) => `warm-${i}`);
    // Where a candidate's tokens land in memory depends on what was filled before it: each process of a size fills in
    // another order (rotated), so that no candidate always gets the same place.
    const shift = Math.round((index * candidates.length) / processes);
    const fillOrder = [...candidates.slice(shift), ...candidates.slice(0, shift)];
    for (const candidate of fillOrder) {
      if (tenants >= 1000 && candidate.name !== PACKAGE_GET_TOKEN) {
        await candidate.fill(warmKeys);
        if (candidate === ours) for (const key of warmKeys) void (ours.client().context(key) as GrafxContext).api;
        candidate.clear();
        await new Promise((resolve) => setImmediate(resolve)); // (a client's close() settles first)
      }
      const before = heapUsed();
      await candidate.fill(keys);
      if (tenants >= 1000 && candidate.name !== PACKAGE_GET_TOKEN) {
        const held = heapUsed();
        bytesPerTenant[candidate.name] = (held - before) / tenants;
        if (candidate === ours) {
          // Every tenant's API client made too (a request using req.grafx.api makes it).
          for (const key of keys) void (ours.client().context(key) as GrafxContext).api;
          bytesPerTenant[API_USED] = (heapUsed() - before) / tenants;
        }
      }
      process.stderr.write(`    ${tenants} tenants: ${candidate.name} filled\n`);
    }
    const size = 1 << 16;
    const draw = zipfSampler(tenants, zipfExponent, 7);
    let state = 12345;
    const uniform = (): number => {
      state = (state * 1_103_515_245 + 12_345) >>> 0;
      return state % tenants;
    };
    const distributions: Record<string, string[]> = {
      uniform: Array.from({ length: size }, () => keys[uniform()] as string),
      [`zipf(${zipfExponent})`]: Array.from({ length: size }, () => keys[draw()] as string),
    };
    const nsRounds: RoundValues = {};
    const overMapRounds: RoundValues = {};
    for (const [distribution, draws] of Object.entries(distributions)) {
      // Calibration: how many look-ups of each candidate take about `batchMs`.
      const counts = new Map<LookupCandidate, number>();
      for (const candidate of candidates) {
        await timeBatch(candidate, draws, 2000);
        const perLookup = await timeBatch(candidate, draws, 2000);
        counts.set(candidate, Math.max(200, Math.min(1 << 20, Math.round((batchMs * 1e6) / perLookup))));
      }
      const byRound = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? candidates : [...candidates].reverse();
        for (const candidate of order) {
          byRound.get(candidate.name)?.push(await timeBatch(candidate, draws, counts.get(candidate) as number));
        }
      }
      const map = byRound.get(MAP_FLOOR) as number[];
      nsRounds[distribution] = Object.fromEntries(byRound);
      overMapRounds[distribution] = Object.fromEntries(
        [...byRound].map(([name, values]) => [name, values.map((v, i) => v / (map[i] as number))]),
      );
      const line = [...byRound]
        .map(([name, values]) => `${name} ${spread(values).median.toFixed(0)} ns`)
        .join(', ');
      process.stderr.write(`    ${tenants} tenants (process ${index + 1}), ${distribution}: ${line}\n`);
    }

    // health() of the client holding every tenant: the default report.
    const client = ours.client();
    const healthTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      client.health();
      healthTimes.push(performance.now() - started);
    }
    const healthMs = spread(healthTimes);

    let churnResult: LookupResult['churn'];
    if (churn) {
      // The same client, 3 × N other tenants through it (each loaded, given a token and an API client, then evicted).
      const churnKeys = Array.from({ length: 4 * tenants }, (_, i) => tenantKey(i));
      const beforeMB = heapUsed() / 2 ** 20;
      const requestsBefore = server.requests();
      let next = tenants;
      const worker = async (): Promise<void> => {
        while (next < churnKeys.length) void (await client.context(churnKeys[next++] as string)).api;
      };
      await Promise.all(Array.from({ length: 64 }, worker));
      churnResult = { beforeMB, afterMB: heapUsed() / 2 ** 20, loads: server.requests() - requestsBefore };
    }
    for (const candidate of candidates) candidate.clear();
    server.close();
    return {
      tenants,
      ns: spreads(nsRounds),
      overMap: spreads(overMapRounds),
      rounds: { ns: nsRounds, overMap: overMapRounds },
      bytesPerTenant,
      healthMs,
      ...(churnResult && { churn: churnResult }),
      skipped,
      processes: 1,
      roundsPerProcess: rounds,
    };
  },
});
