// scripts/build.mjs
// Builds lib/ twice, as CommonJS (dist/cjs) and as ESM (dist/esm) with declarations; checks every `exports` target exists.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// lib/ is CommonJS-format TypeScript (package.json "type": "commonjs"), so nodenext emits CommonJS and type-checks
// imports the way Node's require resolves them. The ESM build re-emits the same sources as ES modules; their `.js`
// relative specifiers make the output valid for Node's ESM loader. Each dist/<format>/package.json tells Node (and
// TypeScript, for the .d.ts files beside the .js) which format the folder holds.
const builds = [
  { dir: 'dist/cjs', type: 'commonjs', args: ['--module', 'nodenext', '--moduleResolution', 'nodenext'] },
  { dir: 'dist/esm', type: 'module', args: ['--module', 'es2022', '--moduleResolution', 'bundler'] },
];

rmSync('dist', { recursive: true, force: true });
// Both compilations run at once; when the sources have errors, they are printed once (both builds would report them).
const results = await Promise.all(
  builds.map(
    ({ dir, args }) =>
      new Promise((resolve) => {
        const tscArgs = [tsc, '-p', 'tsconfig.build.json', '--outDir', dir, ...args];
        execFile(
          process.execPath,
          tscArgs,
          { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => resolve({ dir, failed: error !== null, output: stdout + stderr }),
        );
      }),
  ),
);
const failed = results.find((result) => result.failed);
if (failed) {
  process.stderr.write(failed.output);
  console.error(`build: tsc failed for ${failed.dir}`);
  process.exit(1);
}
for (const { dir, type } of builds) writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + '\n');

// Every file the exports map (and main/module/types) names must exist: a new entry point is one line in package.json
// plus lib/<name>/index.ts, and a typo or a missing source fails here rather than in a user's install.
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const bins = Object.values(manifest.bin ?? {});
const targets = [manifest.main, manifest.module, manifest.types, ...exportTargets(manifest.exports), ...bins].filter(
  Boolean,
);
const missing = [...new Set(targets)].filter((target) => !existsSync(target));
if (missing.length > 0) {
  console.error(`build: package.json names files the build did not produce:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

// The command line (package.json "bin"): CommonJS (dist/cjs), starting with its `#!` line, executable.
for (const bin of bins) {
  if (!bin.startsWith('./dist/cjs/') || !readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')) {
    console.error(`build: the bin ${bin} must be in dist/cjs and start with #!/usr/bin/env node`);
    process.exit(1);
  }
  chmodSync(bin, 0o755);
}

/** Every file path in an exports map (subpaths, nested conditions, arrays of fallbacks). */
function exportTargets(value) {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}
