// __tests__/helpers/redis-hostile-server.ts
// A lying RESP server on 127.0.0.1 port 0: answers the handshake like Redis, then any EVAL with a reply of the test's.
import { type Server, type Socket, createServer } from 'node:net';

/** What the server answers to each EVAL: raw RESP bytes. */
export type EvalAnswer = (script: string) => Buffer | string;

export interface HostileRedis {
  readonly url: string;
  /** How many times it sent the hostile answer. */
  readonly hostileAnswers: number;
  close(): Promise<void>;
}

/** Enough of the handshake of ioredis, iovalkey and node-redis (RESP2 and RESP3) for them to count it as ready. */
function handshake(name: string, args: string[]): string {
  if (name === 'HELLO') {
    const version = args[0] === '3' ? 3 : 2;
    const fields = [
      'server',
      'redis',
      'version',
      '7.0.0',
      'proto',
      version,
      'id',
      1,
      'mode',
      'standalone',
      'role',
      'master',
    ];
    const head = version === 3 ? `%${fields.length / 2}\r\n` : `*${fields.length}\r\n`;
    return head + fields.map((field) => (typeof field === 'number' ? `:${field}\r\n` : bulk(field))).join('');
  }
  if (name === 'INFO') return bulk('# Server\r\nredis_version:7.0.0\r\nloading:0\r\n');
  if (name === 'PING') return '+PONG\r\n';
  if (name === 'SET') return '+OK\r\n';
  return '+OK\r\n'; // CLIENT SETINFO, SELECT, ...
}

function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

/**
 * Starts the server. Every EVAL of the store's read script (it calls STRLEN) gets `readAnswer`; other scripts `:0`.
 */
export async function startHostileRedis(readAnswer: Buffer | string): Promise<HostileRedis> {
  let hostileAnswers = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const parsed = parseCommand(buffered);
        if (parsed === undefined) return;
        buffered = buffered.subarray(parsed.length);
        const [name = '', ...args] = parsed.words;
        const upper = name.toUpperCase();
        if (upper === 'EVAL') {
          if (args[0]?.includes('STRLEN')) {
            hostileAnswers += 1;
            socket.write(readAnswer);
          } else socket.write(':0\r\n');
        } else socket.write(handshake(upper, args));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    get hostileAnswers() {
      return hostileAnswers;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One command (a RESP array of bulk strings, or an inline command) from the front of `data`, if complete. */
function parseCommand(data: Buffer): { words: string[]; length: number } | undefined {
  if (data.length === 0) return undefined;
  const lineEnd = data.indexOf('\r\n');
  if (lineEnd < 0) return undefined;
  if (data[0] !== 0x2a) {
    return { words: data.subarray(0, lineEnd).toString().split(' ').filter(Boolean), length: lineEnd + 2 };
  }
  const count = Number(data.subarray(1, lineEnd).toString());
  const words: string[] = [];
  let at = lineEnd + 2;
  for (let i = 0; i < count; i++) {
    const end = data.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const size = Number(data.subarray(at + 1, end).toString());
    if (end + 2 + size + 2 > data.length) return undefined;
    words.push(data.subarray(end + 2, end + 2 + size).toString());
    at = end + 2 + size + 2;
  }
  return { words, length: at };
}
