// __tests__/e2e/studio-handler.test.ts
// The example page's onAuthExpired (examples/public/grafx-auth.js): type-checked against the Studio SDK, run with its classes.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { type GrafxClient, createGrafxClient } from 'express-grafx-auth';
import { DEFAULT_STAND_IN_CLIENT } from 'express-grafx-auth/testing';
import { createExampleApp } from '../../examples/app.js';
import { root, runNode } from '../helpers/pack.js';
import { type Served, serve } from '../helpers/serve.js';
import { useStandIn } from '../helpers/stand-in.js';
import { typeCheck } from '../helpers/typecheck.js';

const HANDLER = join(root, 'examples/public/grafx-auth.js');
const BROWSER_CLIENT = { clientId: 'stand-in-browser', clientSecret: 'stand-in-browser-secret' };

describe('type-checked (checkJs) against @chili-publish/studio-sdk’s own declarations', () => {
  /** A TypeScript page that gives the SDK the example page's handler, and one that gives it the old string answer. */
  const page = `import StudioSDK, * as sdk from '@chili-publish/studio-sdk';
import type { ConfigType } from '@chili-publish/studio-sdk';
import { createOnAuthExpired, fetchGrafxToken } from '../examples/public/grafx-auth.js';

const config: ConfigType = { editorId: 'studio-editor', onAuthExpired: createOnAuthExpired(sdk, () => fetchGrafxToken('/grafx/token')) };
export const studio = new StudioSDK(config);
export const refreshTokenAction: () => Promise<string> = async () => (await fetchGrafxToken('/grafx/token')).token;
`;
  const wrong = `import type { ConfigType } from '@chili-publish/studio-sdk';
import { fetchGrafxToken } from '../examples/public/grafx-auth.js';

export const config: ConfigType = { onAuthExpired: async () => (await fetchGrafxToken('/grafx/token')).token };
`;

  it('the handler fits the SDK’s ConfigType.onAuthExpired, and the token fetch fits Studio UI’s refreshTokenAction', () => {
    const result = typeCheck(new Map([[join(root, '__studio__', 'page.ts'), page]]), {
      express: 5,
      browser: true,
      checkJs: [HANDLER],
    });
    expect(result.errors).toEqual([]);
    expect(result.loaded).toEqual(
      expect.arrayContaining([
        'examples/public/grafx-auth.js',
        'node_modules/@chili-publish/studio-sdk/lib/src/types/ConnectorTypes.d.ts',
      ]),
    );
  });

  it('bites: the old contract (resolving with the bare token string) does not compile against the SDK', () => {
    const result = typeCheck(new Map([[join(root, '__studio__', 'wrong.ts'), wrong]]), {
      express: 5,
      browser: true,
      checkJs: [HANDLER],
    });
    expect(result.errors.map((error) => error.replace(/^(\S+) (TS\d+).*$/s, '$1 $2'))).toEqual([
      '__studio__/wrong.ts:4:37 TS2322',
    ]);
  });
});

describe('run with the SDK’s own classes against the example app’s real token route', () => {
  const standIn = useStandIn({ clients: [DEFAULT_STAND_IN_CLIENT, BROWSER_CLIENT] });
  const clients: GrafxClient[] = [];
  const servers: Served[] = [];
  /** Every request the token routes got, as `METHOD path`. */
  const hits: string[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(clients.map((client) => client.close()));
  });

  /** The example app with a browser integration whose secret is `browserSecret`, behind a counter of requests. */
  async function exampleApp(browserSecret: string): Promise<{ client: GrafxClient; route: string }> {
    const client = createGrafxClient({
      integrations: {
        main: { ...DEFAULT_STAND_IN_CLIENT, environment: 'demo' },
        reporting: { ...DEFAULT_STAND_IN_CLIENT, environment: 'demo-reporting' },
        browser: { clientId: BROWSER_CLIENT.clientId, clientSecret: browserSecret, environment: 'demo', browser: true },
      },
      tokenURL: standIn.tokenURL,
      apiBaseURL: (environment) => standIn.apiBaseURL(environment),
    });
    clients.push(client);
    const app = express();
    app.use((req, _res, next) => {
      hits.push(`${req.method} ${req.path}`);
      next();
    });
    app.use(createExampleApp(client));
    const served = await serve(app);
    servers.push(served);
    return { client, route: `${served.url}/grafx/token` };
  }

  interface Answer {
    route: string;
    type: string;
    /** `answer instanceof GrafxTokenAuthCredentials` of the SDK's own class. */
    credentials: boolean;
    answer: unknown;
    /** What the engine receives through the SDK's subscriber: the answer as JSON, or null. */
    engine: string | null;
    failures: string[];
  }

  /**
   * In a Node.js process of its own (the handler is a browser ES module): the SDK (`new StudioSDK({ onAuthExpired })`)
   * calls the page's handler through its own dispatch (`config.handlers.onAuthExpired.trigger`) and through the
   * subscriber the engine calls, for each route and request type.
   */
  async function askThroughTheSdk(routes: string[]): Promise<Answer[]> {
    const script = `
import { createRequire } from 'node:module';
const sdk = createRequire(${JSON.stringify(join(root, 'package.json'))})('@chili-publish/studio-sdk');
const { createOnAuthExpired, fetchGrafxToken } = await import(${JSON.stringify(pathToFileURL(HANDLER).href)});
const connectorDefinition = { id: 'c1', name: 'media', type: 'media', supportedAuthentication: { browser: [], server: [] } };
const requests = [
  { type: sdk.AuthRefreshTypeEnum.grafxToken },
  { type: sdk.AuthRefreshTypeEnum.any, connectorId: 'c1', remoteConnectorId: 'r1', headerValue: null, connectorDefinition },
];
const answers = [];
for (const route of JSON.parse(process.argv[1])) {
  const failures = [];
  const onAuthExpired = createOnAuthExpired(sdk, () => fetchGrafxToken(route), (error) => failures.push(String(error)));
  const studio = new sdk.default({ onAuthExpired });
  for (const request of requests) {
    const answer = await studio.config.handlers.onAuthExpired.trigger(request);
    const engine = await studio.subscriber.onAuthExpired(JSON.stringify(request));
    answers.push({ route, type: request.type, credentials: answer instanceof sdk.GrafxTokenAuthCredentials, answer, engine, failures: [...failures] });
  }
}
console.log(JSON.stringify(answers));
`;
    const result = await runNode(['--input-type=module', '-e', script, JSON.stringify(routes)], root);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(result.stdout) as Answer[];
  }

  it('grafxToken: credentials holding the route’s token; any: null without asking; a failing route: null', async () => {
    const working = await exampleApp(BROWSER_CLIENT.clientSecret);
    const refused = await exampleApp('a-wrong-browser-secret'); // its route answers 502 GRAFX_CREDENTIALS_REJECTED
    const gone = await serve(express());
    const unreachable = `${gone.url}/grafx/token`;
    await gone.close(); // nothing listens there any more

    const answers = await askThroughTheSdk([working.route, refused.route, unreachable]);
    const token = await working.client.getToken('browser');
    const engineCredentials = JSON.stringify({ type: 'grafxToken', token });
    expect(
      answers.map(({ route, type, credentials, answer, engine }) => ({ route, type, credentials, answer, engine })),
    ).toEqual([
      {
        route: working.route,
        type: 'grafxToken',
        credentials: true,
        answer: { type: 'grafxToken', token },
        engine: engineCredentials,
      },
      { route: working.route, type: 'any', credentials: false, answer: null, engine: null },
      { route: refused.route, type: 'grafxToken', credentials: false, answer: null, engine: null },
      { route: refused.route, type: 'any', credentials: false, answer: null, engine: null },
      { route: unreachable, type: 'grafxToken', credentials: false, answer: null, engine: null },
      { route: unreachable, type: 'any', credentials: false, answer: null, engine: null },
    ]);
    // the failures were caught (and told to onError), never thrown into the SDK
    expect(answers[2]!.failures).toEqual([
      'Error: The token route answered 502.',
      'Error: The token route answered 502.',
    ]);
    expect(answers[4]!.failures).toHaveLength(2);
    // two grafxToken calls per route (dispatch, engine), none for `any`
    expect(hits).toEqual(['GET /grafx/token', 'GET /grafx/token', 'GET /grafx/token', 'GET /grafx/token']);
    expect(standIn.tokenRequests.map((request) => request.clientId)).toEqual([
      BROWSER_CLIENT.clientId,
      BROWSER_CLIENT.clientId,
    ]);
  });
});
