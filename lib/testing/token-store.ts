// lib/testing/token-store.ts
// TokenStore: the stand-in's clients and the tokens minted for them (reuse like the login server, revocation).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StandInClient } from './types.js';

/** Every permission the platform's docs list (its sample token answer), the scopes of the stand-in's default client. */
export const DEFAULT_STAND_IN_SCOPES: readonly string[] = Object.freeze([
  'font:list',
  'font:read',
  'font:write',
  'media:list',
  'media:read',
  'media:write',
  'myproject:list',
  'myproject:read',
  'myproject:write',
  'output:animated',
  'output:static',
  'template_collection:list',
  'template_collection:read',
  'template_collection:write',
  'template:list',
  'template:read',
  'template:write',
]);

/** One access token minted by the stand-in. */
interface IssuedToken {
  readonly clientId: string;
  /** The client's permissions when the token was minted (undefined: none given, nothing enforced). */
  readonly scopes: ReadonlySet<string> | undefined;
  readonly expiresAt: number;
  revoked: boolean;
}

/** The answer to a token request that passed every check. */
export interface TokenGrant {
  accessToken: string;
  /** Whole seconds, >= 1. */
  expiresIn: number;
  /** False when the client's current token was handed out again. */
  minted: boolean;
  /** The token answer's `scope`; undefined when the client has no permissions listed. */
  scope: string | undefined;
}

/** Why the environment API refuses a bearer token. */
export type TokenRejection = 'missing' | 'unknown' | 'expired' | 'revoked' | 'environment';

/** The permissions of a token minted for `client`: its own list, or every documented one. */
function scopesOf(client: StandInClient | undefined): string[] {
  return client?.scopes ?? [...DEFAULT_STAND_IN_SCOPES];
}

/** The outcome of {@link TokenStore.check}: the token's client when known, and the rejection if any. */
export interface TokenCheck {
  clientId: string | undefined;
  /** The token's permissions; undefined when its client listed none (nothing is enforced). */
  scopes: ReadonlySet<string> | undefined;
  rejection: TokenRejection | undefined;
}

/** Tokens that expired longer ago than this are forgotten (then they count as unknown). */
const FORGET_AFTER_MS = 24 * 3600_000;
/** How often, at most, the tokens are swept for forgotten ones (a sweep walks them all). */
const SWEEP_INTERVAL_MS = 60_000;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The registered clients and every token minted for them. Time is `Date.now()`. */
export class TokenStore {
  private readonly clients = new Map<string, StandInClient>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Per client, the token the login server hands out again while it is outside the reuse window. */
  private readonly current = new Map<string, string>();
  /** When the tokens were last swept: minting walks them at most once a minute, not on every grant. */
  private lastSweep = 0;

  constructor(
    /** `expires_in` of newly minted tokens, in seconds. */
    public lifetimeSeconds: number,
    /** How long before expiry a client's current token stops being handed out again, in seconds. */
    public readonly reuseWindowSeconds: number,
  ) {}

  /** The first client registered. */
  get firstClient(): StandInClient | undefined {
    return this.clients.values().next().value;
  }

  /** Registers a client (a copy of it), replacing one with the same ID. */
  addClient(client: StandInClient): void {
    this.clients.set(client.clientId, {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      ...(client.environments === undefined ? {} : { environments: [...client.environments] }),
      ...(client.scopes === undefined ? {} : { scopes: [...client.scopes] }),
    });
  }

  /** Whether `clientId` is a registered client and `clientSecret` its secret (compared in constant time). */
  authenticate(clientId: string | undefined, clientSecret: string | undefined): boolean {
    const client = clientId === undefined ? undefined : this.clients.get(clientId);
    if (client === undefined || clientSecret === undefined) return false;
    return timingSafeEqual(digest(clientSecret), digest(client.clientSecret));
  }

  /**
   * A token for an authenticated client: its current token again (with its remaining lifetime) while that one is
   * more than the reuse window away from expiry, else a newly minted one.
   */
  grant(clientId: string): TokenGrant {
    const now = Date.now();
    const currentValue = this.current.get(clientId);
    const current = currentValue === undefined ? undefined : this.tokens.get(currentValue);
    if (currentValue !== undefined && current !== undefined && !current.revoked) {
      if (now < current.expiresAt - this.reuseWindowSeconds * 1000) {
        const expiresIn = Math.max(1, Math.floor((current.expiresAt - now) / 1000));
        return { accessToken: currentValue, expiresIn, minted: false, scope: scopeText(current.scopes) };
      }
    }
    this.forgetOldTokens(now);
    const accessToken = `sitok_${randomBytes(16).toString('hex')}`;
    const listed = scopesOf(this.clients.get(clientId));
    const scopes = listed.length === 0 ? undefined : new Set(listed);
    this.tokens.set(accessToken, { clientId, scopes, expiresAt: now + this.lifetimeSeconds * 1000, revoked: false });
    this.current.set(clientId, accessToken);
    return { accessToken, expiresIn: this.lifetimeSeconds, minted: true, scope: scopeText(scopes) };
  }

  /** Revokes every token minted so far; the next grant mints a new one. */
  revokeAll(): void {
    for (const token of this.tokens.values()) token.revoked = true;
    this.current.clear();
  }

  /** Checks a bearer token for a request to `environment`'s API. */
  check(accessToken: string | undefined, environment: string): TokenCheck {
    if (accessToken === undefined) return { clientId: undefined, scopes: undefined, rejection: 'missing' };
    const token = this.tokens.get(accessToken);
    if (token === undefined) return { clientId: undefined, scopes: undefined, rejection: 'unknown' };
    const { clientId, scopes } = token;
    if (token.revoked) return { clientId, scopes, rejection: 'revoked' };
    if (Date.now() >= token.expiresAt) return { clientId, scopes, rejection: 'expired' };
    const allowed = this.clients.get(clientId)?.environments;
    if (allowed !== undefined && !allowed.includes(environment)) return { clientId, scopes, rejection: 'environment' };
    return { clientId, scopes, rejection: undefined };
  }

  private forgetOldTokens(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [value, token] of this.tokens) {
      if (token.expiresAt + FORGET_AFTER_MS < now) this.tokens.delete(value);
    }
  }
}

function scopeText(scopes: ReadonlySet<string> | undefined): string | undefined {
  return scopes === undefined ? undefined : [...scopes].join(' ');
}
