// lib/testing/index.ts
// The `express-grafx-auth/testing` entry point: a local stand-in of the CHILI GraFx platform (no Express needed).
export { startGrafxStandIn, DEFAULT_STAND_IN_CLIENT, DEFAULT_STAND_IN_ENVIRONMENT } from './stand-in.js';
export { DEFAULT_STAND_IN_TEMPLATES } from './environment-api.js';
export { DEFAULT_STAND_IN_SCOPES } from './token-store.js';
export type * from './types.js';
