// examples/server.ts
// `npm start`: the example app on PORT (default 3000), against the real platform or, without credentials, the stand-in.
import { type GrafxClient, createGrafxClient } from 'express-grafx-auth';
import { type GrafxStandIn, startGrafxStandIn } from 'express-grafx-auth/testing';
import { createExampleApp } from './app.js';

/** The client: on the real platform when GRAFX_* credentials are set, else on a local stand-in started here. */
async function exampleClient(): Promise<{ client: GrafxClient; standIn?: GrafxStandIn; using: string }> {
  const { GRAFX_CLIENT_ID: clientId, GRAFX_CLIENT_SECRET: clientSecret, GRAFX_ENVIRONMENT: environment } = process.env;
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
      },
    });
    return { client, using: `Using the GraFx platform, environment ${environment}.` };
  }
  const standIn = await startGrafxStandIn();
  const client = createGrafxClient({
    integrations: {
      main: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'demo' },
      reporting: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'demo-reporting' },
    },
    tokenURL: standIn.tokenURL,
    apiBaseURL: (env) => standIn.apiBaseURL(env),
  });
  const using = 'No GRAFX_CLIENT_ID/GRAFX_CLIENT_SECRET/GRAFX_ENVIRONMENT set: using the local GraFx stand-in (offline).';
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
    console.log('Try: /templates, /templates/:id, /compare, /tenants/main/templates');
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
