// __tests__/testing/output-tasks.test.ts
// The stand-in's output tasks over real HTTP: start, running (202 or 204), done, failed, download with the token, counts.
import axios from 'axios';
import { createGrafxClient } from 'express-grafx-auth';
import { type OutputTaskBehaviour, startGrafxStandIn } from 'express-grafx-auth/testing';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

let token: string;
beforeEach(async () => {
  token = await createGrafxClient(standIn.options('cp-test')).getToken();
});

const base = () => standIn.apiBaseURL('cp-test');
const call = (method: 'get' | 'post', path: string, body?: unknown, auth = true) =>
  axios.request({
    method,
    url: path.startsWith('http') ? path : `${base()}${path}`,
    data: body,
    headers: auth ? { authorization: `Bearer ${token}` } : {},
    validateStatus: () => true,
    responseType: 'arraybuffer',
    transformResponse: [(data: Buffer) => data],
  });
const json = (reply: { data: Buffer }) => JSON.parse(reply.data.toString('utf8'));

async function start(format = 'pdf', body: unknown = {}): Promise<string> {
  const reply = await call('post', `/output/${format}`, body);
  expect(reply.status).toBe(202);
  const answer = json(reply);
  expect(answer).toEqual({
    data: { taskId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    links: { taskInfo: `${base()}/output/tasks/${answer.data.taskId}` },
  });
  return answer.data.taskId as string;
}

it('runs a task for runningPolls polls (202 with a body), then answers 200 with the download link', async () => {
  const id = await start();
  for (let i = 0; i < 2; i += 1) {
    const running = await call('get', `/output/tasks/${id}`);
    expect(running.status).toBe(202);
    expect(json(running).data.taskId).toBe(id);
  }
  const done = await call('get', `/output/tasks/${id}`);
  expect(done.status).toBe(200);
  expect(json(done)).toEqual({ data: { taskId: id }, links: { download: `${base()}/output/tasks/${id}/download` } });
  expect(standIn.counts).toMatchObject({ outputsStarted: 1, taskPolls: 3 });
});

it('answers 204 without a body while running when told so', async () => {
  standIn.setOutputTasks({ runningPolls: 1, runningStatus: 204 });
  const id = await start('png');
  const running = await call('get', `/output/tasks/${id}`);
  expect(running.status).toBe(204);
  expect(running.data.length).toBe(0);
  expect((await call('get', `/output/tasks/${id}`)).status).toBe(200);
});

it('keeps a task running until durationMs has passed, whatever the polls', async () => {
  standIn.setOutputTasks({ runningPolls: 0, durationMs: 60_000 });
  const id = await start();
  for (let i = 0; i < 3; i += 1) expect((await call('get', `/output/tasks/${id}`)).status).toBe(202);
});

it('fails a task with a 500 problem (the given detail), and a task of an unknown template', async () => {
  standIn.setOutputTasks({ runningPolls: 0, fail: 'No output settings.' });
  const failed = await call('get', `/output/tasks/${await start()}`);
  expect(failed.status).toBe(500);
  expect(failed.headers['content-type']).toContain('application/problem+json');
  expect(json(failed)).toMatchObject({ title: 'Output generation failed', status: 500, detail: 'No output settings.' });
  standIn.setOutputTasks({ runningPolls: 0 });
  const unknown = await call('get', `/output/tasks/${await start('pdf', { templateId: 'nope' })}`);
  expect(json(unknown).detail).toBe('Template nope could not be loaded.');
});

it('serves the file of a finished task, with the bearer token only; 404 before it is done', async () => {
  standIn.setOutputTasks({ runningPolls: 0 });
  const id = await start();
  expect((await call('get', `/output/tasks/${id}/download`)).status).toBe(404);
  await call('get', `/output/tasks/${id}`);
  expect((await call('get', `/output/tasks/${id}/download`, undefined, false)).status).toBe(401);
  const file = await call('get', `/output/tasks/${id}/download`);
  expect(file.status).toBe(200);
  expect(file.headers['content-type']).toBe('application/pdf');
  const pdf = file.data.toString('latin1');
  expect(pdf.startsWith('%PDF-1.4\n')).toBe(true);
  expect(pdf.trimEnd().endsWith('%%EOF')).toBe(true);
  expect(pdf).toContain(id);
});

it('answers 404 to an unknown format or task, 400 to a body that is no JSON object', async () => {
  expect((await call('post', '/output/docx', {})).status).toBe(404);
  expect((await call('get', '/output/tasks/nope')).status).toBe(404);
  expect((await call('post', '/output/pdf', [1])).status).toBe(400);
  expect(standIn.counts).toMatchObject({ outputsStarted: 0, taskPolls: 0 });
});

it('resetCounts() zeroes outputsStarted and taskPolls', async () => {
  await call('get', `/output/tasks/${await start()}`);
  standIn.resetCounts();
  expect(standIn.counts).toMatchObject({ outputsStarted: 0, taskPolls: 0 });
});

it('takes the behaviour as a start option', async () => {
  const own = await startGrafxStandIn({ outputTasks: { runningPolls: 0, runningStatus: 204 } });
  try {
    expect(own.counts.taskPolls).toBe(0);
  } finally {
    await own.close();
  }
});

it.each([
  ['runningPolls -1', { runningPolls: -1 }],
  ['runningPolls 1.5', { runningPolls: 1.5 }],
  ['durationMs "5"', { durationMs: '5' }],
  ['runningStatus 200', { runningStatus: 200 }],
  ['fail ""', { fail: '' }],
  ['fail 1', { fail: 1 }],
  ['statusForm "names"', { statusForm: 'names' }],
  ['recordsField "records"', { recordsField: 'records' }],
  ['failAs 502', { failAs: 502 }],
  ['failAs "failed"', { failAs: 'failed' }],
  ['downloadLifetimeMs -1', { downloadLifetimeMs: -1 }],
  ['expiredStatus 500', { expiredStatus: 500 }],
  ['an unknown key', { runningPoll: 2 }],
  ['null', null],
])('setOutputTasks() and the start option refuse %s', async (_name, behaviour) => {
  expect(() => standIn.setOutputTasks(behaviour as OutputTaskBehaviour)).toThrow(/express-grafx-auth\/testing/);
  await expect(startGrafxStandIn({ outputTasks: behaviour as OutputTaskBehaviour })).rejects.toThrow(
    /express-grafx-auth\/testing: .*outputTasks/,
  );
});

describe('answer forms', () => {
  const poll = async (id: string) => {
    const reply = await call('get', `/output/tasks/${id}`);
    return { status: reply.status, body: reply.data.length === 0 ? undefined : json(reply) };
  };

  it.each([
    ['name', 'successfulRecords', ['Started', 'Pending', 'Processing', 'Processing'], 'Finished'],
    ['number', 'totalSuccessfulRecords', [0, 1, 2, 2], 4],
  ] as const)(
    'statusForm %s: 200 task objects whose status runs through the documented statuses, %s when finished',
    async (statusForm, recordsField, running, finished) => {
      standIn.setOutputTasks({ runningPolls: 4, statusForm, recordsField });
      const id = await start('png');
      for (const status of running) {
        const answer = await poll(id);
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({
          data: {
            id,
            taskId: id,
            name: 'stand-in png output',
            dateCreated: expect.any(String),
            format: 'png',
            status,
            totalRecords: 1,
            outputAvailable: false,
          },
          links: { taskInfo: `${base()}/output/tasks/${id}` },
        });
      }
      const done = await poll(id);
      expect(done.status).toBe(200);
      expect(done.body.data).toMatchObject({ status: finished, [recordsField]: 1, outputAvailable: true });
      expect(done.body.data.dateProcessed).toEqual(expect.any(String));
      expect(done.body.links.download).toBe(`${base()}/output/tasks/${id}/download`);
      expect((await call('get', done.body.links.download)).status).toBe(200);
    },
  );

  it.each([
    ['Failed', 'name', 'Failed'],
    ['Error', 'name', 'Error'],
    ['Failed', 'number', 3],
    ['Error', 'number', 5],
    ['Error', 'none', 'Error'],
  ] as const)('failAs %s (statusForm %s) answers 200 with the status %s', async (failAs, statusForm, status) => {
    standIn.setOutputTasks({ runningPolls: 0, fail: true, failAs, statusForm });
    const answer = await poll(await start());
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ status, outputAvailable: false, successfulRecords: 0 });
    expect(answer.body.links.download).toBeUndefined();
  });
});

describe('downloads that expire', () => {
  async function finished(): Promise<string> {
    const id = await start();
    for (let i = 0; i < 3; i += 1) await call('get', `/output/tasks/${id}`);
    return id;
  }

  it.each([404, 410] as const)(
    'expireDownloads(): the download answers %i "no longer available"',
    async (expiredStatus) => {
      standIn.setOutputTasks({ expiredStatus });
      const id = await finished();
      expect((await call('get', `/output/tasks/${id}/download`)).status).toBe(200);
      standIn.expireDownloads();
      const expired = await call('get', `/output/tasks/${id}/download`);
      expect(expired.status).toBe(expiredStatus);
      expect(json(expired)).toMatchObject({
        status: expiredStatus,
        title: expiredStatus === 410 ? 'Gone' : 'Not Found',
        detail: 'The output is no longer available.',
      });
      // A task started after the expiry is served again.
      expect((await call('get', `/output/tasks/${await finished()}/download`)).status).toBe(200);
    },
  );

  it('downloadLifetimeMs 0: a finished output is no longer available at once', async () => {
    standIn.setOutputTasks({ downloadLifetimeMs: 0 });
    const reply = await call('get', `/output/tasks/${await finished()}/download`);
    expect(reply.status).toBe(404);
    expect(json(reply).detail).toBe('The output is no longer available.');
  });
});
