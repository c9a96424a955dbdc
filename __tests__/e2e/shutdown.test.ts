// __tests__/e2e/shutdown.test.ts
// The production guide's SIGTERM recipe exits, in a process of its own, while requests wait on a loader that never answers.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { blocksOf } from '../helpers/doc-blocks.js';
import { bin, root } from '../helpers/pack.js';

const FIXTURE = join(root, '__tests__/fixtures/shutdown-app.ts');

/** The lines of the guide's `shutdown` block from `process.once('SIGTERM'` to its end. */
function recipeHandler(): string {
  const file = 'docs/guides/production.md';
  const blocks = blocksOf(file, readFileSync(join(root, file), 'utf8')).filter((block) =>
    block.markers.includes('shutdown'),
  );
  expect(blocks).toHaveLength(1);
  const code = blocks[0]!.code;
  return code.slice(code.indexOf("process.once('SIGTERM'")).trim();
}

/** GET `path` on the child's server: the status and JSON body it ends with. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<[number, unknown]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve([res.statusCode ?? 0, JSON.parse(body) as unknown]));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits (bounded: a minute) until `done()` holds: for what the child prints. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(done()).toBe(true);
}

it('the fixture runs the guide’s handler, word for word', () => {
  expect(readFileSync(FIXTURE, 'utf8')).toContain(recipeHandler());
});

it('after SIGTERM, requests waiting on the loader and on resolveIntegration get 503 GRAFX_CLIENT_CLOSED and the process exits with 0', async () => {
  const child = spawn(bin('tsx'), [FIXTURE], { cwd: root, env: { ...process.env, NODE_OPTIONS: '', DEBUG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (code, signal) => resolve([code, signal])),
  );
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  try {
    await until(() => /^listening \d+$/m.test(stdout));
    const port = Number(/listening (\d+)/.exec(stdout)?.[1]);
    const waiting = [
      get(port, '/api/templates', { 'x-tenant': 'acme' }),
      get(port, '/api/templates', { 'x-tenant': 'other' }),
      get(port, '/hung/templates'),
    ];
    // Both loads (and the start-up readiness check) are waiting on the loader.
    await until(() => (stdout.match(/^loader called$/gm) ?? []).length >= 3);
    child.kill('SIGTERM');
    const answers = await Promise.all(waiting);
    expect(answers).toEqual([
      [503, { code: 'GRAFX_CLIENT_CLOSED' }],
      [503, { code: 'GRAFX_CLIENT_CLOSED' }],
      [503, { code: 'GRAFX_CLIENT_CLOSED' }],
    ]);
    expect(await exited).toEqual([0, null]);
    expect(stdout).toContain('ready ended: GRAFX_CLIENT_CLOSED');
    expect(stderr).toBe('');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}, 120_000);
