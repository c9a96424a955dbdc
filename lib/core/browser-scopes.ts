// lib/core/browser-scopes.ts
// BrowserScopeWarnings: warns once per integration when a token handed to a browser can change things or make outputs.
import type { Logger } from './logger.js';
import { quotedKey } from './redaction.js';
import { GRAFX_WARNING_CODES, type Telemetry } from './telemetry.js';
import { LazyLRU } from './lazy-lru.js';

/** The permissions a browser's token should not have: any change (`…:write`) and any output (`output:…`). */
export function beyondReading(scopes: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const scope of scopes) if (scope.endsWith(':write') || scope.startsWith('output:')) found.push(scope);
  return found.sort();
}

/**
 * CHILI's guidance is a separate read-only integration for the tokens that go to browsers. The first time a token of
 * an integration with a `:write` or `output:` permission is handed to a browser, a coded warning goes to the logger
 * and to the client's `warning` event (integration key and permission names only, never the token). Remembered per
 * integration key for the client's life (the most recent `max` keys).
 */
export class BrowserScopeWarnings {
  readonly #warned: LazyLRU<string, true>;
  readonly #logger: Logger;
  readonly #telemetry: Telemetry;

  constructor(logger: Logger, telemetry: Telemetry, max: number) {
    this.#logger = logger;
    this.#telemetry = telemetry;
    this.#warned = new LazyLRU<string, true>({ max });
  }

  /** Called with the scopes of each token handed to a browser; warns the first time they go beyond reading. */
  handedOut(integration: string, scopes: ReadonlySet<string>): void {
    if (scopes.size === 0 || this.#warned.has(integration)) return;
    const risky = beyondReading(scopes);
    if (risky.length === 0) return;
    this.#warned.set(integration, true);
    const code = GRAFX_WARNING_CODES.BROWSER_TOKEN_NOT_READ_ONLY;
    const message =
      `express-grafx-auth [${code}]: the token route hands browsers tokens of integration ${quotedKey(integration)}, ` +
      `whose permissions go beyond reading (${risky.join(', ')}): anyone with the page can use them until they ` +
      "expire. Use a separate read-only integration for browsers (CHILI's guidance).";
    try {
      this.#logger.warn(message);
    } catch {
      // a logger that throws must not fail the token route
    }
    this.#telemetry.warning({ code, integration, message, permissions: risky });
  }
}
