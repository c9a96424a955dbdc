// scripts/build.mjs
// Builds lib/ twice, as CommonJS (dist/cjs) and as ESM (dist/esm), each with its own declarations.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const builds = [
  { dir: 'dist/cjs', type: 'commonjs', args: ['--module', 'commonjs', '--moduleResolution', 'node10'] },
  { dir: 'dist/esm', type: 'module', args: ['--module', 'es2022', '--moduleResolution', 'bundler'] },
];

rmSync('dist', { recursive: true, force: true });
for (const { dir, type, args } of builds) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', dir, ...args], { stdio: 'inherit' });
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + '\n');
}
