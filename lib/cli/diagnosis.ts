// lib/cli/diagnosis.ts
// What a failed check means: the likely cause and the fix, for each way getting a token or calling the API fails.
import { GRAFX_ERROR_CODES, isAxiosError, isGrafxAuthError } from '../core/index.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/** One finding of a check, as printed and as `--json` lists it. */
export interface Problem {
  /** A stable name, e.g. `credentials-rejected`, `environment-not-found`, `clock-skew`. */
  id: string;
  severity: 'error' | 'warning';
  stage: 'token' | 'api' | 'clock';
  /** The package's error code (`GRAFX_*`), the HTTP status or the network error code, when there is one. */
  code: string | undefined;
  /** What happened. */
  message: string;
  /** Its likely cause. */
  cause: string;
  /** What to do about it. */
  fix: string;
}

/** A failure and the exit code it leads to. */
export interface Diagnosis {
  problem: Problem;
  exitCode: ExitCode;
}

/** What the diagnosis knows of the check's setup (never the secret). */
export interface CheckSetup {
  environment: string | undefined;
  tokenURL: string;
  apiBaseURL: string;
  /** The name of the proxy variable set in the environment (its value may hold a password: never shown). */
  proxyVariable: string | undefined;
}

/** A clock difference beyond this (with the server's `Date`) is reported. */
export const CLOCK_SKEW_LIMIT_SECONDS = 300;

const CLOCK_CERT_CODES = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED']);
const INTERCEPTED_CERT_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);

const PERMISSIONS_FIX =
  "open the integration's Permissions tab in the GraFx platform (Environments → the environment → Integrations) and " +
  'grant what the call needs; tokens keep the permissions they were issued with until they expire (up to 10 hours)';

/** The diagnosis of a failed token request (a GrafxAuthError from the package's core, or anything else). */
export function tokenDiagnosis(error: unknown, setup: CheckSetup): Diagnosis {
  const message = messageOf(error);
  if (!isGrafxAuthError(error)) {
    return fail(
      'token-failed',
      'token',
      undefined,
      message,
      'an unexpected failure',
      'run again; report it if it stays',
      EXIT_CODES.INTERNAL,
    );
  }
  const code = error.code;
  switch (code) {
    case GRAFX_ERROR_CODES.CREDENTIALS_REJECTED:
      return fail(
        'credentials-rejected',
        'token',
        code,
        message,
        'the client secret (or the client ID) is wrong: mistyped, copied with a space, from another integration, ' +
          'replaced by a newer secret, or the integration was deleted',
        'copy the client ID and secret again from the GraFx platform (Environments → the environment → ' +
          'Integrations); GRAFX_CLIENT_SECRET must hold the secret exactly, without quotes or spaces',
        EXIT_CODES.CREDENTIALS_REJECTED,
      );
    case GRAFX_ERROR_CODES.TOKEN_REQUEST_REFUSED:
      return fail(
        'token-request-refused',
        'token',
        code,
        message,
        'the login server refused the request itself: a wrong --audience or --token-url (another OAuth server ' +
          'expects other fields)',
        'for the GraFx platform leave --token-url and --audience at their defaults',
        EXIT_CODES.NO_TOKEN,
      );
    case GRAFX_ERROR_CODES.TOKEN_RATE_LIMITED:
      return fail(
        'rate-limited',
        'token',
        code,
        message,
        'too many token requests: the login server limits them, and each one counts against the monthly ' +
          'machine-to-machine allotment',
        `wait${error.retryAfter === undefined ? '' : ` ${error.retryAfter} s`} and try again; in apps, keep tokens ` +
          'cached (the package does) instead of asking per request',
        EXIT_CODES.NO_TOKEN,
      );
    case GRAFX_ERROR_CODES.TOKEN_SERVER_ERROR:
      return fail(
        'login-server-error',
        'token',
        code,
        message,
        'the login server failed (a platform outage), or a proxy in between answered with an error',
        `try again later${proxyHint(setup)}`,
        EXIT_CODES.NO_TOKEN,
      );
    case GRAFX_ERROR_CODES.TOKEN_INVALID_RESPONSE:
      return fail(
        'login-answer-invalid',
        'token',
        code,
        message,
        'something other than the login server answered: a proxy, captive portal or maintenance page (HTML), or ' +
          '--token-url points to something that is not an OAuth token endpoint',
        `check --token-url (default https://integration-login.chiligrafx.com/oauth/token)${proxyHint(setup)}`,
        EXIT_CODES.NO_TOKEN,
      );
    case GRAFX_ERROR_CODES.TOKEN_TIMEOUT:
    case GRAFX_ERROR_CODES.TOKEN_UNREACHABLE:
      return networkDiagnosis('token', networkCode(error), code, message, setup, new URL(setup.tokenURL).host);
    default:
      return fail('token-failed', 'token', code, message, 'see the message', 'see the message', EXIT_CODES.NO_TOKEN);
  }
}

/** The diagnosis of a failed `GET …/settings` with a freshly issued token. */
export function apiDiagnosis(error: unknown, setup: CheckSetup): Diagnosis {
  const message = messageOf(error);
  if (isGrafxAuthError(error)) return tokenDiagnosis(error, setup); // the renewal after a 401 failed
  if (!isAxiosError(error)) {
    return fail(
      'api-failed',
      'api',
      undefined,
      message,
      'an unexpected failure',
      'run again; report it if it stays',
      EXIT_CODES.INTERNAL,
    );
  }
  const status = error.response?.status;
  const environment = setup.environment === undefined ? 'the environment' : `"${setup.environment}"`;
  if (status === undefined) {
    return networkDiagnosis('api', networkCode(error), undefined, message, setup, new URL(setup.apiBaseURL).host);
  }
  const code = String(status);
  if (status === 401) {
    return fail(
      'api-rejected-token',
      'api',
      code,
      message,
      `the integration does not belong to ${environment}: an integration is created in one environment, and its ` +
        'tokens are only accepted there (or the API base URL points to another environment, e.g. production ' +
        'instead of the sandbox)',
      'set GRAFX_ENVIRONMENT to the technical name of the environment the integration was created in (as in its ' +
        'URL, e.g. cp-abc-123), or use --sandbox / --api-base-url for a sandbox environment',
      EXIT_CODES.API_REFUSED,
    );
  }
  if (status === 403) {
    return fail(
      'missing-permission',
      'api',
      code,
      message,
      'the integration lacks a permission in this environment (its scopes), or the environment does not accept ' +
        'integration tokens for this call',
      PERMISSIONS_FIX,
      EXIT_CODES.API_REFUSED,
    );
  }
  if (status === 404) {
    return fail(
      'environment-not-found',
      'api',
      code,
      message,
      `no environment API at ${setup.apiBaseURL}: a wrong environment name, or an API base URL that does not end in ` +
        '/grafx/api/v1/environment/<environment> (singular "environment")',
      'use the technical name of the environment (e.g. cp-abc-123) in GRAFX_ENVIRONMENT, and leave --api-base-url ' +
        'out unless you use another server',
      EXIT_CODES.API_UNREACHABLE,
    );
  }
  if (status === 407) {
    return fail(
      'proxy-authentication',
      'api',
      code,
      message,
      'a proxy asks for credentials',
      'give the proxy user and password in the proxy variable (https://user:password@proxy:port)',
      EXIT_CODES.API_UNREACHABLE,
    );
  }
  if (status >= 500) {
    return fail(
      'api-server-error',
      'api',
      code,
      message,
      'the environment API failed (a platform outage), or a proxy in between answered with an error',
      `try again later${proxyHint(setup)}`,
      EXIT_CODES.API_UNREACHABLE,
    );
  }
  return fail(
    'api-failed',
    'api',
    code,
    message,
    `the API answered HTTP ${status}`,
    'see the message',
    EXIT_CODES.API_UNREACHABLE,
  );
}

/** A clock that differs from the server's `Date` by more than the limit: a warning (or undefined). */
export function clockProblem(serverDate: unknown, now: number): Problem | undefined {
  if (typeof serverDate !== 'string') return undefined;
  const server = Date.parse(serverDate);
  if (!Number.isFinite(server)) return undefined;
  const skew = Math.round((now - server) / 1000);
  if (Math.abs(skew) <= CLOCK_SKEW_LIMIT_SECONDS) return undefined;
  return {
    id: 'clock-skew',
    severity: 'warning',
    stage: 'clock',
    code: undefined,
    message: `this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} the server's`,
    cause: 'the system clock is not synchronised',
    fix:
      'turn on time synchronisation (NTP); the package computes expiry from expires_in and copes, but TLS ' +
      'certificate checks and tools that read token times do not',
  };
}

/** The network failure of a request to `host` (the login server or the API). */
function networkDiagnosis(
  stage: 'token' | 'api',
  network: string | undefined,
  code: string | undefined,
  message: string,
  setup: CheckSetup,
  host: string,
): Diagnosis {
  const exitCode = stage === 'token' ? EXIT_CODES.NO_TOKEN : EXIT_CODES.API_UNREACHABLE;
  const what = stage === 'token' ? 'the login server' : 'the environment API';
  const shownCode = code ?? network;
  if (network !== undefined && CLOCK_CERT_CODES.has(network)) {
    return fail(
      'clock-wrong',
      stage,
      shownCode,
      message,
      `this machine's clock is wrong: the TLS certificate of ${host} is not valid at the local time (${network})`,
      'set the system clock right (turn on NTP time synchronisation)',
      exitCode,
    );
  }
  if (network !== undefined && INTERCEPTED_CERT_CODES.has(network)) {
    return fail(
      'tls-intercepted',
      stage,
      shownCode,
      message,
      `a proxy or security product intercepts TLS: ${host} presents a certificate this machine does not trust (${network})`,
      "point NODE_EXTRA_CA_CERTS to your organisation's root certificate (a PEM file), or ask for an exception " +
        `for ${host}`,
      exitCode,
    );
  }
  if (stage === 'api' && network !== undefined && DNS_CODES.has(network)) {
    return fail(
      'environment-not-found',
      stage,
      shownCode,
      message,
      `${host} does not exist: a wrong environment name (a typo in GRAFX_ENVIRONMENT), or a sandbox environment ` +
        '(those live on chili-publish-sandbox.online), or no network',
      "use the technical name from the environment's URL (e.g. cp-abc-123); add --sandbox for a sandbox environment",
      exitCode,
    );
  }
  const proxy =
    setup.proxyVariable === undefined
      ? ''
      : stage === 'token'
        ? ` ${setup.proxyVariable} is set, but the package asks for tokens directly, not through a proxy: this ` +
          'machine must reach the login server directly (or through a transparent proxy)'
        : ` ${setup.proxyVariable} is set: API calls go through that proxy; check it is reachable`;
  return fail(
    stage === 'token' ? 'login-server-unreachable' : 'api-unreachable',
    stage,
    shownCode,
    message,
    `${what} (${host}) could not be reached${network === undefined ? '' : ` (${network})`}: no network, a firewall, ` +
      `a proxy this network requires, or a wrong URL.${proxy}`,
    stage === 'token'
      ? 'check the network and --token-url; on a network that only allows a proxy, run the check (and the app) ' +
          'where the login server can be reached'
      : 'check the network, --api-base-url and the proxy settings (HTTPS_PROXY, NO_PROXY)',
    exitCode,
  );
}

function fail(
  id: string,
  stage: Problem['stage'],
  code: string | undefined,
  message: string,
  cause: string,
  fix: string,
  exitCode: ExitCode,
): Diagnosis {
  return { problem: { id, severity: 'error', stage, code, message, cause, fix }, exitCode };
}

function proxyHint(setup: CheckSetup): string {
  return setup.proxyVariable === undefined ? '' : `; ${setup.proxyVariable} is set: check the proxy`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The network error code of a failure (`ENOTFOUND`, `CERT_HAS_EXPIRED`…), from it or its cause. */
function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current) && seen.size < 5) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      /^[A-Z][A-Z0-9_]{1,40}$/.test(code) &&
      !code.startsWith('GRAFX_') &&
      !code.startsWith('ERR_BAD')
    ) {
      return code;
    }
    // The core's token errors keep only the network code, as the message of their cause.
    const cause = (current as { cause?: unknown }).cause;
    if (cause instanceof Error && /^[A-Z][A-Z0-9_]{1,40}$/.test(cause.message)) return cause.message;
    current = cause;
  }
  return undefined;
}
