// lib/core/lazy-abort.ts
// LazyAbort: the abort of one call of the app's function, whose AbortSignal is made only when the function reads it.

/**
 * What aborts one call of an app's function (the integrations loader): `signal` is made on its first read, so a
 * function that never reads it costs no AbortController (most loaders do not). An abort before that read is kept:
 * the signal read afterwards is already aborted, with the same reason.
 */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  /** The call's signal: aborted once `abort()` is (or was) called. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the call (the first reason counts). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
