// lib/core/token-record.ts
// TokenRecord: a cached access token and the times that govern it; tokenRecord() computes them from a lifetime.

/** The margin before expiry: a tenth of the lifetime, at most 10 s (a 10-hour token: 10 s; a 2-second token: 200 ms). */
const MAX_EXPIRY_MARGIN_MS = 10_000;

/** A cached access token and the times that govern it (milliseconds since the epoch). */
export interface TokenRecord {
  readonly integration: string;
  readonly token: string;
  /** When the login server says the token expires (from `expires_in`). */
  readonly expiresAt: number;
  readonly expiresAtDate: Date;
  /** Last moment the token is handed out for a request: a margin before expiry for the request's own flight. */
  readonly usableUntil: number;
  /** From this moment a background renewal is started; requests keep using the token until `usableUntil`. */
  readonly refreshDueAt: number;
  readonly scope: string | undefined;
}

/** The record of a token granted at `now` for `lifetimeMs`, with its hand-out margin and renewal time. */
export function tokenRecord(
  integration: string,
  token: string,
  lifetimeMs: number,
  scope: string | undefined,
  now: number,
  refreshWindowMs: number,
): TokenRecord {
  const expiresAt = now + lifetimeMs;
  const margin = Math.min(MAX_EXPIRY_MARGIN_MS, lifetimeMs / 10);
  // Renew `refreshWindowMs` before expiry (at least twice the margin, so renewal starts while the token is still handed
  // out), or halfway through a lifetime shorter than twice that: never at once, so a renewal that gets the same token
  // back (the login server reuses tokens) waits before trying again.
  const window = Math.min(Math.max(refreshWindowMs, 2 * margin), lifetimeMs / 2);
  return {
    integration,
    token,
    expiresAt,
    expiresAtDate: new Date(expiresAt),
    usableUntil: Math.floor(expiresAt - margin),
    refreshDueAt: Math.floor(expiresAt - window),
    scope,
  };
}
