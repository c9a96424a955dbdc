// lib/express/request-augmentation.ts
// The Express Request augmentation: `req.grafx` type-checks in users' code once the package is imported.
import type { GrafxContext } from '../core/index.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `grafxAuth()`: the request's GraFx integration, token and API client. */
      grafx: GrafxContext;
    }
  }
}

export {};
