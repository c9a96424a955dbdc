// lib/redis/index.ts
// The `express-grafx-auth/redis` entry point (re-exports only): the Redis token store.
export { RedisTokenStore } from './redis-token-store.js';
export type { RedisTokenStoreOptions } from './redis-token-store.js';
export type { StoredFailure, StoredToken, TokenStore } from '../core/token-store.js';
