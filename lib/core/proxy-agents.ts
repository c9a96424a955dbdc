// lib/core/proxy-agents.ts
// Agents that follow ProxyRules: a CONNECT tunnel for https targets, absolute-form requests for http ones; direct otherwise.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { GRAFX_ERROR_CODES } from './errors.js';
import type { Proxy, ProxyRules } from './proxy-rules.js';

/** The longest CONNECT handshake waited for when the agent is given no `connectTimeoutMs`. */
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * A failure of the proxy itself: it refused the CONNECT (`GRAFX_PROXY_REFUSED`, with its status) or could not be
 * reached or dropped the connection before answering (`GRAFX_PROXY_UNREACHABLE`). Its message names the proxy's host
 * and port only (never its credentials) and nothing of the request. axios hands it on as the `cause` of its error,
 * whose `code` is this one's.
 */
export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  readonly code: typeof GRAFX_ERROR_CODES.PROXY_REFUSED | typeof GRAFX_ERROR_CODES.PROXY_UNREACHABLE;
  /** The status the proxy answered the CONNECT with, when it answered. */
  readonly status: number | undefined;

  constructor(proxy: Proxy, status: number | undefined, reason?: string) {
    const where = `${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}`;
    super(
      status === undefined
        ? `The proxy ${where} could not be reached or closed the connection (${reason ?? 'network error'})`
        : `The proxy ${where} refused to open a tunnel (it answered ${status} to CONNECT)`,
    );
    this.code = status === undefined ? GRAFX_ERROR_CODES.PROXY_UNREACHABLE : GRAFX_ERROR_CODES.PROXY_REFUSED;
    this.status = status;
  }
}

/** Options of the agents (Node's agent options, plus how long a CONNECT may take). */
export interface ProxyAgentOptions extends https.AgentOptions {
  /** Time limit of opening a tunnel through the proxy (connecting to it and its answer to CONNECT). */
  connectTimeoutMs?: number;
}

type ConnectOptions = tls.ConnectionOptions & http.ClientRequestArgs & { host?: string; port?: number };
type Created = (error: Error | null, socket: Duplex) => void;
/** Marks the connection options of a request the ForwardAgent sends to a proxy (which proxy). */
const THROUGH = Symbol('express-grafx-auth.through-proxy');

/**
 * An https.Agent whose connections to a host the rules send through a proxy are TLS over a CONNECT tunnel (the proxy
 * sees the host and port, never the request: no path, header, body or token). Keep-alive pools the tunnelled TLS
 * sockets per target as usual, so the CONNECT happens once per connection, not per request. Destroying the agent also
 * ends the tunnels being opened.
 */
export class TunnelAgent extends https.Agent {
  readonly #rules: ProxyRules;
  readonly #connectTimeoutMs: number;
  readonly #opening = new Set<http.ClientRequest>();

  constructor(rules: ProxyRules, { connectTimeoutMs, ...options }: ProxyAgentOptions = {}) {
    super(options);
    this.#rules = rules;
    this.#connectTimeoutMs = connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  override createConnection(options: http.RequestOptions, callback?: Created): Duplex | undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    const proxy = this.#rules.proxyFor('https:', host, port);
    const direct = super.createConnection as (options: http.RequestOptions) => Duplex;
    if (proxy === undefined) return direct.call(this, options);
    const done = once(callback);
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const headers: Record<string, string> = { host: authority };
    if (proxy.authorization !== undefined) headers['proxy-authorization'] = proxy.authorization;
    const connect = http.request({
      host: proxy.host,
      port: proxy.port,
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
      timeout: this.#connectTimeoutMs,
    });
    this.#opening.add(connect);
    connect.once('close', () => this.#opening.delete(connect));
    connect.once('timeout', () => connect.destroy(new ProxyError(proxy, undefined, 'timeout')));
    connect.once('connect', (response: http.IncomingMessage, socket: net.Socket) => {
      this.#opening.delete(connect);
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        socket.destroy();
        done(new ProxyError(proxy, status));
        return;
      }
      // The tunnel is open: TLS with the target, as a direct connection would (CA, server name, checks).
      const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket, host });
      done(null, secure);
    });
    connect.once('response', (response: http.IncomingMessage) => {
      // A proxy that answers CONNECT with an ordinary response (no upgrade): a refusal.
      response.resume();
      connect.destroy();
      done(new ProxyError(proxy, response.statusCode ?? 0));
    });
    connect.once('error', (error: Error) => {
      done(error instanceof ProxyError ? error : new ProxyError(proxy, undefined, errorCode(error)));
    });
    connect.end();
    return undefined;
  }

  override destroy(): void {
    for (const connect of this.#opening) connect.destroy();
    this.#opening.clear();
    super.destroy();
  }
}

/**
 * An http.Agent whose requests to a host the rules send through a proxy go to the proxy in absolute form
 * (`POST http://host/path`), as curl sends plain http:// through a proxy. The proxy sees such a request whole, as
 * anyone on the way would: plain http carries nothing secret only on loopback (see `allowInsecureHttp`).
 */
export class ForwardAgent extends http.Agent {
  readonly #rules: ProxyRules;
  readonly #connectTimeoutMs: number;

  constructor(rules: ProxyRules, { connectTimeoutMs, ...options }: ProxyAgentOptions = {}) {
    super(options);
    this.#rules = rules;
    this.#connectTimeoutMs = connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** Node's (undocumented but stable) hook between a request and its socket: the one place to rewrite its target. */
  addRequest(req: http.ClientRequest, options: ConnectOptions): void {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 80);
    const proxy = this.#rules.proxyFor('http:', host, port);
    const parent = http.Agent.prototype as unknown as { addRequest(req: http.ClientRequest, o: ConnectOptions): void };
    if (proxy === undefined) {
      parent.addRequest.call(this, req, options);
      return;
    }
    const authority = `${host.includes(':') ? `[${host}]` : host}${port === 80 ? '' : `:${port}`}`;
    if (!/^[a-z]+:\/\//i.test(req.path)) req.path = `http://${authority}${req.path}`;
    if (proxy.authorization !== undefined) req.setHeader('proxy-authorization', proxy.authorization);
    const toProxy = { ...options, host: proxy.host, port: proxy.port, servername: undefined, [THROUGH]: proxy };
    parent.addRequest.call(this, req, toProxy);
  }

  /**
   * A connection to the proxy: one that cannot be made (refused, timed out, reset before it opened) fails the request
   * with a ProxyError (`GRAFX_PROXY_UNREACHABLE`), as a CONNECT tunnel's does, not with a bare ECONNREFUSED.
   */
  override createConnection(options: ConnectOptions & { [THROUGH]?: Proxy }, callback?: Created): Duplex | undefined {
    const proxy = options[THROUGH];
    const direct = super.createConnection as (options: http.RequestOptions) => net.Socket;
    if (proxy === undefined) return direct.call(this, options);
    const done = once(callback);
    const socket = direct.call(this, options);
    const timer = setTimeout(() => socket.destroy(new ProxyError(proxy, undefined, 'timeout')), this.#connectTimeoutMs);
    const failed = (error: Error): void => {
      clearTimeout(timer);
      done(error instanceof ProxyError ? error : new ProxyError(proxy, undefined, errorCode(error)));
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      done(null, socket);
    });
    return undefined;
  }
}

/** Calls `callback` at most once (a CONNECT can fail after it answered, or time out after it failed). */
function once(callback: Created | undefined): (error: Error | null, socket?: Duplex) => void {
  let called = false;
  return (error, socket) => {
    if (called) {
      socket?.destroy();
      return;
    }
    called = true;
    callback?.(error, socket as Duplex);
  };
}

/** A system error's code (`ECONNREFUSED`), or nothing of its message. */
function errorCode(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'network error';
}
