// bench/profile-share.ts
// BENCH_PROFILE=1: the share of each app process's CPU samples spent in the package's own code (lib/ and lru-cache).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface PackageShare {
  /** Busy time of the process in the profile (idle excluded), seconds. */
  busySeconds: number;
  /** Share of the busy time whose innermost frame is the package's code (its lib/, its lru-cache). */
  packageShare: number;
  /** The same, per file. */
  byFile: Record<string, number>;
}

const LIB = `${pathToFileURL(join(__dirname, '..', 'lib')).href}/`;
const TESTING = `${LIB}testing/`;

/** Reads the CPU profile written by the process `pid` into `dir` (node --cpu-prof), if any. */
export function packageShare(dir: string, pid: number): PackageShare | undefined {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile') && name.split('.')[3] === String(pid));
  if (file === undefined) return undefined;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  let busy = 0;
  let own = 0;
  const byFile: Record<string, number> = {};
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    busy += delta;
    const { url } = node.callFrame;
    const name =
      url.startsWith(LIB) && !url.startsWith(TESTING)
        ? url.slice(LIB.length)
        : url.includes('/lru-cache/')
          ? 'lru-cache'
          : undefined;
    if (name === undefined) return;
    own += delta;
    byFile[name] = (byFile[name] ?? 0) + delta;
  });
  for (const name of Object.keys(byFile)) byFile[name] = (byFile[name] ?? 0) / busy;
  return { busySeconds: busy / 1e6, packageShare: own / busy, byFile };
}
