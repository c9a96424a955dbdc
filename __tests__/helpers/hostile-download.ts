// __tests__/helpers/hostile-download.ts
// hostileApi(): an environment API of the test's own that serves downloads badly (endless, lying, cut off); tracks sockets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OWN_BASE_PATH } from './own-api.js';
import { serve } from './serve.js';

export interface HostileRequest {
  url: string;
  authorization: string | undefined;
  /** Resolves when this request's connection is closed (by either side). */
  closed: Promise<void>;
  /** Whether that happened yet. */
  isClosed(): boolean;
  /** Cuts the connection at once (a reset). */
  cut(): void;
}

export interface HostileApi {
  origin: string;
  /** The environment API base: `<origin>/grafx/api/v1/environment/env`. */
  base: string;
  seen: HostileRequest[];
  /** Resolves with the next request this server gets (or the one already waiting). */
  nextRequest(): Promise<HostileRequest>;
  close(): Promise<void>;
}

export type HostileHandler = (req: IncomingMessage, res: ServerResponse, request: HostileRequest) => void;

/** Starts a server that hands each request to `handler`; `close()` it (open connections included). */
export async function hostileApi(handler: HostileHandler): Promise<HostileApi> {
  const seen: HostileRequest[] = [];
  const waiting: Array<(request: HostileRequest) => void> = [];
  let taken = 0;
  const served = await serve((req: IncomingMessage, res: ServerResponse) => {
    let closed = false;
    const request: HostileRequest = {
      url: req.url ?? '',
      authorization: req.headers.authorization,
      closed: new Promise((resolve) =>
        req.socket.once('close', () => {
          closed = true;
          resolve();
        }),
      ),
      isClosed: () => closed,
      cut: () => req.socket.destroy(),
    };
    seen.push(request);
    req.resume();
    waiting.shift()?.(request);
    handler(req, res, request);
  });
  return {
    origin: served.url,
    base: `${served.url}${OWN_BASE_PATH}`,
    seen,
    nextRequest: () => {
      const ready = seen[taken];
      taken += 1;
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => served.close(),
  };
}

/** 64 KiB of a repeated byte: one chunk of a hostile body. */
export const CHUNK = Buffer.alloc(64 * 1024, 0x41);

/** Writes chunks for as long as the reader takes them (backpressure-paced), never ending. */
export function writeForever(res: ServerResponse): void {
  const more = (): void => {
    while (!res.destroyed && res.write(CHUNK));
  };
  res.on('drain', more);
  more();
}

/** Headers and one chunk, then nothing (the socket stays open until the other side or the test closes it). */
export function oneChunkThenHang(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
  res.write(CHUNK);
}

/** An RFC 7807 problem answer, its `status` a string as the platform sends it. */
export function sendProblem(res: ServerResponse, status: number, title: string, detail?: string): void {
  const body = JSON.stringify({ type: 'about:blank', title, status: String(status), detail, traceId: '00-abc-def-00' });
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' });
  res.end(body);
}
