// __tests__/helpers/cli.ts
// runCli() / startCli(): the command line run as a user runs it, a child process (lib/ through tsx), with a clean environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const BIN = join(root, 'lib', 'cli', 'bin.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The parent's environment without anything that changes what the command does (GRAFX_*, proxies, DEBUG). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([name]) => !/^(GRAFX_|HTTPS?_PROXY$|NO_PROXY$|NODE_OPTIONS$|DEBUG$)/i.test(name),
  );
  return { ...Object.fromEntries(kept), NO_COLOR: '1', ...extra };
}

/** Starts `express-grafx-auth <args>` from the sources. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: root,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves when the child exits, with its code and everything it printed. `safetyMs` only ends a hung child. */
export function finished(child: ChildProcess, safetyMs = 90_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const safety = setTimeout(() => child.kill('SIGKILL'), safetyMs);
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      clearTimeout(safety);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `express-grafx-auth <args>` to its end. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return finished(startCli(args, env));
}

/** The first line the child prints on stdout (e.g. the stand-in's JSON announcement). */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    const onData = (chunk: Buffer | string): void => {
      text += String(chunk);
      const end = text.indexOf('\n');
      if (end !== -1) {
        child.stdout?.off('data', onData);
        done(text.slice(0, end));
      }
    };
    child.stdout?.on('data', onData);
    child.once('close', (code) => fail(new Error(`the command ended (${code}) before printing a line: ${text}`)));
  });
}
