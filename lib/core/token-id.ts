// lib/core/token-id.ts
// tokenId(): a token's public name (a SHA-256 prefix), so a browser can say which token was refused without sending it.
import { createHash } from 'node:crypto';

/** A `tokenId`: 22 base64url characters (128 bits of SHA-256). */
export const TOKEN_ID = /^[A-Za-z0-9_-]{22}$/;

/** The token's id: says which token is meant, tells nothing of the token itself (a one-way hash of it). */
export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 22);
}
