// lib/core/logger.ts
// Logger: where the core's warnings go (console by default). Never given a secret or a token.

/** Where warnings go (e.g. a token store outage, once per outage). */
export interface Logger {
  warn(message: string): void;
}
