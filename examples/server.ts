// examples/server.ts
// `npm start`: the example app on PORT (default 3000), against the real platform or, without credentials, the stand-in.
import { type GrafxClient, createGrafxClient } from 'express-grafx-auth';
import { DEFAULT_STAND_IN_CLIENT, type GrafxStandIn, startGrafxStandIn } from 'express-grafx-auth/testing';
import { createExampleApp } from './app.js';
import { exampleSettings } from './config.js';
import { reportReadiness } from './readiness.js';

/** The client: on the real platform when GRAFX_* credentials are set, else on a local stand-in started here. */
async function exampleClient(): Promise<{ client: GrafxClient; standIn?: GrafxStandIn; notes: string[] }> {
  const settings = exampleSettings(process.env);
  if (settings.kind === 'platform') {
    return { client: createGrafxClient({ integrations: settings.integrations }), notes: settings.notes };
  }
  // Two clients: the app's, and a separate (read-only, on the platform) one whose tokens go to the browser.
  const browserClient = { clientId: 'stand-in-browser', clientSecret: 'stand-in-browser-secret' };
  const standIn = await startGrafxStandIn({ clients: [DEFAULT_STAND_IN_CLIENT, browserClient] });
  const client = createGrafxClient({
    integrations: {
      main: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'demo' },
      reporting: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'demo-reporting' },
      browser: { ...browserClient, environment: 'demo', browser: true },
    },
    tokenURL: standIn.tokenURL,
    apiBaseURL: (env) => standIn.apiBaseURL(env),
  });
  return { client, standIn, notes: settings.notes };
}

async function main(): Promise<void> {
  const { client, standIn, notes } = await exampleClient();
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  let failed = false;
  const cannotListen = (error: Error): void => {
    if (failed) return;
    failed = true;
    console.error(`express-grafx-auth example: cannot listen on ${host}:${port}: ${error.message}`);
    void Promise.allSettled([client.close(), standIn?.close()]).then(() => process.exit(1));
  };
  const server = createExampleApp(client).listen(port, host, (error?: Error) => {
    // Express 5 hands a listen error (EADDRINUSE: the port is taken) to this callback; Express 4 emits it (below).
    if (error !== undefined) {
      cannotListen(error);
      return;
    }
    const address = server.address();
    const actualPort = typeof address === 'object' && address !== null ? address.port : port;
    const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    console.log(`express-grafx-auth example listening on http://${shownHost}:${actualPort}`);
    for (const note of notes) console.log(note);
    console.log(
      'Try: /templates, /templates/names, /templates/:id, /templates/:id/pdf, /compare, /tenants/main/templates,' +
        ' /health/grafx, /studio.html (in a browser)',
    );
    // Readiness from the first second: every integration's token now, so bad credentials show at start-up.
    void reportReadiness(client, (line, ready) => (ready ? console.log(line) : console.error(line)));
  });

  server.once('error', cannotListen);

  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void client.close();
    void standIn?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
