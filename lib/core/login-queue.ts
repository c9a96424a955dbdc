// lib/core/login-queue.ts
// LoginQueue: at most N token requests at the login server at once; the rest wait their turn (bounded), and all pause on a 429.
import { MAX_LOGIN_PAUSE_MS } from './bounds.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, clientClosedError } from './errors.js';

/** The pause of every token request after a 429 that named no Retry-After. */
const DEFAULT_PAUSE_MS = 1000;
/** While paused, the queue looks at the clock this often (so that a test's clock moved on is seen soon). */
const PAUSE_POLL_MS = 250;

interface Waiter {
  readonly integration: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
  gone: boolean;
}

export interface LoginQueueOptions {
  /** Token requests at the login server at once, at most. */
  maxConcurrent: number;
  /** How long a token request may wait for its turn before it fails with GRAFX_TOKEN_QUEUE_TIMEOUT. */
  queueTimeoutMs: number;
  clock: () => number;
  /** Fails every waiting request (GRAFX_CLIENT_CLOSED) when the client closes. */
  closing: AbortSignal;
}

/**
 * The turn-taking of the token requests of one client (every token request goes through `enter()` and `leave()`).
 * Time spent here is not the login server's: `timeoutMs` starts when a request leaves the queue. After a 429, the
 * whole queue pauses until the Retry-After (at most MAX_LOGIN_PAUSE_MS; 1 s without one) and the number of requests
 * at once is halved; each later success lets one more go at once again, up to `maxConcurrent` (as TCP's slow start).
 */
export class LoginQueue {
  readonly #max: number;
  readonly #queueTimeoutMs: number;
  readonly #clock: () => number;
  readonly #waiters: Waiter[] = [];
  #head = 0;
  #limit: number;
  #active = 0;
  #pausedUntil = 0;
  #poll: NodeJS.Timeout | undefined;

  constructor({ maxConcurrent, queueTimeoutMs, clock, closing }: LoginQueueOptions) {
    this.#max = maxConcurrent;
    this.#limit = maxConcurrent;
    this.#queueTimeoutMs = queueTimeoutMs;
    this.#clock = clock;
    closing.addEventListener('abort', () => this.#closeAll(), { once: true });
  }

  /** Token requests at the login server now. */
  get active(): number {
    return this.#active;
  }

  /** Token requests waiting for their turn now. */
  get waiting(): number {
    let count = 0;
    for (let i = this.#head; i < this.#waiters.length; i++) if (!(this.#waiters[i] as Waiter).gone) count++;
    return count;
  }

  /** How many may be at the login server at once now (below `maxConcurrent` after a 429, until it grows back). */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Takes a turn: undefined when the request may go now, else a promise that resolves when it may, or rejects with
   * GRAFX_TOKEN_QUEUE_TIMEOUT after `queueTimeoutMs`. Every turn taken must be given back with `leave()`.
   */
  enter(integration: string): Promise<void> | undefined {
    if (this.#active < this.#limit && this.#head === this.#waiters.length && this.#clock() >= this.#pausedUntil) {
      this.#active += 1;
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        integration,
        resolve,
        reject,
        gone: false,
        timer: setTimeout(() => {
          waiter.gone = true;
          reject(this.#timeoutError(integration));
          this.#compact();
        }, this.#queueTimeoutMs),
      };
      this.#waiters.push(waiter);
      this.#dispatch();
    });
  }

  /**
   * Gives the turn back. `status` is the login server's answer (undefined when none came): a 429 pauses the queue
   * (`retryAfter` seconds, capped), a success lets one more request go at once again.
   */
  leave(status: number | undefined, retryAfter?: number): void {
    this.#active -= 1;
    if (status === 429) this.#rateLimited(retryAfter);
    else if (status !== undefined && status >= 200 && status < 300 && this.#limit < this.#max) this.#limit += 1;
    this.#dispatch();
  }

  #rateLimited(retryAfter: number | undefined): void {
    const now = this.#clock();
    const pauseMs = Math.min(MAX_LOGIN_PAUSE_MS, retryAfter === undefined ? DEFAULT_PAUSE_MS : retryAfter * 1000);
    // One decrease per pause: the 429s of the requests that were already out together count once.
    if (now >= this.#pausedUntil) this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    this.#pausedUntil = Math.max(this.#pausedUntil, now + pauseMs);
  }

  /** Lets waiting requests go while there is room and no pause; while paused, looks again soon. */
  #dispatch(): void {
    const now = this.#clock();
    if (now < this.#pausedUntil) {
      if (this.#poll === undefined && this.#head < this.#waiters.length) {
        this.#poll = setTimeout(
          () => {
            this.#poll = undefined;
            this.#dispatch();
          },
          Math.min(PAUSE_POLL_MS, this.#pausedUntil - now),
        );
        this.#poll.unref();
      }
      return;
    }
    while (this.#active < this.#limit && this.#head < this.#waiters.length) {
      const waiter = this.#waiters[this.#head] as Waiter;
      this.#head += 1;
      if (waiter.gone) continue;
      waiter.gone = true;
      clearTimeout(waiter.timer);
      this.#active += 1;
      waiter.resolve();
    }
    this.#compact();
  }

  /** Drops the waiters already served or timed out from the front (and, once most are gone, compacts the array). */
  #compact(): void {
    while (this.#head < this.#waiters.length && (this.#waiters[this.#head] as Waiter).gone) this.#head += 1;
    if (this.#head === this.#waiters.length) {
      this.#waiters.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #timeoutError(integration: string): GrafxAuthError {
    const now = this.#clock();
    const paused = now < this.#pausedUntil;
    return new GrafxAuthError(
      GRAFX_ERROR_CODES.TOKEN_QUEUE_TIMEOUT,
      `The token request waited ${this.#queueTimeoutMs} ms for its turn and was not sent: ` +
        (paused
          ? 'the login server rate-limited the token requests (429) and they are paused'
          : `${this.#active} token requests were at the login server (at most ${this.#limit} at once)`),
      {
        status: 503,
        integration,
        retryAfter: paused ? Math.max(1, Math.ceil((this.#pausedUntil - now) / 1000)) : 1,
      },
    );
  }

  #closeAll(): void {
    if (this.#poll !== undefined) clearTimeout(this.#poll);
    this.#poll = undefined;
    for (let i = this.#head; i < this.#waiters.length; i++) {
      const waiter = this.#waiters[i] as Waiter;
      if (waiter.gone) continue;
      waiter.gone = true;
      clearTimeout(waiter.timer);
      waiter.reject(clientClosedError(waiter.integration));
    }
    this.#waiters.length = 0;
    this.#head = 0;
  }
}
