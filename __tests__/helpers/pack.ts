// __tests__/helpers/pack.ts
// Builds and packs the package as npm publishes it, and makes throwaway consumer projects that install the tarball.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The repository (the package's source). */
export const root = resolve(__dirname, '..', '..');
/** A command of the repository's node_modules/.bin, by name (publint, attw). */
export const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
/** The repository's TypeScript compiler. */
export const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

export interface RunResult {
  /** The exit code; null when the process was killed (`signal` says by what). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// npm and every other child stay offline and quiet: no registry, no update check, no colours in the output we parse;
// and consumers run in a plain Node.js (no NODE_OPTIONS of the test runner, no DEBUG output of the package).
const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};
delete childEnv.NODE_OPTIONS;
delete childEnv.DEBUG;

const slots = { free: Math.max(1, availableParallelism()), waiting: [] as (() => void)[] };

/**
 * Runs a program without a shell, at most one per CPU at a time, and resolves with its exit code and output; never
 * rejects. `safetyMs` only ends a hung process (so a test fails instead of hanging): no assertion is about time.
 */
export async function run(
  file: string,
  args: readonly string[],
  cwd: string,
  safetyMs = 120_000,
  env: Record<string, string> = {},
): Promise<RunResult> {
  if (slots.free === 0) await new Promise<void>((resolve) => slots.waiting.push(resolve));
  else slots.free -= 1;
  try {
    return await new Promise<RunResult>((resolve) => {
      execFile(
        file,
        args,
        { cwd, env: { ...childEnv, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: safetyMs },
        (error, stdout, stderr) => {
          const failure = error as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
          const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
          resolve({ code, signal: failure?.signal ?? null, stdout, stderr: stderr || (failure?.message ?? '') });
        },
      );
    });
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free += 1;
  }
}

/** Runs a Node.js script. */
export const runNode = (args: readonly string[], cwd: string): Promise<RunResult> => run(process.execPath, args, cwd);

/** `npm`, as the npm running this test (npm_execpath) or from PATH. */
function npm(args: readonly string[], cwd: string): Promise<RunResult> {
  const cli = process.env.npm_execpath;
  return cli?.endsWith('.js') ? run(process.execPath, [cli, ...args], cwd) : run('npm', args, cwd);
}

/**
 * `npx <args>` in `cwd`, as a user runs it: the npx next to the npm running this test (npm_execpath), or from PATH.
 * Offline (see childEnv): a command not installed in `cwd` fails rather than being downloaded.
 */
export function npx(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  const cli = process.env.npm_execpath;
  const npxCli = cli === undefined ? undefined : join(dirname(cli), 'npx-cli.js');
  return npxCli !== undefined && existsSync(npxCli)
    ? run(process.execPath, [npxCli, ...args], cwd, 120_000, env)
    : run('npx', args, cwd, 120_000, env);
}

/** Throws with the command's output unless it exited with 0. */
export function succeeded(result: RunResult, what: string): RunResult {
  if (result.code !== 0) {
    throw new Error(`${what} failed (${result.code ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

export interface PackageManifest {
  name: string;
  version: string;
  license?: string;
  type?: string;
  main?: string;
  module?: string;
  types?: string;
  engines?: Record<string, string>;
  sideEffects?: unknown;
  files?: string[];
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
}

export interface Packed {
  /** The temporary folder holding everything below; remove it when done. */
  work: string;
  /** The .tgz `npm pack` wrote. */
  tarball: string;
  /** The paths inside the tarball, as `npm pack --json` lists them (package/ prefix removed), sorted. */
  files: string[];
  /** The package.json that was packed. */
  manifest: PackageManifest;
  /** Every code entry point, as a consumer imports it: the keys of `exports` but `./package.json`, by name. */
  entries: string[];
}

// What the staging copy leaves out: installed, generated and VCS folders (the build makes dist/ afresh).
const NOT_STAGED = new Set(['node_modules', '.git', 'dist', 'coverage']);

/**
 * Copies the repository (but node_modules, which is linked, and generated folders) to a temporary folder, builds it
 * there with `npm run build`'s script, and packs it with `npm pack --ignore-scripts`: the tarball npm would publish,
 * made without touching the shared working tree's dist/.
 */
export async function buildAndPack(): Promise<Packed> {
  const work = mkdtempSync(join(tmpdir(), 'grafx-pack-'));
  const stage = join(work, 'stage');
  cpSync(root, stage, {
    recursive: true,
    filter: (source) => {
      const top = relative(root, source).split(sep)[0] ?? '';
      return !NOT_STAGED.has(top) && !top.endsWith('.tgz');
    },
  });
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
  succeeded(await runNode(['scripts/build.mjs'], stage), 'the build');
  const packed = succeeded(
    await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage),
    'npm pack',
  );
  const [report] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  if (!report) throw new Error(`npm pack printed no report:\n${packed.stdout}`);
  const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as PackageManifest;
  const entries = Object.keys(manifest.exports)
    .filter((subpath) => !subpath.endsWith('.json'))
    .map((subpath) => manifest.name + subpath.slice(1));
  return {
    work,
    tarball: join(work, report.filename),
    files: report.files.map((file) => file.path).sort(),
    manifest,
    entries,
  };
}

/**
 * A consumer project in `<work>/<name>`: the tarball extracted to node_modules/express-grafx-auth (as `npm install`
 * would put it), `express` linked to the repository's `expressPackage` (`express` is 5, `express4` is 4), and every
 * other package of the repository's node_modules linked beside them (the dependencies and @types/*).
 */
export async function makeConsumer(
  packed: Packed,
  name: string,
  expressPackage: 'express' | 'express4',
): Promise<string> {
  const dir = join(packed.work, name);
  const modules = join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry.startsWith('.') || entry === 'express' || entry === packed.manifest.name) continue;
    symlinkSync(join(root, 'node_modules', entry), join(modules, entry), 'dir');
  }
  symlinkSync(join(root, 'node_modules', expressPackage), join(modules, 'express'), 'dir');
  const installed = join(modules, packed.manifest.name);
  mkdirSync(installed);
  succeeded(await run('tar', ['-xzf', packed.tarball, '-C', installed, '--strip-components=1'], dir), 'tar');
  // The package's commands, linked into node_modules/.bin as npm's install does (npx finds them there).
  const bins = join(modules, '.bin');
  mkdirSync(bins, { recursive: true });
  for (const [command, target] of Object.entries(packed.manifest.bin ?? {})) {
    symlinkSync(join('..', packed.manifest.name, target), join(bins, command));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true }, null, 2) + '\n');
  return dir;
}

export interface Diagnostic {
  file: string;
  line: number;
  code: string;
}

/** The errors of a `tsc --pretty false` run, one per `file(line,col): error TSxxxx: ...` line. */
export function diagnostics(output: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const match of output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)) {
    found.push({ file: match[1] ?? '', line: Number(match[2]), code: match[3] ?? '' });
  }
  return found;
}

/** The errors a test file says it expects: a `// expect TSxxxx` comment at the end of the line. */
export function expectedDiagnostics(file: string, source: string): Diagnostic[] {
  return source.split('\n').flatMap((text, index) => {
    const code = /\/\/ expect (TS\d+)\s*$/.exec(text)?.[1];
    return code ? [{ file, line: index + 1, code }] : [];
  });
}
