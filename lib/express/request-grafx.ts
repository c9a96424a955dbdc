// lib/express/request-grafx.ts
// `req.grafx` read where grafxAuth() did not set it: a clear GRAFX_MIDDLEWARE_MISSING instead of reading `undefined`.
import { GRAFX_ERROR_CODES, GrafxAuthError } from '../core/index.js';

/** Request prototypes (one per Express app) that have the accessor. */
const guarded = new WeakSet<object>();

function missing(): never {
  throw new GrafxAuthError(
    GRAFX_ERROR_CODES.MIDDLEWARE_MISSING,
    'req.grafx is not set: this route is not behind grafxAuth(). Mount the middleware on the routes (or the router) ' +
      'that use req.grafx, before them',
    { status: 500 },
  );
}

/**
 * Gives the request's prototype (its app's `app.request`) a `grafx` accessor, once: reading it throws
 * GRAFX_MIDDLEWARE_MISSING; setting it (the middleware) makes an own, ordinary property of the request, so every
 * later read and write of that request's `req.grafx` is a plain property access.
 */
export function guardRequestGrafx(req: object): void {
  const prototype = Object.getPrototypeOf(req) as object | null;
  if (prototype === null || guarded.has(prototype)) return;
  guarded.add(prototype);
  if (Object.getOwnPropertyDescriptor(prototype, 'grafx') !== undefined) return;
  Object.defineProperty(prototype, 'grafx', {
    configurable: true,
    enumerable: false,
    get: missing,
    set(this: object, value: unknown) {
      Object.defineProperty(this, 'grafx', { value, writable: true, enumerable: true, configurable: true });
    },
  });
}
