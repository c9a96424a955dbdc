// lib/core/proxy-rules.ts
// ProxyRules: which proxy (if any) a request to a host goes through: the `proxy` option or HTTPS_PROXY/HTTP_PROXY, minus NO_PROXY.
import { isIP } from 'node:net';
import { configError } from './errors.js';

/** The longest NO_PROXY list read, in characters, and the most entries kept of it. */
const MAX_NO_PROXY_LENGTH = 8192;
const MAX_NO_PROXY_ENTRIES = 256;
/** How many hosts' decisions are remembered (a request to a host decided before costs one Map look-up). */
const MAX_REMEMBERED_HOSTS = 256;

/** A proxy: where to connect, and the `Proxy-Authorization` header when its URL carries `user:password@`. */
export interface Proxy {
  readonly host: string;
  readonly port: number;
  /** `Basic …` from the URL's credentials; never printed. */
  readonly authorization: string | undefined;
}

/** One NO_PROXY entry: a host name (itself and its subdomains), an IP address or range, any port or one. */
interface Exclusion {
  readonly host: string;
  readonly port: number | undefined;
  /** For an IP range (`10.0.0.0/8`): the address as a bigint and the prefix length. */
  readonly range: { readonly bits: bigint; readonly prefix: number; readonly v6: boolean } | undefined;
}

/** The environment variables read, in order of precedence (lower case first, as curl). */
const HTTPS_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] as const;
const HTTP_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'] as const;
const NO_PROXY_VARIABLES = ['no_proxy', 'NO_PROXY'] as const;

/**
 * The proxy rules of one client, decided once when the client is made (the environment is read then, not per
 * request): for an `https:` target the `proxy` option or `https_proxy`/`HTTPS_PROXY` (then `all_proxy`/`ALL_PROXY`),
 * for an `http:` target the `proxy` option or `http_proxy`/`HTTP_PROXY` (then `all_proxy`), except for hosts listed in
 * `no_proxy`/`NO_PROXY` (as curl: `*` for every host, `example.com` or `.example.com` for it and its subdomains,
 * an IP address or CIDR range, an optional `:port`). `proxy: false` means no proxy whatever the environment says.
 */
export class ProxyRules {
  readonly #https: Proxy | undefined;
  readonly #http: Proxy | undefined;
  readonly #exclusions: readonly Exclusion[];
  readonly #excludeAll: boolean;
  readonly #decided = new Map<string, Proxy | undefined>();

  private constructor(https: Proxy | undefined, http: Proxy | undefined, noProxy: string) {
    this.#https = https;
    this.#http = http;
    const entries = parseNoProxy(noProxy);
    this.#excludeAll = entries === 'all';
    this.#exclusions = entries === 'all' ? [] : entries;
  }

  /**
   * The rules of the `proxy` option (a URL string, `false`, or undefined for the environment) and the environment.
   * Undefined when no request would ever go through a proxy. Throws GRAFX_CONFIG_INVALID naming the option or
   * variable at fault (never its value: a proxy URL can carry a password).
   */
  static resolve(option: unknown, env: NodeJS.ProcessEnv): ProxyRules | undefined {
    if (option === false) return undefined;
    const noProxy = firstSet(env, NO_PROXY_VARIABLES)?.value ?? '';
    if (option !== undefined) {
      if (typeof option !== 'string' || option.trim() === '') {
        throw configError('`proxy` must be a proxy URL such as "http://proxy.example:3128", or false');
      }
      const proxy = parseProxyURL(option, '`proxy`');
      return new ProxyRules(proxy, proxy, noProxy);
    }
    const https = firstSet(env, HTTPS_VARIABLES);
    const http = firstSet(env, HTTP_VARIABLES);
    if (https === undefined && http === undefined) return undefined;
    return new ProxyRules(
      https === undefined ? undefined : parseProxyURL(https.value, `the environment variable ${https.name}`),
      http === undefined ? undefined : parseProxyURL(http.value, `the environment variable ${http.name}`),
      noProxy,
    );
  }

  /** The proxy a request to `host:port` over `protocol` goes through, or undefined to connect directly. */
  proxyFor(protocol: 'http:' | 'https:', host: string, port: number): Proxy | undefined {
    const proxy = protocol === 'https:' ? this.#https : this.#http;
    if (proxy === undefined || this.#excludeAll) return undefined;
    const name = `${host.toLowerCase()}:${port}`;
    if (this.#decided.has(name)) return this.#decided.get(name) === undefined ? undefined : proxy;
    const excluded = this.#exclusions.some((exclusion) => matches(exclusion, host, port));
    if (this.#decided.size >= MAX_REMEMBERED_HOSTS) this.#decided.clear();
    this.#decided.set(name, excluded ? undefined : proxy);
    return excluded ? undefined : proxy;
  }
}

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (typeof value === 'string' && value.trim() !== '') return { name, value: value.trim() };
  }
  return undefined;
}

/** An `http://` proxy URL (a bare `host:port` is taken as http://, as curl does); the error never shows the value. */
function parseProxyURL(text: string, name: string): Proxy {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw configError(`${name} is not a proxy URL such as "http://proxy.example:3128"`);
  }
  if (url.protocol !== 'http:') {
    throw configError(
      `${name} must be an http:// proxy URL (the proxy is asked over plain HTTP, https targets through CONNECT), not ${url.protocol}`,
    );
  }
  if (url.hostname === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw configError(`${name} must be a proxy URL such as "http://proxy.example:3128", without a path or query`);
  }
  const authorization =
    url.username === '' && url.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`, 'utf8').toString('base64')}`;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 80 : Number(url.port), authorization };
}

/** NO_PROXY as a list of exclusions, or 'all' for `*`. */
function parseNoProxy(value: string): Exclusion[] | 'all' {
  const exclusions: Exclusion[] = [];
  for (const raw of value.slice(0, MAX_NO_PROXY_LENGTH).split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return 'all';
    if (exclusions.length >= MAX_NO_PROXY_ENTRIES) break;
    exclusions.push(parseExclusion(entry));
  }
  return exclusions;
}

function parseExclusion(entry: string): Exclusion {
  let host = entry;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else {
    const withPort = /^([^:]+):(\d+)$/.exec(entry);
    if (withPort !== null) {
      host = withPort[1] ?? '';
      port = Number(withPort[2]);
    }
  }
  const cidr = /^(.+)\/(\d{1,3})$/.exec(host);
  if (cidr !== null) {
    const address = cidr[1] ?? '';
    const version = isIP(address);
    const prefix = Number(cidr[2]);
    if (version !== 0 && prefix <= (version === 6 ? 128 : 32)) {
      return { host: address, port, range: { bits: addressBits(address), prefix, v6: version === 6 } };
    }
  }
  // `*.example.com` and `.example.com` both mean example.com's subdomains (and, as curl, example.com itself).
  return { host: host.replace(/^\*?\.+/, ''), port, range: undefined };
}

function matches(exclusion: Exclusion, hostname: string, port: number): boolean {
  if (exclusion.port !== undefined && exclusion.port !== port) return false;
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (exclusion.range !== undefined) {
    const version = isIP(host);
    if (version === 0 || (version === 6) !== exclusion.range.v6) return false;
    const width = exclusion.range.v6 ? 128 : 32;
    const shift = BigInt(width - exclusion.range.prefix);
    return addressBits(host) >> shift === exclusion.range.bits >> shift;
  }
  if (isIP(host) !== 0 || isIP(exclusion.host) !== 0) return host === exclusion.host;
  return host === exclusion.host || host.endsWith(`.${exclusion.host}`);
}

/** An IPv4 or IPv6 address as an unsigned integer (IPv4 32 bits, IPv6 128 bits). */
function addressBits(address: string): bigint {
  if (isIP(address) === 4) {
    return address.split('.').reduce((bits, part) => (bits << 8n) | BigInt(Number(part)), 0n);
  }
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const bits = addressBits(v4[1] ?? '');
    text = `${text.slice(0, -(v4[1] ?? '').length)}${(bits >> 16n).toString(16)}:${(bits & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((bits, group) => (bits << 16n) | BigInt(parseInt(group, 16) || 0), 0n);
}
