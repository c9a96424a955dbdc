// __tests__/e2e/example-startup.test.ts
// The example's start-up: which GRAFX_* variables are missing, said by name; every integration's readiness printed.
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { createGrafxClient } from 'express-grafx-auth';
import { BROWSER_OFF_NOTE, exampleSettings } from '../../examples/config.js';
import { reportReadiness } from '../../examples/readiness.js';
import { bin, root } from '../helpers/pack.js';
import { useStandIn } from '../helpers/stand-in.js';

const ALL = {
  GRAFX_CLIENT_ID: 'id',
  GRAFX_CLIENT_SECRET: 'secret-value',
  GRAFX_ENVIRONMENT: 'cp-abc-123',
};

describe('exampleSettings(env)', () => {
  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['only GRAFX_CLIENT_ID', { GRAFX_CLIENT_ID: 'id' }, 'GRAFX_CLIENT_SECRET, GRAFX_ENVIRONMENT'],
    ['no environment', { GRAFX_CLIENT_ID: 'id', GRAFX_CLIENT_SECRET: 'secret-value' }, 'GRAFX_ENVIRONMENT'],
    ['an empty secret', { ...ALL, GRAFX_CLIENT_SECRET: '' }, 'GRAFX_CLIENT_SECRET'],
    ['half the browser pair', { ...ALL, GRAFX_BROWSER_CLIENT_ID: 'b' }, 'GRAFX_BROWSER_CLIENT_SECRET'],
    [
      'half the reporting pair',
      { ...ALL, GRAFX_REPORTING_CLIENT_SECRET: 'reporting-secret-value' },
      'GRAFX_REPORTING_CLIENT_ID',
    ],
    [
      'a browser pair without the platform trio',
      { GRAFX_BROWSER_CLIENT_ID: 'b', GRAFX_BROWSER_CLIENT_SECRET: 'browser-secret-value' },
      'GRAFX_CLIENT_ID, GRAFX_CLIENT_SECRET, GRAFX_ENVIRONMENT',
    ],
  ])('%s: refuses, naming exactly the missing variables (never a value)', (_case, env, missing) => {
    expect(() => exampleSettings(env)).toThrow(`Missing ${missing}: set`);
    let message = '';
    try {
      exampleSettings(env);
    } catch (error) {
      message = String(error);
    }
    for (const value of Object.values(env))
      if (value !== undefined && value.length > 3) expect(message).not.toContain(value);
  });

  it('none set: the offline stand-in', () => {
    expect(exampleSettings({ PATH: '/usr/bin' })).toEqual({
      kind: 'stand-in',
      notes: [expect.stringMatching(/stand-in/)],
    });
  });

  it('the trio set: main and reporting on the platform; the browser route off, saying which variables turn it on', () => {
    const settings = exampleSettings(ALL);
    expect(settings).toMatchObject({ kind: 'platform', environment: 'cp-abc-123' });
    if (settings.kind !== 'platform') throw new Error('not platform');
    expect(Object.keys(settings.integrations)).toEqual(['main', 'reporting']);
    expect(settings.notes).toContain(BROWSER_OFF_NOTE);
    expect(BROWSER_OFF_NOTE).toMatch(/GRAFX_BROWSER_CLIENT_ID and GRAFX_BROWSER_CLIENT_SECRET/);
  });

  it('with the browser pair: a browser integration of its own, never main', () => {
    const settings = exampleSettings({ ...ALL, GRAFX_BROWSER_CLIENT_ID: 'b', GRAFX_BROWSER_CLIENT_SECRET: 'bs' });
    if (settings.kind !== 'platform') throw new Error('not platform');
    expect(settings.integrations.browser).toEqual({
      clientId: 'b',
      clientSecret: 'bs',
      environment: 'cp-abc-123',
      browser: true,
    });
    expect(settings.integrations.main?.browser).toBeUndefined();
  });
});

describe('reportReadiness(client)', () => {
  const standIn = useStandIn();

  it('prints one line per integration: ready, or the failure’s code (no secret); resolves with the failed keys', async () => {
    const client = createGrafxClient({
      integrations: {
        main: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'demo' },
        reporting: { clientId: standIn.clientId, clientSecret: 'a-wrong-secret-value', environment: 'demo' },
      },
      tokenURL: standIn.tokenURL,
      apiBaseURL: (environment) => standIn.apiBaseURL(environment),
    });
    const lines: Array<[string, boolean]> = [];
    try {
      await expect(reportReadiness(client, (line, ready) => lines.push([line, ready]))).resolves.toEqual(['reporting']);
    } finally {
      await client.close();
    }
    expect(lines).toEqual([
      [expect.stringMatching(/^GraFx integration main: ready \(its token expires in \d+ s\)$/), true],
      [expect.stringMatching(/^GraFx integration reporting: NOT READY, GRAFX_CREDENTIALS_REJECTED: /), false],
    ]);
    expect(JSON.stringify(lines)).not.toContain('a-wrong-secret-value');
  });
});

describe('npm start (examples/server.ts in a process of its own)', () => {
  /** The environment of `npm start` without any GRAFX_* variable of the machine running the tests. */
  const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GRAFX_')));
    return { ...clean, NODE_OPTIONS: '', DEBUG: '', PORT: '0', ...extra };
  };

  it('with only some GRAFX_* variables set, exits with 1 and names the missing ones', async () => {
    const child = spawn(bin('tsx'), [join(root, 'examples/server.ts')], {
      cwd: root,
      env: env({ GRAFX_CLIENT_ID: 'id', GRAFX_ENVIRONMENT: 'cp-abc-123' }),
    });
    const { code, stdout, stderr } = await finished(child);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr.trim()).toBe(
      'Missing GRAFX_CLIENT_SECRET: set it too, or unset the other GRAFX_* variables to run offline on the local stand-in.',
    );
  });

  it('when its port is taken, prints the error and exits with 1, never "listening"', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const child = spawn(bin('tsx'), [join(root, 'examples/server.ts')], {
        cwd: root,
        env: env({ PORT: String(port), HOST: '127.0.0.1' }),
      });
      const { code, stdout, stderr } = await finished(child);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr.trim()).toBe(
        `express-grafx-auth example: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
    } finally {
      taken.close();
    }
  }, 60_000);

  it('without any, starts on the stand-in and prints every integration ready', async () => {
    const child = spawn(bin('tsx'), [join(root, 'examples/server.ts')], { cwd: root, env: env({}) });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if ((stdout.match(/^GraFx integration /gm) ?? []).length === 3) resolve();
      });
    });
    const ended = finished(child);
    await Promise.race([ready, ended]);
    child.kill('SIGTERM');
    const { stderr } = await ended;
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^express-grafx-auth example listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(stdout).toContain('using the local GraFx stand-in (offline)');
    for (const key of ['main', 'reporting', 'browser']) {
      expect(stdout).toMatch(new RegExp(`^GraFx integration ${key}: ready \\(its token expires in \\d+ s\\)$`, 'm'));
    }
  });
});

/** Resolves when the child has exited, with its code and everything it printed. */
function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
