// lib/core/option-keys.ts
// checkKnownKeys(): refuses an option key nobody reads, with a "Did you mean" by spelling or by a known misnaming.
import { configError } from './errors.js';

/**
 * What people write for an option that spelling alone does not lead back to: another library's name, a short form,
 * British spelling. Suggested only when the option is one of the keys the caller knows.
 */
const MISNAMINGS: Readonly<Record<string, readonly string[]>> = {
  secret: ['clientSecret'],
  client_secret: ['clientSecret'],
  password: ['clientSecret'],
  id: ['clientId'],
  client_id: ['clientId'],
  env: ['environment'],
  environmentId: ['environment'],
  environmentName: ['environment'],
  authorise: ['authorize'],
  authorization: ['authorize'],
  resolveTenant: ['resolveIntegration'],
  tenant: ['resolveIntegration'],
  baseURL: ['apiBaseURL'],
  baseUrl: ['apiBaseURL'],
  url: ['apiBaseURL', 'tokenURL'],
  scope: ['tokenParams'],
  resource: ['tokenParams'],
  timeout: ['timeoutMs', 'commandTimeoutMs'],
  redis: ['client'],
  prefix: ['keyPrefix'],
};

/**
 * Throws GRAFX_CONFIG_INVALID for the first key of `object` that is not in `known` (`prefix` names where it sits,
 * e.g. `cache.`), with "Did you mean" the closest known key, by a known misnaming or by spelling. `where` ends the
 * message (what the function takes), when given.
 */
export function checkKnownKeys(object: object, known: readonly string[], prefix = '', where = ''): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const guess = MISNAMINGS[key]?.find((name) => known.includes(name)) ?? closest(key, known);
    throw configError(
      `received an unsupported option, \`${prefix}${key}\`.` +
        (guess === undefined ? '' : ` Did you mean \`${prefix}${guess}\`?`) +
        (where === '' ? '' : ` ${where}`),
    );
  }
}

/**
 * Options that are near misses of `keys` (a function's own options, checked before the rest go on to the client):
 * GRAFX_CONFIG_INVALID with "Did you mean". Other unknown keys are left to the client's own check.
 */
export function refuseNearMisses(object: object, keys: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (keys.includes(key)) continue;
    const guess = MISNAMINGS[key]?.find((name) => keys.includes(name)) ?? closest(key, keys);
    if (guess !== undefined) {
      throw configError(`received an unsupported option, \`${key}\`. Did you mean \`${guess}\`? ${where}`);
    }
  }
}

/**
 * The local stand-in itself given as options (`createGrafxClient(standIn)`), whose own fields would read as unknown
 * options: GRAFX_CONFIG_INVALID saying what to pass instead.
 */
export function refuseStandIn(object: object): void {
  const maybe = object as { options?: unknown; tokenURL?: unknown; revokeTokens?: unknown };
  if (
    typeof maybe.options === 'function' &&
    typeof maybe.revokeTokens === 'function' &&
    typeof maybe.tokenURL === 'string'
  ) {
    throw configError(
      'received the local stand-in itself, not options: pass standIn.options() (its clientId, clientSecret, environment, tokenURL and apiBaseURL), e.g. createGrafxClient(standIn.options())',
    );
  }
}

/** The known key closest in spelling (case aside), if one is close enough to be a typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
