// bench/profile-split.ts
// BENCH_PROFILE=1, scenario 6: one app process's CPU profile split by load run (route), as µs of samples per request.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The runs of one route: each run's window on the app's monotonic clock (µs) and its answered requests. */
export interface RouteRuns {
  name: string;
  runs: ReadonlyArray<{ window: readonly [number, number]; ok: number }>;
}

export interface RouteProfile {
  name: string;
  requests: number;
  /** Sampled busy time per request (µs), idle excluded. */
  busyMicrosPerRequest: number;
  /** Self time per request (µs) by where the innermost frame is (package, axios, express, node, gc, …). */
  byPlace: Record<string, number>;
  /** Self time per request (µs) of the most expensive functions (`name place:line`). */
  byFunction: Record<string, number>;
  /** Inclusive time per request (µs) of the package's functions (a function counted once per sample). */
  packageInclusive: Record<string, number>;
}

/** Where a frame's code lives, by its URL. */
function placeOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'program';
  if (url === '') return 'native';
  if (url.includes('/dist/') || url.includes('/lib/core/') || url.includes('/lib/express/')) {
    const file = url.slice(url.lastIndexOf('/') + 1);
    return `package ${file}`;
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  if (url.includes('/bench/')) return `bench ${url.slice(url.lastIndexOf('/') + 1)}`;
  return url;
}

/** Splits the profile `file` by the routes' runs; samples outside every run are left out. */
export function splitProfile(file: string, routes: readonly RouteRuns[], top = 25): RouteProfile[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const windows = routes.flatMap((route, r) =>
    route.runs.map((run) => ({ r, from: run.window[0], to: run.window[1] })),
  );
  const self = routes.map(() => ({ busy: 0, place: new Map<string, number>(), fn: new Map<string, number>() }));
  const inclusive = routes.map(() => new Map<string, number>());
  const add = (map: Map<string, number>, key: string, value: number): void => {
    map.set(key, (map.get(key) ?? 0) + value);
  };
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    const window = windows.find((w) => at >= w.from && at < w.to);
    const node = byId.get(id);
    if (window === undefined || node === undefined || node.callFrame.functionName === '(idle)') return;
    const into = self[window.r];
    if (into === undefined) return;
    const { url, functionName, lineNumber } = node.callFrame;
    const place = placeOf(url, functionName);
    into.busy += delta;
    add(into.place, place, delta);
    add(into.fn, `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`, delta);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const frame = byId.get(n)?.callFrame;
      if (frame === undefined) continue;
      const where = placeOf(frame.url, frame.functionName);
      if (!where.startsWith('package ')) continue;
      const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive[window.r] as Map<string, number>, key, delta);
    }
  });
  return routes.map((route, r) => {
    const requests = route.runs.reduce((sum, run) => sum + run.ok, 0);
    const { busy, place, fn } = self[r] as (typeof self)[number];
    const perRequest = (map: Map<string, number>, limit: number): Record<string, number> =>
      Object.fromEntries(
        [...map.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, limit)
          .map(([key, value]) => [key, value / requests]),
      );
    return {
      name: route.name,
      requests,
      busyMicrosPerRequest: busy / requests,
      byPlace: perRequest(place, 40),
      byFunction: perRequest(fn, top),
      packageInclusive: perRequest(inclusive[r] as Map<string, number>, top),
    };
  });
}

/** The difference of two routes' figures (b − a), per key, largest first. */
export function difference(
  a: Record<string, number>,
  b: Record<string, number>,
): Array<[string, number, number, number]> {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .map((key): [string, number, number, number] => [key, a[key] ?? 0, b[key] ?? 0, (b[key] ?? 0) - (a[key] ?? 0)])
    .sort((x, y) => Math.abs(y[3]) - Math.abs(x[3]));
}
