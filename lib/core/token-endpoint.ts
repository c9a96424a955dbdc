// lib/core/token-endpoint.ts
// TokenEndpoint: one OAuth2 client-credentials request on node:http(s), bounded and isolated, every failure a GrafxAuthError.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { MAX_TOKEN_RESPONSE_BYTES } from './bounds.js';
import { BodyReadError, readBoundedBody } from './bounded-body.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, clientClosedError } from './errors.js';
import { LoginQueue } from './login-queue.js';
import type { ClientAuthMethod, ResolvedOptions } from './options.js';
import { ProxyError } from './proxy-agents.js';
import { createRedactor, formEncode } from './redaction.js';
import { type GrantedToken, type TokenAnswer, parseTokenResponse, retryAfterSeconds } from './token-response.js';
import { transportAgent } from './transport.js';

export type { GrantedToken } from './token-response.js';
export { retryAfterSeconds } from './token-response.js';

/**
 * The headers of a token request with a body of `length` characters (and a Basic `authorization`, if given): a literal,
 * not a copy of a constant given a key more, which V8 makes about twenty times slower.
 */
function requestHeaders(length: number, authorization?: string): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'express-grafx-auth',
    // Form-encoded, the body is ASCII: as many bytes as characters.
    'content-length': String(length),
  };
  if (authorization !== undefined) headers.authorization = authorization;
  return headers;
}

export interface TokenRequest {
  integration: string;
  clientId: string;
  clientSecret: string;
}

/** What the endpoint needs of the resolved options. */
export type TokenEndpointOptions = Pick<
  ResolvedOptions,
  'tokenURL' | 'audience' | 'timeoutMs' | 'tokenParams' | 'clientAuthMethod' | 'tokenRequests' | 'transport' | 'clock'
>;

/**
 * The HTTP client of the token endpoint. It uses node:http(s) with agents of its own, not axios: nothing an app sets
 * up globally (axios.defaults, its interceptors or common headers, http.globalAgent) sees the request or the secret.
 * Redirects are never followed; the answer is read up to {@link MAX_TOKEN_RESPONSE_BYTES}, also once decompressed.
 * Every request takes its turn in the client's LoginQueue first (bounded concurrency, a 429 pauses them all); its
 * `timeoutMs` starts when it leaves the queue. It goes through the proxy the transport's rules name for the login
 * server (decided once: the agent tunnels https through CONNECT), or the app's own agent.
 */
export class TokenEndpoint {
  readonly #url: URL;
  /** The token URL's parts a request is made of (worked out once: a URL given to request() is taken apart each time). */
  readonly #target: { protocol: string; hostname: string; port: number | undefined; path: string };
  readonly #timeoutMs: number;
  /** The form's fields every request of the client sends (grant type, audience, `tokenParams`), encoded once. */
  readonly #form: string;
  readonly #authMethod: ClientAuthMethod;
  readonly #closing: AbortSignal;
  readonly #agent: http.Agent;
  /** Whether the agent is the package's own (destroyed on close), not one the app gave. */
  readonly #ownAgent: boolean;
  /** Whether requests go to a proxy in absolute form (plain http through a proxy): then a socket error is the proxy's. */
  readonly #forwarded: boolean;
  readonly #queue: LoginQueue;
  /** The requests in flight, destroyed when the client closes (queued ones included, not only those on a socket). */
  readonly #inFlight = new Set<http.ClientRequest>();

  /** @param closing aborts every request in flight (and closes the agent's sockets) when the client closes. */
  constructor(options: TokenEndpointOptions, closing: AbortSignal) {
    this.#url = new URL(options.tokenURL);
    this.#timeoutMs = options.timeoutMs;
    const form = new URLSearchParams({ grant_type: 'client_credentials', audience: options.audience });
    for (const [name, value] of options.tokenParams) form.append(name, value);
    this.#form = form.toString();
    this.#authMethod = options.clientAuthMethod;
    this.#closing = closing;
    const { maxConcurrent, queueTimeoutMs } = options.tokenRequests;
    this.#queue = new LoginQueue({ maxConcurrent, queueTimeoutMs, clock: options.clock, closing });
    const protocol = this.#url.protocol === 'https:' ? 'https:' : 'http:';
    // Like Node's global agent (keep-alive, idle sockets closed after 5 s), but the package's own; as many sockets as
    // the queue lets requests go at once, so that no request waits for a socket once it left the queue.
    const made = transportAgent(options.transport, protocol, {
      keepAlive: true,
      timeout: 5000,
      scheduling: 'lifo',
      maxSockets: maxConcurrent,
      connectTimeoutMs: options.timeoutMs,
    });
    this.#agent = made.agent;
    this.#ownAgent = made.owned;
    // As request() takes a URL apart (an IPv6 host without its brackets, the path with its query).
    const { hostname, port: explicitPort, path } = urlToHttpOptions(this.#url);
    this.#target = {
      protocol,
      hostname: hostname as string,
      port: explicitPort === undefined || explicitPort === null ? undefined : Number(explicitPort),
      path: path as string,
    };
    const port = Number(this.#url.port || (protocol === 'https:' ? 443 : 80));
    this.#forwarded =
      made.owned &&
      protocol === 'http:' &&
      options.transport.rules?.proxyFor(protocol, this.#url.hostname, port) !== undefined;
    closing.addEventListener(
      'abort',
      () => {
        for (const req of this.#inFlight) req.destroy(new Error('closed'));
        if (this.#ownAgent) this.#agent.destroy();
      },
      { once: true },
    );
  }

  /** Asks for a token. Resolves with the grant, or rejects with a GrafxAuthError that holds no secret. */
  async request({ integration, clientId, clientSecret }: TokenRequest): Promise<GrantedToken> {
    if (this.#closing.aborted) throw clientClosedError(integration);
    const turn = this.#queue.enter(integration);
    if (turn !== undefined) {
      try {
        await turn;
      } catch (error) {
        if (this.#closing.aborted) throw clientClosedError(integration);
        throw error;
      }
    }
    const deadline = { passed: false };
    let answer: TokenAnswer;
    try {
      answer = await this.#exchange(clientId, clientSecret, deadline);
    } catch (error) {
      this.#queue.leave(undefined);
      if (this.#closing.aborted) throw clientClosedError(integration);
      throw this.#failure(integration, error, deadline.passed);
    }
    const rateLimited = answer.status === 429;
    this.#queue.leave(
      answer.status,
      rateLimited ? retryAfterSeconds(answer.headers as Record<string, unknown>) : undefined,
    );
    if (answer.status === 407 && this.#forwarded) {
      throw new GrafxAuthError(
        GRAFX_ERROR_CODES.PROXY_REFUSED,
        'The proxy refused to forward the token request (407: it wants credentials)',
        { status: 502, integration, cause: new Error('407') },
      );
    }
    return parseTokenResponse(integration, answer, createRedactor([clientSecret], clientId));
  }

  /** The form body and headers of the request: the credentials in the body or in a Basic header (RFC 6749 §2.3.1). */
  #encode(clientId: string, clientSecret: string): { body: string; headers: Record<string, string> } {
    if (this.#authMethod === 'client_secret_basic') {
      const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
      const body = this.#form;
      return { body, headers: requestHeaders(body.length, `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`) };
    }
    const body = `${this.#form}&client_id=${formEncode(clientId)}&client_secret=${formEncode(clientSecret)}`;
    return { body, headers: requestHeaders(body.length) };
  }

  /**
   * One request, destroyed when `timeoutMs` passes (`deadline.passed` then says so) or the client closes. A timer
   * and the set of requests in flight, rather than AbortSignal.timeout() and AbortSignal.any() per request: those
   * cost more than the rest of the request's own work.
   *
   * A kept-alive socket the server closed while idle fails the next request on it before any answer (ECONNRESET,
   * EPIPE): that request is sent once more, on another socket, within the same `timeoutMs` (Node's own advice for
   * `request.reusedSocket`). A client-credentials grant has no effect on the server but a new token, so sending it
   * again is safe; a request that failed on a fresh connection is not sent again.
   */
  #exchange(clientId: string, clientSecret: string, deadline: { passed: boolean }): Promise<TokenAnswer> {
    const { body, headers } = this.#encode(clientId, clientSecret);
    const transport = this.#url.protocol === 'https:' ? https : http;
    return new Promise<TokenAnswer>((resolve, reject) => {
      let current: http.ClientRequest | undefined;
      const timer = setTimeout(() => {
        deadline.passed = true;
        current?.destroy(new Error('timeout'));
      }, this.#timeoutMs);
      const send = (resent: boolean): void => {
        const { protocol, hostname, port, path } = this.#target;
        const req = transport.request({ protocol, hostname, port, path, method: 'POST', headers, agent: this.#agent });
        let answered = false;
        current = req;
        this.#inFlight.add(req);
        const settled = (): void => {
          clearTimeout(timer);
          this.#inFlight.delete(req);
        };
        req.on('response', (response: IncomingMessage) => {
          answered = true;
          readBoundedBody(response, MAX_TOKEN_RESPONSE_BYTES).then(
            (text) => {
              settled();
              resolve({ status: response.statusCode ?? 0, headers: response.headers, text });
            },
            (error: unknown) => {
              settled();
              reject(error);
            },
          );
        });
        req.on('error', (error) => {
          this.#inFlight.delete(req);
          if (!resent && !answered && !deadline.passed && !this.#closing.aborted && closedWhileIdle(req, error)) {
            send(true);
            return;
          }
          settled();
          reject(error);
        });
        req.end(body);
      };
      send(false);
    });
  }

  #failure(integration: string, error: unknown, timedOut: boolean): GrafxAuthError {
    if (timedOut) {
      return new GrafxAuthError(
        GRAFX_ERROR_CODES.TOKEN_TIMEOUT,
        `The login server did not answer within ${this.#timeoutMs} ms`,
        { status: 504, integration, cause: new Error('timeout') },
      );
    }
    if (error instanceof ProxyError) {
      return new GrafxAuthError(error.code, error.message, {
        status: 502,
        integration,
        cause: new Error(error.status === undefined ? 'proxy unreachable' : String(error.status)),
      });
    }
    if (error instanceof BodyReadError) {
      return new GrafxAuthError(
        GRAFX_ERROR_CODES.TOKEN_INVALID_RESPONSE,
        `The login server's answer: ${error.message}`,
        {
          status: 502,
          integration,
          cause: new Error(error.reason),
        },
      );
    }
    // Only the error code and a fixed message travel on: nothing of the request (the form body) is kept.
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'network error';
    if (this.#forwarded) {
      return new GrafxAuthError(
        GRAFX_ERROR_CODES.PROXY_UNREACHABLE,
        `The proxy could not be reached or closed the connection (${reason})`,
        { status: 502, integration, cause: new Error(reason) },
      );
    }
    return new GrafxAuthError(
      GRAFX_ERROR_CODES.TOKEN_UNREACHABLE,
      `The login server could not be reached (${reason})`,
      { status: 502, integration, cause: new Error(reason) },
    );
  }
}

/** The request went out on a kept-alive socket that the server had closed meanwhile: no answer came, none will. */
function closedWhileIdle(req: http.ClientRequest, error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
}
