// examples/config.ts
// exampleSettings(env): the example's GRAFX_* variables read and checked; a half-set group names what is missing.
import type { IntegrationConfig } from 'express-grafx-auth';

/** Where the example gets its tokens: the GraFx platform (all variables set) or the local stand-in (none set). */
export type ExampleSettings =
  | {
      kind: 'platform';
      environment: string;
      integrations: Record<string, IntegrationConfig>;
      /** What the start-up message says about the setup. */
      notes: string[];
    }
  | { kind: 'stand-in'; notes: string[] };

/** The variables of each group: all of a group or none of it. */
const PLATFORM = ['GRAFX_CLIENT_ID', 'GRAFX_CLIENT_SECRET', 'GRAFX_ENVIRONMENT'] as const;
const BROWSER = ['GRAFX_BROWSER_CLIENT_ID', 'GRAFX_BROWSER_CLIENT_SECRET'] as const;
const REPORTING = ['GRAFX_REPORTING_CLIENT_ID', 'GRAFX_REPORTING_CLIENT_SECRET'] as const;

/** The notice when the browser integration is off (the start-up message, and the page says the same). */
export const BROWSER_OFF_NOTE =
  'GRAFX_BROWSER_CLIENT_ID and GRAFX_BROWSER_CLIENT_SECRET are not set: the browser token route /grafx/token is off.';

/**
 * Reads the example's settings from `env`. Throws an Error naming every missing variable when a group is only
 * partly set (e.g. GRAFX_CLIENT_ID without GRAFX_CLIENT_SECRET): a half-configured deployment must not quietly run
 * on the offline stand-in.
 */
export function exampleSettings(env: NodeJS.ProcessEnv): ExampleSettings {
  const set = (name: string): boolean => (env[name] ?? '') !== '';
  const missing = [PLATFORM, BROWSER, REPORTING].flatMap((group) =>
    group.some(set) ? group.filter((name) => !set(name)) : [],
  );
  if (!PLATFORM.some(set) && [...BROWSER, ...REPORTING].some(set)) missing.unshift(...PLATFORM);
  if (missing.length > 0) {
    throw new Error(
      `Missing ${missing.join(', ')}: set ${missing.length === 1 ? 'it' : 'them'} too, or unset the other GRAFX_* variables to run offline on the local stand-in.`,
    );
  }
  if (!PLATFORM.some(set)) {
    return {
      kind: 'stand-in',
      notes: [
        'No GRAFX_CLIENT_ID, GRAFX_CLIENT_SECRET or GRAFX_ENVIRONMENT set: using the local GraFx stand-in (offline).',
      ],
    };
  }
  const value = (name: string): string => env[name] as string;
  const environment = value('GRAFX_ENVIRONMENT');
  const main = { clientId: value('GRAFX_CLIENT_ID'), clientSecret: value('GRAFX_CLIENT_SECRET'), environment };
  const integrations: Record<string, IntegrationConfig> = {
    main,
    // A second integration, e.g. read-only; without one, `reporting` uses the same credentials.
    reporting: set('GRAFX_REPORTING_CLIENT_ID')
      ? {
          clientId: value('GRAFX_REPORTING_CLIENT_ID'),
          clientSecret: value('GRAFX_REPORTING_CLIENT_SECRET'),
          environment,
        }
      : main,
  };
  const notes = [`Using the GraFx platform, environment ${environment}.`];
  // Tokens that go to the browser (/grafx/token, /studio.html) come from a read-only integration of their own,
  // never from `main`: without GRAFX_BROWSER_CLIENT_ID/SECRET the token route is off and the page says so.
  if (set('GRAFX_BROWSER_CLIENT_ID')) {
    integrations.browser = {
      clientId: value('GRAFX_BROWSER_CLIENT_ID'),
      clientSecret: value('GRAFX_BROWSER_CLIENT_SECRET'),
      environment,
      browser: true,
    };
    notes.push('The browser page /studio.html uses the read-only integration GRAFX_BROWSER_CLIENT_ID.');
  } else {
    notes.push(BROWSER_OFF_NOTE);
  }
  return { kind: 'platform', environment, integrations, notes };
}
