// lib/core/store-records.ts
// checkStoredToken() / checkStoredFailure(): what a shared store hands back, validated and bounded before any use.
import {
  MAX_ACCESS_TOKEN_LENGTH,
  MAX_MESSAGE_LENGTH,
  MAX_RETRY_AFTER_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  isIntegerIn,
} from './bounds.js';
import { sanitizeText } from './redaction.js';
import { parseScope } from './scopes.js';
import { GRAFX_ERROR_CODES, type GrafxErrorCode } from './errors.js';
import type { StoredFailure, StoredToken } from './token-store.js';

/** A failure record lives at most as long as the longest Retry-After (the core never records one for longer). */
export const MAX_FAILURE_RECORD_MS = MAX_RETRY_AFTER_SECONDS * 1000;
const KNOWN_CODES = new Set<string>(Object.values(GRAFX_ERROR_CODES));
/** What a bearer token may contain: visible ASCII only (no space, CR, LF: nothing that could split a header). */
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;

/** A failure as the core uses it: its code is one of the package's, its message clean and short. */
export interface CheckedFailure extends StoredFailure {
  code: GrafxErrorCode;
  /** How much longer the record lives, in milliseconds (bounded by MAX_FAILURE_RECORD_MS). */
  remainingMs: number;
}

/**
 * The stored token if every field is sound at `now`: a visible-ASCII token of bounded length, times that are finite,
 * not past and within the longest lifetime from now (never an invalid Date), in order; else undefined (a miss).
 */
export function checkStoredToken(value: unknown, now: number): StoredToken | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { token, expiresAt, usableUntil, refreshDueAt, scope } = value as Record<string, unknown>;
  if (typeof token !== 'string' || token.length > MAX_ACCESS_TOKEN_LENGTH || !TOKEN_CHARACTERS.test(token)) {
    return undefined;
  }
  if (!isFiniteNumber(expiresAt) || !isFiniteNumber(usableUntil) || !isFiniteNumber(refreshDueAt)) return undefined;
  if (expiresAt <= now || expiresAt > now + MAX_TOKEN_LIFETIME_SECONDS * 1000) return undefined;
  if (usableUntil > expiresAt || refreshDueAt > expiresAt) return undefined;
  // A scope the core would not have kept makes the record a miss, as any other field that is not sound.
  const checkedScope = parseScope(scope);
  if (scope !== undefined && scope !== null && scope !== '' && checkedScope === undefined) return undefined;
  return { token, expiresAt, usableUntil, refreshDueAt, scope: checkedScope };
}

/**
 * The stored failure if it is one the core could have written: a 5xx status, a GRAFX_* code, a retry time within
 * the Retry-After cap, a record that expires within that cap; its message loses control characters and is cut to
 * MAX_MESSAGE_LENGTH. Anything else is undefined (a miss). When the store does not say how long the record lives
 * (`remainingMs` absent), it is taken to live as long as the core records one: `minimumMs`, or Retry-After if longer.
 */
export function checkStoredFailure(value: unknown, minimumMs: number): CheckedFailure | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { code, status, message, retryAfter, remainingMs } = value as Record<string, unknown>;
  if (typeof code !== 'string' || !KNOWN_CODES.has(code)) return undefined;
  if (!isIntegerIn(status, 500, 599)) return undefined;
  if (typeof message !== 'string') return undefined;
  const retry = retryAfter === null ? undefined : retryAfter;
  if (retry !== undefined && !isIntegerIn(retry, 0, MAX_RETRY_AFTER_SECONDS)) return undefined;
  const life = remainingMs ?? Math.max(minimumMs, ((retry as number | undefined) ?? 0) * 1000);
  if (!isFiniteNumber(life) || life <= 0 || life > MAX_FAILURE_RECORD_MS) return undefined;
  return {
    code: code as GrafxErrorCode,
    status,
    message: sanitizeText(message, MAX_MESSAGE_LENGTH),
    retryAfter: retry as number | undefined,
    remainingMs: life,
  };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
