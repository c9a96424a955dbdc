// __tests__/core/token-endpoint-keep-alive.test.ts
// A kept-alive socket the login server closed while idle: the token request is sent once more, on another socket.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GrafxAuthError, createGrafxClient } from 'express-grafx-auth';

const SECRET = 'keep-alive-secret-never-shown';

/** What the login server does with a request, by its number on its socket (1 = the socket's first). */
type Behaviour = (requestOnSocket: number, served: number) => 'answer' | 'drop';

interface LoginServer {
  tokenURL: string;
  /** Requests the server received, and the connections they came on. */
  requests: number;
  connections: number;
  close(): Promise<void>;
}

/** A login server on loopback that drops (destroys the socket without answering) what `behaviour` says. */
async function loginServer(behaviour: Behaviour): Promise<LoginServer> {
  const onSocket = new WeakMap<Socket, number>();
  let served = 0;
  const state = { requests: 0, connections: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests += 1;
    const n = (onSocket.get(req.socket) ?? 0) + 1;
    onSocket.set(req.socket, n);
    req.resume();
    req.on('end', () => {
      if (behaviour(n, served) === 'drop') {
        req.socket.destroy();
        return;
      }
      served += 1;
      const body = JSON.stringify({ access_token: `token-${served}`, token_type: 'Bearer', expires_in: 36_000 });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.on('connection', () => {
    state.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    tokenURL: `http://127.0.0.1:${port}/oauth/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as LoginServer;
}

function clientOf(server: LoginServer) {
  return createGrafxClient({
    tokenURL: server.tokenURL,
    timeoutMs: 5000,
    integrations: {
      a: { clientId: 'client-a', clientSecret: SECRET, environment: 'env-a' },
      b: { clientId: 'client-b', clientSecret: SECRET, environment: 'env-b' },
    },
  });
}

describe('a token request on a kept-alive socket the login server closed', () => {
  let server: LoginServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('is sent once more on a new socket and gets its token', async () => {
    // The server drops every request that comes on an already used socket: what a server that closed an idle
    // keep-alive socket looks like to the client that reuses it.
    server = await loginServer((onSocket) => (onSocket > 1 ? 'drop' : 'answer'));
    const client = clientOf(server);
    try {
      await expect(client.getToken('a')).resolves.toBe('token-1');
      await expect(client.getToken('b')).resolves.toBe('token-2');
      expect(server.requests).toBe(3); // a, b on the reused socket (dropped), b again on a new one
      expect(server.connections).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('is sent once more only: a second drop fails as unreachable, without the secret', async () => {
    server = await loginServer((_onSocket, served) => (served >= 1 ? 'drop' : 'answer'));
    const client = clientOf(server);
    try {
      await expect(client.getToken('a')).resolves.toBe('token-1');
      const error = await client.getToken('b').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GrafxAuthError);
      expect((error as GrafxAuthError).code).toBe('GRAFX_TOKEN_UNREACHABLE');
      expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain(SECRET);
      expect(server.requests).toBe(3); // a; b on the reused socket; b once more on a new socket, dropped too
    } finally {
      await client.close();
    }
  });

  it('is not sent again when it failed on a new connection', async () => {
    server = await loginServer(() => 'drop');
    const client = clientOf(server);
    try {
      await expect(client.getToken('a')).rejects.toMatchObject({ code: 'GRAFX_TOKEN_UNREACHABLE' });
      expect(server.requests).toBe(1);
      expect(server.connections).toBe(1);
    } finally {
      await client.close();
    }
  });
});
