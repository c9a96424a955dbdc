// lib/testing/stand-in.ts
// startGrafxStandIn(): starts the login server and the environment API on 127.0.0.1; returns the GrafxStandIn.
import { DEFAULT_STAND_IN_TEMPLATES, EnvironmentApi } from './environment-api.js';
import { type OutputTaskConfig, OutputTasks, parseOutputTaskBehaviour } from './output-tasks.js';
import { TokenServer } from './token-server.js';
import { TokenStore } from './token-store.js';
import type {
  GrafxStandIn,
  RecordedApiRequest,
  RecordedTokenRequest,
  StandInClient,
  StandInClientOptions,
  StandInCounts,
  OutputTaskBehaviour,
  StandInOptions,
  TokenFault,
} from './types.js';
import { checkInteger, checkNonEmptyString, checkPort, checkScope } from './validate.js';

/** The client the stand-in knows when no `clients` option is given. */
export const DEFAULT_STAND_IN_CLIENT: Readonly<StandInClient> = Object.freeze({
  clientId: 'stand-in-client',
  clientSecret: 'stand-in-secret',
});
/** The environment of {@link GrafxStandIn.options} when the first client names none. */
export const DEFAULT_STAND_IN_ENVIRONMENT = 'stand-in';

const DEFAULT_AUDIENCE = 'https://chiligrafx.com';
const DEFAULT_LIFETIME_SECONDS = 36_000;
const DEFAULT_REUSE_WINDOW_SECONDS = 3600;

const OPTION_KEYS: Record<keyof StandInOptions, true> = {
  clients: true,
  audience: true,
  tokenLifetimeSeconds: true,
  reuseWindowSeconds: true,
  tokenDelayMs: true,
  templates: true,
  outputTasks: true,
  tokenPort: true,
  apiPort: true,
  tls: true,
};

/**
 * Starts a local stand-in of the CHILI GraFx platform for tests: a login server (`POST /oauth/token`,
 * client-credentials grant, answering like the platform's Auth0 server, token reuse included) and an environment
 * API (`/grafx/api/v1/environment/:env`: `templates`, `templates/:id`, `projects`, `output/{format}`,
 * `output/tasks/:id`), each on its own port of
 * 127.0.0.1. Faults can be injected into both; every request is counted and recorded (never the secret).
 *
 * @example
 * const standIn = await startGrafxStandIn();
 * const client = createGrafxClient(standIn.options());
 * // ...
 * await standIn.close();
 */
export async function startGrafxStandIn(options: StandInOptions = {}): Promise<GrafxStandIn> {
  const config = parseStandInOptions(options);
  const store = new TokenStore(config.tokenLifetimeSeconds, config.reuseWindowSeconds);
  for (const client of config.clients) store.addClient(client);
  const counts = zeroCounts();
  const tokenRequests: RecordedTokenRequest[] = [];
  const apiRequests: RecordedApiRequest[] = [];
  const tokenServer = new TokenServer(
    { store, counts, recorded: tokenRequests, audience: config.audience },
    config.tokenPort,
    config.tls,
  );
  tokenServer.delayMs = config.tokenDelayMs;
  const templates = config.templates;
  const tasks = new OutputTasks(config.outputTasks, counts, (id) => templates.some((template) => template.id === id));
  const api = new EnvironmentApi({ store, counts, recorded: apiRequests, templates, tasks }, config.apiPort, config.tls);
  try {
    await Promise.all([tokenServer.start(), api.start()]);
  } catch (error) {
    await Promise.all([tokenServer.close(), api.close()]);
    throw error;
  }
  return new StandIn(store, tokenServer, api, counts, tokenRequests, apiRequests);
}

/** The running stand-in. */
class StandIn implements GrafxStandIn {
  readonly tokenURL: string;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly store: TokenStore,
    private readonly tokenServer: TokenServer,
    private readonly api: EnvironmentApi,
    readonly counts: StandInCounts,
    readonly tokenRequests: RecordedTokenRequest[],
    readonly apiRequests: RecordedApiRequest[],
  ) {
    this.tokenURL = tokenServer.url;
  }

  /** An arrow property, so `apiBaseURL: standIn.apiBaseURL` can be passed around unbound. */
  readonly apiBaseURL = (environment: string): string => this.api.baseURL(environment);

  get clientId(): string {
    return this.firstClient.clientId;
  }

  get clientSecret(): string {
    return this.firstClient.clientSecret;
  }

  private get firstClient(): StandInClient {
    return this.store.firstClient ?? DEFAULT_STAND_IN_CLIENT;
  }

  options(environment?: string): StandInClientOptions {
    const first = this.firstClient;
    return {
      clientId: first.clientId,
      clientSecret: first.clientSecret,
      environment:
        environment === undefined
          ? (first.environments?.[0] ?? DEFAULT_STAND_IN_ENVIRONMENT)
          : checkNonEmptyString(environment, 'environment'),
      tokenURL: this.tokenURL,
      apiBaseURL: this.apiBaseURL,
    };
  }

  addClient(client: StandInClient): void {
    this.store.addClient(parseClient(client, 'client'));
  }

  setTokenLifetime(seconds: number): void {
    this.store.lifetimeSeconds = checkInteger(seconds, 'seconds', 1);
  }

  setTokenDelay(ms: number): void {
    this.tokenServer.delayMs = checkInteger(ms, 'ms', 0);
  }

  setOutputTasks(behaviour: OutputTaskBehaviour): void {
    this.api.tasks.config = parseOutputTaskBehaviour(behaviour, 'behaviour');
  }

  expireDownloads(): void {
    this.api.tasks.expireDownloads();
  }

  revokeTokens(): void {
    this.store.revokeAll();
  }

  tokenFault(fault: TokenFault, options?: { times?: number; retryAfterSeconds?: number }): void {
    this.tokenServer.inject(fault, options);
  }

  apiFault(status: number, options?: { times?: number; path?: string }): void {
    this.api.inject(status, options);
  }

  async clearFaults(): Promise<void> {
    this.api.clearFaults();
    await this.tokenServer.clearFaults();
  }

  resetCounts(): void {
    Object.assign(this.counts, zeroCounts());
    this.tokenRequests.length = 0;
    this.apiRequests.length = 0;
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([this.tokenServer.close(), this.api.close()]).then(() => undefined);
    return this.closing;
  }
}

/** Every counter at zero. */
function zeroCounts(): StandInCounts {
  return { tokenRequests: 0, tokensIssued: 0, apiRequests: 0, apiUnauthorized: 0, outputsStarted: 0, taskPolls: 0 };
}

/** The options with every default applied, validated. */
interface StandInConfig {
  clients: StandInClient[];
  audience: string;
  tokenLifetimeSeconds: number;
  reuseWindowSeconds: number;
  tokenDelayMs: number;
  templates: Array<{ id: string; name: string }>;
  outputTasks: OutputTaskConfig;
  tokenPort: number;
  apiPort: number;
  tls: { key: string | Buffer; cert: string | Buffer } | undefined;
}

function parseStandInOptions(options: StandInOptions): StandInConfig {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('express-grafx-auth/testing: the options of startGrafxStandIn() must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(OPTION_KEYS, key)) {
      throw new TypeError(`express-grafx-auth/testing: unknown option \`${key}\` of startGrafxStandIn()`);
    }
  }
  let clients: StandInClient[] = [{ ...DEFAULT_STAND_IN_CLIENT }];
  if (options.clients !== undefined) {
    if (!Array.isArray(options.clients) || options.clients.length === 0) {
      throw new TypeError('express-grafx-auth/testing: `clients` must be an array of at least one client');
    }
    clients = options.clients.map((client, i) => parseClient(client, `clients[${i}]`));
  }
  let templates = DEFAULT_STAND_IN_TEMPLATES.map(({ id, name }) => ({ id, name }));
  if (options.templates !== undefined) {
    if (!Array.isArray(options.templates)) {
      throw new TypeError('express-grafx-auth/testing: `templates` must be an array of { id, name }');
    }
    templates = options.templates.map((template, i) => {
      if (typeof template !== 'object' || template === null) {
        throw new TypeError(`express-grafx-auth/testing: \`templates[${i}]\` must be an object { id, name }`);
      }
      return {
        id: checkNonEmptyString(template.id, `templates[${i}].id`),
        name: checkNonEmptyString(template.name, `templates[${i}].name`),
      };
    });
  }
  const optional = (value: number | undefined, name: string, min: number, fallback: number): number =>
    value === undefined ? fallback : checkInteger(value, name, min);
  return {
    clients,
    audience: options.audience === undefined ? DEFAULT_AUDIENCE : checkNonEmptyString(options.audience, 'audience'),
    tokenLifetimeSeconds: optional(options.tokenLifetimeSeconds, 'tokenLifetimeSeconds', 1, DEFAULT_LIFETIME_SECONDS),
    reuseWindowSeconds: optional(options.reuseWindowSeconds, 'reuseWindowSeconds', 0, DEFAULT_REUSE_WINDOW_SECONDS),
    tokenDelayMs: optional(options.tokenDelayMs, 'tokenDelayMs', 0, 0),
    templates,
    outputTasks: parseOutputTaskBehaviour(options.outputTasks === undefined ? {} : options.outputTasks, 'outputTasks'),
    tokenPort: options.tokenPort === undefined ? 0 : checkPort(options.tokenPort, 'tokenPort'),
    apiPort: options.apiPort === undefined ? 0 : checkPort(options.apiPort, 'apiPort'),
    tls: parseTls(options.tls),
  };
}

function parseTls(tls: StandInOptions['tls']): StandInConfig['tls'] {
  if (tls === undefined) return undefined;
  const pem = (value: unknown): value is string | Buffer =>
    (typeof value === 'string' || Buffer.isBuffer(value)) && value.toString().includes('-----BEGIN');
  if (typeof tls !== 'object' || tls === null || !pem(tls.key) || !pem(tls.cert)) {
    throw new TypeError('express-grafx-auth/testing: `tls` must be { key, cert }, each a PEM string or Buffer');
  }
  return { key: tls.key, cert: tls.cert };
}

/** A client's keys, checked so that a typo (`environment` for `environments`) is an error, not every environment. */
const CLIENT_KEYS: Record<keyof StandInClient, true> = {
  clientId: true,
  clientSecret: true,
  environments: true,
  scopes: true,
};

function parseClient(client: StandInClient, name: string): StandInClient {
  if (typeof client !== 'object' || client === null) {
    throw new TypeError(`express-grafx-auth/testing: \`${name}\` must be an object { clientId, clientSecret }`);
  }
  for (const key of Object.keys(client)) {
    if (!Object.hasOwn(CLIENT_KEYS, key)) {
      const hint = key === 'environment' ? ' Did you mean `environments` (an array of environment names)?' : '';
      throw new TypeError(
        `express-grafx-auth/testing: unknown option \`${name}.${key.slice(0, 40)}\` (known: clientId, clientSecret, environments, scopes).${hint}`,
      );
    }
  }
  const parsed: StandInClient = {
    clientId: checkNonEmptyString(client.clientId, `${name}.clientId`),
    clientSecret: checkNonEmptyString(client.clientSecret, `${name}.clientSecret`),
  };
  if (client.environments !== undefined) {
    if (!Array.isArray(client.environments)) {
      throw new TypeError(`express-grafx-auth/testing: \`${name}.environments\` must be an array of environment names`);
    }
    parsed.environments = client.environments.map((environment, i) =>
      checkNonEmptyString(environment, `${name}.environments[${i}]`),
    );
  }
  if (client.scopes !== undefined) {
    if (!Array.isArray(client.scopes)) {
      throw new TypeError(
        `express-grafx-auth/testing: \`${name}.scopes\` must be an array of permissions such as 'template:read'`,
      );
    }
    parsed.scopes = client.scopes.map((scope, i) => checkScope(scope, `${name}.scopes[${i}]`));
  }
  return parsed;
}
