// __tests__/package/architecture.test.ts
// The layout's rules, checked: no import circle in lib/, and the lint rule that keeps core and adapter apart bites.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { execFile } from 'node:child_process';

const root = resolve(__dirname, '..', '..');
const lib = join(root, 'lib');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The lib/ files a file imports (type-only imports and re-exports included). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

describe('lib/ layout', () => {
  const files = sources(lib);

  it('has the five rooms and an index that only re-exports', () => {
    for (const room of ['core', 'express', 'redis', 'testing', 'cli']) {
      expect(files.some((file) => file.startsWith(join(lib, room) + '/'))).toBe(true);
    }
    const index = readFileSync(join(lib, 'index.ts'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('//'));
    const statements = index
      .join('\n')
      .split(';')
      .map((statement) => statement.trim())
      .filter(Boolean);
    for (const statement of statements) expect(statement).toMatch(/^(export|import '\.\/)/);
  });

  it('has no import circle, type-only imports included', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    for (const [file, targets] of graph) {
      for (const target of targets) expect({ file, target, exists: graph.has(target) }).toMatchObject({ exists: true });
    }
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(lib, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(circles).toEqual([]);
  });
});

describe('the boundary lint rule', () => {
  // ESLint runs as a user runs it (its flat config is ESM, which jest's module sandbox cannot load).
  const lint = (file: string, code: string): Promise<string[]> =>
    new Promise((done, fail) => {
      const bin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
      const args = [bin, '--format', 'json', '--stdin', '--stdin-filename', join(root, file)];
      const child = execFile(process.execPath, args, { cwd: root }, (error, stdout) => {
        try {
          const [result] = JSON.parse(stdout) as Array<{ messages: Array<{ ruleId: string; message: string }> }>;
          done(result!.messages.map((message) => `${message.ruleId}: ${message.message}`));
        } catch {
          fail(error ?? new Error(`eslint printed no report: ${stdout}`));
        }
      });
      child.stdin!.end(code);
    });

  it.each([
    [
      'lib/core/x.ts',
      "import express from 'express';\nexport const app = express();\n",
      /lib\/core\/ knows nothing of Express/,
    ],
    [
      'lib/core/x.ts',
      "import type { Request } from 'express';\nexport type R = Request;\n",
      /lib\/core\/ knows nothing of Express/,
    ],
    ['lib/core/x.ts', "export { grafxAuth } from '../express/middleware.js';\n", /imports nothing from the adapter/],
    [
      'lib/express/x.ts',
      "import { TokenCache } from '../core/token-cache.js';\nexport const c = TokenCache;\n",
      /public surface/,
    ],
    [
      'lib/express/x.ts',
      "import type { TokenStore } from '../core/token-store.js';\nexport type S = TokenStore;\n",
      /public surface/,
    ],
    [
      'lib/express/x.ts',
      "import axios from 'axios';\nexport const a = axios;\n",
      /knows nothing of HTTP clients or OAuth/,
    ],
    ['lib/redis/x.ts', "import express from 'express';\nexport const app = express();\n", /know nothing of Express/],
    ['lib/core/x.ts', "export { main } from '../cli/main.js';\n", /imports nothing from .* the command line/],
    ['lib/core/x.ts', "import type { Output } from '../cli/output.js';\nexport type O = Output;\n", /the command line/],
    [
      'lib/cli/x.ts',
      "import { TokenCache } from '../core/token-cache.js';\nexport const c = TokenCache;\n",
      /public entry points/,
    ],
    [
      'lib/cli/x.ts',
      "import { TokenServer } from '../testing/token-server.js';\nexport const t = TokenServer;\n",
      /public entry points/,
    ],
    ['lib/cli/x.ts', "import axios from 'axios';\nexport const a = axios;\n", /through the GrafxClient/],
    [
      'lib/cli/x.ts',
      "import { grafxAuth } from '../express/index.js';\nexport const g = grafxAuth;\n",
      /through the GrafxClient/,
    ],
  ])('fails %s importing what it must not (%#)', async (file, code, message) => {
    const messages = await lint(file, code);
    expect(messages).toEqual([expect.stringMatching(new RegExp(`^no-restricted-imports: .*${message.source}`))]);
  });

  it('lets the command line use the core and the stand-in through their public entry points', async () => {
    const code =
      "import { createGrafxClient } from '../core/index.js';\nimport { startGrafxStandIn } from '../testing/index.js';\nexport const both = [createGrafxClient, startGrafxStandIn];\n";
    expect(await lint('lib/cli/x.ts', code)).toEqual([]);
  });

  it('lets the adapter use the core through its public surface', async () => {
    const code =
      "import { type GrafxClient, createGrafxClient } from '../core/index.js';\nexport const c: (o: never) => GrafxClient = createGrafxClient;\n";
    expect(await lint('lib/express/x.ts', code)).toEqual([]);
  });
});
