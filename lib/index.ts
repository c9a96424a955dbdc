// lib/index.ts
// The package's public API (re-exports only): the framework-free core and the Express adapter.
export * from './core/index.js';
export * from './express/index.js';
