// examples/server.ts
// `npm start`: the example app on PORT (default 3000), against the real platform or, without credentials, the stand-in.
import { type GrafxClient, createGrafxClient } from 'express-grafx-auth';
import { DEFAULT_STAND_IN_CLIENT, type GrafxStandIn, startGrafxStandIn } from 'express-grafx-auth/testing';
import { createExampleApp } from './app.js';

/** The client: on the real platform when GRAFX_* credentials are set, else on a local stand-in started here. */
async function exampleClient(): Promise<{ client: GrafxClient; standIn?: GrafxStandIn; using: string }> {
  const { GRAFX_CLIENT_ID: clientId, GRAFX_CLIENT_SECRET: clientSecret, GRAFX_ENVIRONMENT: environment } = process.env;
  const { GRAFX_BROWSER_CLIENT_ID: browserClientId, GRAFX_BROWSER_CLIENT_SECRET: browserClientSecret } = process.env;
  if (clientId && clientSecret && environment) {
    const client = createGrafxClient({
      integrations: {
        main: { clientId, clientSecret, environment },
        // A second integration, e.g. read-only; without one, `reporting` uses the same credentials.
        reporting: {
          clientId: process.env.GRAFX_REPORTING_CLIENT_ID ?? clientId,
          clientSecret: process.env.GRAFX_REPORTING_CLIENT_SECRET ?? clientSecret,
          environment,
        },
        // Tokens that go to the browser (/grafx/token, /studio.html) come from a read-only integration of their own,
        // never from `main`: without GRAFX_BROWSER_CLIENT_ID/SECRET the token route is off and the page says so.
        ...(browserClientId && browserClientSecret
          ? { browser: { clientId: browserClientId, clientSecret: browserClientSecret, environment, browser: true } }
          : {}),
      },
    });
    const browser =
      browserClientId && browserClientSecret
        ? 'The browser page /studio.html uses the read-only integration GRAFX_BROWSER_CLIENT_ID.'
        : 'No GRAFX_BROWSER_CLIENT_ID/GRAFX_BROWSER_CLIENT_SECRET set: the browser token route is off.';
    return { client, using: `Using the GraFx platform, environment ${environment}. ${browser}` };
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
  const using =
    'No GRAFX_CLIENT_ID/GRAFX_CLIENT_SECRET/GRAFX_ENVIRONMENT set: using the local GraFx stand-in (offline).';
  return { client, standIn, using };
}

async function main(): Promise<void> {
  const { client, standIn, using } = await exampleClient();
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const server = createExampleApp(client).listen(port, host, () => {
    const address = server.address();
    const actualPort = typeof address === 'object' && address !== null ? address.port : port;
    const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    console.log(`express-grafx-auth example listening on http://${shownHost}:${actualPort}`);
    console.log(using);
    console.log(
      'Try: /templates, /templates/names, /templates/:id, /templates/:id/pdf, /compare, /tenants/main/templates,' +
        ' /studio.html (in a browser)',
    );
  });

  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void standIn?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
