// lib/testing/http-endpoint.ts
// HttpEndpoint: a node:http(s) server on 127.0.0.1 that can stop, listen again on its port, and close without hanging.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The host every stand-in server listens on. */
export const STAND_IN_HOST = '127.0.0.1';

/** A request handler; a rejection is answered 500 (or the socket destroyed when the answer had begun). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A certificate (PEM) and its private key: the endpoint then speaks HTTPS. */
export interface EndpointTls {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
}

/**
 * A node:http server bound to 127.0.0.1. The first `start()` binds the requested port (0 = any free one) and
 * remembers the port it got; later starts bind the same port again. `stop()` closes the listening socket at once
 * (new connections are refused) and destroys every open connection, so it never waits on a hung request.
 */
export class HttpEndpoint {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort: number;

  constructor(
    private readonly handler: RequestHandler,
    port: number,
    private readonly tls?: EndpointTls,
  ) {
    this.boundPort = port;
  }

  /** `https` with a certificate, else `http`. */
  get scheme(): 'http' | 'https' {
    return this.tls === undefined ? 'http' : 'https';
  }

  /** The port: the one requested until the first `start()`, then the one bound. */
  get port(): number {
    return this.boundPort;
  }

  /** Whether the endpoint is listening. */
  get listening(): boolean {
    return this.server !== undefined;
  }

  /**
   * Listens on the port (the same one every time after the first). Does nothing when already listening; resolves
   * without listening when `stop()` is called meanwhile.
   */
  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const handle = (req: IncomingMessage, res: ServerResponse): void => this.dispatch(req, res);
    const server: Server =
      this.tls === undefined ? createServer(handle) : createTlsServer({ key: this.tls.key, cert: this.tls.cert }, handle);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // A malformed request or a reset connection: drop it quietly (the default handler would answer 400).
    server.on('clientError', (_error: Error, socket: Socket) => socket.destroy());
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error): void => {
          server.off('error', done);
          server.off('listening', done);
          server.off('close', done);
          if (error === undefined) resolve();
          else reject(error);
        };
        server.once('error', done);
        server.once('listening', done);
        server.once('close', done);
        server.listen(this.boundPort, STAND_IN_HOST);
      });
    } catch (error) {
      if (this.server === server) this.server = undefined;
      throw error;
    }
    const address = server.address();
    if (this.server === server && address !== null && typeof address === 'object') this.boundPort = address.port;
  }

  /**
   * Stops listening (synchronously: connections are refused as soon as this returns) and destroys every open
   * connection, hung ones included. The promise resolves when the server has fully closed.
   */
  stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return Promise.resolve();
    this.server = undefined;
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    // Writing to a response whose socket is gone must never become an uncaught 'error' event.
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    this.handler(req, res).catch(() => {
      if (res.destroyed || res.writableEnded) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = '{"error":"stand_in_error","error_description":"The stand-in failed to answer"}';
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
  }
}
