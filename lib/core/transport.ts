// lib/core/transport.ts
// Transport: the `proxy`, `ca` and `agent` options, resolved once per client; the agents of the token request and the API client.
import http from 'node:http';
import https from 'node:https';
import { configError } from './errors.js';
import { ForwardAgent, TunnelAgent } from './proxy-agents.js';
import { ProxyRules } from './proxy-rules.js';

/** Certificate authorities in PEM, as Node's `ca` option takes them. */
export type CertificateAuthorities = string | Buffer | ReadonlyArray<string | Buffer>;

/** The app's own agents: used as they are (the `proxy` and `ca` options then do not apply to that protocol). */
export interface TransportAgents {
  /** For `http:` URLs (the login server or the API on plain http: loopback, or `allowInsecureHttp`). */
  http?: http.Agent;
  /** For `https:` URLs. */
  https?: https.Agent;
}

/** How the client's requests (the token request and the API client's) reach their servers: decided once per client. */
export interface Transport {
  /** Undefined when no request goes through a proxy (`proxy: false`, or neither option nor environment names one). */
  readonly rules: ProxyRules | undefined;
  readonly ca: CertificateAuthorities | undefined;
  readonly agents: Readonly<TransportAgents>;
}

/** Every agent of a client's transport: those the package made from its options, and those the app gave as `agent`. */
const clientAgents = new WeakSet<object>();

/**
 * Whether `agent` is one of a client's transport agents: made from its `proxy`/`ca` options and the environment
 * (a CONNECT tunnel to the host and port of the URL, TLS checked end to end), or the app's own `agent` option. Either
 * is the app's configured choice, not a per-request option: a request on one goes where its URL says as far as the
 * token is concerned.
 */
export function isClientTransportAgent(agent: unknown): boolean {
  return typeof agent === 'object' && agent !== null && clientAgents.has(agent);
}

/** Agent options the package sets on agents it makes (keep-alive, pool size, CONNECT time limit). */
export interface AgentSettings {
  keepAlive?: boolean;
  timeout?: number;
  maxSockets?: number;
  scheduling?: 'fifo' | 'lifo';
  connectTimeoutMs?: number;
}

/** Validates the `proxy`, `ca` and `agent` options and reads the proxy environment variables (once). */
export function parseTransport(
  options: { proxy?: unknown; ca?: unknown; agent?: unknown },
  env: NodeJS.ProcessEnv = process.env,
): Transport {
  const agents = parseAgents(options.agent);
  const ca = parseCa(options.ca);
  if (agents.http !== undefined && agents.https !== undefined && (ca !== undefined || options.proxy !== undefined)) {
    throw configError(
      'give either `agent` (your own agents) or `proxy`/`ca`: with both agents given, they would not apply',
    );
  }
  return { rules: ProxyRules.resolve(options.proxy, env), ca, agents };
}

/**
 * A new agent of the package's for `protocol` that follows the transport's rules: the app's own agent when it gave one
 * (then `owned` is false: the package never destroys it), else a tunnelling or forwarding agent when a proxy may
 * apply, else a plain keep-alive agent; with the `ca` option for https.
 */
export function transportAgent(
  transport: Transport,
  protocol: 'http:' | 'https:',
  settings: AgentSettings,
): { agent: http.Agent; owned: boolean } {
  const given = protocol === 'https:' ? transport.agents.https : transport.agents.http;
  if (given !== undefined) {
    clientAgents.add(given);
    return { agent: given, owned: false };
  }
  const { connectTimeoutMs, ...agentOptions } = settings;
  let agent: http.Agent;
  if (protocol === 'http:') {
    agent =
      transport.rules === undefined
        ? new http.Agent(agentOptions)
        : new ForwardAgent(transport.rules, { ...agentOptions, connectTimeoutMs });
  } else {
    const tlsOptions =
      transport.ca === undefined ? {} : { ca: transport.ca as string | Buffer | Array<string | Buffer> };
    agent =
      transport.rules === undefined
        ? new https.Agent({ ...agentOptions, ...tlsOptions })
        : new TunnelAgent(transport.rules, { ...agentOptions, ...tlsOptions, connectTimeoutMs });
  }
  clientAgents.add(agent);
  return { agent, owned: true };
}

/**
 * What the API client's axios defaults get: `proxy: false` always (axios's own proxy support reads the environment
 * per request and does not tunnel https targets properly: the package's agents follow the rules instead), and agents
 * only where something differs from Node's defaults, so that without a proxy, CA or agent nothing changes.
 */
export function axiosTransport(
  transport: Transport,
  settings: AgentSettings,
): { proxy: false; httpAgent?: http.Agent; httpsAgent?: https.Agent } {
  const made: { proxy: false; httpAgent?: http.Agent; httpsAgent?: https.Agent } = { proxy: false };
  if (transport.rules !== undefined || transport.agents.http !== undefined) {
    made.httpAgent = transportAgent(transport, 'http:', settings).agent;
  }
  if (transport.rules !== undefined || transport.ca !== undefined || transport.agents.https !== undefined) {
    made.httpsAgent = transportAgent(transport, 'https:', settings).agent as https.Agent;
  }
  return made;
}

function parseAgents(value: unknown): TransportAgents {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError('`agent` must be an object like { https: new https.Agent({ ... }) }');
  }
  const given = value as Record<string, unknown>;
  const agents: TransportAgents = {};
  for (const key of Object.keys(given)) {
    if (key !== 'http' && key !== 'https') {
      throw configError(`received an unsupported option, \`agent.${key}\`: \`agent\` takes \`http\` and \`https\``);
    }
  }
  if (given.http !== undefined) {
    if (!(given.http instanceof http.Agent)) throw configError('`agent.http` must be an http.Agent');
    agents.http = given.http;
  }
  if (given.https !== undefined) {
    if (!(given.https instanceof https.Agent)) throw configError('`agent.https` must be an https.Agent');
    agents.https = given.https;
  }
  return agents;
}

function parseCa(value: unknown): CertificateAuthorities | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const pem = (item: unknown): boolean =>
    (typeof item === 'string' || Buffer.isBuffer(item)) && item.toString().includes('-----BEGIN CERTIFICATE-----');
  if (items.length === 0 || items.length > 1000 || !items.every(pem)) {
    throw configError(
      '`ca` must be a PEM certificate (a string or Buffer holding -----BEGIN CERTIFICATE-----) or an array of them',
    );
  }
  return value as CertificateAuthorities;
}
