// lib/core/call-options.ts
// Checks of the per-call options of the workflow helpers (the abort signal).
import { configError } from './errors.js';

/** Throws GRAFX_CONFIG_INVALID unless `signal` is undefined or an AbortSignal. */
export function checkSignal(signal: unknown, caller: string): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw configError(`${caller}: \`signal\` must be an AbortSignal`);
  }
}
