// __tests__/helpers/own-api.ts
// ownApi(): a node:http server of the test's own in the place of the environment API, for hostile answers; records requests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGrafxClient, type GrafxClient } from 'express-grafx-auth';
import type { GrafxStandIn } from 'express-grafx-auth/testing';
import { serve } from './serve.js';

/** The base path of the environment `env` on the test's own server. */
export const OWN_BASE_PATH = '/grafx/api/v1/environment/env';

export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  authorization: string | undefined;
}

/**
 * What the handler answers: a status and a JSON body (or raw text); `'hang'`: nothing (until close); `'reset'`:
 * the connection is destroyed.
 */
export type OwnAnswer = { status: number; json?: unknown; text?: string } | 'hang' | 'reset';

export interface OwnApi {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The environment API base on it: `<origin>/grafx/api/v1/environment/env`. */
  base: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a server that answers every request with `answer(url)`; `close()` it (hung requests included). */
export async function ownApi(answer: (url: URL, req: IncomingMessage) => OwnAnswer): Promise<OwnApi> {
  const seen: SeenRequest[] = [];
  let origin = '';
  const served = await serve((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    const reply = answer(new URL(req.url ?? '/', origin), req);
    if (reply === 'hang') return;
    if (reply === 'reset') {
      req.socket.destroy();
      return;
    }
    const text = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
    const type = reply.text === undefined ? 'application/json' : 'text/html';
    res.writeHead(reply.status, reply.status === 204 ? {} : { 'content-type': type });
    res.end(reply.status === 204 ? undefined : text);
  });
  origin = served.url;
  return { origin, base: `${origin}${OWN_BASE_PATH}`, seen, close: () => served.close() };
}

/** A client whose tokens come from the stand-in and whose environment API is `apiBaseURL`. */
export function clientFor(standIn: GrafxStandIn, apiBaseURL: string): GrafxClient {
  return createGrafxClient({
    clientId: standIn.clientId,
    clientSecret: standIn.clientSecret,
    tokenURL: standIn.tokenURL,
    apiBaseURL,
  });
}
