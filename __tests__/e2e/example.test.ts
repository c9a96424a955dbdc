// __tests__/e2e/example.test.ts
// The example app (what `npm start` serves) against the stand-in: its routes and its error handler.
import request from 'supertest';
import { createGrafxClient } from 'express-grafx-auth';
import { createExampleApp } from '../../examples/app.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();
let app: ReturnType<typeof createExampleApp>;
let client: ReturnType<typeof createGrafxClient>;
beforeAll(async () => {
  client = createGrafxClient({
    integrations: {
      main: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'demo' },
      reporting: { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: 'demo-reporting' },
    },
    tokenURL: standIn.tokenURL,
    apiBaseURL: (environment) => standIn.apiBaseURL(environment),
  });
  app = createExampleApp(client);
});
// The stand-in revokes every token before each test: start without them (a 401 soon after a renewal is not renewed).
beforeEach(() => client.clearTokens());

it('GET /templates answers the templates list', async () => {
  const { body } = await request(app).get('/templates').expect(200);
  expect(body.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: expect.any(String) })]));
});

it('GET /templates/:id answers one template, and the API error of a missing one as 502', async () => {
  const { body: list } = await request(app).get('/templates').expect(200);
  const id = list.data[0].id as string;
  const { body } = await request(app).get(`/templates/${id}`).expect(200);
  expect(body.data.id).toBe(id);
  const missing = await request(app).get('/templates/nope').expect(502);
  expect(missing.body).toMatchObject({
    error: 'GRAFX_API_ERROR',
    upstreamStatus: 500,
    problem: { status: 500, detail: 'Template nope could not be loaded.' },
  });
});

it('GET /templates/names follows every page of the list', async () => {
  const { body } = await request(app).get('/templates/names').expect(200);
  expect(body.names).toEqual(['Business card', 'Flyer A5', 'Social media post']);
});

it('GET /templates/:id/pdf renders the template to PDF through the stand-in and streams the file', async () => {
  standIn.setOutputTasks({ runningPolls: 0 });
  const { body: list } = await request(app).get('/templates').expect(200);
  const id = list.data[0].id as string;
  const res = await request(app)
    .get(`/templates/${id}/pdf`)
    .buffer(true)
    .parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    })
    .expect(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="?${id}\\.pdf"?$`));
  expect((res.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const post = standIn.apiRequests.find((r) => r.method === 'POST');
  expect(post).toMatchObject({ path: '/output/pdf', environment: 'demo' });
  expect(JSON.parse(post!.body)).toEqual({ templateId: id });
  expect(standIn.apiRequests.at(-1)).toMatchObject({ path: expect.stringMatching(/\/download$/), status: 200 });
});

it('GET /templates/:id/pdf of a missing template answers the failed task with its problem', async () => {
  standIn.setOutputTasks({ runningPolls: 0 });
  const { body } = await request(app).get('/templates/nope/pdf').expect(502);
  expect(body).toMatchObject({
    error: 'GRAFX_TASK_FAILED',
    problem: { title: 'Output generation failed', status: 500, detail: 'Template nope could not be loaded.' },
  });
});

it('GET /compare uses two integrations', async () => {
  const { body } = await request(app).get('/compare').expect(200);
  expect(body.main.count).toBeGreaterThan(0);
  expect(body.reporting.count).toBe(body.main.count);
  expect(new Set(standIn.apiRequests.map((r) => r.environment))).toEqual(new Set(['demo', 'demo-reporting']));
});

it('GET /tenants/:integration/templates picks the integration from the URL; an unknown one is a 400', async () => {
  const { body } = await request(app).get('/tenants/reporting/templates').expect(200);
  expect(body.integration).toBe('reporting');
  const unknown = await request(app).get('/tenants/initech/templates').expect(400);
  expect(unknown.body.error).toBe('GRAFX_INTEGRATION_UNKNOWN');
});

function exampleWith(clientSecret: string) {
  return createExampleApp(
    createGrafxClient({
      integrations: {
        main: { clientId: standIn.clientId, clientSecret, environment: 'demo' },
        reporting: { clientId: standIn.clientId, clientSecret, environment: 'demo' },
      },
      tokenURL: standIn.tokenURL,
      apiBaseURL: (environment) => standIn.apiBaseURL(environment),
    }),
  );
}

it('answers a token failure with the error status and code, never the secret', async () => {
  const { body } = await request(exampleWith('wrong-secret-value')).get('/templates').expect(502);
  expect(body.error).toBe('GRAFX_CREDENTIALS_REJECTED');
  expect(JSON.stringify(body)).not.toContain('wrong-secret-value');
});

it('answers 503 with Retry-After when the login server rate-limits', async () => {
  standIn.tokenFault('rate-limit', { times: 1, retryAfterSeconds: 3 });
  const res = await request(exampleWith(standIn.clientSecret)).get('/templates').expect(503);
  expect(res.body.error).toBe('GRAFX_TOKEN_RATE_LIMITED');
  expect(res.headers['retry-after']).toBe('3');
});

it('GET /health/grafx answers 200 once every integration is ready, 503 naming the one whose credentials fail', async () => {
  await request(app).get('/health/grafx').expect(200);
  const failing = exampleWith('wrong-secret-value');
  await request(failing).get('/templates').expect(502);
  const { body } = await request(failing).get('/health/grafx').expect(503);
  expect(body.integrations.main).toMatchObject({ canServe: false, lastErrorCode: 'GRAFX_CREDENTIALS_REJECTED' });
  expect(JSON.stringify(body)).not.toContain('wrong-secret-value');
});
