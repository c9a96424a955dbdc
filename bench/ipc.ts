// bench/ipc.ts
// A typed request/answer protocol over the IPC channel between the bench runner and the processes it forks.
import { type ChildProcess, fork } from 'node:child_process';

/** A command's argument and result types, by command name. */
export type Commands = Record<string, { args: unknown; result: unknown }>;

/** What a child implements: one handler per command. */
export type Handlers<C extends Commands> = {
  [K in keyof C]: (args: C[K]['args']) => C[K]['result'] | Promise<C[K]['result']>;
};

interface Call {
  id: number;
  cmd: string;
  args: unknown;
}

interface Answer {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** In a forked child: answers the parent's calls with `handlers`; exits when the parent goes away. */
export function serve<C extends Commands>(handlers: Handlers<C>): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('bench: this file is a child process of bench/run.ts, not a script');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: Call) => {
    const handler = (handlers as Record<string, ((args: unknown) => unknown) | undefined>)[message.cmd];
    const reply = (answer: Answer): void => {
      send(answer);
    };
    if (handler === undefined) {
      reply({ id: message.id, ok: false, error: `unknown command ${message.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (value) => reply({ id: message.id, ok: true, value }),
        (error: unknown) =>
          reply({
            id: message.id,
            ok: false,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          }),
      );
  });
}

/** A forked child process running TypeScript (through tsx) that answers typed calls. */
export class Child<C extends Commands> {
  readonly #process: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #exited: Promise<void>;

  constructor(
    readonly name: string,
    file: string,
    nodeOptions: readonly string[] = [],
  ) {
    this.#process = fork(file, [], {
      execArgv: [...nodeOptions, '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_CHILD: name },
    });
    this.#process.on('message', (answer: Answer) => {
      const pending = this.#pending.get(answer.id);
      if (pending === undefined) return;
      this.#pending.delete(answer.id);
      if (answer.ok) pending.resolve(answer.value);
      else pending.reject(new Error(`bench child ${this.name}: ${answer.error ?? 'failed'}`));
    });
    this.#exited = new Promise<void>((resolve) => {
      this.#process.once('exit', (code, signal) => {
        for (const { reject } of this.#pending.values()) {
          reject(new Error(`bench child ${this.name} exited (${signal ?? code ?? 'unknown'})`));
        }
        this.#pending.clear();
        resolve();
      });
    });
  }

  /** The child's process ID (CPU profiles are named after it). */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Calls a command of the child and resolves with its result. */
  call<K extends keyof C & string>(cmd: K, args: C[K]['args']): Promise<C[K]['result']> {
    const id = this.#nextId++;
    return new Promise<C[K]['result']>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#process.send({ id, cmd, args } satisfies Call, (error) => {
        if (error === null) return;
        this.#pending.delete(id);
        reject(error);
      });
    });
  }

  /** Disconnects the child (it exits on its own, writing any CPU profile) and waits for it; kills it after 5 s. */
  async stop(): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    if (this.#process.connected) this.#process.disconnect();
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }
}
