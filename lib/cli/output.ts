// lib/cli/output.ts
// Output: every line the command line prints goes through write(), which erases the secret and the token from it.

/** The forms a secret takes on the wire and in messages: as is, URL-encoded, form-encoded. */
function formsOf(secret: string): string[] {
  if (secret === '') return [];
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  return [...new Set([secret, encodeURIComponent(secret), form])].sort((a, b) => b.length - a.length);
}

/**
 * Where the command line writes. The client secret and the access token are erased from everything written (the
 * one path every line takes); only `printToken()` writes the token, and only when asked for with `--print-token`.
 */
export class Output {
  readonly #stdout: NodeJS.WritableStream;
  readonly #stderr: NodeJS.WritableStream;
  #hidden: string[] = [];

  constructor(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream) {
    this.#stdout = stdout;
    this.#stderr = stderr;
  }

  /** Adds values that must never be printed (the secret; the token once known). */
  hide(...values: Array<string | undefined>): void {
    for (const value of values) if (value !== undefined) this.#hidden.push(...formsOf(value));
    this.#hidden.sort((a, b) => b.length - a.length);
  }

  /** Writes lines to stdout (or stderr), with every hidden value erased. */
  write(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    (stream === 'stdout' ? this.#stdout : this.#stderr).write(`${this.erase(text)}\n`);
  }

  /** The access token alone on stdout (`--print-token`): the one thing that is never erased. */
  printToken(token: string): void {
    this.#stdout.write(`${token}\n`);
  }

  erase(text: string): string {
    let clean = text;
    for (const value of this.#hidden) if (clean.includes(value)) clean = clean.split(value).join('[redacted]');
    return clean;
  }
}
