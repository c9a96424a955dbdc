// __tests__/helpers/typecheck.ts
// typeCheck(): one in-memory TypeScript program over virtual files (README blocks, snippets), on Express 4 or 5 types.
import { join, relative } from 'node:path';
import ts from 'typescript';
import { root } from './pack.js';

/**
 * The `@types/express` each program sees: 5 is the repository's own `@types/express`; 4 is the `@types/express4`
 * alias (with its own nested `@types/express-serve-static-core` 4), mapped to the name `express` by `paths`.
 */
export const EXPRESS_TYPES: Record<
  4 | 5,
  { paths: Record<string, string[]>; typeRoots: string[] | undefined; folder: string }
> = {
  5: { paths: {}, typeRoots: undefined, folder: join(root, 'node_modules/@types/express/') },
  4: {
    paths: { express: ['./node_modules/@types/express4/index.d.ts'] },
    // Its own nested @types first: its `/// <reference types="express-serve-static-core" />` then finds the nested 4,
    // not the repository's top-level @types/express-serve-static-core 5 (a project on Express 4 has 4 at the top).
    typeRoots: [join(root, 'node_modules/@types/express4/node_modules/@types'), join(root, 'node_modules/@types')],
    folder: join(root, 'node_modules/@types/express4/'),
  },
};

export type ExpressTypesVersion = keyof typeof EXPRESS_TYPES;

export interface TypeCheckResult {
  /** Every error of the checked files (the virtual ones, the checkJs ones) and of the program as a whole. */
  errors: string[];
  /** The files the program loaded, relative to the repository. */
  loaded: string[];
}

export interface TypeCheckOptions {
  /** Which `@types/express` the program sees. */
  express: ExpressTypesVersion;
  /**
   * Browser code, as a bundler (Vite, webpack) compiles it: `moduleResolution: bundler`, `module: preserve` and the
   * DOM library. (Node's types stay: the package's own sources, mapped to lib/, need them.) Else NodeNext, as the
   * repository's tsconfig.json has it.
   */
  browser?: boolean;
  /** Real JavaScript files to check as they are (`checkJs`, their JSDoc types), beside the virtual files. */
  checkJs?: readonly string[];
  /**
   * The virtual files are JavaScript (`.cjs`, `.mjs`): checked with `checkJs`, and without `strictNullChecks` (plain
   * JavaScript has no `!` to say that `process.env.X` is set).
   */
  javascript?: boolean;
}

/**
 * Type-checks `files` (absolute path → source; the paths need not exist, their folder decides module resolution)
 * in one program with the repository's compiler options (`strict`, `noUncheckedIndexedAccess`, the package's names
 * mapped to lib/ by `paths`), `types: ['node']`, on the given Express types.
 */
export function typeCheck(
  files: ReadonlyMap<string, string>,
  { express, browser = false, checkJs = [], javascript = false }: TypeCheckOptions,
): TypeCheckResult {
  const project = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (project === undefined) throw new Error('tsconfig.json could not be read');
  const options: ts.CompilerOptions = {
    ...project.options,
    types: ['node'],
    noEmit: true,
    allowJs: checkJs.length > 0 || javascript,
    checkJs: checkJs.length > 0 || javascript,
    ...(javascript ? { strictNullChecks: false } : {}),
    paths: { ...project.options.paths, ...EXPRESS_TYPES[express].paths },
    ...(browser
      ? {
          module: ts.ModuleKind.Preserve,
          moduleResolution: ts.ModuleResolutionKind.Bundler,
          lib: [...(project.options.lib ?? []), 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
        }
      : {}),
    ...(EXPRESS_TYPES[express].typeRoots === undefined ? {} : { typeRoots: EXPRESS_TYPES[express].typeRoots }),
  };
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const source = files.get(name);
    if (source !== undefined) return ts.createSourceFile(name, source, language, true);
    // Every program of a test file parses node_modules and lib/ once (as a language service shares its documents).
    const key = `${name}\0${JSON.stringify(language)}`;
    const cached = parsed.get(key) ?? getSourceFile.call(host, name, language, ...rest);
    if (cached !== undefined) parsed.set(key, cached);
    return cached;
  };
  const rootNames = [...files.keys(), ...checkJs];
  const program = ts.createProgram({ rootNames, options, host });
  // The checked files' own errors (what they use of lib/ and node_modules is checked as they use it), and the
  // program's; lib/ itself is type-checked by `npm run typecheck`.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...rootNames.flatMap((name) => {
      const file = program.getSourceFile(name);
      if (file === undefined) throw new Error(`${name} is not in the program`);
      return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    }),
  ];
  const errors = diagnostics
    .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
    .map(formatDiagnostic);
  return { errors, loaded: program.getSourceFiles().map((file) => relative(root, file.fileName)) };
}

/** Parsed files of node_modules and lib/, by name and parse options, shared by the programs of one test file. */
const parsed = new Map<string, ts.SourceFile>();

/** `file:line:column TSxxxx message`, the file relative to the repository. */
function formatDiagnostic(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (diagnostic.file === undefined || diagnostic.start === undefined) return `TS${diagnostic.code} ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${relative(root, diagnostic.file.fileName)}:${line + 1}:${character + 1} TS${diagnostic.code} ${message}`;
}
