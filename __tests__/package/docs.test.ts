// __tests__/package/docs.test.ts
// The documentation's code runs as written: every ```ts block of README.md and docs/**/*.md compiles (strict, Express 4
// and 5 types); sh/js/json blocks are not stale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import ts from 'typescript';
import { createGrafxClient, grafxTokenHandler } from 'express-grafx-auth';
import { type DocBlock, blockName, docBlocks } from '../helpers/doc-blocks.js';
import { root } from '../helpers/pack.js';
import { serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';
import { EXPRESS_TYPES, type ExpressTypesVersion, type TypeCheckResult, typeCheck } from '../helpers/typecheck.js';

type Block = DocBlock;

const ALL = docBlocks();
/** A block that is only a fragment (```ts fragment): parsed, not compiled; kept the exception. */
const isFragment = (block: Block): boolean => block.markers.includes('fragment');
const TS_BLOCKS = ALL.filter((block) => block.lang === 'ts' && !isFragment(block));
const JS_BLOCKS = ALL.filter((block) => block.lang === 'js' && !isFragment(block));
/** Browser code (the Studio pages) says so on its first line, and is compiled as a bundler does. */
const isBrowser = (block: Block): boolean => block.code.startsWith('// In the browser');
/** ESM only (```ts esm, ```js esm): top-level `await`, which a CommonJS module cannot have. */
const isEsmOnly = (block: Block): boolean => block.markers.includes('esm');
const SERVER_TS = TS_BLOCKS.filter((block) => !isBrowser(block));
/**
 * Where a block's module lives for the compiler: a folder of the repository, so node_modules resolve as for a user.
 * The extension says the module format: `.mts` ESM and `.cts` CommonJS (NodeNext), `.ts` browser (bundler),
 * `.cjs` / `.mjs` JavaScript.
 */
const blockFile = (block: Block, extension: string): string =>
  join(root, '__docs__', `${blockName(block)}.${extension}`);
/** `__docs__/README.md-line-40.mts:3:7` in a diagnostic → `README.md:42:7`. */
const inDocs = (error: string): string => {
  const match = /^__docs__\/(\S+)-line-(\d+)\.[cm]?[jt]s:(\d+):/.exec(error);
  if (!match) return error;
  const block = ALL.find((found) => blockName(found) === `${match[1]}-line-${match[2]}`);
  const place = `${block?.file ?? match[1]}:${Number(match[2]) + Number(match[3]) - 1}:`;
  return place + error.slice(match[0].length);
};
const filesOf = (list: Block[], extension: (block: Block) => string): Map<string, string> =>
  new Map(list.map((block) => [blockFile(block, extension(block)), block.code]));

it('has the blocks this test is about (every language it knows, nothing unlabelled)', () => {
  expect(TS_BLOCKS.length).toBeGreaterThanOrEqual(20);
  expect(TS_BLOCKS.filter(isBrowser).length).toBe(2); // the Studio SDK module and the Studio UI one
  expect(JS_BLOCKS.length).toBeGreaterThanOrEqual(1); // the Quick start in CommonJS JavaScript
  expect(ALL.filter((block) => !['ts', 'sh', 'js', 'json'].includes(block.lang))).toEqual([]);
  const known = /^(esm|fragment|token-route|health|shutdown|run=[a-z0-9-]+)$/;
  expect(
    ALL.flatMap((block) =>
      block.markers.filter((word) => !known.test(word)).map((word) => `${block.file}:${block.line} ${word}`),
    ),
  ).toEqual([]);
});

it('fragments stay the exception, and each parses', () => {
  const fragments = ALL.filter(isFragment);
  expect(fragments.length).toBeLessThanOrEqual(3);
  const errors = fragments.flatMap((block) => {
    const output = ts.transpileModule(block.code, {
      reportDiagnostics: true,
      fileName: `block.${block.lang === 'ts' ? 'mts' : 'mjs'}`,
    });
    return (output.diagnostics ?? []).map(
      (diagnostic) => `${block.file}:${block.line}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`,
    );
  });
  expect(errors).toEqual([]);
});

describe.each([5, 4] as const)(
  'every ```ts and ```js block of README.md and docs/, on @types/express %s',
  (version) => {
    const browser = TS_BLOCKS.filter(isBrowser);
    const commonJs = SERVER_TS.filter((block) => !isEsmOnly(block));
    const results: { esm?: TypeCheckResult; cjs?: TypeCheckResult; browser?: TypeCheckResult; js?: TypeCheckResult } =
      {};
    beforeAll(() => {
      results.esm = typeCheck(
        filesOf(SERVER_TS, () => 'mts'),
        { express: version },
      );
      // The same blocks as CommonJS TypeScript (a .cts file, or a project without "type": "module"): all but the
      // ESM-only ones, which are compiled too, to show that they need their marker.
      results.cjs = typeCheck(
        filesOf(SERVER_TS, () => 'cts'),
        { express: version },
      );
      results.browser = typeCheck(
        filesOf(browser, () => 'ts'),
        { express: version, browser: true },
      );
      results.js = typeCheck(
        filesOf(JS_BLOCKS, (block) => (isEsmOnly(block) ? 'mjs' : 'cjs')),
        {
          express: version,
          javascript: true,
        },
      );
    }, 120_000);

    it('compiles: server code as NodeNext ESM and CommonJS, browser code as a bundler does; strict, noUncheckedIndexedAccess', () => {
      // eslint-disable-next-line no-console -- the count of compiled blocks is this test's report
      console.log(
        `Doc test, @types/express ${version}: ${TS_BLOCKS.length} TypeScript blocks compiled ` +
          `(${SERVER_TS.length} NodeNext ESM, ${commonJs.length} of them also CommonJS, ${browser.length} browser), ` +
          `${JS_BLOCKS.length} JavaScript blocks checked`,
      );
      const cjsErrors = results.cjs!.errors.filter((error) => {
        const block = ALL.find((found) => error.startsWith(`__docs__/${blockName(found)}.cts:`));
        return block === undefined || !isEsmOnly(block);
      });
      expect(
        [...results.esm!.errors, ...cjsErrors, ...results.browser!.errors, ...results.js!.errors].map(inDocs),
      ).toEqual([]);
      // the package's types are its sources (lib/), the SDK's its own declarations
      expect(results.esm!.loaded).toEqual(expect.arrayContaining(['lib/index.ts', 'lib/express/middleware.ts']));
      expect(results.js!.loaded).toEqual(expect.arrayContaining(['lib/index.ts']));
      expect(results.browser!.loaded).toEqual(
        expect.arrayContaining(['node_modules/@chili-publish/studio-sdk/lib/src/types/ConnectorTypes.d.ts']),
      );
    });

    it('marks ESM-only exactly the blocks that cannot be CommonJS (top-level await)', () => {
      const needsEsm = (block: Block): boolean =>
        results.cjs!.errors.some(
          (error) => error.startsWith(`__docs__/${blockName(block)}.cts:`) && /TS1309|TS1378|await/.test(error),
        );
      expect(
        SERVER_TS.filter(isEsmOnly)
          .filter((block) => !needsEsm(block))
          .map((block) => `${block.file}:${block.line}`),
      ).toEqual([]);
      expect(SERVER_TS.filter(isEsmOnly).length).toBeGreaterThan(0);
    });

    it(`sees @types/express ${version} only`, () => {
      const other: ExpressTypesVersion = version === 5 ? 4 : 5;
      const expressTypes = (v: ExpressTypesVersion): string => EXPRESS_TYPES[v].folder.slice(root.length + 1);
      const loaded = results.esm!.loaded;
      expect(loaded.filter((file) => file.startsWith(expressTypes(version))).length).toBeGreaterThan(0);
      expect(loaded.filter((file) => file.startsWith(expressTypes(other)))).toEqual([]);
      expect(loaded.filter((file) => file.includes('express-serve-static-core/index.d.ts'))).toEqual([
        version === 5
          ? 'node_modules/@types/express-serve-static-core/index.d.ts'
          : 'node_modules/@types/express4/node_modules/@types/express-serve-static-core/index.d.ts',
      ]);
    });
  },
);

it('the check bites: a wrong block fails, and the Express 5 params type differs from 4 as the README says', () => {
  const wrong = join(root, '__readme__', 'wrong.mts');
  const source = `import type { GrafxClientOptions, IntegrationResolver } from 'express-grafx-auth';
export const byKey: IntegrationResolver = (req) => req.params.key;
export const options: GrafxClientOptions = { clientId: 1 };
`;
  const codes = (version: ExpressTypesVersion): string[] =>
    typeCheck(new Map([[wrong, source]]), { express: version }).errors.map((error) =>
      error.replace(/^(\S+) (TS\d+).*$/s, '$1 $2'),
    );
  // Express 5: req.params.key is string | string[], not a key; both: clientId must be a string.
  expect(codes(5)).toEqual(['__readme__/wrong.mts:2:52 TS2322', '__readme__/wrong.mts:3:46 TS2322']);
  expect(codes(4)).toEqual(['__readme__/wrong.mts:3:46 TS2322']);
});

describe('sh, js and json blocks', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    scripts: Record<string, string>;
    peerDependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const commands = ALL.filter((block) => block.lang === 'sh').flatMap((block) =>
    block.code.split('\n').flatMap((line, at) =>
      line
        .replace(/#.*$/, '')
        .split(/&&|;/)
        .map((text) => ({ at: `${block.file}:${block.line + at}`, text: text.trim() })),
    ),
  );

  it('name only npm scripts package.json has', () => {
    const scripts = commands.flatMap(({ at, text }) =>
      [...text.matchAll(/\bnpm (?:run (\S+)|(start|test))\b/g)].map((match) => ({ at, script: match[1] ?? match[2] })),
    );
    expect(scripts.length).toBeGreaterThan(3);
    expect(scripts.filter(({ script }) => script === undefined || !(script in manifest.scripts))).toEqual([]);
  });

  it('install only the package itself and packages it knows (peers, and dev dependencies such as @types/express)', () => {
    const known = new Set([
      manifest.name,
      ...Object.keys(manifest.peerDependencies),
      ...Object.keys(manifest.devDependencies),
    ]);
    const installed = commands.flatMap(({ at, text }) => {
      const match = /\bnpm (?:install|i)\b(.*)$/.exec(text);
      const names = (match?.[1] ?? '').split(/\s+/).filter((word) => word !== '' && !word.startsWith('-'));
      return names.map((name) => ({ at, name: name.replace(/(.)@[^/]*$/, '$1') }));
    });
    expect(installed.map(({ name }) => name)).toEqual(expect.arrayContaining(['express-grafx-auth', '@types/express']));
    expect(installed.filter(({ name }) => !known.has(name))).toEqual([]);
  });

  it('js blocks parse as modules', () => {
    const js = ALL.filter((block) => block.lang === 'js');
    const errors = js.flatMap((block) => {
      const output = ts.transpileModule(block.code, { reportDiagnostics: true, fileName: 'block.mjs' });
      return (output.diagnostics ?? []).map(
        (diagnostic) => `${block.file}:${block.line}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`,
      );
    });
    expect(errors).toEqual([]);
  });

  describe('the json block of the token route', () => {
    const standIn = useStandIn({ clients: [{ clientId: 'browser-id', clientSecret: 'browser-secret-value' }] });

    it('has the keys the real route answers with', async () => {
      const [block, ...others] = ALL.filter((found) => found.lang === 'json' && found.markers.includes('token-route'));
      expect(others).toEqual([]);
      const documented = Object.keys(JSON.parse(block?.code ?? '{}') as object).sort();
      const client = createGrafxClient({
        clientId: 'browser-id',
        clientSecret: 'browser-secret-value',
        environment: 'cp-abc-123',
        browser: true,
        tokenURL: standIn.tokenURL,
        apiBaseURL: (environment) => standIn.apiBaseURL(environment),
      });
      const app = express();
      app.get('/grafx/token', grafxTokenHandler(client));
      const served = await serve(app);
      try {
        const answer = (await (await fetch(`${served.url}/grafx/token`)).json()) as object;
        expect(documented).toEqual(Object.keys(answer).sort());
      } finally {
        await served.close();
        await client.close();
      }
    });
  });
});

describe('the json block of the health report', () => {
  const standIn = useStandIn();

  it('has the fields client.health() has, at every level', async () => {
    const [block, ...others] = ALL.filter((found) => found.lang === 'json' && found.markers.includes('health'));
    expect(others).toEqual([]);
    const client = createGrafxClient(standIn.options('cp-health'));
    try {
      await client.ready();
      const shape = (value: unknown): unknown =>
        typeof value === 'object' && value !== null
          ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]))
          : typeof value;
      const documented = JSON.parse(block?.code ?? '{}') as { integrations: Record<string, unknown> };
      const real = client.health() as unknown as { integrations: Record<string, unknown> };
      // the documented integration is 'default', as the single-integration options name it
      expect(Object.keys(real.integrations)).toEqual(['default']);
      const keysOnly = (value: unknown): unknown =>
        typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.entries(value)
                .map(([key, inner]) => [key, keysOnly(inner)])
                .sort(),
            )
          : 'leaf';
      expect(keysOnly(documented)).toEqual(keysOnly(real));
      expect(shape(documented.integrations.default)).toMatchObject({ canServe: 'boolean', hasToken: 'boolean' });
    } finally {
      await client.close();
    }
  });
});
