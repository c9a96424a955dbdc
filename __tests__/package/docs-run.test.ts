// __tests__/package/docs-run.test.ts
// The runnable samples of README.md and docs/ (```ts run=NAME, ```js run=NAME) run as written against the stand-in.
import * as main from 'express-grafx-auth';
import * as redisExports from 'express-grafx-auth/redis';
import * as testingExports from 'express-grafx-auth/testing';
import { DEFAULT_STAND_IN_CLIENT } from 'express-grafx-auth/testing';
import { type DocBlock, docBlocks, marker } from '../helpers/doc-blocks.js';
import { type RunFolder, type RunningSample, runFolder, runSample } from '../helpers/doc-run/run.js';
import { describeWithRedis, useRedis } from '../helpers/redis-server.js';
import { useStandIn } from '../helpers/stand-in.js';

const RUNNABLE = docBlocks().filter((block) => marker(block, 'run') !== undefined);
const byName = (name: string): DocBlock => {
  const found = RUNNABLE.filter((block) => marker(block, 'run') === name);
  if (found.length !== 1) throw new Error(`run=${name}: ${found.length} blocks`);
  return found[0]!;
};

const ACME = { clientId: 'acme-id', clientSecret: 'acme-secret-value', environments: ['acme-prd'] };
const GLOBEX = { clientId: 'globex-id', clientSecret: 'globex-secret-value', environments: ['globex-prd'] };
const standIn = useStandIn({ clients: [DEFAULT_STAND_IN_CLIENT, ACME, GLOBEX] });

let folder: RunFolder;
beforeAll(() => {
  folder = runFolder({
    main: Object.keys(main),
    testing: Object.keys(testingExports),
    redis: Object.keys(redisExports),
  });
});
afterAll(() => folder.remove());

/** What every sample gets: the stand-in's first client as the GRAFX_* credentials, the stand-in's URLs. */
const platformEnv = (): Record<string, string> => ({
  GRAFX_CLIENT_ID: DEFAULT_STAND_IN_CLIENT.clientId,
  GRAFX_CLIENT_SECRET: DEFAULT_STAND_IN_CLIENT.clientSecret,
  GRAFX_ENVIRONMENT: 'cp-docs',
  DOC_RUN_TOKEN_URL: standIn.tokenURL,
  DOC_RUN_API_BASE_URL: standIn.apiBaseURL('ENVIRONMENT').replace('ENVIRONMENT', '{env}'),
});

let running: RunningSample | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Starts the sample `name` and answers its URL (it must listen). */
async function start(name: string, env: Record<string, string> = {}, block = byName(name)): Promise<string> {
  running = await runSample(folder, block, { ...platformEnv(), ...env });
  if (running.url === undefined) throw new Error(`run=${name} exited (${await running.exited}):\n${running.output()}`);
  return running.url;
}

/** Asks `probe` again (every 50 ms, up to 30 s: a generous bound, not a measured time) until it answers something. */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const answer = await probe();
    if (answer !== undefined) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the sample never got there');
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });
const templateNames = async (response: Response): Promise<string[]> =>
  ((await response.json()) as { data: { name: string }[] }).data.map((template) => template.name);
const STAND_IN_TEMPLATES = ['Business card', 'Flyer A5', 'Social media post'];

it('every runnable block has a check here, and every check its block', () => {
  expect(RUNNABLE.map((block) => marker(block, 'run')).sort()).toEqual(Object.keys(CHECKS).sort());
});

/** The Quick start's app: a liveness route outside the middleware, the templates behind it on /grafx. */
async function quickStart(name: string, block = byName(name)): Promise<void> {
  const url = await start(name, {}, block);
  expect(await (await get(`${url}/healthz`)).text()).toBe('ok');
  expect(standIn.counts.tokenRequests).toBe(0); // the liveness route never asked for a token
  const templates = await get(`${url}/grafx/templates`);
  expect(templates.status).toBe(200);
  expect(await templateNames(templates)).toEqual(STAND_IN_TEMPLATES);
  expect((await get(`${url}/grafx/templates`)).status).toBe(200);
  expect(standIn.counts.tokenRequests).toBe(1);
}

const CHECKS: Record<string, () => Promise<void>> = {
  'quick-start-ts': () => quickStart('quick-start-ts'),
  'quick-start-js': () => quickStart('quick-start-js'),
  'getting-started': () => quickStart('getting-started'),
  'try-it': async () => {
    // its own stand-in, started by the sample: ours sees nothing
    const url = await start('try-it');
    expect(await templateNames(await get(`${url}/grafx/templates`))).toEqual(STAND_IN_TEMPLATES);
    expect(standIn.counts.tokenRequests).toBe(0);
  },
  'several-integrations': async () => {
    const url = await start('several-integrations', {
      ACME_CLIENT_ID: ACME.clientId,
      ACME_CLIENT_SECRET: ACME.clientSecret,
      GLOBEX_CLIENT_ID: GLOBEX.clientId,
      GLOBEX_CLIENT_SECRET: GLOBEX.clientSecret,
    });
    for (const tenant of ['acme', 'globex']) {
      const answer = await get(`${url}/api/whoami`, { 'x-tenant': tenant });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ integration: tenant, environment: `${tenant}-prd`, templates: 3 });
    }
    expect((await get(`${url}/api/whoami`)).status).toBe(400); // GRAFX_INTEGRATION_MISSING
    expect((await get(`${url}/api/whoami`, { 'x-tenant': 'initech' })).status).toBe(400); // GRAFX_INTEGRATION_UNKNOWN
    expect(standIn.counts.tokenRequests).toBe(2);
  },
  'many-tenants': async () => {
    const row = (client: { clientId: string; clientSecret: string }, environment: string) => ({
      clientId: client.clientId,
      secret: client.clientSecret,
      environment,
    });
    const url = await start('many-tenants', {
      DOC_RUN_TENANTS: JSON.stringify({ acme: row(ACME, 'acme-prd'), globex: row(GLOBEX, 'globex-prd') }),
    });
    expect(await templateNames(await get(`${url}/api/templates`, { 'x-tenant': 'acme' }))).toEqual(STAND_IN_TEMPLATES);
    expect((await get(`${url}/api/templates`, { 'x-tenant': 'globex' })).status).toBe(200);
    expect((await get(`${url}/api/templates`, { 'x-tenant': 'initech' })).status).toBe(400);
    const health = (await (await get(`${url}/health/grafx`)).json()) as main.GrafxHealth;
    expect(health).toMatchObject({ ok: true, tenants: { held: 2, max: 10_000, loadedOnDemand: true } });
    // Counts only by default: the tenants' detail is for a route the app protects (grafxHealthHandler's `detail`).
    expect(health.tenants).toMatchObject({ failing: 0, rejected: 0 });
    expect(health.integrations).toEqual({});
  },
  'workflows-list': async () => {
    const url = await start('workflows-list');
    const names = (await (await get(`${url}/cards`)).json()) as string[];
    expect(names).toEqual(['Business card']); // search: 'card'
  },
  'workflows-pdf': async () => {
    standIn.setOutputTasks({ runningPolls: 1 });
    const url = await start('workflows-pdf');
    const pdf = await get(`${url}/templates/8f4b2a0e-1c3d-4e5f-9a6b-7c8d9e0f1a21/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toMatch(/^application\/pdf/);
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
    expect(standIn.counts).toMatchObject({ outputsStarted: 1, taskPolls: 2 });
  },
  'studio-browser': async () => {
    const url = await start('studio-browser', {
      GRAFX_BROWSER_CLIENT_ID: DEFAULT_STAND_IN_CLIENT.clientId,
      GRAFX_BROWSER_CLIENT_SECRET: DEFAULT_STAND_IN_CLIENT.clientSecret,
    });
    // no session: authorize refuses before any token is fetched; other methods: 405 with Allow
    expect((await get(`${url}/grafx/token`)).status).toBe(403);
    const post = await fetch(`${url}/grafx/token`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(standIn.counts.tokenRequests).toBe(0);
  },
  production: async () => {
    const url = await start('production');
    // ready() fetches the token at start-up, before any request: the health route shows it
    const health = await until(async () => {
      const answer = await get(`${url}/health/grafx`);
      const body = (await answer.json()) as main.GrafxHealth;
      return body.integrations.default?.hasToken === true ? { status: answer.status, body } : undefined;
    });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, integrations: { default: { canServe: true, renewals: 1 } } });
    expect(standIn.counts.tokenRequests).toBe(1);
  },
  testing: async () => {
    // the sample asserts by itself and ends: exit code 0
    running = await runSample(folder, byName('testing'), platformEnv());
    const code = await running.exited;
    expect({ code, output: running.output() }).toEqual({
      code: 0,
      output: expect.stringMatching(/^DOC-RUN LISTENING \d+\n$/),
    });
  },
  redis: async () => {
    redisCheck.ran = true; // run in the Redis block below (it needs redis-server)
  },
};
const redisCheck = { ran: false };

it('the check bites: the Quick start with a route that answers nothing fails it', async () => {
  const block = byName('quick-start-js');
  const broken = { ...block, line: 0, code: block.code.replace('res.json(data);', 'res.json({ data: [] });') };
  expect(broken.code).not.toBe(block.code);
  await expect(quickStart('quick-start-js', broken)).rejects.toThrow(/toEqual/);
}, 90_000);

describe.each(Object.keys(CHECKS).filter((name) => name !== 'redis'))('run=%s', (name) => {
  it('runs as written and answers as documented', () => CHECKS[name]!(), 90_000);
});

describeWithRedis('run=redis (a shared token store on a real redis-server)', () => {
  const redis = useRedis();
  it('runs as written: the token goes to Redis, and a second instance takes it from there', async () => {
    await CHECKS.redis!();
    const env = { REDIS_URL: redis.server.url };
    const first = await start('redis', env);
    expect(await templateNames(await get(`${first}/templates`))).toEqual(STAND_IN_TEMPLATES);
    const keys = await redis.connect().keys('grafx-auth:token:*');
    expect(keys).toHaveLength(1);
    await running?.stop();
    const second = await start('redis', env);
    expect((await get(`${second}/templates`)).status).toBe(200);
    expect(standIn.counts.tokenRequests).toBe(1); // the second instance found the token in Redis
  }, 90_000);
});
