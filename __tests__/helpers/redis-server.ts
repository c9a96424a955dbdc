// __tests__/helpers/redis-server.ts
// Starts a real redis-server on a free loopback port for a test file (useRedis); skips (CI=true: fails) without one.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';
import type { ClientKind, StoreClient } from './redis-clients.js';

export const INSTALL_HINT = 'install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`';

/** A binary (`redis-server`, `redis-cli`) on PATH or in the usual places, if any. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The redis-server binary, if any. */
export const findRedisServer = (): string | undefined => findBinary('redis-server');

/**
 * `describe` when the binaries (redis-server by default) are installed; otherwise `describe.skip` with a message
 * saying how to install them. Under CI=true a missing binary fails the run instead.
 */
export function describeWithRedis(name: string, body: () => void, binaries = ['redis-server']): void {
  const missing = binaries.filter((binary) => findBinary(binary) === undefined);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`needs ${missing.join(' and ')}`, () => {
        throw new Error(`${missing.join(' and ')} not installed (CI=true): ${INSTALL_HINT}`);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": ${missing.join(' and ')} not installed; ${INSTALL_HINT}.`);
  describe.skip(name, body);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export class RedisServer {
  #process: ChildProcess | undefined;
  /** @param extraArgs more redis-server arguments (e.g. cluster mode). */
  constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#process !== undefined && this.#process.exitCode === null && this.#process.signalCode === null;
  }

  /** Starts (or restarts) redis-server on this port, without persistence, and waits until it answers PING. */
  async start(): Promise<void> {
    if (this.running) return;
    const binary = findRedisServer();
    if (binary === undefined) throw new Error(`redis-server is not installed: ${INSTALL_HINT}`);
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.#process = spawn(binary, [...args, '--loglevel', 'warning', ...this.extraArgs], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the server (SIGKILL: no goodbye to its peers or clients) and waits for its exit. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  /** Freezes the server (it keeps its connections but answers nothing): a slow Redis. */
  pause(): void {
    this.#process?.kill('SIGSTOP');
  }

  resume(): void {
    this.#process?.kill('SIGCONT');
  }
}

/** Starts a redis-server on a free port. */
export async function startRedis(): Promise<RedisServer> {
  const server = new RedisServer(await freePort());
  await server.start();
  return server;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A test file's redis-server and its ioredis clients (see useRedis). */
export interface UsedRedis {
  readonly server: RedisServer;
  /** A client of the server (or of `url`) that gives up fast, quiet on errors; disconnected after the file. */
  connect(url?: string, options?: RedisOptions): Redis;
  /** A client of `kind` for the store (of the server, or of `url`); closed after the file. */
  storeClient(kind: ClientKind, url?: string, options?: { lazy?: boolean }): StoreClient;
}

/**
 * Starts a redis-server before the block's tests and stops it after them; before each test it is running again
 * (a test may have stopped it) and empty.
 */
export function useRedis(): UsedRedis {
  let server: RedisServer | undefined;
  const clients: Array<{ disconnect(): void }> = [];
  const running = (): RedisServer => {
    if (server === undefined) throw new Error('useRedis(): redis-server is used before its beforeAll ran');
    return server;
  };
  const used: UsedRedis = {
    get server() {
      return running();
    },
    connect(url = running().url, options = {}) {
      const client = new Redis(url, {
        maxRetriesPerRequest: 1,
        retryStrategy: () => 100,
        disconnectTimeout: 50,
        ...options,
      });
      client.on('error', () => undefined); // the app's own concern; keeps the test output quiet
      clients.push(client);
      return client;
    },
    storeClient(kind, url = running().url, options) {
      const client = kind.connect(url, options);
      clients.push({ disconnect: () => client.close() });
      return client;
    },
  };
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await running().start();
    await used.connect().flushall();
  });
  return used;
}

/** The commands a redis-server runs, as MONITOR reports them (name and arguments), from now until `stop()`. */
export interface CommandWatch {
  readonly seen: string[][];
  /** Resolves once every command sent to the server before this call has been seen. */
  settled(): Promise<void>;
  stop(): void;
}

/**
 * Watches the server on `port` with MONITOR, on a socket of its own (ioredis's monitor mode loses track of its
 * replies when a busy server's lines come before its handshake's answers).
 */
export async function watchCommands(port: number): Promise<CommandWatch> {
  const seen: string[][] = [];
  const socket = createConnection({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let pending = '';
  let started: () => void = () => undefined;
  const monitoring = new Promise<void>((resolve) => (started = resolve));
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    const lines = pending.split('\r\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '+OK') started();
      // +<time> [<db> <client>] "name" "arg" ...
      else if (line.startsWith('+')) {
        seen.push([...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => (match[1] ?? '').replace(/\\(.)/g, '$1')));
      }
    }
  });
  socket.write('MONITOR\r\n');
  await monitoring;
  const control = new Redis(port, { maxRetriesPerRequest: 1 });
  control.on('error', () => undefined);
  let marks = 0;
  return {
    seen,
    async settled() {
      const mark = `watch-mark-${port}-${(marks += 1)}`;
      await control.echo(mark);
      for (let i = 0; i < 500 && !seen.some((args) => args[1] === mark); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop() {
      socket.destroy();
      control.disconnect();
    },
  };
}
