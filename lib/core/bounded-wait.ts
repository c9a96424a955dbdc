// lib/core/bounded-wait.ts
// BoundedWaits: how long the package waits for anything outside it (the app's loader and resolver, a store command): one place.

/** How one wait ends when its promise does not settle in time. */
export interface WaitLimit {
  /** The longest wait, in milliseconds. */
  readonly timeoutMs: number;
  /** The error the wait rejects with once `timeoutMs` has passed. */
  readonly timedOut: () => unknown;
  /** The error the wait rejects with when the owner closes. */
  readonly closed: () => unknown;
}

/** What aborts the app's function a wait is for (an AbortController, or a LazyAbort). */
export interface Abortable {
  abort(reason: unknown): void;
}

interface Wait {
  readonly reject: (error: unknown) => void;
  readonly limit: WaitLimit;
}

/**
 * Every wait of one owner (a GrafxClient): each is raced against its time limit and against the owner's close, so no
 * wait outlives either. The owner's signal is listened to once, whatever the number of waits (a listener per wait on
 * one AbortSignal would cost a walk of the list at each removal, and Node warns past ten).
 */
export class BoundedWaits {
  readonly #signal: AbortSignal;
  readonly #waits = new Set<Wait>();

  /** @param signal the owner's: aborting it ends every wait (with its `closed()` error), and every later one at once. */
  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener(
      'abort',
      () => {
        const waits = [...this.#waits];
        this.#waits.clear();
        for (const wait of waits) wait.reject(wait.limit.closed());
      },
      { once: true },
    );
  }

  /** How many waits are running now. */
  get size(): number {
    return this.#waits.size;
  }

  /**
   * Settles as `pending` does, or rejects with `limit.timedOut()` / `limit.closed()` when the time limit passes or the
   * owner closes first; then `controller` (the signal handed to the app's function) is aborted with that error, so
   * the app can stop its own work. A `pending` that never settles is left behind: nothing of the wait stays with it
   * but two settled callbacks, and a late rejection of it is never unhandled.
   */
  wait<T>(pending: PromiseLike<T>, limit: WaitLimit, controller?: Abortable): Promise<T> {
    if (this.#signal.aborted) {
      const error = limit.closed();
      controller?.abort(error);
      Promise.resolve(pending).catch(() => undefined);
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const wait: Wait = {
        limit,
        reject: (error) => {
          // Called by the owner's close: the set is already cleared.
          clearTimeout(timer);
          controller?.abort(error);
          reject(error);
        },
      };
      const settle = (then: () => void): void => {
        if (!this.#waits.delete(wait)) return; // already ended (time limit, close)
        clearTimeout(timer);
        then();
      };
      this.#waits.add(wait);
      const timer = setTimeout(() => {
        if (!this.#waits.delete(wait)) return;
        const error = limit.timedOut();
        controller?.abort(error);
        reject(error);
      }, limit.timeoutMs);
      // Promise.resolve adopts any thenable, and turns a `then` that throws into a rejection.
      Promise.resolve(pending).then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
  }
}
