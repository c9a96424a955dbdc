// lib/cli/exit-codes.ts
// The command line's exit codes, one per kind of outcome, so that scripts can tell failures apart.

/** What `npx express-grafx-auth …` exits with. */
export const EXIT_CODES = {
  /** Every check passed (warnings may have been printed). */
  OK: 0,
  /** An unexpected failure of the tool itself. */
  INTERNAL: 1,
  /** Wrong usage: an unknown command or flag, a missing client ID, secret or environment, a bad URL. */
  USAGE: 2,
  /** The login server refused the client ID and secret. */
  CREDENTIALS_REJECTED: 3,
  /** No token for another reason: login server unreachable (network, proxy, TLS), timeout, rate limit, odd answer. */
  NO_TOKEN: 4,
  /** A token was issued but the environment API refused it (401, 403). */
  API_REFUSED: 5,
  /** The environment API could not be reached or failed (no such host, network, 404, 5xx). */
  API_UNREACHABLE: 6,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit codes as the help text lists them. */
export const EXIT_CODE_HELP = `Exit codes:
  0  every check passed
  1  unexpected failure of the tool
  2  wrong usage or configuration (unknown flag, missing client ID, secret or environment, bad URL)
  3  the login server refused the client ID or secret
  4  no token for another reason (login server unreachable, proxy, TLS, timeout, rate limit, odd answer)
  5  the environment API refused the token (401, 403)
  6  the environment API could not be reached or failed (no such host, network, 404, 5xx)`;
