// lib/cli/main.ts
// main(): the `express-grafx-auth` command line: parses the arguments (node:util parseArgs) and runs check or stand-in.
import { parseArgs } from 'node:util';
import { isGrafxAuthError } from '../core/index.js';
import { type CheckConfig, runCheck } from './check.js';
import { EXIT_CODES, EXIT_CODE_HELP, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';
import { renderCheck } from './report.js';
import { runStandIn } from './stand-in-command.js';

const USAGE = `Usage: npx express-grafx-auth <command> [options]

Commands:
  check      get a token for an integration, call the environment API with it, and say what is wrong and how to fix it
  stand-in   run the local stand-in of the GraFx platform (login server and environment API) until Ctrl+C

Run "npx express-grafx-auth <command> --help" for a command's options.`;

const CHECK_HELP = `Usage: npx express-grafx-auth check [options]

Gets a token from the login server with the integration's client ID and secret (as an app using
express-grafx-auth does), calls GET <environment API>/settings with it, and prints the environment, whether the
credentials were accepted, the token's lifetime, the integration's permissions by resource, whether the API
accepted the token, and for each failure its likely cause and the fix. Never prints the secret, nor the token
unless --print-token is given.

Options (a flag wins over its environment variable):
  --client-id <id>       the integration's client ID                                   [GRAFX_CLIENT_ID]
                         the client secret is read from GRAFX_CLIENT_SECRET only (a flag would show it in
                         the process list and the shell history)
  --environment <name>   the environment's technical name, e.g. cp-abc-123             [GRAFX_ENVIRONMENT]
  --sandbox              the environment is a sandbox one (https://<env>.chili-publish-sandbox.online/…)
  --api-base-url <url>   the environment API base URL (another server, e.g. the stand-in); default
                         https://<env>.chili-publish.online/grafx/api/v1/environment/<env>
  --token-url <url>      the login server's token endpoint; default
                         https://integration-login.chiligrafx.com/oauth/token
  --audience <audience>  the token request's audience; default https://chiligrafx.com
  --timeout-ms <ms>      time limit of the token request; default 10000
  --json                 print the report as one JSON object
  --print-token          print the access token alone on stdout (the report then goes to stderr):
                         TOKEN=$(npx express-grafx-auth check --print-token)
  -h, --help             this help

${EXIT_CODE_HELP}`;

const STAND_IN_HELP = `Usage: npx express-grafx-auth stand-in [options]

Runs the local stand-in of the GraFx platform (express-grafx-auth/testing) on 127.0.0.1: a login server
(POST /oauth/token, client-credentials grant) and an environment API (templates, projects, outputs, settings), so
that front-end developers and apps in any language can work offline. Prints its URLs and test credentials, and
runs until Ctrl+C (SIGINT) or SIGTERM.

Options:
  --port <n>             the login server's port; the environment API listens on <n>+1. Default: free ports
  --environment <name>   the environment name printed in the API base URL (any name works); default stand-in
  --scopes "<a b …>"     the permissions of the test client's tokens (space-separated); default every
                         documented permission; "" for none
  --json                 print the URLs and credentials as one JSON line
  -h, --help             this help

Exit codes: 0 stopped by a signal, 1 unexpected failure (e.g. the port is taken), 2 wrong usage.`;

/** A usage error: printed with a pointer to the help, exit code 2. */
class UsageError extends Error {}

/** Runs the command line with `args` (without node and the script), writing to `output`; resolves its exit code. */
export async function main(
  args: readonly string[],
  output: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExitCode> {
  const [command, ...rest] = args;
  try {
    if (command === 'check') return await check(rest, output, env);
    if (command === 'stand-in') return await standIn(rest, output);
    if (command === undefined) {
      output.write(USAGE, 'stderr');
      return EXIT_CODES.USAGE;
    }
    if (command === '-h' || command === '--help' || command === 'help') {
      output.write(USAGE);
      return EXIT_CODES.OK;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError || isUsageFailure(error)) {
      output.write(`express-grafx-auth: ${(error as Error).message}`, 'stderr');
      output.write(
        `Run "npx express-grafx-auth ${command === 'check' || command === 'stand-in' ? `${command} ` : ''}--help" for help.`,
        'stderr',
      );
      return EXIT_CODES.USAGE;
    }
    output.write(
      `express-grafx-auth: unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
      'stderr',
    );
    return EXIT_CODES.INTERNAL;
  }
}

async function check(args: readonly string[], output: Output, env: NodeJS.ProcessEnv): Promise<ExitCode> {
  const { values } = parse(args, {
    'client-id': { type: 'string' },
    environment: { type: 'string' },
    sandbox: { type: 'boolean' },
    'api-base-url': { type: 'string' },
    'token-url': { type: 'string' },
    audience: { type: 'string' },
    'timeout-ms': { type: 'string' },
    json: { type: 'boolean' },
    'print-token': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    output.write(CHECK_HELP);
    return EXIT_CODES.OK;
  }
  const clientSecret = nonEmpty(env.GRAFX_CLIENT_SECRET);
  output.hide(clientSecret);
  const clientId = nonEmpty(stringValue(values['client-id'])) ?? nonEmpty(env.GRAFX_CLIENT_ID);
  const environment = nonEmpty(stringValue(values.environment)) ?? nonEmpty(env.GRAFX_ENVIRONMENT);
  const apiBaseURL = nonEmpty(stringValue(values['api-base-url']));
  const missing = [
    clientId === undefined ? 'the client ID (GRAFX_CLIENT_ID or --client-id)' : undefined,
    clientSecret === undefined ? 'the client secret (GRAFX_CLIENT_SECRET)' : undefined,
    environment === undefined && apiBaseURL === undefined
      ? 'the environment (GRAFX_ENVIRONMENT or --environment, e.g. cp-abc-123; or --api-base-url)'
      : undefined,
  ].filter((item) => item !== undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.join(', ')}`);
  if (values.sandbox === true && environment === undefined) throw new UsageError('--sandbox needs the environment');
  const timeout = stringValue(values['timeout-ms']);
  const timeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (timeoutMs !== undefined && (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)) {
    throw new UsageError('--timeout-ms must be a whole number of milliseconds, at least 1');
  }
  const config: CheckConfig = {
    clientId: clientId as string,
    clientSecret: clientSecret as string,
    environment,
    apiBaseURL,
    tokenURL: nonEmpty(stringValue(values['token-url'])),
    sandbox: values.sandbox === true,
    audience: nonEmpty(stringValue(values.audience)),
    timeoutMs,
    proxyVariable: ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].find(
      (name) => nonEmpty(env[name]) !== undefined,
    ),
  };
  const { report, accessToken } = await runCheck(config);
  output.hide(accessToken);
  const printToken = values['print-token'] === true;
  const stream = printToken ? 'stderr' : 'stdout';
  output.write(values.json === true ? JSON.stringify(report, null, 2) : renderCheck(report), stream);
  if (printToken && accessToken !== undefined) output.printToken(accessToken);
  return report.exitCode;
}

async function standIn(args: readonly string[], output: Output): Promise<ExitCode> {
  const { values } = parse(args, {
    port: { type: 'string' },
    environment: { type: 'string' },
    scopes: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    output.write(STAND_IN_HELP);
    return EXIT_CODES.OK;
  }
  const portText = stringValue(values.port);
  const port = portText === undefined ? 0 : Number(portText);
  if (!/^\d{1,5}$/.test(portText ?? '0') || port > 65534)
    throw new UsageError('--port must be a port number from 0 to 65534');
  const environment = stringValue(values.environment);
  if (environment !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(environment)) {
    throw new UsageError('--environment must be a technical name such as cp-abc-123');
  }
  const scopesText = stringValue(values.scopes);
  const scopes = scopesText === undefined ? undefined : scopesText.split(' ').filter((scope) => scope !== '');
  await runStandIn({ port, environment, scopes, json: values.json === true }, output);
  return EXIT_CODES.OK;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** parseArgs, strict: an unknown flag or a missing value is a usage error; no positional arguments. */
function parse(args: readonly string[], options: OptionSpec): { values: Record<string, string | boolean | undefined> } {
  try {
    const { values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
    return { values: values as Record<string, string | boolean | undefined> };
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? (error.message.split('\n')[0] ?? 'wrong arguments') : 'wrong arguments',
    );
  }
}

function stringValue(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : value;
}

/** The package's own configuration errors (a bad URL, a plain-http token URL to another host) are usage errors. */
function isUsageFailure(error: unknown): boolean {
  return isGrafxAuthError(error) && error.code === 'GRAFX_CONFIG_INVALID';
}
