// lib/core/call-options.ts
// Checks of the per-call options of the workflow helpers (signal, integers in a range).
import { configError } from './errors.js';

/** Throws GRAFX_CONFIG_INVALID unless `signal` is undefined or an AbortSignal. */
export function checkSignal(signal: unknown, caller: string): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw configError(`${caller}: \`signal\` must be an AbortSignal`);
  }
}

/** Whether `value` is a safe integer from `min` to `max`. */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}
