// lib/express/config-error.ts
// configError(): the adapter's GRAFX_CONFIG_INVALID error for a factory called with wrong options.
import { GRAFX_ERROR_CODES, GrafxAuthError } from '../core/index.js';

/** A GRAFX_CONFIG_INVALID error (status 500) whose message names the mistake. */
export function configError(message: string): GrafxAuthError {
  return new GrafxAuthError(GRAFX_ERROR_CODES.CONFIG_INVALID, `express-grafx-auth: ${message}`, { status: 500 });
}
