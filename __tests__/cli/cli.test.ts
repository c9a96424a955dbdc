// __tests__/cli/cli.test.ts
// `express-grafx-auth check` and `stand-in` as a user runs them (child processes) against the stand-in and hostile servers.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { type CliResult, finished, firstLine, runCli, startCli } from '../helpers/cli.js';
import { json, useLoginServer } from '../helpers/login-server.js';
import { serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';

const FULL = { clientId: 'cli-full-id', clientSecret: 'cli-full-secret-Zq8x' };
const READER = { clientId: 'cli-reader-id', clientSecret: 'cli-reader-secret-Kp3w', scopes: ['template:list'] };
const PINNED = { clientId: 'cli-pinned-id', clientSecret: 'cli-pinned-secret-Jm5v', environments: ['cp-right'] };
const SLOW = 120_000;

const standIn = useStandIn({ clients: [FULL, READER, PINNED] });
const login = useLoginServer();

interface CheckJson {
  ok: boolean;
  exitCode: number;
  environment: string | null;
  token: { accepted: boolean; lifetimeSeconds: number | null; expiresAt: string | null };
  permissions: Record<string, string[]>;
  api: { checked: boolean; status: number | null; accepted: boolean };
  problems: Array<{ id: string; severity: string; stage: string; code?: string; cause: string; fix: string }>;
}

/** The environment variables of an integration of the stand-in. */
const credentials = (client: { clientId: string; clientSecret: string }): Record<string, string> => ({
  GRAFX_CLIENT_ID: client.clientId,
  GRAFX_CLIENT_SECRET: client.clientSecret,
});

/** `check` against the stand-in, for `environment`, with more flags. */
const checkStandIn = (environment: string, ...flags: string[]): string[] => [
  'check',
  '--token-url',
  standIn.tokenURL,
  '--api-base-url',
  standIn.apiBaseURL(environment),
  ...flags,
];

/** Neither the secret nor any token the stand-in or the hostile login server handed out was printed. */
function expectNothingSecret(result: CliResult, secret: string): void {
  const printed = result.stdout + result.stderr;
  expect(printed).not.toContain(secret);
  expect(printed).not.toMatch(/sitok_[0-9a-f]{8}/);
  expect(printed).not.toContain('hostile-token-value');
}

/** A TCP port nothing listens on (it listened a moment ago). */
async function closedPort(): Promise<number> {
  return (await freePorts(1))[0] as number;
}

/** Whether `port` could be bound on 127.0.0.1 now (it is then closed again). */
async function bindable(port: number): Promise<{ port: number; close(): Promise<void> } | undefined> {
  const server = createServer();
  const bound = await new Promise<boolean>((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => done(true));
  });
  if (!bound) return undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/**
 * A port p such that p … p + count − 1 were all free just now (the stand-in's `--port p` takes p and p + 1). Another
 * test's server may still take one meanwhile: the test that uses them starts again on another pair if so.
 */
async function freePorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindable(0);
    if (first === undefined) continue;
    const held = [first];
    for (let next = 1; next < count; next++) {
      const more = await bindable(first.port + next);
      if (more === undefined) break;
      held.push(more);
    }
    await Promise.all(held.map((server) => server.close()));
    if (held.length === count) return held.map((server) => server.port);
  }
  throw new Error(`no ${count} free ports in a row`);
}

describe('check', () => {
  it(
    'prints its help (options, environment variables, exit codes) and exits 0',
    async () => {
      const result = await runCli(['check', '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('GRAFX_CLIENT_SECRET');
      expect(result.stdout).toContain('--print-token');
      expect(result.stdout).toMatch(/Exit codes:\n {2}0 {2}every check passed/);
    },
    SLOW,
  );

  it(
    'passes against the stand-in: environment, token lifetime, permissions by resource, API accepted; exit 0',
    async () => {
      const result = await runCli(checkStandIn('cp-cli', '--environment', 'cp-cli'), credentials(FULL));
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain('environment   cp-cli');
      expect(result.stdout).toMatch(
        /✔ credentials accepted: a token for 10 h 0 min|✔ credentials accepted: a token for 9 h 59 min/,
      );
      expect(result.stdout).toMatch(/ {4}template +list, read, write\n/);
      expect(result.stdout).toMatch(/ {4}output +animated, static\n/);
      expect(result.stdout).toContain('✔ the API accepted the token: GET ');
      expect(result.stdout).toContain('/grafx/api/v1/environment/cp-cli/settings answered 200');
      expect(result.stdout).toContain('All checks passed.');
      expectNothingSecret(result, FULL.clientSecret);
      expect(standIn.apiRequests.map(({ method, path }) => `${method} ${path}`)).toEqual(['GET /settings']);
    },
    SLOW,
  );

  it(
    '--json prints one object: the token accepted, permissions grouped, the API answer, no problem',
    async () => {
      const result = await runCli(checkStandIn('cp-cli', '--json'), credentials(READER));
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as CheckJson;
      expect(report).toMatchObject({
        ok: true,
        exitCode: 0,
        environment: null,
        token: { accepted: true },
        permissions: { template: ['list'] },
        api: { checked: true, status: 200, accepted: true },
        problems: [],
      });
      expect(report.token.lifetimeSeconds).toBeGreaterThan(35_000);
      expectNothingSecret(result, READER.clientSecret);
    },
    SLOW,
  );

  it(
    '--print-token prints the token alone on stdout, the report on stderr (still without the secret or token)',
    async () => {
      const result = await runCli(checkStandIn('cp-cli', '--print-token'), credentials(FULL));
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^sitok_[0-9a-f]{32}\n$/);
      const token = result.stdout.trim();
      expect(result.stderr).toContain('All checks passed.');
      expect(result.stderr).not.toContain(token);
      expect(result.stderr).not.toContain(FULL.clientSecret);
      expect(result.stdout).not.toContain(FULL.clientSecret);
    },
    SLOW,
  );

  it.each<[string, string[], Record<string, string>, RegExp]>([
    ['an unknown flag', ['check', '--client-secret', 'x'], {}, /Unknown option '--client-secret'/],
    ['no credentials', ['check', '--environment', 'cp-a'], {}, /missing the client ID .*the client secret/],
    ['no environment', ['check'], { GRAFX_CLIENT_ID: 'a', GRAFX_CLIENT_SECRET: 'usage-secret' }, /the environment/],
    [
      'a plain-http token URL to another host',
      ['check', '--environment', 'cp-a', '--token-url', 'http://example.com/t'],
      { GRAFX_CLIENT_ID: 'a', GRAFX_CLIENT_SECRET: 'usage-secret' },
      /tokenURL/,
    ],
    ['an unknown command', ['chek'], {}, /unknown command "chek"/],
    ['no command', [], {}, /Usage: npx express-grafx-auth <command>/],
  ])(
    'exits 2 on %s, saying what is wrong on stderr',
    async (_label, args, env, message) => {
      const result = await runCli(args, env);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout + result.stderr).not.toContain('usage-secret');
    },
    SLOW,
  );

  type FailureShape = [
    label: string,
    setup: () => Promise<{ args: string[]; env: Record<string, string>; secret: string }>,
    expected: { code: number; id: string; cause: RegExp; text?: true },
  ];

  const hostileLogin = (answer: (res: ServerResponse) => void) => async () => {
    login.answer(answer);
    const secret = 'hostile-secret-Wq9e';
    return {
      args: ['check', '--token-url', login.url, '--api-base-url', standIn.apiBaseURL('cp-cli'), '--json'],
      env: { GRAFX_CLIENT_ID: 'hostile-id', GRAFX_CLIENT_SECRET: secret },
      secret,
    };
  };

  it.each<FailureShape>([
    [
      'a wrong secret (the stand-in refuses it)',
      async () => ({
        args: checkStandIn('cp-cli', '--json'),
        env: { ...credentials(FULL), GRAFX_CLIENT_SECRET: 'not-the-secret-Hh4k' },
        secret: 'not-the-secret-Hh4k',
      }),
      { code: 3, id: 'credentials-rejected', cause: /secret .* is wrong/, text: true },
    ],
    [
      'a refusing login server whose answer echoes the secret',
      hostileLogin((res) =>
        json(res, 401, { error: 'access_denied', error_description: 'Unauthorized: hostile-secret-Wq9e' }),
      ),
      { code: 3, id: 'credentials-rejected', cause: /secret .* is wrong/ },
    ],
    [
      'a login server answering a proxy page (HTML)',
      hostileLogin((res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Proxy login</html>')),
      { code: 4, id: 'login-answer-invalid', cause: /proxy, captive portal/ },
    ],
    [
      'a login server failing (500)',
      hostileLogin((res) => json(res, 500, { error: 'server_error' })),
      { code: 4, id: 'login-server-error', cause: /login server failed/ },
    ],
    [
      'a rate-limited login server (429)',
      hostileLogin((res) => json(res, 429, { error: 'too_many_requests' }, { 'retry-after': '7' })),
      { code: 4, id: 'rate-limited', cause: /too many token requests/ },
    ],
    [
      'a refused request (invalid_request: a wrong audience)',
      hostileLogin((res) => json(res, 400, { error: 'invalid_request', error_description: 'bad audience' })),
      { code: 4, id: 'token-request-refused', cause: /--audience or --token-url/ },
    ],
    [
      'a login server nothing listens at, with HTTPS_PROXY set',
      async () => ({
        args: [
          'check',
          '--token-url',
          `http://127.0.0.1:${await closedPort()}/oauth/token`,
          '--environment',
          'cp-x',
          '--json',
        ],
        env: { ...credentials(FULL), HTTPS_PROXY: 'http://user:proxy-password@127.0.0.1:9' },
        secret: FULL.clientSecret,
      }),
      {
        code: 4,
        id: 'login-server-unreachable',
        cause: /ECONNREFUSED.*HTTPS_PROXY is set, but the package asks for tokens directly/,
      },
    ],
    [
      'a wrong environment (the integration belongs to another one: 401)',
      async () => ({ args: checkStandIn('cp-wrong', '--json'), env: credentials(PINNED), secret: PINNED.clientSecret }),
      { code: 5, id: 'api-rejected-token', cause: /does not belong to/ },
    ],
    [
      'a missing permission (403)',
      async () => {
        standIn.apiFault(403, { path: '/settings', times: 5 });
        return { args: checkStandIn('cp-cli', '--json'), env: credentials(READER), secret: READER.clientSecret };
      },
      { code: 5, id: 'missing-permission', cause: /lacks a permission/, text: true },
    ],
    [
      'an API base URL that is no environment API (404)',
      async () => ({
        args: [
          'check',
          '--token-url',
          standIn.tokenURL,
          '--api-base-url',
          `${standIn.apiBaseURL('x').replace(/\/environment\/x$/, '')}/environments/x`,
          '--json',
        ],
        env: credentials(FULL),
        secret: FULL.clientSecret,
      }),
      { code: 6, id: 'environment-not-found', cause: /singular "environment"/ },
    ],
    [
      'an API nothing listens at',
      async () => ({
        args: [
          'check',
          '--token-url',
          standIn.tokenURL,
          '--api-base-url',
          `http://127.0.0.1:${await closedPort()}/grafx/api/v1/environment/x`,
          '--json',
        ],
        env: credentials(FULL),
        secret: FULL.clientSecret,
      }),
      { code: 6, id: 'api-unreachable', cause: /could not be reached \(ECONNREFUSED\)/, text: true },
    ],
  ])(
    '%s: its exit code, likely cause and fix, and never the secret or a token',
    async (_label, setup, expected) => {
      const { args, env, secret } = await setup();
      const result = await runCli(args, env);
      expectNothingSecret(result, secret);
      expect(result.stdout + result.stderr).not.toContain('proxy-password');
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: expected.code, stderr: '' });
      const report = JSON.parse(result.stdout) as CheckJson;
      expect(report.ok).toBe(false);
      expect(report.exitCode).toBe(expected.code);
      expect(report.problems[0]).toMatchObject({
        id: expected.id,
        severity: 'error',
        cause: expect.stringMatching(expected.cause),
      });
      expect(report.problems[0]!.fix.length).toBeGreaterThan(10);
      if (expected.text !== true) return;
      // the same failure for people (one of each exit code's kind): the mark, the cause and the fix
      const text = await runCli(
        args.filter((arg) => arg !== '--json'),
        env,
      );
      expectNothingSecret(text, secret);
      expect(text.code).toBe(expected.code);
      expect(text.stdout).toContain('likely cause:');
      expect(text.stdout).toContain('fix:');
      expect(text.stdout).toContain(`Check failed (exit code ${expected.code}).`);
    },
    SLOW,
  );

  it(
    "warns (exit 0) when the server's clock and this machine's differ by more than five minutes",
    async () => {
      const api = await serve((_req: never, res: ServerResponse) => {
        const skewed = new Date(Date.now() - 3600_000).toUTCString();
        res.writeHead(200, { 'content-type': 'application/json', date: skewed }).end('{"sdkVersionPublic":"1.45.0"}');
      });
      try {
        const args = [
          'check',
          '--token-url',
          standIn.tokenURL,
          '--api-base-url',
          `${api.url}/grafx/api/v1/environment/cp-c`,
          '--json',
        ];
        const result = await runCli(args, credentials(FULL));
        expect(result.code).toBe(0);
        const report = JSON.parse(result.stdout) as CheckJson;
        expect(report.ok).toBe(true);
        expect(report.problems).toEqual([
          expect.objectContaining({ id: 'clock-skew', severity: 'warning', cause: expect.stringMatching(/clock/) }),
        ]);
        expectNothingSecret(result, FULL.clientSecret);
      } finally {
        await api.close();
      }
    },
    SLOW,
  );
});

describe('stand-in', () => {
  it.each<[NodeJS.Signals, boolean]>([
    ['SIGTERM', false],
    ['SIGINT', true],
  ])(
    'prints its URLs and test credentials, serves check, and stops cleanly on %s (exit 0, ports closed)',
    async (signal, fixedPort) => {
      // With a fixed port, two free ports in a row; if another test's server took one meanwhile, another pair.
      let port = 0;
      let child: ReturnType<typeof startCli> | undefined;
      let done: ReturnType<typeof finished> | undefined;
      let line: string | undefined;
      for (let attempt = 0; line === undefined; attempt++) {
        port = fixedPort ? ((await freePorts(2))[0] as number) : 0;
        child = startCli(['stand-in', '--json', '--port', String(port), '--scopes', 'template:list template:read']);
        done = finished(child);
        line = await firstLine(child).catch((error: unknown) => {
          if (attempt >= 4) throw error;
          return undefined;
        });
      }
      if (child === undefined || done === undefined) throw new Error('no stand-in started');
      const announced = JSON.parse(line) as {
        tokenURL: string;
        apiBaseURL: string;
        clientId: string;
        clientSecret: string;
      };
      expect(announced).toEqual({
        tokenURL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/token$/),
        apiBaseURL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/grafx\/api\/v1\/environment\/stand-in$/),
        environment: 'stand-in',
        clientId: 'stand-in-client',
        clientSecret: 'stand-in-secret',
      });
      if (fixedPort) {
        expect(new URL(announced.tokenURL).port).toBe(String(port));
        expect(new URL(announced.apiBaseURL).port).toBe(String(port + 1));
      }
      const check = await runCli(
        ['check', '--token-url', announced.tokenURL, '--api-base-url', announced.apiBaseURL, '--json'],
        { GRAFX_CLIENT_ID: announced.clientId, GRAFX_CLIENT_SECRET: announced.clientSecret },
      );
      expect(check.code).toBe(0);
      expect((JSON.parse(check.stdout) as CheckJson).permissions).toEqual({ template: ['list', 'read'] });
      child.kill(signal);
      const result = await done;
      expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({
        code: 0,
        signal: null,
        stderr: '',
      });
      expect(result.stdout.trim().split('\n').pop()).toBe('{"stopped":true}');
      await expect(fetch(announced.tokenURL, { method: 'POST' })).rejects.toThrow();
      await expect(fetch(`${announced.apiBaseURL}/settings`)).rejects.toThrow();
    },
    SLOW,
  );

  it(
    'prints, for people, the URLs, the test credentials and a check command to copy',
    async () => {
      const child = startCli(['stand-in']);
      const done = finished(child);
      await firstLine(child);
      // the rest of the announcement arrives in the same write
      child.kill('SIGTERM');
      const result = await done;
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^GraFx stand-in running \(Ctrl\+C stops it\)\n/);
      expect(result.stdout).toMatch(/client secret {2}stand-in-secret/);
      expect(result.stdout).toMatch(
        /GRAFX_CLIENT_ID=stand-in-client GRAFX_CLIENT_SECRET=stand-in-secret npx express-grafx-auth check/,
      );
      expect(result.stdout.trim().split('\n').pop()).toBe('GraFx stand-in stopped');
    },
    SLOW,
  );

  it.each([
    ['a port past the range', ['stand-in', '--port', '65535']],
    ['a port that is no number', ['stand-in', '--port', 'http']],
    ['an unknown flag', ['stand-in', '--host', '0.0.0.0']],
  ])(
    'exits 2 on %s',
    async (_label, args) => {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('stand-in --help');
    },
    SLOW,
  );
});
