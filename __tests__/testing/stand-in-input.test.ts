// __tests__/testing/stand-in-input.test.ts
// The stand-in takes no option it does not know, no prototype key as a format, and keeps each environment's tasks.
import { createGrafxClient } from 'express-grafx-auth';
import { type GrafxStandIn, type StandInClient, startGrafxStandIn } from 'express-grafx-auth/testing';

let standIn: GrafxStandIn;
beforeAll(async () => {
  standIn = await startGrafxStandIn({ clients: [{ clientId: 'any', clientSecret: 'any-secret' }] });
});
afterAll(() => standIn.close());

describe("a client's options", () => {
  const clients: Array<[string, Record<string, unknown>, RegExp]> = [
    ['`environment` for `environments`', { environment: ['cp-one'] }, /\.environment`.*Did you mean `environments`/],
    ['`environmnets`', { environmnets: ['cp-one'] }, /unknown option `.*environmnets`/],
    ['`secret` for `clientSecret`', { secret: 'x' }, /unknown option `.*secret`/],
    ['`constructor`', { constructor: 'x' }, /unknown option `.*constructor`/],
    ['`__proto__` as an own key', JSON.parse('{"__proto__": ["cp-one"]}') as Record<string, unknown>, /__proto__/],
  ];

  it.each(clients)('%s is refused by startGrafxStandIn({ clients })', async (_name, extra, message) => {
    // (a spread copies an own `__proto__` as an own property)
    const client = { clientId: 'c', clientSecret: 'c-secret', ...extra } as StandInClient;
    await expect(startGrafxStandIn({ clients: [client] })).rejects.toThrow(message);
  });

  it.each(clients)('%s is refused by addClient()', (_name, extra, message) => {
    // (a spread copies an own `__proto__` as an own property)
    const client = { clientId: 'c', clientSecret: 'c-secret', ...extra } as StandInClient;
    expect(() => standIn.addClient(client)).toThrow(message);
  });

  it('a client limited with `environments` gets a 401 elsewhere, as before', async () => {
    standIn.addClient({ clientId: 'limited', clientSecret: 'limited-secret', environments: ['cp-one'] });
    const options = {
      clientId: 'limited',
      clientSecret: 'limited-secret',
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    };
    const one = createGrafxClient({ ...options, environment: 'cp-one' });
    const two = createGrafxClient({ ...options, environment: 'cp-two' });
    expect((await one.api().get('/templates')).status).toBe(200);
    await expect(two.api().get('/templates')).rejects.toMatchObject({ response: { status: 401 } });
    await Promise.all([one.close(), two.close()]);
  });

  it.each([
    ['constructor', { constructor: true }],
    ['toString', { toString: 1 }],
  ])('the stand-in options refuse `%s` as an option', async (_name, options) => {
    await expect(startGrafxStandIn(options as never)).rejects.toThrow(/unknown|unsupported/);
  });
});

describe('output formats are own keys only', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'POST output/%s answers 404 and starts no task',
    async (format) => {
      const client = createGrafxClient({ ...standIn.options('cp-one'), clientId: 'any', clientSecret: 'any-secret' });
      const before = standIn.counts.outputsStarted;
      await expect(client.api().post(`/output/${format}`, {})).rejects.toMatchObject({ response: { status: 404 } });
      expect(standIn.counts.outputsStarted).toBe(before);
      await client.close();
    },
  );
});

describe('each environment keeps its tasks to itself', () => {
  it.each([
    ['polling', (id: string) => `/output/tasks/${id}`],
    ['downloading', (id: string) => `/output/tasks/${id}/download`],
  ])("%s another environment's task answers 404 there; its own environment serves it", async (_name, path) => {
    standIn.setOutputTasks({ runningPolls: 0 });
    const options = {
      clientId: 'any',
      clientSecret: 'any-secret',
      tokenURL: standIn.tokenURL,
      apiBaseURL: standIn.apiBaseURL,
    };
    const one = createGrafxClient({ ...options, environment: 'cp-one' });
    const two = createGrafxClient({ ...options, environment: 'cp-two' });
    const { taskId } = await one.generateOutput(undefined, 'pdf', {}, { pollIntervalMs: 1 });
    await expect(two.api().get(path(taskId))).rejects.toMatchObject({ response: { status: 404 } });
    expect((await one.api().get(path(taskId))).status).toBe(200);
    await Promise.all([one.close(), two.close()]);
  });
});
