// lib/cli/check.ts
// runCheck(): gets a token through the package's own client, calls GET …/settings with it, and reports what it found.
import { type GrafxClient, createGrafxClient, isAxiosError } from '../core/index.js';
import { type CheckSetup, type Problem, apiDiagnosis, clockProblem, tokenDiagnosis } from './diagnosis.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/** What the check is run with (from flags and environment variables, checked by the caller). */
export interface CheckConfig {
  clientId: string;
  clientSecret: string;
  environment: string | undefined;
  tokenURL: string | undefined;
  apiBaseURL: string | undefined;
  sandbox: boolean;
  audience: string | undefined;
  timeoutMs: number | undefined;
  proxyVariable: string | undefined;
}

/** The check's findings: what `--json` prints (the access token only with `--print-token`, added by the caller). */
export interface CheckReport {
  ok: boolean;
  exitCode: ExitCode;
  environment: string | null;
  tokenURL: string;
  apiBaseURL: string;
  /** The first characters of the client ID, to tell integrations apart. */
  clientId: string;
  token: { accepted: boolean; lifetimeSeconds: number | null; expiresAt: string | null };
  /** The token's permissions (its `scope`) grouped by resource: `{ template: ['list', 'read'] }`. */
  permissions: Record<string, string[]>;
  api: { checked: boolean; url: string; status: number | null; accepted: boolean; sdkVersion: string | null };
  problems: Problem[];
}

/** What the check hands back besides the report: the token, for `--print-token` only. */
export interface CheckOutcome {
  report: CheckReport;
  accessToken: string | undefined;
}

/** The sandbox's environment API of an environment. */
export function sandboxApiBaseURL(environment: string): string {
  return `https://${environment}.chili-publish-sandbox.online/grafx/api/v1/environment/${environment}`;
}

/**
 * Runs the check. Throws only a GRAFX_CONFIG_INVALID GrafxAuthError (wrong options, before any request); every other
 * failure ends up in the report's problems, with its likely cause and fix.
 */
export async function runCheck(config: CheckConfig, now: () => number = Date.now): Promise<CheckOutcome> {
  const { clientId, clientSecret, environment, sandbox, audience, timeoutMs } = config;
  const apiBaseURL =
    config.apiBaseURL ?? (sandbox && environment !== undefined ? sandboxApiBaseURL(environment) : undefined);
  const client: GrafxClient = createGrafxClient({
    clientId,
    clientSecret,
    ...(environment === undefined ? {} : { environment }),
    ...(config.tokenURL === undefined ? {} : { tokenURL: config.tokenURL }),
    ...(apiBaseURL === undefined ? {} : { apiBaseURL }),
    ...(audience === undefined ? {} : { audience }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    logger: { warn: () => undefined },
  });
  const info = client.integration();
  const setup: CheckSetup = {
    environment,
    tokenURL: config.tokenURL ?? 'https://integration-login.chiligrafx.com/oauth/token',
    apiBaseURL: info.apiBaseURL,
    proxyVariable: config.proxyVariable,
  };
  const report: CheckReport = {
    ok: false,
    exitCode: EXIT_CODES.OK,
    environment: environment ?? null,
    tokenURL: setup.tokenURL,
    apiBaseURL: info.apiBaseURL,
    clientId: `${clientId.slice(0, Math.min(4, Math.floor(clientId.length / 3)))}…`,
    token: { accepted: false, lifetimeSeconds: null, expiresAt: null },
    permissions: {},
    api: { checked: false, url: `${info.apiBaseURL}/settings`, status: null, accepted: false, sdkVersion: null },
    problems: [],
  };
  let accessToken: string | undefined;
  try {
    let context;
    try {
      context = await client.context();
    } catch (error) {
      const { problem, exitCode } = tokenDiagnosis(error, setup);
      report.problems.push(problem);
      report.exitCode = exitCode;
      return { report, accessToken };
    }
    accessToken = context.token;
    report.token = {
      accepted: true,
      lifetimeSeconds: Math.max(0, Math.round((context.expiresAt.getTime() - now()) / 1000)),
      expiresAt: context.expiresAt.toISOString(),
    };
    report.permissions = groupPermissions(context.scopes);
    report.api.checked = true;
    try {
      const response = await context.api.get<unknown>('/settings');
      report.api.status = response.status;
      report.api.accepted = true;
      report.api.sdkVersion = sdkVersionOf(response.data);
      addClockProblem(report, response.headers.date, now());
    } catch (error) {
      if (isAxiosError(error)) {
        report.api.status = error.response?.status ?? null;
        addClockProblem(report, error.response?.headers.date, now());
      }
      const { problem, exitCode } = apiDiagnosis(error, setup);
      report.problems.unshift(problem);
      report.exitCode = exitCode;
      return { report, accessToken };
    }
    report.ok = true;
    return { report, accessToken };
  } finally {
    await client.close();
  }
}

/** `['template:read', 'template:list', 'font:list']` → `{ font: ['list'], template: ['list', 'read'] }` (sorted). */
export function groupPermissions(scopes: Iterable<string>): Record<string, string[]> {
  // No prototype: a permission named `__proto__:read` is a group like any other.
  const groups = Object.create(null) as Record<string, string[]>;
  for (const scope of scopes) {
    const colon = scope.indexOf(':');
    const resource = colon === -1 ? '' : scope.slice(0, colon);
    const action = colon === -1 ? scope : scope.slice(colon + 1);
    (groups[resource] ??= []).push(action);
  }
  const sorted = Object.create(null) as Record<string, string[]>;
  for (const resource of Object.keys(groups).sort()) sorted[resource] = (groups[resource] ?? []).sort();
  return sorted;
}

function addClockProblem(report: CheckReport, date: unknown, now: number): void {
  const problem = clockProblem(date, now);
  if (problem !== undefined) report.problems.push(problem);
}

function sdkVersionOf(data: unknown): string | null {
  const version =
    typeof data === 'object' && data !== null ? (data as { sdkVersionPublic?: unknown }).sdkVersionPublic : undefined;
  return typeof version === 'string' && /^[0-9A-Za-z.+-]{1,40}$/.test(version) ? version : null;
}
