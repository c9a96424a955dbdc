// lib/core/output-task.ts
// generateOutput() and waitForTask(): start an output (POST output/{format}) and poll its task until it is done.
import { setTimeout as delay } from 'node:timers/promises';
import axios, { type AxiosInstance } from 'axios';
import { type ApiBase, checkApiLink, resolveLink } from './api-link.js';
import type { GrafxOutputFormat, GrafxTaskResult } from './api-types.js';
import { isIntegerIn } from './bounds.js';
import { checkSignal } from './call-options.js';
import { GRAFX_ERROR_CODES, GrafxAuthError, configError } from './errors.js';
import { parseProblem } from './grafx-problem.js';
import { sanitizeText } from './redaction.js';
import { readTaskAnswer } from './task-answer.js';
import { GrafxTaskError } from './task-error.js';

/** Options of `generateOutput()` and `waitForTask()`. */
export interface TaskWaitOptions {
  /** Stops the wait: the request in flight is aborted and the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * How long to wait for the task, in milliseconds (1 to 3600000), the start of the output included; then the
   * promise rejects with `GRAFX_TASK_TIMEOUT` (the task itself goes on; its `taskId` is in the error).
   * @default 300000 (5 minutes)
   */
  timeoutMs?: number;
  /**
   * The first pause between two polls, in milliseconds (1 to 60000); each next pause is 1.5 times longer.
   * @default 500
   */
  pollIntervalMs?: number;
  /**
   * The longest pause between two polls, in milliseconds (`pollIntervalMs` to 60000).
   * @default 5000
   */
  maxPollIntervalMs?: number;
}

/** Pauses `ms` milliseconds; rejects when `signal` aborts. Injectable for tests. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const DEFAULT_TASK_TIMEOUT_MS = 300_000;
export const DEFAULT_POLL_INTERVAL_MS = 500;
export const DEFAULT_MAX_POLL_INTERVAL_MS = 5000;
const MAX_TASK_TIMEOUT_MS = 3_600_000;
const MAX_POLL_INTERVAL_MS = 60_000;
const BACKOFF_FACTOR = 1.5;
/** A task answer (JSON) may not be larger than this. */
const MAX_TASK_ANSWER_BYTES = 1024 * 1024;
const MAX_TASK_ID_LENGTH = 256;
/** Polls in a row that may fail on the way (502, 503, 504, no answer) before the wait gives up with that error. */
const MAX_TRANSIENT_FAILURES = 3;
const TRANSIENT_STATUSES = [502, 503, 504];
const NETWORK_ERRORS = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ERR_NETWORK'];

export const OUTPUT_FORMATS: readonly GrafxOutputFormat[] = ['pdf', 'png', 'jpg', 'gif', 'mp4', 'html'];

/** The reason the wait's own controller is aborted with when `timeoutMs` has passed. */
const DEADLINE = Symbol('deadline');

export const abortableSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/** What the task helpers of one integration share. */
export interface TaskContext {
  integration: string;
  api: AxiosInstance;
  base: ApiBase;
  sleep: Sleep;
}

interface WaitConfig {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
}

/** The task being waited for: its id once known (for the timeout error). */
interface TaskState {
  id: string | undefined;
}

/**
 * `POST output/{format}` with `body` (as given), then polls `GET output/tasks/{taskId}` until it answers 200 with
 * `links.download` (202 and 204 mean still running; 500 is `GRAFX_TASK_FAILED` with the platform's problem).
 */
export async function generateOutput(
  context: TaskContext,
  format: GrafxOutputFormat,
  body: unknown,
  options?: TaskWaitOptions,
): Promise<GrafxTaskResult> {
  if (typeof format !== 'string' || !OUTPUT_FORMATS.includes(format)) {
    const shown = typeof format === 'string' ? JSON.stringify(sanitizeText(format.slice(0, 20), 20)) : typeof format;
    throw new GrafxAuthError(
      GRAFX_ERROR_CODES.OUTPUT_FORMAT_INVALID,
      `Unknown GraFx output format ${shown}: use one of ${OUTPUT_FORMATS.join(', ')}`,
      { status: 400, integration: context.integration },
    );
  }
  const config = parseWaitOptions(options, 'generateOutput()');
  return withDeadline(context, config, async (signal, task) => {
    const { data } = await context.api.post(`/output/${format}`, body, {
      signal,
      maxContentLength: MAX_TASK_ANSWER_BYTES,
    });
    task.id = startedTaskId(context, data);
    const taskURL = new URL(`${context.base.href}/output/tasks/${encodeURIComponent(task.id)}`);
    await context.sleep(config.pollIntervalMs, signal);
    return poll(context, config, taskURL, task.id, signal, BACKOFF_FACTOR * config.pollIntervalMs);
  });
}

/**
 * Polls a task link (`output/tasks/{id}`, `templates/preview/tasks/{id}`, …; a full URL or a path, on the
 * environment API only) until it answers 200 with `links.download`.
 */
export async function waitForTask(
  context: TaskContext,
  taskInfoPath: string,
  options?: TaskWaitOptions,
): Promise<GrafxTaskResult> {
  const config = parseWaitOptions(options, 'waitForTask()');
  const { url: taskURL, refused } = checkApiLink(taskInfoPath, context.base);
  if (taskURL === undefined) {
    throw new GrafxAuthError(GRAFX_ERROR_CODES.LINK_REFUSED, `waitForTask(): the task link ${refused}`, {
      status: 502,
      integration: context.integration,
    });
  }
  const segments = taskURL.pathname.split('/').filter((segment) => segment !== '');
  const taskId = sanitizeText(safeDecode(segments.at(-1) ?? '').slice(0, MAX_TASK_ID_LENGTH), MAX_TASK_ID_LENGTH);
  return withDeadline(context, config, (signal, task) => {
    task.id = taskId;
    return poll(context, config, taskURL, taskId, signal, config.pollIntervalMs);
  });
}

/** Runs `wait` with a signal that aborts on the caller's signal and after `timeoutMs`; maps both to their errors. */
async function withDeadline(
  context: TaskContext,
  config: WaitConfig,
  wait: (signal: AbortSignal, task: TaskState) => Promise<GrafxTaskResult>,
): Promise<GrafxTaskResult> {
  const outer = config.signal;
  outer?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(DEADLINE), config.timeoutMs);
  const task: TaskState = { id: undefined };
  try {
    return await wait(controller.signal, task);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    if (controller.signal.reason !== DEADLINE) throw controller.signal.reason;
    const which = task.id === undefined ? 'GraFx output' : `GraFx task ${task.id}`;
    throw new GrafxTaskError(
      GRAFX_ERROR_CODES.TASK_TIMEOUT,
      `The ${which} did not finish within ${config.timeoutMs} ms`,
      { status: 504, integration: context.integration, taskId: task.id },
    );
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

/**
 * Polls until done: 200 resolves, 202 and 204 wait (with backoff) and poll again, 500 is the task's failure. A poll
 * lost on the way (a proxy's 502/503/504, a reset connection) is polled again, at most 3 times in a row.
 */
async function poll(
  context: TaskContext,
  config: WaitConfig,
  taskURL: URL,
  taskId: string,
  signal: AbortSignal,
  firstPause: number,
): Promise<GrafxTaskResult> {
  let pause = Math.min(config.maxPollIntervalMs, firstPause);
  let transientFailures = 0;
  for (;;) {
    let answer: { status: number; data: unknown } | undefined;
    try {
      answer = await context.api.get(taskURL.href, {
        signal,
        maxContentLength: MAX_TASK_ANSWER_BYTES,
        validateStatus: (status) => status >= 200 && status < 300,
      });
    } catch (error) {
      if (axios.isAxiosError(error) && error.response?.status === 500 && !signal.aborted) {
        const problem = parseProblem(error.response.data, 500);
        const why = problem === undefined ? '' : `: ${[problem.title, problem.detail].filter(Boolean).join(': ')}`;
        throw new GrafxTaskError(GRAFX_ERROR_CODES.TASK_FAILED, `The GraFx task ${taskId} failed${why}`, {
          status: 502,
          integration: context.integration,
          taskId,
          problem,
          cause: error,
        });
      }
      if (!isTransient(error, signal) || transientFailures >= MAX_TRANSIENT_FAILURES) throw error;
      transientFailures += 1;
    }
    // (no answer: a lost poll, paused after and asked again like a running one)
    if (answer !== undefined) {
      if (answer.status === 200) {
        const done = finishedTask(context, answer.data, taskId);
        if (done !== undefined) return done;
      } else if (answer.status !== 202 && answer.status !== 204) {
        throw invalidAnswer(context, taskId, `answered ${answer.status} (expected 200, 202, 204 or 500)`);
      }
      transientFailures = 0;
    }
    await context.sleep(Math.round(pause), signal);
    pause = Math.min(config.maxPollIntervalMs, pause * BACKOFF_FACTOR);
  }
}

/** A poll that failed on the way rather than on the platform: a gateway's 502/503/504, a lost connection. */
function isTransient(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted || !axios.isAxiosError(error)) return false;
  if (error.response !== undefined) return TRANSIENT_STATUSES.includes(error.response.status);
  return error.code !== undefined && NETWORK_ERRORS.includes(error.code);
}

/** The `taskId` of `POST output/{format}`'s answer `{ data: { taskId }, links: { taskInfo } }`. */
function startedTaskId(context: TaskContext, answer: unknown): string {
  const { data, links } = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  const taskId = (data as { taskId?: unknown } | null | undefined)?.taskId;
  const taskInfo = (links as { taskInfo?: unknown } | null | undefined)?.taskInfo;
  if (
    typeof taskId !== 'string' ||
    taskId === '' ||
    taskId.length > MAX_TASK_ID_LENGTH ||
    // `.` and `..` would make the task's link another path of the API (`output/tasks/..` is `output/`).
    taskId === '.' ||
    taskId === '..' ||
    sanitizeText(taskId, MAX_TASK_ID_LENGTH) !== taskId ||
    checkApiLink(taskInfo, context.base).url === undefined
  ) {
    throw invalidAnswer(
      context,
      undefined,
      'started no task: the answer is not { data: { taskId }, links: { taskInfo } }',
    );
  }
  return taskId;
}

/**
 * A poll's 200 answer (see readTaskAnswer): the result when finished, undefined while running (a status Started,
 * Pending or Processing), `GRAFX_TASK_FAILED` for Failed or Error. The download link is checked as every API link is.
 */
function finishedTask(context: TaskContext, body: unknown, taskId: string): GrafxTaskResult | undefined {
  const answer = readTaskAnswer(body);
  if (answer.state === 'running') return undefined;
  if (answer.state === 'failed') {
    throw new GrafxTaskError(
      GRAFX_ERROR_CODES.TASK_FAILED,
      `The GraFx task ${taskId} failed (status ${answer.status})`,
      {
        status: 502,
        integration: context.integration,
        taskId,
        taskStatus: answer.status,
      },
    );
  }
  if (resolveLink(answer.download, context.base) === undefined)
    throw invalidAnswer(context, taskId, 'is done but gave no usable links.download');
  const { url, refused } = checkApiLink(answer.download, context.base);
  if (url === undefined) {
    throw new GrafxTaskError(GRAFX_ERROR_CODES.LINK_REFUSED, `The download link of GraFx task ${taskId} ${refused}`, {
      status: 502,
      integration: context.integration,
      taskId,
    });
  }
  const result: GrafxTaskResult = { taskId, downloadURL: url.href };
  if (answer.status !== undefined) result.status = answer.status;
  if (answer.totalRecords !== undefined) result.totalRecords = answer.totalRecords;
  if (answer.successfulRecords !== undefined) result.successfulRecords = answer.successfulRecords;
  return result;
}

function invalidAnswer(context: TaskContext, taskId: string | undefined, what: string): GrafxTaskError {
  const which = taskId === undefined ? 'The GraFx output' : `The GraFx task ${taskId}`;
  return new GrafxTaskError(GRAFX_ERROR_CODES.TASK_INVALID_RESPONSE, `${which} ${what}`, {
    status: 502,
    integration: context.integration,
    taskId,
  });
}

function parseWaitOptions(options: TaskWaitOptions | undefined, caller: string): WaitConfig {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw configError(`${caller}: \`options\` must be an object`);
  const { signal, timeoutMs = DEFAULT_TASK_TIMEOUT_MS, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS } = options;
  checkSignal(signal, caller);
  if (!isIntegerIn(timeoutMs, 1, MAX_TASK_TIMEOUT_MS)) {
    throw configError(`${caller}: \`timeoutMs\` must be an integer from 1 to ${MAX_TASK_TIMEOUT_MS}`);
  }
  if (!isIntegerIn(pollIntervalMs, 1, MAX_POLL_INTERVAL_MS)) {
    throw configError(`${caller}: \`pollIntervalMs\` must be an integer from 1 to ${MAX_POLL_INTERVAL_MS}`);
  }
  const maxPollIntervalMs = options.maxPollIntervalMs ?? Math.max(pollIntervalMs, DEFAULT_MAX_POLL_INTERVAL_MS);
  if (!isIntegerIn(maxPollIntervalMs, pollIntervalMs, MAX_POLL_INTERVAL_MS)) {
    throw configError(
      `${caller}: \`maxPollIntervalMs\` must be an integer from \`pollIntervalMs\` (${pollIntervalMs}) to ${MAX_POLL_INTERVAL_MS}`,
    );
  }
  return { signal, timeoutMs, pollIntervalMs, maxPollIntervalMs };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
