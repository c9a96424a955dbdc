// __tests__/helpers/login-server.ts
// useLoginServer(): a node:http login server of the test's own on 127.0.0.1:0 that records requests and answers as told.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type Served, serve } from './serve.js';

/** One token request as the server received it. */
export interface LoginExchange {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  form: URLSearchParams;
}

export type LoginAnswer = (res: ServerResponse, exchange: LoginExchange) => void;

export interface LoginServer {
  readonly url: string;
  readonly exchanges: LoginExchange[];
  /** How the next requests are answered (until the next call or the next test). */
  answer(handler: LoginAnswer): void;
}

/** A valid token answer. */
export const grant =
  (fields: Record<string, unknown> = {}): LoginAnswer =>
  (res) =>
    json(res, 200, { access_token: 'token-1', token_type: 'Bearer', expires_in: 3600, ...fields });

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Starts the server before the block's tests, closes it after them, and resets answer and records before each. */
export function useLoginServer(): LoginServer {
  let served: Served | undefined;
  let handler: LoginAnswer = grant();
  const exchanges: LoginExchange[] = [];
  beforeAll(async () => {
    served = await serve((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const exchange = { method: req.method ?? '', headers: req.headers, body, form: new URLSearchParams(body) };
        exchanges.push(exchange);
        handler(res, exchange);
      });
    });
  });
  afterAll(() => served?.close());
  beforeEach(() => {
    handler = grant();
    exchanges.length = 0;
  });
  return {
    get url() {
      if (served === undefined) throw new Error('useLoginServer(): used before its beforeAll ran');
      return `${served.url}/oauth/token`;
    },
    exchanges,
    answer(next) {
      handler = next;
    },
  };
}
