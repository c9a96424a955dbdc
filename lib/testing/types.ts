// lib/testing/types.ts
// The public types of the GraFx stand-in (`express-grafx-auth/testing`): options, faults, counters, recordings.

/** A client (integration) the stand-in's login server knows. */
export interface StandInClient {
  /** The integration's client ID. */
  clientId: string;
  /** The integration's client secret. The stand-in never records, logs or answers it. */
  clientSecret: string;
  /** Environments whose API accepts this client's tokens; undefined = every environment. */
  environments?: string[];
  /**
   * The permissions of this client's tokens: the token answer's `scope` (space-separated), and what the stand-in's
   * environment API lets the token do (a documented endpoint the token lacks the permission of answers 403). `[]`:
   * the answer has no `scope` and nothing is enforced.
   * @default DEFAULT_STAND_IN_SCOPES (every permission the platform documents)
   */
  scopes?: string[];
}

/**
 * A failure the stand-in's token endpoint can be told to produce (see {@link GrafxStandIn.tokenFault}).
 *
 * - `'reject'`: 401 `{"error":"access_denied","error_description":"Unauthorized"}` (bad credentials).
 * - `'server-error'`: 500 `{"error":"server_error","error_description":"..."}`.
 * - `'rate-limit'`: 429 with `Retry-After` and `x-ratelimit-limit/remaining/reset` headers,
 *   body `{"error":"too_many_requests",...}`.
 * - `'html'`: 200 `text/html` (a proxy or captive portal page instead of the login server).
 * - `'truncated'`: 200 `application/json` whose body is cut short (`{"access_token":"abc","expi`).
 * - `'no-access-token'`: 200 `application/json` `{"token_type":"Bearer","expires_in":36000}`.
 * - `'hang'`: the request is accepted and never answered; its socket stays open until `clearFaults()` or `close()`.
 * - `'refuse'`: the token port stops listening (connections get ECONNREFUSED) until `clearFaults()`, which
 *   listens again on the same port.
 */
export type TokenFault =
  'reject' | 'server-error' | 'rate-limit' | 'html' | 'truncated' | 'no-access-token' | 'hang' | 'refuse';

/**
 * How the stand-in's output tasks (`POST output/{format}`, `GET output/tasks/:id`) behave; see
 * {@link GrafxStandIn.setOutputTasks}. A task is done once it has been polled more than `runningPolls` times AND
 * `durationMs` has passed since it started; until then its polls answer `runningStatus`.
 */
export interface OutputTaskBehaviour {
  /**
   * How many polls answer "running" before the task is done.
   * @default 2
   */
  runningPolls?: number;
  /**
   * The least time the task takes from its start, in milliseconds.
   * @default 0
   */
  durationMs?: number;
  /**
   * The status of a running task's poll: 202 with a JSON body (the published API reference) or 204 without one
   * (CHILI's own workshop code).
   * @default 202
   */
  runningStatus?: 202 | 204;
  /**
   * Makes the task fail: once it is no longer running its poll answers 500 with a problem
   * (`title: 'Output generation failed'`, `detail` = this string, or a default text for `true`). A `templateId`
   * the stand-in does not know fails the task the same way.
   * @default false
   */
  fail?: boolean | string;
  /**
   * The form of the task's answers (CHILI's docs show several): `'none'` answers 202/204 while running and 200
   * `{ data: { taskId }, links: { download } }` when done (the API reference); `'name'` and `'number'` answer 200
   * with a task object `{ id, taskId, name, dateCreated, format, status, totalRecords, …, outputAvailable }` whose
   * `status` is a name (Started, Pending, Processing, then Finished) or its number (0, 1, 2, then 4, in the order the
   * docs list Started, Pending, Processing, Failed, Finished, Error), `links.download` when finished.
   * @default 'none'
   */
  statusForm?: 'none' | 'name' | 'number';
  /**
   * The name of the success count in a task object: `successfulRecords` or `totalSuccessfulRecords` (the docs use both).
   * @default 'successfulRecords'
   */
  recordsField?: 'successfulRecords' | 'totalSuccessfulRecords';
  /**
   * How a failing task answers: 500 with a problem, or 200 with a task object whose status is `'Failed'` or
   * `'Error'` (internal failures, since 2024-10; its number in the `'number'` form).
   * @default 500
   */
  failAs?: 500 | 'Failed' | 'Error';
  /**
   * How long a finished output's download stays available, in milliseconds from the poll that saw it finished (see
   * also {@link GrafxStandIn.expireDownloads}).
   * @default 14400000 (4 hours, like the platform)
   */
  downloadLifetimeMs?: number;
  /**
   * The status of an expired download's answer (the platform's is not confirmed): a problem whose `detail` is
   * "The output is no longer available."
   * @default 404
   */
  expiredStatus?: 404 | 410;
}

/** Options of {@link startGrafxStandIn}. Every one is optional. */
export interface StandInOptions {
  /**
   * The clients the login server accepts. At least one.
   * @default [{ clientId: 'stand-in-client', clientSecret: 'stand-in-secret' }]
   */
  clients?: StandInClient[];
  /**
   * The `audience` the token request must carry.
   * @default 'https://chiligrafx.com'
   */
  audience?: string;
  /**
   * `expires_in` of newly minted tokens, in whole seconds.
   * @default 36000 (10 hours, like the platform)
   */
  tokenLifetimeSeconds?: number;
  /**
   * Like the real login server, asking again for a token returns the SAME token (with `expires_in` = its
   * remaining whole seconds) until this long before it expires; then a new token is minted. When the lifetime
   * is not longer than this window, every request gets a new token.
   * @default 3600
   */
  reuseWindowSeconds?: number;
  /**
   * Delay before each answer of the token endpoint, in milliseconds.
   * @default 0
   */
  tokenDelayMs?: number;
  /**
   * The templates the environment API lists and serves (the same in every environment).
   * @default DEFAULT_STAND_IN_TEMPLATES (3 sample templates)
   */
  templates?: Array<{ id: string; name: string }>;
  /**
   * How output tasks behave (changeable later with {@link GrafxStandIn.setOutputTasks}).
   * @default { runningPolls: 2, durationMs: 0, runningStatus: 202, fail: false, statusForm: 'none' }
   */
  outputTasks?: OutputTaskBehaviour;
  /**
   * The port of the login server (token endpoint) on 127.0.0.1.
   * @default 0 (a free port chosen by the system)
   */
  tokenPort?: number;
  /**
   * The port of the environment API on 127.0.0.1.
   * @default 0 (a free port chosen by the system)
   */
  apiPort?: number;
  /**
   * A certificate (PEM, for `127.0.0.1`) and its private key: the login server and the environment API then speak
   * HTTPS (`tokenURL` and the API base start with `https://`). For tests of TLS, a private CA or a proxy's CONNECT.
   * @default undefined (plain http)
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** The stand-in's live counters (see {@link GrafxStandIn.counts}). */
export interface StandInCounts {
  /** Every request that reached the token endpoint, faulted ones included ('refuse' ones never reach it). */
  tokenRequests: number;
  /** New access tokens minted (handing out a reused token does not count). */
  tokensIssued: number;
  /** Every request to the environment API. */
  apiRequests: number;
  /** Environment API requests answered 401 (injected 401 faults included). */
  apiUnauthorized: number;
  /** Output tasks started (`POST output/{format}` answered 202). */
  outputsStarted: number;
  /** Polls of an existing output task (`GET output/tasks/:id`), whatever they answered. */
  taskPolls: number;
}

/** What the stand-in saw of one token request. */
export interface RecordedTokenRequest {
  /** The request's `content-type` header, as sent. */
  contentType: string | undefined;
  /** The `grant_type` field. */
  grantType: string | undefined;
  /** The `audience` field. */
  audience: string | undefined;
  /** The `client_id` field. */
  clientId: string | undefined;
  /** Whether client_secret matched the client's secret. The secret itself is never recorded. */
  secretMatched: boolean;
}

/** What the stand-in saw of one environment API request, and what it answered. */
export interface RecordedApiRequest {
  /** The HTTP method, e.g. `'GET'`. */
  method: string;
  /**
   * The path below the environment base, e.g. `'/templates'` (no query string). For a request outside
   * `/grafx/api/v1/environment/:env`, the whole path.
   */
  path: string;
  /** The environment named in the URL (`''` for a request outside the environment base). */
  environment: string;
  /** The client the bearer token was issued to, undefined when no/unknown token. */
  clientId: string | undefined;
  /** The status the stand-in answered. */
  status: number;
  /** The raw request body (utf8), `''` when there was none. */
  body: string;
}

/** The options {@link GrafxStandIn.options} returns: ready for `grafxAuth()` / `createGrafxClient()`. */
export interface StandInClientOptions {
  clientId: string;
  clientSecret: string;
  environment: string;
  tokenURL: string;
  apiBaseURL: (environment: string) => string;
}

/**
 * A running local stand-in of the CHILI GraFx platform: a login server (OAuth2 client-credentials token
 * endpoint) and an environment API, each on its own port of 127.0.0.1. Made by {@link startGrafxStandIn};
 * `close()` it when done.
 */
export interface GrafxStandIn {
  /** The token endpoint, `'http://127.0.0.1:<port>/oauth/token'`. It keeps its port for the stand-in's life. */
  readonly tokenURL: string;
  /**
   * The environment API base of `environment`: `'http://127.0.0.1:<apiPort>/grafx/api/v1/environment/<env>'`
   * (no trailing slash). Usable unbound: `apiBaseURL: standIn.apiBaseURL`.
   */
  apiBaseURL(environment: string): string;
  /** The first client's ID. */
  readonly clientId: string;
  /** The first client's secret. */
  readonly clientSecret: string;
  /**
   * Options ready for `grafxAuth()` / `createGrafxClient()` for the first client: `{ clientId, clientSecret,
   * environment, tokenURL, apiBaseURL }`, with `environment` = the argument, else the first client's first
   * environment, else `'stand-in'`, and `apiBaseURL` the function {@link GrafxStandIn.apiBaseURL}.
   */
  options(environment?: string): StandInClientOptions;
  /** Adds a client to the login server; a client with the same `clientId` is replaced (its tokens stay valid). */
  addClient(client: StandInClient): void;
  /** Sets `expires_in` (whole seconds, >= 1) of the tokens minted from now on. */
  setTokenLifetime(seconds: number): void;
  /** Sets the delay (milliseconds, >= 0) before each answer of the token endpoint. */
  setTokenDelay(ms: number): void;
  /**
   * Sets how output tasks started from now on behave; omitted fields take their defaults (`{}` restores them all).
   * Tasks already started keep their behaviour.
   */
  setOutputTasks(behaviour: OutputTaskBehaviour): void;
  /** The download of every output finished so far is no longer available from now on (it answers `expiredStatus`). */
  expireDownloads(): void;
  /** Every token issued so far is rejected by the API (401) from now on; the next token request mints a new token. */
  revokeTokens(): void;
  /**
   * Injects a fault into the token endpoint for the next `times` requests (default: until clearFaults()).
   * Faults queue up in the order injected, each for its own `times` requests; injecting a fault ends any
   * earlier one that had no `times`. `'refuse'` acts at once, ignores `times` and lasts until `clearFaults()`.
   * `retryAfterSeconds` (default 1) is the `Retry-After` of `'rate-limit'`.
   */
  tokenFault(fault: TokenFault, options?: { times?: number; retryAfterSeconds?: number }): void;
  /**
   * The environment API answers `status` (RFC 7807 body) to the next `times` requests (default 1), optionally
   * only for paths (below the environment base) starting with `path`. Checked before authentication. Faults
   * queue up; a request takes the first one that matches it.
   */
  apiFault(status: number, options?: { times?: number; path?: string }): void;
  /**
   * Ends every injected fault: empties both fault queues, drops hung token requests (their sockets are
   * destroyed) and, after `'refuse'`, listens again on the same token port.
   */
  clearFaults(): Promise<void>;
  /** Live counters (the same object, updated in place). */
  readonly counts: StandInCounts;
  /** Every token request that reached the token endpoint, oldest first (a live array). */
  readonly tokenRequests: RecordedTokenRequest[];
  /** Every environment API request answered, oldest first (a live array). */
  readonly apiRequests: RecordedApiRequest[];
  /** Zeroes the counters and empties both recordings. */
  resetCounts(): void;
  /** Closes both servers and destroys every open socket (hung requests too); resolves when done. Idempotent. */
  close(): Promise<void>;
}
