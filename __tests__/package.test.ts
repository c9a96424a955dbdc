// __tests__/package.test.ts
// The built package, by name through its exports map: require, import, and the type declarations of both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const run = (args: string[], cwd: string): string =>
  execFileSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let consumer: string;
beforeAll(() => {
  run(['scripts/build.mjs'], root);
  // A consumer project whose node_modules holds this package (a link to the repo) beside its dependencies.
  consumer = mkdtempSync(join(tmpdir(), 'grafx-consumer-'));
  mkdirSync(join(consumer, 'node_modules'));
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name.startsWith('.')) continue;
    symlinkSync(join(root, 'node_modules', name), join(consumer, 'node_modules', name));
  }
  symlinkSync(root, join(consumer, 'node_modules', 'express-grafx-auth'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
}, 120_000);
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

it('loads by name from CommonJS require', () => {
  const out = run(
    [
      '-e',
      `const { grafxAuth, createGrafxClient, GrafxAuthError } = require('express-grafx-auth');
       const { startGrafxStandIn } = require('express-grafx-auth/testing');
       console.log([typeof grafxAuth, typeof createGrafxClient, typeof GrafxAuthError, typeof startGrafxStandIn].join())`,
    ],
    consumer,
  );
  expect(out.trim()).toBe('function,function,function,function');
});

it('loads by name from ESM import', () => {
  const out = run(
    [
      '--input-type=module',
      '-e',
      `import { grafxAuth, createGrafxClient, GrafxAuthError } from 'express-grafx-auth';
       import { startGrafxStandIn } from 'express-grafx-auth/testing';
       console.log([typeof grafxAuth, typeof createGrafxClient, typeof GrafxAuthError, typeof startGrafxStandIn].join())`,
    ],
    consumer,
  );
  expect(out.trim()).toBe('function,function,function,function');
});

it('type-checks a user file from CommonJS and ESM, with req.grafx.api.get and no casts', () => {
  const source = (importLine: string) => `${importLine}
import { grafxAuth, type GrafxAuthError } from 'express-grafx-auth';
const app = express();
app.use(grafxAuth({ clientId: 'id', clientSecret: 'secret', environment: 'cp-abc-123' }));
app.get('/templates', async (req, res) => {
  const { data } = await req.grafx.api.get<{ data: unknown[] }>('/templates');
  const expires: Date = req.grafx.expiresAt;
  const failure: GrafxAuthError | undefined = undefined;
  res.json({ count: data.data.length, expires, failure });
});
`;
  writeFileSync(join(consumer, 'user.cts'), source("import express = require('express');"));
  writeFileSync(join(consumer, 'user.mts'), source("import express from 'express';"));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node'];
  // one program per module format (a single program holding both would see the global augmentation twice)
  expect(() => run([tsc, ...flags, 'user.cts'], consumer)).not.toThrow();
  expect(() => run([tsc, ...flags, 'user.mts'], consumer)).not.toThrow();
  // and a mistake is caught, so the check above means something
  writeFileSync(join(consumer, 'wrong.mts'), `import { grafxAuth } from 'express-grafx-auth';\ngrafxAuth({ clientId: 1 });\n`);
  expect(() => run([tsc, ...flags, 'wrong.mts'], consumer)).toThrow();
});
