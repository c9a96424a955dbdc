// __tests__/helpers/serve.ts
// Test helpers: run an Express app on 127.0.0.1:0, and a ready-made app with grafxAuth and a few routes.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { ErrorRequestHandler, Express } from 'express';
import type { GrafxAuthError } from '../../lib/index.js';

export interface Served {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Listens on a free loopback port; `close()` ends open keep-alive connections too. */
export async function serve(app: Express | ((req: never, res: never) => void)): Promise<Served> {
  const { createServer } = await import('node:http');
  const server = createServer(app as Parameters<typeof createServer>[0]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An error handler that answers with the error's status and code (what users write). */
export const jsonErrorHandler: ErrorRequestHandler = (err: Partial<GrafxAuthError>, _req, res, _next) => {
  res.status(err.status ?? 500).json({ code: err.code, message: err.message });
};

/** Collects unhandled rejections while a test suite runs. */
export function trackUnhandledRejections(): unknown[] {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  beforeAll(() => process.on('unhandledRejection', listener));
  afterAll(() => process.off('unhandledRejection', listener));
  return seen;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
