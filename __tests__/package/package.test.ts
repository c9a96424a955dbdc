// __tests__/package/package.test.ts
// npm pack once, lint the tarball (publint, attw), install it on Express 4 and 5, use it by require, import and tsc.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type GrafxStandIn, startGrafxStandIn } from 'express-grafx-auth/testing';
import { join, relative, sep } from 'node:path';
import {
  type Diagnostic,
  type Packed,
  type RunResult,
  bin,
  buildAndPack,
  diagnostics,
  expectedDiagnostics,
  makeConsumer,
  npx,
  run,
  runNode,
  tsc,
} from '../helpers/pack.js';

// What a consumer script prints (its last stdout line, JSON).
interface ConsumerReport {
  express: string;
  status: number;
  names: string[];
  expectedNames: string[];
  tokenRequests: number;
  entries: Record<string, { resolved: string; exports: string[] }>;
}

/** How a consumer of one module format imports and resolves (the rest of its program is the same). */
const MODULE_FORMAT = {
  cjs: {
    imports: `const { once } = require('node:events');
const express = require('express');
const { grafxAuth } = require('express-grafx-auth');
const { startGrafxStandIn, DEFAULT_STAND_IN_TEMPLATES } = require('express-grafx-auth/testing');`,
    load: '{ resolved: require.resolve(entry), exports: Object.keys(require(entry)).sort() }',
    expressVersion: "require('express/package.json').version",
  },
  esm: {
    imports: `import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { grafxAuth } from 'express-grafx-auth';
import { startGrafxStandIn, DEFAULT_STAND_IN_TEMPLATES } from 'express-grafx-auth/testing';`,
    load: '{ resolved: fileURLToPath(import.meta.resolve(entry)), exports: Object.keys(await import(entry)).sort() }',
    expressVersion:
      "JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('express/package.json')), 'utf8')).version",
  },
} as const;

/** A consumer (CommonJS or ESM): an Express app with grafxAuth against the stand-in, one real request, every entry point loaded. */
function consumerProgram(format: keyof typeof MODULE_FORMAT): string {
  const { imports, load, expressVersion } = MODULE_FORMAT[format];
  return `${imports}

async function main() {
  const standIn = await startGrafxStandIn();
  const app = express();
  app.use(grafxAuth(standIn.options('cp-consumer')));
  app.get('/templates', async (req, res, next) => {
    try {
      const { data } = await req.grafx.api.get('/templates');
      res.json(data);
    } catch (error) {
      next(error);
    }
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const response = await fetch('http://127.0.0.1:' + server.address().port + '/templates');
    const body = await response.json();
    const entries = {};
    for (const entry of JSON.parse(process.argv[2])) {
      entries[entry] = ${load};
    }
    console.log(JSON.stringify({
      express: ${expressVersion},
      status: response.status,
      names: (body.data || []).map((template) => template.name),
      expectedNames: DEFAULT_STAND_IN_TEMPLATES.map((template) => template.name),
      tokenRequests: standIn.counts.tokenRequests,
      entries,
    }));
  } finally {
    server.closeAllConnections();
    server.close();
    await standIn.close();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;
}

type TsFlavour = 'cts' | 'mts' | 'node10' | 'bundler';

const EXPRESS_IMPORT: Record<TsFlavour, string> = {
  cts: "import express = require('express');",
  mts: "import express from 'express';",
  node10: "import express = require('express');",
  bundler: "import express from 'express';",
};

/** A user's file: req.grafx typed by importing the package, api.get with a type argument, no casts; every entry point. */
function typedConsumer(flavour: TsFlavour, entries: readonly string[]): string {
  return `${EXPRESS_IMPORT[flavour]}
import type { AxiosInstance } from 'axios';
import { grafxAuth, isGrafxAuthError, type GrafxContext } from 'express-grafx-auth';
import { startGrafxStandIn, type GrafxStandIn } from 'express-grafx-auth/testing';
${entries.map((entry, index) => `import * as entry${index} from '${entry}';`).join('\n')}

export const entryPoints: readonly object[] = [${entries.map((_entry, index) => `entry${index}`).join(', ')}];

export async function createApp() {
  const standIn: GrafxStandIn = await startGrafxStandIn();
  const app = express();
  app.use(grafxAuth(standIn.options('cp-consumer')));
  app.get('/templates', async (req, res, next) => {
    try {
      const { data } = await req.grafx.api.get<{ data: { id: string; name: string }[] }>('/templates');
      const api: AxiosInstance = req.grafx.api;
      const context: GrafxContext = req.grafx;
      const expiresAt: Date = req.grafx.expiresAt;
      res.json({ names: data.data.map((template) => template.name), expiresAt, integration: context.integration, same: api === context.api });
    } catch (error) {
      if (isGrafxAuthError(error)) res.status(error.status).json({ code: error.code });
      else next(error);
    }
  });
  return { app, standIn };
}
`;
}

/** Mistakes tsc must report (each line ends with the error it expects), so a passing check means something. */
function wrongConsumer(flavour: TsFlavour): string {
  return `${EXPRESS_IMPORT[flavour]}
import { grafxAuth } from 'express-grafx-auth';
import { startGrafxStandIn } from 'express-grafx-auth/testing';

const app = express();
app.use(grafxAuth({ clientId: 1, clientSecret: 'secret', environment: 'cp-abc-123' })); // expect TS2769
app.get('/templates', async (req, res) => {
  const { data } = await req.grafx.api.get<{ total: number }>('/templates');
  const total: string = data.total; // expect TS2322
  res.json({ total, token: req.grafx.tokn }); // expect TS2551
});
void startGrafxStandIn({ tokenLifetimeSeconds: 'long' }); // expect TS2322
`;
}

const TSC_STRICT = ['--noEmit', '--pretty', 'false', '--strict', '--types', 'node'];
const NODENEXT = ['--module', 'nodenext', '--moduleResolution', 'nodenext'];

const consumersByExpress = [
  { label: 'Express 5', major: '5', expressPackage: 'express', name: 'consumer-express5', fullLibCheck: true },
  { label: 'Express 4', major: '4', expressPackage: 'express4', name: 'consumer-express4', fullLibCheck: false },
] as const;

/** The integration `npx express-grafx-auth check` checks from the installed tarball (a client of the stand-in). */
const CLI_CLIENT = { clientId: 'packed-cli-id', clientSecret: 'packed-cli-secret-Tt6r', scopes: ['template:list'] };

let packed: Packed;
let standIn: GrafxStandIn | undefined;
const jobs = new Map<string, Promise<RunResult>>();
const consumerDirs = new Map<string, string>();

/** A job started in beforeAll (all run in parallel, one per CPU), awaited by its test. */
function job(key: string): Promise<RunResult> {
  const found = jobs.get(key);
  if (!found) throw new Error(`no job ${key}`);
  return found;
}

function write(dir: string, file: string, source: string): void {
  writeFileSync(join(dir, file), source);
}

beforeAll(async () => {
  packed = await buildAndPack();
  const entriesArg = JSON.stringify(packed.entries);
  jobs.set('publint', run(bin('publint'), ['run', packed.tarball, '--strict'], packed.work));
  jobs.set('attw', run(bin('attw'), [packed.tarball, '--format', 'json'], packed.work));
  for (const consumer of consumersByExpress) {
    const dir = await makeConsumer(packed, consumer.name, consumer.expressPackage);
    consumerDirs.set(consumer.name, dir);
    write(dir, 'consumer.cjs', consumerProgram('cjs'));
    write(dir, 'consumer.mjs', consumerProgram('esm'));
    jobs.set(`${consumer.name}:cjs`, runNode(['consumer.cjs', entriesArg], dir));
    jobs.set(`${consumer.name}:esm`, runNode(['consumer.mjs', entriesArg], dir));
  }
  for (const consumer of consumersByExpress) {
    const dir = consumerDirs.get(consumer.name)!;
    // Express 5's programs also check every .d.ts they load (no skipLibCheck: the strictest consumer); Express 4's
    // use skipLibCheck, as most projects do. Both use @types/express 5, the only one installed (see the report).
    const libCheck = consumer.fullLibCheck ? [] : ['--skipLibCheck'];
    for (const flavour of ['cts', 'mts'] as const) {
      write(dir, `app.${flavour}`, typedConsumer(flavour, packed.entries));
      write(dir, `wrong.${flavour}`, wrongConsumer(flavour));
      jobs.set(
        `${consumer.name}:tsc-${flavour}`,
        runNode([tsc, ...TSC_STRICT, ...NODENEXT, ...libCheck, `app.${flavour}`, `wrong.${flavour}`], dir),
      );
    }
  }
  const dir = consumerDirs.get('consumer-express5')!;
  // The command line, from the tarball installed in the Express 5 consumer, run with npx as a user runs it.
  standIn = await startGrafxStandIn({ clients: [CLI_CLIENT] });
  jobs.set('npx-help', npx(['express-grafx-auth', 'check', '--help'], dir));
  const checkArgs = ['--token-url', standIn.tokenURL, '--api-base-url', standIn.apiBaseURL('cp-packed'), '--json'];
  jobs.set(
    'npx-check',
    npx(['express-grafx-auth', 'check', ...checkArgs], dir, {
      GRAFX_CLIENT_ID: CLI_CLIENT.clientId,
      GRAFX_CLIENT_SECRET: CLI_CLIENT.clientSecret,
    }),
  );
  write(dir, 'app-node10.ts', typedConsumer('node10', packed.entries));
  write(dir, 'app-bundler.ts', typedConsumer('bundler', packed.entries));
  const modern = ['--target', 'es2022', '--skipLibCheck'];
  const node10 = ['--module', 'commonjs', '--moduleResolution', 'node10', ...modern];
  const bundler = ['--module', 'preserve', '--moduleResolution', 'bundler', ...modern];
  jobs.set('tsc-node10', runNode([tsc, ...TSC_STRICT, ...node10, 'app-node10.ts'], dir));
  jobs.set('tsc-bundler', runNode([tsc, ...TSC_STRICT, ...bundler, 'app-bundler.ts'], dir));
}, 180_000);

afterAll(async () => {
  // let every started job end before removing the folders they run in
  await Promise.all(jobs.values());
  await standIn?.close();
  if (packed && !process.env.GRAFX_KEEP_PACKED) rmSync(packed.work, { recursive: true, force: true });
}, 180_000);

const SLOW = 180_000;

describe('the tarball', () => {
  it('holds only dist/, README.md, LICENSE, CHANGELOG.md and package.json', () => {
    const outside = packed.files.filter(
      (file) => !file.startsWith('dist/') && !['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json'].includes(file),
    );
    expect(outside).toEqual([]);
    expect(packed.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']));
    // built JavaScript and declarations only: no TypeScript sources, tests, source maps or stray files
    const notBuilt = packed.files.filter(
      (file) =>
        file.startsWith('dist/') && !/\.(d\.ts|js)$/.test(file) && !/^dist\/(cjs|esm)\/package\.json$/.test(file),
    );
    expect(notBuilt).toEqual([]);
    expect(packed.files.filter((file) => /(\.test\.|__tests__|\.map$)/.test(file))).toEqual([]);
  });

  it('has the same modules in dist/cjs and dist/esm, each folder marked with its module type', () => {
    const installed = join(consumerDirs.get('consumer-express5')!, 'node_modules', packed.manifest.name);
    const inFormat = (format: string): string[] =>
      packed.files
        .filter((file) => file.startsWith(`dist/${format}/`))
        .map((file) => file.slice(`dist/${format}/`.length));
    expect(inFormat('esm')).toEqual(inFormat('cjs'));
    expect(inFormat('cjs').length).toBeGreaterThan(2);
    // every module has its declarations
    const js = inFormat('cjs').filter((file) => file.endsWith('.js'));
    expect(js.filter((file) => !inFormat('cjs').includes(file.replace(/\.js$/, '.d.ts')))).toEqual([]);
    expect(JSON.parse(readFileSync(join(installed, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(JSON.parse(readFileSync(join(installed, 'dist/esm/package.json'), 'utf8'))).toEqual({ type: 'module' });
  });

  it('has every file package.json points at (main, module, types, each exports condition)', () => {
    const targets = (value: unknown): string[] =>
      typeof value === 'string'
        ? [value]
        : value && typeof value === 'object'
          ? Object.values(value).flatMap(targets)
          : [];
    const { main, module, types, exports } = packed.manifest;
    const named = [main, module, types, ...targets(exports)].filter((target): target is string => Boolean(target));
    expect(named.length).toBeGreaterThan(4);
    expect(named.map((target) => target.replace(/^\.\//, '')).filter((file) => !packed.files.includes(file))).toEqual(
      [],
    );
    // the exports map gives both formats their own types, `types` first, for every code entry point
    for (const [subpath, conditions] of Object.entries(exports)) {
      if (subpath.endsWith('.json')) continue;
      expect(Object.keys(conditions as object)).toEqual(['import', 'require']);
      for (const [condition, format] of [
        ['import', 'esm'],
        ['require', 'cjs'],
      ] as const) {
        const target = (conditions as Record<string, Record<string, string>>)[condition]!;
        expect(Object.keys(target)).toEqual(['types', 'default']);
        expect(target.default).toMatch(new RegExp(`^\\./dist/${format}/.+\\.js$`));
        expect(target.types).toBe(target.default!.replace(/\.js$/, '.d.ts'));
      }
    }
  });

  it('has engines (Node >= 20), sideEffects: false, an MIT LICENSE and a Keep a Changelog CHANGELOG.md', () => {
    const installed = join(consumerDirs.get('consumer-express5')!, 'node_modules', packed.manifest.name);
    expect(packed.manifest.engines).toEqual({ node: '>=20' });
    expect(packed.manifest.sideEffects).toBe(false);
    expect(packed.manifest.type).toBe('commonjs');
    expect(packed.manifest.license).toBe('MIT');
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    const changelog = readFileSync(join(installed, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/^# Changelog/);
    expect(changelog).toContain('https://keepachangelog.com/');
    expect(changelog).toMatch(/^## \[(Unreleased|\d+\.\d+\.\d+)\]/m);
    expect(readFileSync(join(installed, 'README.md'), 'utf8')).toMatch(/^# express-grafx-auth/);
  });

  it(
    'passes publint --strict without a message',
    async () => {
      const result = await job('publint');
      expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({
        code: 0,
        output: expect.stringContaining('All good!'),
      });
      expect(result.stdout).not.toMatch(/Suggestion|Warning|Error/i);
    },
    SLOW,
  );

  it(
    'passes attw (strict profile: node10, node16 from CJS, node16 from ESM, bundler) for every entry point',
    async () => {
      const result = await job('attw');
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const { analysis } = JSON.parse(result.stdout) as {
        analysis: {
          problems: unknown[];
          entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }>;
        };
      };
      expect(analysis.problems).toEqual([]);
      const resolved: Record<string, Record<string, string | undefined>> = {};
      for (const subpath of Object.keys(packed.manifest.exports).filter((key) => !key.endsWith('.json'))) {
        const { resolutions } = analysis.entrypoints[subpath] ?? { resolutions: {} };
        resolved[subpath] = Object.fromEntries(
          Object.entries(resolutions).map(([mode, { resolution }]) => [
            mode,
            resolution?.fileName.replace(/^.*\/dist\/(cjs|esm)\/.*$/, 'dist/$1'),
          ]),
        );
      }
      const expected = { node10: 'dist/cjs', 'node16-cjs': 'dist/cjs', 'node16-esm': 'dist/esm', bundler: 'dist/esm' };
      expect(resolved).toEqual(Object.fromEntries(Object.keys(resolved).map((subpath) => [subpath, expected])));
    },
    SLOW,
  );
});

describe('the command line (package.json bin), from the installed tarball', () => {
  it('is dist/cjs/cli/bin.js: CommonJS, its #! line first, executable', () => {
    expect(packed.manifest.bin).toEqual({ 'express-grafx-auth': './dist/cjs/cli/bin.js' });
    const installed = join(consumerDirs.get('consumer-express5')!, 'node_modules', packed.manifest.name);
    const bin = join(installed, 'dist/cjs/cli/bin.js');
    expect(readFileSync(bin, 'utf8').split('\n').slice(0, 2)).toEqual(['#!/usr/bin/env node', '"use strict";']);
    expect(statSync(bin).mode & 0o111).toBe(0o111);
  });

  it(
    'npx express-grafx-auth check --help prints the help and exits 0',
    async () => {
      const result = await job('npx-help');
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage: npx express-grafx-auth check \[options\]/);
      expect(result.stdout).toContain('Exit codes:');
    },
    SLOW,
  );

  it(
    'npx express-grafx-auth check passes against the stand-in, printing neither the secret nor the token',
    async () => {
      const result = await job('npx-check');
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(result.stdout)).toMatchObject({
        ok: true,
        exitCode: 0,
        token: { accepted: true },
        permissions: { template: ['list'] },
        api: { checked: true, status: 200, accepted: true },
        problems: [],
      });
      expect(result.stdout).not.toContain(CLI_CLIENT.clientSecret);
      expect(result.stdout).not.toMatch(/sitok_/);
    },
    SLOW,
  );
});

describe.each(consumersByExpress)('installed in a consumer on $label', ({ name, major, fullLibCheck }) => {
  async function report(format: 'cjs' | 'esm'): Promise<ConsumerReport> {
    const result = await job(`${name}:${format}`);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as ConsumerReport;
  }

  it.each(['cjs', 'esm'] as const)(
    '%s: an app with grafxAuth gets the stand-in templates through req.grafx.api (one real request)',
    async (format) => {
      const { express, status, names, expectedNames, tokenRequests } = await report(format);
      expect(express.split('.')[0]).toBe(major);
      expect(status).toBe(200);
      expect(names.length).toBeGreaterThan(0);
      expect(names).toEqual(expectedNames);
      expect(tokenRequests).toBe(1);
    },
    SLOW,
  );

  it(
    'require and import load every entry point from the installed dist/cjs and dist/esm, with the same exports',
    async () => {
      const [cjs, esm] = await Promise.all([report('cjs'), report('esm')]);
      const installed = join(consumerDirs.get(name)!, 'node_modules', packed.manifest.name);
      expect(Object.keys(cjs.entries)).toEqual(packed.entries);
      expect(Object.keys(esm.entries)).toEqual(packed.entries);
      for (const entry of packed.entries) {
        const where = (file: string): string => relative(installed, file).split(sep).slice(0, 2).join('/');
        expect([entry, where(cjs.entries[entry]!.resolved), where(esm.entries[entry]!.resolved)]).toEqual([
          entry,
          'dist/cjs',
          'dist/esm',
        ]);
        expect(cjs.entries[entry]!.exports.length).toBeGreaterThan(0);
        expect([entry, esm.entries[entry]!.exports]).toEqual([entry, cjs.entries[entry]!.exports]);
      }
    },
    SLOW,
  );

  it.each(['cts', 'mts'] as const)(
    `tsc (strict, nodenext${fullLibCheck ? ', no skipLibCheck' : ', skipLibCheck'}): app.%s uses req.grafx.api.get without casts, and its wrong twin fails`,
    async (flavour) => {
      const result = await job(`${name}:tsc-${flavour}`);
      const expected = expectedDiagnostics(`wrong.${flavour}`, wrongConsumer(flavour));
      expect(expected.length).toBe(4);
      expect(sortDiagnostics(diagnostics(result.stdout))).toEqual(sortDiagnostics(expected));
      expect(result.code).toBe(2); // errors, and only those expected: app.<flavour> and every .d.ts are clean
    },
    SLOW,
  );
});

describe('other TypeScript module resolutions', () => {
  it.each([
    ['node10 (typesVersions maps the subpaths)', 'tsc-node10'],
    ['bundler', 'tsc-bundler'],
  ])(
    '%s: every entry point and req.grafx type-check',
    async (_label, key) => {
      const result = await job(key);
      expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: '' });
    },
    SLOW,
  );
});

function sortDiagnostics(list: Diagnostic[]): string[] {
  return list.map(({ file, line, code }) => `${file}:${line} ${code}`).sort();
}
