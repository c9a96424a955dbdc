// __tests__/helpers/doc-run/run.ts
// runSample(): runs one documentation block as a program (tsx), the platform's URLs on a stand-in, its app on a port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DocBlock, blockName } from '../doc-blocks.js';
import { root } from '../pack.js';

/** The exported names of the package and its subpaths (ESM samples import them by name). */
export interface PackageNames {
  main: readonly string[];
  testing: readonly string[];
  redis: readonly string[];
}

/** A folder outside the repository where samples are written and run; `remove()` deletes it. */
export interface RunFolder {
  dir: string;
  remove(): void;
}

const HERE = join(root, '__tests__/helpers/doc-run');
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Makes the folder: `node_modules` of the repository (a link), and two tsconfigs for tsx that map the package's
 * names, for CommonJS to `platform.ts` and lib/, for ESM to small modules re-exporting those by name (a CommonJS
 * module's names are not seen by an ESM import through tsx).
 */
export function runFolder(names: PackageNames): RunFolder {
  const dir = mkdtempSync(join(tmpdir(), 'grafx-doc-run-'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const reexport = (from: string, list: readonly string[]): string => {
    const valid = list.filter((name) => IDENTIFIER.test(name) && name !== 'default' && name !== '__esModule');
    return `import source from ${JSON.stringify(from)};\nexport const { ${valid.join(', ')} } = source;\n`;
  };
  writeFileSync(join(dir, 'platform.mts'), reexport(join(HERE, 'platform.ts'), names.main));
  writeFileSync(join(dir, 'testing.mts'), reexport(join(root, 'lib/testing/index.ts'), names.testing));
  writeFileSync(join(dir, 'redis.mts'), reexport(join(root, 'lib/redis/index.ts'), names.redis));
  const tsconfig = (paths: Record<string, string>): string =>
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        esModuleInterop: true,
        baseUrl: dir,
        paths: Object.fromEntries(Object.entries(paths).map(([name, file]) => [name, [file]])),
      },
    });
  writeFileSync(
    join(dir, 'tsconfig.esm.json'),
    tsconfig({
      'express-grafx-auth': join(dir, 'platform.mts'),
      'express-grafx-auth/testing': join(dir, 'testing.mts'),
      'express-grafx-auth/redis': join(dir, 'redis.mts'),
    }),
  );
  writeFileSync(
    join(dir, 'tsconfig.cjs.json'),
    tsconfig({
      'express-grafx-auth': join(HERE, 'platform.ts'),
      'express-grafx-auth/testing': join(root, 'lib/testing/index.ts'),
      'express-grafx-auth/redis': join(root, 'lib/redis/index.ts'),
    }),
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A sample started by {@link runSample}. */
export interface RunningSample {
  /** `http://127.0.0.1:<port>` of the app it started, if it listens. */
  url: string | undefined;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Its exit code (null: killed by a signal), once it ended. */
  exited: Promise<number | null>;
  /** Ends it (SIGTERM, then SIGKILL) if it still runs. */
  stop(): Promise<void>;
}

/** How a block runs: a `ts` block as an ES module, a `js` block as CommonJS, or as ESM with the `esm` marker. */
export function runAs(block: DocBlock): 'mts' | 'cjs' | 'mjs' {
  if (block.lang === 'ts') return 'mts';
  return block.markers.includes('esm') ? 'mjs' : 'cjs';
}

/**
 * Runs `block` with tsx in `folder`, with `env` added to this process's environment; resolves once its app listens
 * (the preload prints the port) or it exits, whichever comes first; rejects after `timeoutMs` without either.
 */
export function runSample(
  folder: RunFolder,
  block: DocBlock,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<RunningSample> {
  const kind = runAs(block);
  const file = join(folder.dir, `${blockName(block)}.${kind}`);
  writeFileSync(file, block.code);
  const child = spawn(process.execPath, ['--require', join(HERE, 'preload.cjs'), '--import', 'tsx', file], {
    cwd: folder.dir,
    env: {
      ...process.env,
      ...env,
      TSX_TSCONFIG_PATH: join(folder.dir, kind === 'cjs' ? 'tsconfig.cjs.json' : 'tsconfig.esm.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${block.file}:${block.line}: neither listened nor exited within ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    const sample = (url: string | undefined): RunningSample => ({ url, output: () => output, exited, stop });
    child.stdout.on('data', () => {
      const port = /^DOC-RUN LISTENING (\d+)$/m.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve(sample(`http://127.0.0.1:${port}`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(sample(undefined));
    });
  });
}
