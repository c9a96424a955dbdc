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
  return new CachedToken(
    integration,
    token,
    expiresAt,
    Math.floor(expiresAt - margin),
    Math.floor(expiresAt - window),
    scope,
  );
}

/** The record of a token whose times are known (a token adopted from the shared store). */
export function knownTokenRecord(
  integration: string,
  token: string,
  times: { expiresAt: number; usableUntil: number; refreshDueAt: number },
  scope: string | undefined,
): TokenRecord {
  return new CachedToken(integration, token, times.expiresAt, times.usableUntil, times.refreshDueAt, scope);
}

/**
 * A TokenRecord as one object and its Date, no number of its own: the expiry is the Date's, and the hand-out and
 * renewal times are kept as how long before it they come (small whole milliseconds, which V8 keeps in the object
 * itself, where a time since the epoch would be a separate number object of 16 bytes). About 40 bytes a token less,
 * for every tenant held.
 */
class CachedToken implements TokenRecord {
  readonly integration: string;
  readonly token: string;
  readonly expiresAtDate: Date;
  readonly scope: string | undefined;
  readonly #expiresAt: number | undefined;
  readonly #handOutLead: number;
  readonly #renewalLead: number;

  constructor(
    integration: string,
    token: string,
    expiresAt: number,
    usableUntil: number,
    refreshDueAt: number,
    scope: string | undefined,
  ) {
    this.integration = integration;
    this.token = token;
    this.expiresAtDate = new Date(expiresAt);
    this.scope = scope;
    // A Date keeps whole milliseconds: a fractional expiry (a clock of the app's own) is kept as it is.
    const kept = this.expiresAtDate.getTime();
    this.#expiresAt = kept === expiresAt ? undefined : expiresAt;
    this.#handOutLead = expiresAt - usableUntil;
    this.#renewalLead = expiresAt - refreshDueAt;
  }

  get expiresAt(): number {
    return this.#expiresAt ?? this.expiresAtDate.getTime();
  }

  get usableUntil(): number {
    return this.expiresAt - this.#handOutLead;
  }

  get refreshDueAt(): number {
    return this.expiresAt - this.#renewalLead;
  }
}
