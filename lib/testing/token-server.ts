// lib/testing/token-server.ts
// The stand-in's login server: POST /oauth/token (client credentials) answering like Auth0, with injectable faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EndpointTls, HttpEndpoint, STAND_IN_HOST } from './http-endpoint.js';
import { BodyTooLargeError, canAnswer, mediaType, readBody, sendJson, sendText } from './http-io.js';
import type { TokenStore } from './token-store.js';
import type { RecordedTokenRequest, StandInCounts, TokenFault } from './types.js';
import { checkInteger } from './validate.js';

/** The path of the token endpoint. */
export const TOKEN_PATH = '/oauth/token';

const BODY_LIMIT_BYTES = 64 * 1024;
const TOKEN_FAULTS: ReadonlySet<string> = new Set<TokenFault>([
  'reject',
  'server-error',
  'rate-limit',
  'html',
  'truncated',
  'no-access-token',
  'hang',
  'refuse',
]);

/** A fault waiting in the queue, for `remaining` more requests (Infinity: until cleared). */
interface QueuedFault {
  fault: Exclude<TokenFault, 'refuse'>;
  remaining: number;
  retryAfterSeconds: number;
}

/** The token request's fields; `invalid` when the body could not be parsed. */
interface TokenFields {
  grantType: string | undefined;
  audience: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  invalid: boolean;
}

/** What the token server shares with the rest of the stand-in. */
export interface TokenServerContext {
  readonly store: TokenStore;
  readonly counts: StandInCounts;
  readonly recorded: RecordedTokenRequest[];
  /** The audience token requests must carry. */
  readonly audience: string;
}

/** The login server: the HTTP endpoint, its fault queue, its delay and the requests it holds hung. */
export class TokenServer {
  /** Delay before each answer, in milliseconds. */
  delayMs = 0;
  private readonly endpoint: HttpEndpoint;
  private readonly faults: QueuedFault[] = [];
  private readonly hung = new Set<ServerResponse>();
  private readonly delays = new Map<NodeJS.Timeout, () => void>();
  /** Set while 'refuse' is in effect: the stop of the endpoint, awaited before listening again. */
  private refusing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly context: TokenServerContext,
    port: number,
    tls?: EndpointTls,
  ) {
    this.endpoint = new HttpEndpoint((req, res) => this.handle(req, res), port, tls);
  }

  /** `http://127.0.0.1:<port>/oauth/token` (`https://` with the stand-in's `tls` option). */
  get url(): string {
    return `${this.endpoint.scheme}://${STAND_IN_HOST}:${this.endpoint.port}${TOKEN_PATH}`;
  }

  /** Starts listening. */
  start(): Promise<void> {
    return this.endpoint.start();
  }

  /** See GrafxStandIn.tokenFault. */
  inject(fault: TokenFault, options: { times?: number; retryAfterSeconds?: number } = {}): void {
    if (typeof fault !== 'string' || !TOKEN_FAULTS.has(fault)) {
      throw new TypeError(
        `express-grafx-auth/testing: unknown token fault; use one of ${[...TOKEN_FAULTS].join(', ')}`,
      );
    }
    const times = options.times === undefined ? Infinity : checkInteger(options.times, 'times', 1);
    const retryAfterSeconds =
      options.retryAfterSeconds === undefined ? 1 : checkInteger(options.retryAfterSeconds, 'retryAfterSeconds', 0);
    if (fault === 'refuse') {
      if (this.refusing === undefined && !this.closed) this.refusing = this.endpoint.stop();
      return;
    }
    // A fault injected after one that had no `times` ends that one: the new injection is the "until" it waited for.
    for (let i = this.faults.length - 1; i >= 0; i--) {
      if (this.faults[i]?.remaining === Infinity) this.faults.splice(i, 1);
    }
    this.faults.push({ fault, remaining: times, retryAfterSeconds });
  }

  /** Empties the fault queue, drops hung requests and, after 'refuse', listens again on the same port. */
  async clearFaults(): Promise<void> {
    this.faults.length = 0;
    this.dropHung();
    const refusing = this.refusing;
    if (refusing === undefined) return;
    await refusing;
    this.refusing = undefined;
    if (!this.closed) await this.endpoint.start();
  }

  /** Stops listening for good, destroys every socket and cancels pending delays. */
  async close(): Promise<void> {
    this.closed = true;
    this.faults.length = 0;
    this.dropHung();
    for (const [timer, finish] of this.delays) {
      clearTimeout(timer);
      finish();
    }
    this.delays.clear();
    await Promise.all([this.endpoint.stop(), this.refusing]);
  }

  private dropHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  private takeFault(): QueuedFault | undefined {
    const first = this.faults[0];
    if (first === undefined) return undefined;
    first.remaining -= 1;
    if (first.remaining <= 0) this.faults.shift();
    return first;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://stand-in').pathname;
    if (pathname !== TOKEN_PATH) {
      sendJson(res, 404, { error: 'not_found', error_description: 'Not Found' });
      return;
    }
    const { counts, recorded, store, audience } = this.context;
    counts.tokenRequests += 1;

    const contentType = req.headers['content-type'];
    let fields: TokenFields;
    let tooLarge = false;
    try {
      fields = parseFields(contentType, await readBody(req, BODY_LIMIT_BYTES));
    } catch (error) {
      tooLarge = error instanceof BodyTooLargeError;
      fields = {
        grantType: undefined,
        audience: undefined,
        clientId: undefined,
        clientSecret: undefined,
        invalid: true,
      };
    }
    const secretMatched = store.authenticate(fields.clientId, fields.clientSecret);
    recorded.push({
      contentType,
      grantType: fields.grantType,
      audience: fields.audience,
      clientId: fields.clientId,
      secretMatched,
    });
    if (res.destroyed) return;

    const fault = this.takeFault();
    if (fault?.fault === 'hang') {
      this.hung.add(res);
      res.once('close', () => this.hung.delete(res));
      return;
    }
    await this.delay();
    if (!canAnswer(res)) return;
    if (fault !== undefined) {
      answerFault(res, fault);
      return;
    }

    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method_not_allowed', error_description: 'Use POST' }, { allow: 'POST' });
    } else if (tooLarge) {
      sendJson(res, 413, { error: 'invalid_request', error_description: 'Request body too large' });
    } else if (fields.invalid) {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'Invalid request body' });
    } else if (fields.grantType !== 'client_credentials') {
      sendJson(res, 403, {
        error: 'unsupported_grant_type',
        error_description: `Unsupported grant type: ${fields.grantType ?? '(none)'}`,
      });
    } else if (fields.clientId === undefined || !secretMatched) {
      sendJson(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
    } else if (fields.audience !== audience) {
      sendJson(res, 403, {
        error: 'access_denied',
        error_description: `Service not found: ${fields.audience ?? ''}`,
      });
    } else {
      const grant = store.grant(fields.clientId);
      if (grant.minted) counts.tokensIssued += 1;
      sendJson(
        res,
        200,
        {
          access_token: grant.accessToken,
          token_type: 'Bearer',
          expires_in: grant.expiresIn,
          ...(grant.scope === undefined ? {} : { scope: grant.scope }),
        },
        { 'cache-control': 'no-store', pragma: 'no-cache' },
      );
    }
  }

  /** Waits `delayMs`; cut short (resolved) by close(). */
  private delay(): Promise<void> {
    const ms = this.delayMs;
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.delays.delete(timer);
        resolve();
      }, ms);
      this.delays.set(timer, resolve);
    });
  }
}

/** Parses a form (`application/x-www-form-urlencoded`) or JSON body into the token request's fields. */
function parseFields(contentType: string | undefined, body: string): TokenFields {
  const type = mediaType(contentType);
  if (type === 'application/json' || type.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { grantType: undefined, audience: undefined, clientId: undefined, clientSecret: undefined, invalid: true };
    }
    const object = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
    return {
      grantType: text(object.grant_type),
      audience: text(object.audience),
      clientId: text(object.client_id),
      clientSecret: text(object.client_secret),
      invalid: false,
    };
  }
  // A form, as the platform documents; any other content type carries no fields.
  const form = new URLSearchParams(type === 'application/x-www-form-urlencoded' ? body : '');
  const field = (name: string): string | undefined => form.get(name) ?? undefined;
  return {
    grantType: field('grant_type'),
    audience: field('audience'),
    clientId: field('client_id'),
    clientSecret: field('client_secret'),
    invalid: false,
  };
}

/** Answers an injected fault (every kind but 'hang' and 'refuse', handled before). */
function answerFault(res: ServerResponse, { fault, retryAfterSeconds }: QueuedFault): void {
  switch (fault) {
    case 'reject':
      sendJson(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
      return;
    case 'server-error':
      sendJson(res, 500, { error: 'server_error', error_description: 'Internal error (injected by the stand-in)' });
      return;
    case 'rate-limit': {
      const reset = Math.ceil(Date.now() / 1000) + retryAfterSeconds;
      sendJson(
        res,
        429,
        { error: 'too_many_requests', error_description: 'Global limit has been reached' },
        {
          'retry-after': String(retryAfterSeconds),
          'x-ratelimit-limit': '10',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        },
      );
      return;
    }
    case 'html':
      sendText(
        res,
        200,
        'text/html; charset=utf-8',
        '<html><head><title>Maintenance</title></head><body><h1>Down for maintenance</h1></body></html>',
      );
      return;
    case 'truncated':
      sendText(res, 200, 'application/json; charset=utf-8', '{"access_token":"abc","expi');
      return;
    case 'no-access-token':
      sendJson(res, 200, { token_type: 'Bearer', expires_in: 36000 });
      return;
    case 'hang':
      return;
  }
}
