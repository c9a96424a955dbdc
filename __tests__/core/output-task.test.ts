// __tests__/core/output-task.test.ts
// generateOutput() and waitForTask() over real HTTP: polls, 202/204, failure, timeout, abort, 401 mid-poll, links.
import axios from 'axios';
import {
  GRAFX_ERROR_CODES,
  GrafxAuthError,
  GrafxTaskError,
  type GrafxClient,
  createGrafxClient,
  grafxProblem,
} from 'express-grafx-auth';
import { type Sleep, abortableSleep } from '../../lib/core/output-task.js';
import { createWorkflows } from '../../lib/core/workflows.js';
import { type OwnAnswer, OWN_BASE_PATH, clientFor, ownApi } from '../helpers/own-api.js';
import { rejection } from '../helpers/failure.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

/** Short pauses, so a test of several polls takes milliseconds. */
const FAST = { pollIntervalMs: 1, maxPollIntervalMs: 2 };

let client: GrafxClient;
beforeEach(() => {
  client = createGrafxClient(standIn.options('cp-test'));
});
afterEach(() => client.close());

const taskFailure = (promise: Promise<unknown>) => rejection<GrafxTaskError>(promise);

/** The integration's helpers with a sleep of the test's own (real HTTP, injected pauses). */
function workflowsWith(sleep: Sleep) {
  const { key, apiBaseURL } = client.integration();
  return createWorkflows(key, client.api(), apiBaseURL, sleep);
}

describe('generateOutput', () => {
  it('starts the output, polls through the running answers and resolves with the task and its download URL', async () => {
    standIn.setOutputTasks({ runningPolls: 3 });
    const grafx = await client.context();
    const templateId = (await grafx.api.get('/templates')).data.data[0].id as string;
    const result = await grafx.generateOutput('pdf', { templateId, outputSettingsId: 'default' }, FAST);
    expect(result.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.downloadURL).toBe(`${standIn.apiBaseURL('cp-test')}/output/tasks/${result.taskId}/download`);
    expect(standIn.counts).toMatchObject({ outputsStarted: 1, taskPolls: 4 });
    const post = standIn.apiRequests.find((r) => r.method === 'POST');
    expect(post).toMatchObject({ path: '/output/pdf', status: 202 });
    expect(JSON.parse(post!.body)).toEqual({ templateId, outputSettingsId: 'default' });
  });

  it('the download needs the token: req.grafx.api fetches it, a request without the token gets 401', async () => {
    const grafx = await client.context();
    const { downloadURL } = await grafx.generateOutput('pdf', {}, FAST);
    const file = await grafx.api.get<Buffer>(downloadURL, { responseType: 'arraybuffer' });
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(Buffer.from(file.data).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const anonymous = await axios.get(downloadURL, { validateStatus: () => true });
    expect(anonymous.status).toBe(401);
  });

  it.each([202, 204] as const)('treats %i as still running', async (runningStatus) => {
    standIn.setOutputTasks({ runningPolls: 2, runningStatus });
    const grafx = await client.context();
    await expect(grafx.generateOutput('png', {}, FAST)).resolves.toMatchObject({ taskId: expect.any(String) });
    expect(standIn.counts.taskPolls).toBe(3);
    const polls = standIn.apiRequests.filter((r) => r.path.startsWith('/output/tasks/')).map((r) => r.status);
    expect(polls).toEqual([runningStatus, runningStatus, 200]);
  });

  it('a failed task rejects with GRAFX_TASK_FAILED, the task id and the platform problem', async () => {
    standIn.setOutputTasks({ runningPolls: 1, fail: 'The font "Gotham" is missing.' });
    const grafx = await client.context();
    const error = await taskFailure(grafx.generateOutput('pdf', {}, FAST));
    expect(error).toBeInstanceOf(GrafxTaskError);
    expect(error).toBeInstanceOf(GrafxAuthError);
    expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.TASK_FAILED, status: 502, integration: 'default' });
    expect(error.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.problem).toEqual({
      type: expect.stringContaining('rfc9110'),
      title: 'Output generation failed',
      status: 500,
      detail: 'The font "Gotham" is missing.',
      traceId: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/),
    });
    expect(error.message).toContain('Gotham');
    expect(grafxProblem(error)).toBe(error.problem);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'GRAFX_TASK_FAILED', taskId: error.taskId });
    expect(standIn.counts.taskPolls).toBe(2);
  });

  it('a template the platform does not know fails the task', async () => {
    const grafx = await client.context();
    const error = await taskFailure(grafx.generateOutput('pdf', { templateId: 'nope' }, FAST));
    expect(error.code).toBe(GRAFX_ERROR_CODES.TASK_FAILED);
    expect(error.problem?.detail).toBe('Template nope could not be loaded.');
  });

  it('stops after timeoutMs with GRAFX_TASK_TIMEOUT naming the task (which can be waited for again)', async () => {
    standIn.setOutputTasks({ runningPolls: 1_000_000 });
    // Once the stand-in has answered a poll of this wait, the pause lasts until the wait is aborted: only the deadline
    // ends it, after the start and a poll whatever the machine's load (a 30 ms deadline once fired before the start was
    // answered). Before that first poll, pauses are real (generateOutput pauses between the start and its first poll).
    let pollsBefore = standIn.counts.taskPolls;
    let held = 0;
    const workflows = workflowsWith((ms, signal) => {
      if (standIn.counts.taskPolls === pollsBefore) return abortableSleep(ms, signal);
      held += 1;
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    });
    const error = await taskFailure(workflows.generateOutput('mp4', {}, { ...FAST, timeoutMs: 1_000 }));
    expect(error).toBeInstanceOf(GrafxTaskError);
    expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.TASK_TIMEOUT, status: 504 });
    expect(error.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toContain(error.taskId);
    expect(error.message).toContain('1000 ms');
    const polls = standIn.counts.taskPolls;
    expect(polls).toBe(pollsBefore + 1);
    expect(held).toBe(1);
    standIn.setOutputTasks({});
    pollsBefore = polls;
    // The caller looks again later, by the task's id.
    const again = await taskFailure(
      workflows.waitForTask(`/output/tasks/${error.taskId}`, { ...FAST, timeoutMs: 1_000 }),
    );
    expect(again.code).toBe(GRAFX_ERROR_CODES.TASK_TIMEOUT);
    expect(again.taskId).toBe(error.taskId);
    expect(standIn.counts.taskPolls).toBe(polls + 1);
    expect(held).toBe(2);
  });

  it('the public generateOutput() times out with GRAFX_TASK_TIMEOUT too (its real pauses)', async () => {
    standIn.setOutputTasks({ runningPolls: 1_000_000 });
    const grafx = await client.context();
    const error = await taskFailure(
      grafx.generateOutput('mp4', {}, { pollIntervalMs: 20, maxPollIntervalMs: 50, timeoutMs: 1_000 }),
    );
    expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.TASK_TIMEOUT, status: 504 });
  });

  it('an abort stops the wait with signal.reason and polls no more', async () => {
    standIn.setOutputTasks({ runningPolls: 100 });
    const controller = new AbortController();
    const reason = new Error('the user went away');
    let pauses = 0;
    const workflows = workflowsWith((ms, signal) => {
      pauses += 1;
      if (pauses === 3) controller.abort(reason);
      return abortableSleep(1, signal);
    });
    await expect(workflows.generateOutput('pdf', {}, { signal: controller.signal })).rejects.toBe(reason);
    // The first pause comes before the first poll: two polls, then the abort in the third pause.
    expect(standIn.counts.taskPolls).toBe(2);
  });

  it('rejects at once, without a request, when the signal is already aborted', async () => {
    const grafx = await client.context();
    const signal = AbortSignal.abort();
    await expect(grafx.generateOutput('pdf', {}, { signal })).rejects.toBe(signal.reason);
    expect(standIn.counts.apiRequests).toBe(0);
  });

  it('a 401 in the middle of a poll renews once and continues', async () => {
    standIn.setOutputTasks({ runningPolls: 3 });
    const retried: string[] = [];
    client.on('requestRetried', (event) => retried.push(event.path));
    const grafx = await client.context();
    let revoked = false;
    grafx.api.interceptors.response.use((response) => {
      if (!revoked && String(response.config.url).includes('/output/tasks/')) {
        revoked = true;
        standIn.revokeTokens(); // the token dies between the first and the second poll
      }
      return response;
    });
    const result = await grafx.generateOutput('pdf', {}, FAST);
    expect(result.taskId).toEqual(expect.any(String));
    expect(standIn.counts).toMatchObject({ apiUnauthorized: 1, tokenRequests: 2 });
    const polls = standIn.apiRequests.filter((r) => r.path.startsWith('/output/tasks/')).map((r) => r.status);
    expect(polls).toEqual([202, 401, 202, 202, 200]);
    expect(retried).toEqual([`${new URL(standIn.apiBaseURL('cp-test')).pathname}/output/tasks/${result.taskId}`]);
  });

  it('backs off from pollIntervalMs by 1.5 up to maxPollIntervalMs', async () => {
    standIn.setOutputTasks({ runningPolls: 8 });
    const pauses: number[] = [];
    const record: Sleep = async (ms) => {
      pauses.push(ms);
    };
    await workflowsWith(record).generateOutput('pdf', {});
    expect(pauses).toEqual([500, 750, 1125, 1688, 2531, 3797, 5000, 5000, 5000]);
    pauses.length = 0;
    await workflowsWith(record).generateOutput('pdf', {}, { pollIntervalMs: 100, maxPollIntervalMs: 200 });
    expect(pauses).toEqual([100, 150, 200, 200, 200, 200, 200, 200, 200]);
  });

  it('client.generateOutput(integration, …) and client.waitForTask(integration, …) work by key', async () => {
    const { taskId, downloadURL } = await client.generateOutput(undefined, 'html', {}, FAST);
    expect(downloadURL).toContain(taskId);
    await expect(client.waitForTask('default', `output/tasks/${taskId}`, FAST)).resolves.toEqual({
      taskId,
      downloadURL,
    });
    await expect(client.generateOutput('nope', 'pdf', {})).rejects.toMatchObject({
      code: GRAFX_ERROR_CODES.INTEGRATION_UNKNOWN,
    });
  });

  it.each(['docx', 'PDF', '', 'pdf/../projects', 42])(
    'refuses the format %p (GRAFX_OUTPUT_FORMAT_INVALID, 400)',
    async (format) => {
      const grafx = await client.context();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await expect(grafx.generateOutput(format as any, {})).rejects.toMatchObject({
        code: GRAFX_ERROR_CODES.OUTPUT_FORMAT_INVALID,
        status: 400,
      });
      expect(standIn.counts.apiRequests).toBe(0);
    },
  );

  it.each([
    ['timeoutMs 0', { timeoutMs: 0 }],
    ['timeoutMs over an hour', { timeoutMs: 3_600_001 }],
    ['timeoutMs Infinity', { timeoutMs: Infinity }],
    ['pollIntervalMs 0', { pollIntervalMs: 0 }],
    ['pollIntervalMs over a minute', { pollIntervalMs: 60_001 }],
    ['maxPollIntervalMs under pollIntervalMs', { pollIntervalMs: 100, maxPollIntervalMs: 50 }],
    ['a signal that is no AbortSignal', { signal: 'stop' }],
  ])('refuses %s (GRAFX_CONFIG_INVALID)', async (_name, options) => {
    const grafx = await client.context();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await expect(grafx.generateOutput('pdf', {}, options as any)).rejects.toMatchObject({
      code: GRAFX_ERROR_CODES.CONFIG_INVALID,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await expect(grafx.waitForTask('/output/tasks/x', options as any)).rejects.toMatchObject({
      code: GRAFX_ERROR_CODES.CONFIG_INVALID,
    });
    expect(standIn.counts.apiRequests).toBe(0);
  });
});

describe('waitForTask', () => {
  it('waits for a task given the taskInfo link of its start (a full URL)', async () => {
    standIn.setOutputTasks({ runningPolls: 2, runningStatus: 204 });
    const grafx = await client.context();
    const { data } = await grafx.api.post('/output/gif', {});
    const result = await grafx.waitForTask(data.links.taskInfo as string, FAST);
    expect(result.taskId).toBe(data.data.taskId);
    expect(standIn.counts.taskPolls).toBe(3);
  });

  it('refuses a task link outside the API and never requests it', async () => {
    const foreign = await ownApi(() => ({ status: 200, json: { links: { download: 'x' } } }));
    try {
      const grafx = await client.context();
      for (const link of [
        `${foreign.base}/output/tasks/x`,
        '/grafx/api/v1/environment/other/output/tasks/x',
        'ftp://x/y',
      ]) {
        await expect(grafx.waitForTask(link, FAST)).rejects.toMatchObject({ code: GRAFX_ERROR_CODES.LINK_REFUSED });
      }
      expect(foreign.seen).toEqual([]);
      expect(standIn.counts.apiRequests).toBe(0);
    } finally {
      await foreign.close();
    }
  });
});

describe('against a hostile API', () => {
  /** A server that answers the start and the polls of one task from `poll`. */
  async function taskApi(start: OwnAnswer, poll: (count: number, origin: string) => OwnAnswer) {
    let origin = '';
    let polls = 0;
    const api = await ownApi((url) => {
      if (url.pathname.endsWith('/output/pdf')) return start;
      polls += 1;
      return poll(polls, origin);
    });
    origin = api.origin;
    return api;
  }
  const started: OwnAnswer = {
    status: 200,
    json: { data: { taskId: 'a/../b' }, links: { taskInfo: 'output/tasks/x' } },
  };

  it('polls output/tasks/{taskId} with the id encoded, and refuses a download link to another origin', async () => {
    const files = await ownApi(() => ({ status: 200, text: 'file' }));
    const api = await taskApi(started, () => ({ status: 200, json: { links: { download: `${files.origin}/f.pdf` } } }));
    try {
      const grafx = await clientFor(standIn, api.base).context();
      await expect(grafx.generateOutput('pdf', {}, FAST)).rejects.toMatchObject({
        code: GRAFX_ERROR_CODES.LINK_REFUSED,
        taskId: 'a/../b',
      });
      expect(api.seen.map((r) => r.url)).toEqual([
        `${OWN_BASE_PATH}/output/pdf`,
        `${OWN_BASE_PATH}/output/tasks/a%2F..%2Fb`,
      ]);
      expect(files.seen).toEqual([]);
      expect(api.seen.every((r) => r.authorization?.startsWith('Bearer '))).toBe(true);
    } finally {
      await Promise.all([api.close(), files.close()]);
    }
  });

  it.each([
    ['no taskId', { status: 200, json: { data: {}, links: { taskInfo: 'output/tasks/x' } } }],
    [
      'a taskId that is no string',
      { status: 200, json: { data: { taskId: 7 }, links: { taskInfo: 'output/tasks/7' } } },
    ],
    [
      'a taskId with a line break',
      { status: 200, json: { data: { taskId: 'a\nb' }, links: { taskInfo: 'output/tasks/x' } } },
    ],
    [
      'a taskId of 300 characters',
      { status: 200, json: { data: { taskId: 'a'.repeat(300) }, links: { taskInfo: 'x' } } },
    ],
    // `.` and `..` would make the task's link another path of the API (`output/tasks/..` is `output/`).
    ['a taskId of `.`', { status: 200, json: { data: { taskId: '.' }, links: { taskInfo: 'output/tasks/x' } } }],
    ['a taskId of `..`', { status: 200, json: { data: { taskId: '..' }, links: { taskInfo: 'output/tasks/x' } } }],
    ['no taskInfo', { status: 200, json: { data: { taskId: 'x' } } }],
    ['HTML', { status: 200, text: '<html></html>' }],
  ] as Array<[string, OwnAnswer]>)(
    'a start answer with %s is GRAFX_TASK_INVALID_RESPONSE, nothing polled',
    async (_name, answer) => {
      const api = await taskApi(answer, () => ({ status: 500 }));
      try {
        const grafx = await clientFor(standIn, api.base).context();
        await expect(grafx.generateOutput('pdf', {}, FAST)).rejects.toMatchObject({
          code: GRAFX_ERROR_CODES.TASK_INVALID_RESPONSE,
          status: 502,
        });
        expect(api.seen).toHaveLength(1);
      } finally {
        await api.close();
      }
    },
  );

  it.each([
    ['200 without links.download', { status: 200, json: { data: { taskId: 'x' } } }],
    ['200 with a javascript: download link', { status: 200, json: { links: { download: 'javascript:alert(1)' } } }],
    ['201', { status: 201, json: {} }],
  ] as Array<[string, OwnAnswer]>)('a poll answering %s is GRAFX_TASK_INVALID_RESPONSE', async (_name, answer) => {
    const api = await taskApi(started, () => answer);
    try {
      const grafx = await clientFor(standIn, api.base).context();
      await expect(grafx.generateOutput('pdf', {}, FAST)).rejects.toMatchObject({
        code: GRAFX_ERROR_CODES.TASK_INVALID_RESPONSE,
        taskId: 'a/../b',
      });
    } finally {
      await api.close();
    }
  });

  it('a 500 without a problem body is still the task failure, without a problem', async () => {
    const api = await taskApi(started, (count) => (count < 3 ? { status: 202 } : { status: 500, text: 'oops' }));
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const error = await taskFailure(grafx.generateOutput('pdf', {}, FAST));
      expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.TASK_FAILED, taskId: 'a/../b', problem: undefined });
    } finally {
      await api.close();
    }
  });

  it('polls again after a gateway error or a lost connection, at most 3 times in a row', async () => {
    const lost: OwnAnswer[] = [{ status: 503 }, { status: 502 }, 'reset', { status: 202 }, { status: 504 }];
    const api = await taskApi(
      started,
      (count) => lost[count - 1] ?? { status: 200, json: { links: { download: 'f' } } },
    );
    try {
      const grafx = await clientFor(standIn, api.base).context();
      await expect(grafx.generateOutput('pdf', {}, FAST)).resolves.toMatchObject({ taskId: 'a/../b' });
      expect(api.seen).toHaveLength(1 + lost.length + 1);
    } finally {
      await api.close();
    }
  });

  it('gives up with the error after 4 lost polls in a row', async () => {
    const api = await taskApi(started, () => ({ status: 503, json: { title: 'Service Unavailable' } }));
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const error = await taskFailure(grafx.generateOutput('pdf', {}, FAST));
      expect(axios.isAxiosError(error) && error.response?.status).toBe(503);
      expect(api.seen).toHaveLength(1 + 4);
    } finally {
      await api.close();
    }
  });

  it('another API error (a 404) rejects with the axios error itself', async () => {
    const api = await taskApi(started, () => ({ status: 404, json: { title: 'Not Found', status: '404' } }));
    try {
      const grafx = await clientFor(standIn, api.base).context();
      const error = await taskFailure(grafx.generateOutput('pdf', {}, FAST));
      expect(axios.isAxiosError(error)).toBe(true);
      expect(grafxProblem(error)).toMatchObject({ title: 'Not Found', status: 404 });
    } finally {
      await api.close();
    }
  });

  it('a poll that never answers is cut off by timeoutMs', async () => {
    const api = await taskApi(started, () => 'hang');
    try {
      const grafx = await clientFor(standIn, api.base).context();
      await expect(grafx.generateOutput('pdf', {}, { ...FAST, timeoutMs: 50 })).rejects.toMatchObject({
        code: GRAFX_ERROR_CODES.TASK_TIMEOUT,
        taskId: 'a/../b',
      });
    } finally {
      await api.close();
    }
  });
});

describe('task answers in every documented form', () => {
  it.each([
    ['none', 'successfulRecords', undefined, undefined, undefined],
    ['name', 'successfulRecords', 'Finished', 1, 1],
    ['name', 'totalSuccessfulRecords', 'Finished', 1, 1],
    ['number', 'successfulRecords', 'Finished', 1, 1],
    ['number', 'totalSuccessfulRecords', 'Finished', 1, 1],
  ] as const)(
    'statusForm %s with %s: polls through the running statuses and resolves with the download',
    async (statusForm, recordsField, status, totalRecords, successfulRecords) => {
      standIn.setOutputTasks({ runningPolls: 3, statusForm, recordsField });
      const grafx = await client.context();
      const result = await grafx.generateOutput('pdf', {}, FAST);
      expect(result).toEqual({
        taskId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        downloadURL: `${standIn.apiBaseURL('cp-test')}/output/tasks/${result.taskId}/download`,
        ...(status === undefined ? {} : { status, totalRecords, successfulRecords }),
      });
      expect(standIn.counts.taskPolls).toBe(4);
    },
  );

  it.each([
    [500, 'none', undefined],
    ['Failed', 'name', 'Failed'],
    ['Error', 'name', 'Error'],
    ['Failed', 'number', 'Failed'],
    ['Error', 'number', 'Error'],
  ] as const)(
    'a task failing as %s (statusForm %s) rejects with GRAFX_TASK_FAILED',
    async (failAs, statusForm, taskStatus) => {
      standIn.setOutputTasks({ runningPolls: 1, fail: true, failAs, statusForm });
      const grafx = await client.context();
      const error = await taskFailure(grafx.generateOutput('pdf', {}, FAST));
      expect(error).toBeInstanceOf(GrafxTaskError);
      expect(error).toMatchObject({ code: GRAFX_ERROR_CODES.TASK_FAILED, status: 502, taskStatus });
      expect(error.taskId).toMatch(/^[0-9a-f-]{36}$/);
      if (taskStatus !== undefined) expect(error.message).toContain(`(status ${taskStatus})`);
      expect(JSON.parse(JSON.stringify(error))).toMatchObject({
        code: 'GRAFX_TASK_FAILED',
        ...(taskStatus === undefined ? {} : { taskStatus }),
      });
      expect(standIn.counts.taskPolls).toBe(2);
    },
  );
});
