// lib/cli/stand-in-command.ts
// runStandIn(): the local platform stand-in as a server of its own: prints its URLs and test credentials, stops on a signal.
import { DEFAULT_STAND_IN_ENVIRONMENT, type GrafxStandIn, startGrafxStandIn } from '../testing/index.js';
import type { Output } from './output.js';

export interface StandInCommandConfig {
  /** The login server's port; the environment API listens on the next one. 0: two free ports. */
  port: number;
  environment: string | undefined;
  /** The permissions of the client's tokens; undefined: every documented one. */
  scopes: string[] | undefined;
  json: boolean;
}

/** What the stand-in command prints first (the `--json` line). The secret is the stand-in's test secret. */
export interface StandInAnnouncement {
  tokenURL: string;
  apiBaseURL: string;
  environment: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Starts the stand-in, prints where it listens and its test credentials, and resolves once it stopped: on SIGINT or
 * SIGTERM (or `stop`), it closes both servers and prints that it stopped.
 */
export async function runStandIn(
  config: StandInCommandConfig,
  output: Output,
  stop: AbortSignal = signalled(),
): Promise<void> {
  const standIn: GrafxStandIn = await startGrafxStandIn({
    tokenPort: config.port,
    apiPort: config.port === 0 ? 0 : config.port + 1,
    clients: [
      {
        clientId: 'stand-in-client',
        clientSecret: 'stand-in-secret',
        ...(config.scopes === undefined ? {} : { scopes: config.scopes }),
      },
    ],
  });
  const environment = config.environment ?? DEFAULT_STAND_IN_ENVIRONMENT;
  const announcement: StandInAnnouncement = {
    tokenURL: standIn.tokenURL,
    apiBaseURL: standIn.apiBaseURL(environment),
    environment,
    clientId: standIn.clientId,
    clientSecret: standIn.clientSecret,
  };
  if (config.json) {
    output.write(JSON.stringify(announcement));
  } else {
    const { tokenURL, apiBaseURL, clientId, clientSecret } = announcement;
    output.write(
      [
        'GraFx stand-in running (Ctrl+C stops it)',
        `  token URL      ${tokenURL}`,
        `  API base URL   ${apiBaseURL}`,
        `  environment    ${environment} (any name works in the API base URL)`,
        `  client ID      ${clientId}`,
        `  client secret  ${clientSecret}   (the stand-in's test secret, not a real one)`,
        '',
        'Check it from another terminal:',
        `  GRAFX_CLIENT_ID=${clientId} GRAFX_CLIENT_SECRET=${clientSecret} npx express-grafx-auth check \\`,
        `    --token-url ${tokenURL} --api-base-url ${apiBaseURL}`,
      ].join('\n'),
    );
  }
  if (!stop.aborted)
    await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  await standIn.close();
  output.write(config.json ? JSON.stringify({ stopped: true }) : 'GraFx stand-in stopped');
}

/** Aborts on the first SIGINT or SIGTERM. */
function signalled(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
