// lib/core/api-destination.ts
// Where a request really goes: the origin axios's own URL rule gives it, and the transport options that send it elsewhere.
import http from 'node:http';
import https from 'node:https';
import axios, { type InternalAxiosRequestConfig } from 'axios';
import { isClientTransportAgent } from './transport.js';

/**
 * A context for axios's own `Axios.prototype.getUri` with no defaults of its own: the config handed to it is the
 * merged config of a request, as the adapter gets it.
 */
const NO_DEFAULTS = { defaults: {} };
const getUri = axios.Axios.prototype.getUri as (this: typeof NO_DEFAULTS, config: object) => string;

/**
 * A config value as axios's http adapter reads it (`utils.getSafeProp`): an own property, or one inherited from an
 * object other than `Object.prototype`; never a value a polluted `Object.prototype` would lend.
 */
function configValue(config: object, key: string): unknown {
  // Absent wherever it would be looked up (the common case of every transport option): no walk.
  if ((config as Record<string, unknown>)[key] === undefined) return undefined;
  for (
    let at: object | null = config;
    at !== null && at !== Object.prototype;
    at = Object.getPrototypeOf(at) as object | null
  ) {
    if (Object.hasOwn(at, key)) return (at as Record<string, unknown>)[key];
  }
  return undefined;
}

type FullPath = (baseURL: unknown, url: unknown, allowAbsoluteUrls: unknown) => string;

/** axios's `getUri` on just the inputs of its `buildFullPath` (no params: they never change the origin). */
const byGetUri: FullPath = (baseURL, url, allowAbsoluteUrls) =>
  getUri.call(NO_DEFAULTS, { baseURL, url, allowAbsoluteUrls });

/**
 * How the full URL is worked out: axios's own `buildFullPath` itself (`axios/unsafe/core/buildFullPath.js`, an ES
 * module: required where Node can, else imported) once loaded and found to agree with `getUri`; until then, or where
 * it cannot be loaded (Node before 20.19 in CommonJS, another axios), `getUri`, whose config merge costs about 5 % of
 * a request in axios 1.21.
 */
let fullPath: FullPath = byGetUri;
const BUILD_FULL_PATH = 'axios/unsafe/core/buildFullPath.js';
const AGREEMENT: ReadonlyArray<readonly [unknown, unknown, unknown]> = [
  ['https://a.example/b', '/c', undefined],
  ['https://a.example/b/', 'c?d', true],
  ['', 'https://x.example/y', false],
  [null, 'https://x.example/y', false],
  ['https://a.example', 'https://x.example/y', false],
  ['https://a.example', 'https://x.example/y', undefined],
  ['https://a.example', '//x.example/y', undefined],
];

function adopt(module: unknown): void {
  const candidate = (module as { default?: unknown } | null | undefined)?.default;
  if (typeof candidate !== 'function') return;
  const own = candidate as FullPath;
  try {
    if (AGREEMENT.every(([base, url, allow]) => own(base, url, allow) === byGetUri(base, url, allow))) fullPath = own;
  } catch {
    // not the function it was taken for: getUri stays
  }
}

if (typeof require === 'function') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an ES module of axios's, required where Node can
    adopt(require(BUILD_FULL_PATH));
  } catch {
    // Node before 20.19 (no require of an ES module), or an axios without it: getUri stays
  }
} else {
  import(BUILD_FULL_PATH).then(adopt, () => undefined);
}

/**
 * The full URL axios will request for `config` (a request's merged config, after the app's interceptors): axios's
 * own `buildFullPath` (the base is used only when truthy, and for an absolute URL only with
 * `allowAbsoluteUrls: false`) on the values its adapter reads. `undefined` when axios would refuse the URL.
 */
export function requestedURL(config: InternalAxiosRequestConfig): string | undefined {
  try {
    return fullPath(
      configValue(config, 'baseURL'),
      configValue(config, 'url'),
      configValue(config, 'allowAbsoluteUrls'),
    );
  } catch {
    return undefined;
  }
}

/** Connection options of Node's agents that, set on an agent, win over the request's own (Node's Agent#addRequest). */
const AGENT_DESTINATION_OPTIONS = ['host', 'hostname', 'port', 'socketPath', 'path', 'lookup', 'createConnection'];

/**
 * Whether an agent connects where the request says: one of Node's own agents (or a subclass) that makes its
 * connections with Node's own `createConnection` and whose options name no other host, port, socket or lookup.
 * A keep-alive or TLS agent of the app qualifies; a proxy agent does not, unless it is one of the client's own
 * transport agents (see isClientTransportAgent: the `proxy`, `ca` and `agent` options, configured by the app).
 */
function agentGoesToURL(agent: unknown): boolean {
  if (agent === undefined || agent === null || agent === false) return true;
  // The client's own transport (its proxy/ca options and the environment, or its `agent` option): the app's choice.
  if (isClientTransportAgent(agent)) return true;
  if (agent instanceof https.Agent) {
    if (agent.createConnection !== https.Agent.prototype.createConnection) return false;
  } else if (agent instanceof http.Agent) {
    if (agent.createConnection !== http.Agent.prototype.createConnection) return false;
  } else {
    return false;
  }
  const options = (agent as { options?: unknown }).options;
  if (typeof options !== 'object' || options === null) return true;
  return !AGENT_DESTINATION_OPTIONS.some((key) => (options as Record<string, unknown>)[key] != null);
}

/**
 * The transport option of `config` that may send the request somewhere its URL does not say, or `undefined`: a
 * `socketPath`, a `proxy` (an object or URL; the environment's HTTP(S)_PROXY is not an option of the request), a
 * custom `lookup` or `transport`, HTTP/2 options with their own `lookup` or `createConnection`, a custom `fetch` or
 * fetch `dispatcher`, or an agent that does not connect where the URL says (see {@link agentGoesToURL}).
 */
export function reroutingOption(config: InternalAxiosRequestConfig): string | undefined {
  if (configValue(config, 'socketPath')) return 'socketPath';
  if (configValue(config, 'proxy')) return 'proxy';
  if (configValue(config, 'lookup')) return 'lookup';
  if (configValue(config, 'transport')) return 'transport';
  const http2Options = configValue(config, 'http2Options') as Record<string, unknown> | null | undefined;
  if (http2Options?.lookup !== undefined || http2Options?.createConnection !== undefined) return 'http2Options';
  const env = configValue(config, 'env') as Record<string, unknown> | null | undefined;
  if (typeof env === 'object' && env !== null && Object.hasOwn(env, 'fetch') && env.fetch !== undefined)
    return 'env.fetch';
  const fetchOptions = configValue(config, 'fetchOptions') as Record<string, unknown> | null | undefined;
  if (fetchOptions?.dispatcher !== undefined) return 'fetchOptions.dispatcher';
  if (!agentGoesToURL(configValue(config, 'httpAgent'))) return 'httpAgent';
  if (!agentGoesToURL(configValue(config, 'httpsAgent'))) return 'httpsAgent';
  return undefined;
}

/**
 * THE decision of where the token goes: whether a request (its merged config, as the package's adapter gets it,
 * after every interceptor of the app) goes to the API's origin. It goes there when the URL axios will request is on
 * `apiOrigin` (`apiHref`, the API base without a trailing slash, lets the common case skip parsing) and no transport
 * option sends it elsewhere, unless the app allowed its transport options (`allowTransport`).
 */
export function goesToApi(
  config: InternalAxiosRequestConfig,
  apiOrigin: string,
  apiHref: string,
  allowTransport: boolean,
): boolean {
  const url = requestedURL(config);
  if (url === undefined) return false;
  if (!startsAt(url, apiHref)) {
    let origin: string;
    try {
      // As axios's http adapter parses it (a socket path lends a placeholder base: its URL is the placeholder's).
      origin = new URL(url, configValue(config, 'socketPath') ? 'http://localhost' : undefined).origin;
    } catch {
      return false;
    }
    if (origin !== apiOrigin) return false;
  }
  return allowTransport || reroutingOption(config) === undefined;
}

/** Whether `url` is `href` itself or goes on after it with a path, query or fragment (so its authority is `href`'s). */
function startsAt(url: string, href: string): boolean {
  if (!url.startsWith(href)) return false;
  const next = url.charCodeAt(href.length);
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */ || next === 35; /* # */
}
