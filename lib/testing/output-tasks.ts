// lib/testing/output-tasks.ts
// The stand-in's output tasks: POST output/{format}, GET output/tasks/:id (every answer form), downloads that expire.
import { randomUUID } from 'node:crypto';
import type { Answer } from './api-answer.js';
import type { OutputTaskBehaviour, StandInCounts } from './types.js';
import { checkInteger } from './validate.js';

/** The formats of `POST output/{format}`, with the content type of their file. */
const FORMATS: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  mp4: 'video/mp4',
  html: 'text/html; charset=utf-8',
};
/** The oldest tasks are forgotten past this many. */
const MAX_TASKS = 1000;
const DEFAULT_FAILURE = 'The output could not be generated (failure injected by the GraFx stand-in).';
/** Finished outputs stay available this long on the platform (about 4 hours). */
const DEFAULT_DOWNLOAD_LIFETIME_MS = 4 * 3600 * 1000;
const EXPIRED_DETAIL = 'The output is no longer available.';
/** The task statuses in the order CHILI's docs list them (the numbers of the `'number'` form). */
const STATUSES = ['Started', 'Pending', 'Processing', 'Failed', 'Finished', 'Error'] as const;
type Status = (typeof STATUSES)[number];

/** The behaviour with every default applied. */
export interface OutputTaskConfig {
  runningPolls: number;
  durationMs: number;
  runningStatus: 202 | 204;
  failure: string | undefined;
  statusForm: 'none' | 'name' | 'number';
  recordsField: 'successfulRecords' | 'totalSuccessfulRecords';
  failAs: 500 | 'Failed' | 'Error';
  downloadLifetimeMs: number;
  expiredStatus: 404 | 410;
}

interface Task {
  id: string;
  /** The environment it was started in: only that environment's API knows it. */
  environment: string;
  format: string;
  startedAt: number;
  polls: number;
  done: boolean;
  /** When the task was first seen finished (its download's lifetime starts then). */
  finishedAt: number;
  /** Its download was expired by `expireDownloads()`. */
  expired: boolean;
  config: OutputTaskConfig;
  /** Why it fails: the injected failure, or a template that does not exist. */
  failure: string | undefined;
}

/** The option keys, checked so a typo is an error. */
const BEHAVIOUR_KEYS: Record<keyof OutputTaskBehaviour, true> = {
  runningPolls: true,
  durationMs: true,
  runningStatus: true,
  fail: true,
  statusForm: true,
  recordsField: true,
  failAs: true,
  downloadLifetimeMs: true,
  expiredStatus: true,
};

/** Validates an OutputTaskBehaviour; omitted fields take their defaults. */
export function parseOutputTaskBehaviour(behaviour: OutputTaskBehaviour, name: string): OutputTaskConfig {
  if (typeof behaviour !== 'object' || behaviour === null) {
    throw new TypeError(`express-grafx-auth/testing: \`${name}\` must be an object`);
  }
  for (const key of Object.keys(behaviour)) {
    if (!Object.hasOwn(BEHAVIOUR_KEYS, key))
      throw new TypeError(`express-grafx-auth/testing: unknown option \`${name}.${key}\``);
  }
  const { runningPolls = 2, durationMs = 0, runningStatus = 202, fail = false } = behaviour;
  const { statusForm = 'none', recordsField = 'successfulRecords', failAs = 500, expiredStatus = 404 } = behaviour;
  if (runningStatus !== 202 && runningStatus !== 204) {
    throw new RangeError(`express-grafx-auth/testing: \`${name}.runningStatus\` must be 202 or 204`);
  }
  const oneOf = <T>(value: T, allowed: readonly T[], field: string): T => {
    if (!allowed.includes(value)) {
      const list = allowed.map((item) => JSON.stringify(item)).join(', ');
      throw new RangeError(`express-grafx-auth/testing: \`${name}.${field}\` must be one of ${list}`);
    }
    return value;
  };
  if (typeof fail !== 'boolean' && (typeof fail !== 'string' || fail === '')) {
    throw new TypeError(`express-grafx-auth/testing: \`${name}.fail\` must be a boolean or a non-empty string`);
  }
  return {
    runningPolls: checkInteger(runningPolls, `${name}.runningPolls`, 0),
    durationMs: checkInteger(durationMs, `${name}.durationMs`, 0),
    runningStatus,
    failure: fail === true ? DEFAULT_FAILURE : fail === false ? undefined : fail,
    statusForm: oneOf(statusForm, ['none', 'name', 'number'] as const, 'statusForm'),
    recordsField: oneOf(recordsField, ['successfulRecords', 'totalSuccessfulRecords'] as const, 'recordsField'),
    failAs: oneOf(failAs, [500, 'Failed', 'Error'] as const, 'failAs'),
    downloadLifetimeMs:
      behaviour.downloadLifetimeMs === undefined
        ? DEFAULT_DOWNLOAD_LIFETIME_MS
        : checkInteger(behaviour.downloadLifetimeMs, `${name}.downloadLifetimeMs`, 0),
    expiredStatus: oneOf(expiredStatus, [404, 410] as const, 'expiredStatus'),
  };
}

/** The output tasks of the environment API (each known only to the environment it was started in; ids are UUIDs). */
export class OutputTasks {
  private readonly tasks = new Map<string, Task>();
  config: OutputTaskConfig;

  constructor(
    config: OutputTaskConfig,
    private readonly counts: StandInCounts,
    private readonly templateExists: (id: string) => boolean,
  ) {
    this.config = config;
  }

  /** Forgets every task. */
  clear(): void {
    this.tasks.clear();
  }

  /** Every finished task's download is no longer available from now on. */
  expireDownloads(): void {
    for (const task of this.tasks.values()) if (task.done) task.expired = true;
  }

  /** `POST output/{format}`: 202 `{ data: { taskId }, links: { taskInfo } }`. */
  start(environment: string, format: string, body: unknown, baseURL: string): Answer {
    // Own keys only: `__proto__`, `constructor`, `toString` are not formats.
    if (!Object.hasOwn(FORMATS, format))
      return { status: 404, problem: `Unknown output format "${format.slice(0, 20)}".` };
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { status: 400, problem: 'The request body must be a JSON object.' };
    }
    const { templateId } = body as { templateId?: unknown };
    let failure = this.config.failure;
    if (typeof templateId === 'string' && !this.templateExists(templateId)) {
      failure = `Template ${templateId.slice(0, 100)} could not be loaded.`;
    }
    const id = randomUUID();
    if (this.tasks.size >= MAX_TASKS) this.tasks.delete(this.tasks.keys().next().value as string);
    const task: Task = {
      id,
      environment,
      format,
      startedAt: Date.now(),
      polls: 0,
      done: false,
      finishedAt: 0,
      expired: false,
      config: this.config,
      failure,
    };
    this.tasks.set(id, task);
    this.counts.outputsStarted += 1;
    return { status: 202, json: { data: { taskId: id }, links: { taskInfo: `${baseURL}/output/tasks/${id}` } } };
  }

  /**
   * `GET output/tasks/:id`: running for its polls and duration, then done or failed, in the configured form:
   * `statusForm: 'none'` answers 202 `{ data: { taskId }, links: { taskInfo } }` or 204 while running, 200
   * `{ data: { taskId }, links: { download } }` when done; `'name'` / `'number'` answer 200 with a task object whose
   * `status` is Started, Pending, Processing, then Finished (or their numbers 0, 1, 2, 4), with record counts. A
   * failure answers 500 with a problem (`failAs: 500`), or 200 with the status Failed or Error.
   */
  poll(environment: string, id: string, baseURL: string): Answer {
    const task = this.find(environment, id);
    if (task === undefined) return { status: 404, problem: `Task ${id.slice(0, 100)} was not found.` };
    this.counts.taskPolls += 1;
    task.polls += 1;
    const { runningPolls, durationMs, runningStatus, statusForm, failAs } = task.config;
    const taskInfo = `${baseURL}/output/tasks/${id}`;
    if (!task.done && (task.polls <= runningPolls || Date.now() - task.startedAt < durationMs)) {
      if (statusForm !== 'none') {
        const status = STATUSES[Math.min(task.polls - 1, 2)] ?? 'Processing';
        return { status: 200, json: { data: this.taskObject(task, status), links: { taskInfo } } };
      }
      return runningStatus === 204
        ? { status: 204, empty: true }
        : { status: 202, json: { data: { taskId: id }, links: { taskInfo } } };
    }
    if (task.failure !== undefined) {
      if (failAs === 500) return { status: 500, problem: task.failure, title: 'Output generation failed' };
      return { status: 200, json: { data: this.taskObject(task, failAs), links: { taskInfo } } };
    }
    if (!task.done) {
      task.done = true;
      task.finishedAt = Date.now();
    }
    const download = `${baseURL}/output/tasks/${id}/download`;
    if (statusForm === 'none') return { status: 200, json: { data: { taskId: id }, links: { download } } };
    return { status: 200, json: { data: this.taskObject(task, 'Finished'), links: { taskInfo, download } } };
  }

  /** A task object as CHILI's docs show one, its `status` a name or a number, its success count under either name. */
  private taskObject(task: Task, status: Status): Record<string, unknown> {
    const { statusForm, recordsField } = task.config;
    const finished = status === 'Finished';
    const failed = status === 'Failed' || status === 'Error';
    return {
      id: task.id,
      taskId: task.id,
      name: `stand-in ${task.format} output`,
      dateCreated: new Date(task.startedAt).toISOString(),
      ...(finished || failed ? { dateProcessed: new Date().toISOString() } : {}),
      format: task.format,
      status: statusForm === 'number' ? STATUSES.indexOf(status) : status,
      totalRecords: 1,
      ...(finished ? { [recordsField]: 1 } : failed ? { [recordsField]: 0 } : {}),
      outputAvailable: finished,
    };
  }

  /**
   * `GET output/tasks/:id/download`: the file of a finished task (404 before); once expired (`downloadLifetimeMs`
   * after it finished, or `expireDownloads()`), `expiredStatus` with a problem saying it is no longer available.
   */
  download(environment: string, id: string): Answer {
    const task = this.find(environment, id);
    if (task === undefined || !task.done) {
      return { status: 404, problem: `Task ${id.slice(0, 100)} has no finished output.` };
    }
    const { downloadLifetimeMs, expiredStatus } = task.config;
    if (task.expired || Date.now() - task.finishedAt >= downloadLifetimeMs) {
      return { status: expiredStatus, problem: EXPIRED_DETAIL, title: expiredStatus === 410 ? 'Gone' : 'Not Found' };
    }
    const contentType = FORMATS[task.format] ?? 'application/octet-stream';
    return { status: 200, bytes: sampleFile(task.format, id), contentType };
  }

  /** The task `id` of `environment`: another environment's task is not found there (404, as an unknown id). */
  private find(environment: string, id: string): Task | undefined {
    const task = this.tasks.get(id);
    return task?.environment === environment ? task : undefined;
  }
}

/** A small file of the format: a real one-page PDF for `pdf`, a labelled placeholder for the others. */
function sampleFile(format: string, id: string): Buffer {
  if (format !== 'pdf') return Buffer.from(`GraFx stand-in ${format} output of task ${id}\n`, 'utf8');
  const text = `GraFx stand-in output ${id}`;
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}
