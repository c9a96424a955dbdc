// lib/core/task-answer.ts
// readTaskAnswer(): what a task poll's 200 answer says, in every form CHILI's docs show (status name or number, record counts).

/**
 * The statuses of an output task as CHILI's docs name them (`Error`, since 2024-10, is an internal failure and counts
 * as `Failed`).
 */
export const GRAFX_TASK_STATUSES = ['Started', 'Pending', 'Processing', 'Failed', 'Finished', 'Error'] as const;

export type GrafxTaskStatus = (typeof GRAFX_TASK_STATUSES)[number];

/** What a task poll's answer means for the wait. */
export type TaskState = 'running' | 'finished' | 'failed';

/** A task poll's 200 answer, read. */
export interface TaskAnswer {
  state: TaskState | 'unknown';
  /** The task's status when the answer names one (a name, or a number in the order of {@link GRAFX_TASK_STATUSES}). */
  status: GrafxTaskStatus | undefined;
  /** `links.download` as sent (resolved and checked by the caller). */
  download: unknown;
  totalRecords: number | undefined;
  /** `successfulRecords` or `totalSuccessfulRecords`, whichever the answer carries. */
  successfulRecords: number | undefined;
}

const STATE_OF: Readonly<Record<GrafxTaskStatus, TaskState>> = {
  Started: 'running',
  Pending: 'running',
  Processing: 'running',
  Failed: 'failed',
  Error: 'failed',
  Finished: 'finished',
};

const BY_LOWER_NAME = new Map<string, GrafxTaskStatus>(GRAFX_TASK_STATUSES.map((name) => [name.toLowerCase(), name]));

/**
 * Reads a task poll's 200 answer: `{ data: { taskId }, links: { download } }` (the API reference), or a task object
 * with a `status` (a name such as `"Finished"`, or a number) and record counts (`data.*`, else top-level fields).
 *
 * - A status **name** decides: Started, Pending, Processing = running; Failed, Error = failed; Finished = finished.
 * - A status **number** is read in the order the docs list the names (0 Started … 5 Error: not confirmed), so it
 *   decides only when the answer has no `links.download`; with one, the task is finished whatever the number says.
 * - No status (or one not known): finished when `links.download` is there, else `'unknown'`.
 */
export function readTaskAnswer(body: unknown): TaskAnswer {
  const top = asRecord(body);
  const data = asRecord(top?.data);
  const download = asRecord(top?.links)?.download;
  const field = (name: string): unknown => (data !== undefined && name in data ? data[name] : top?.[name]);
  const { status, byName } = statusOf(field('status'));
  const hasLink = download !== undefined && download !== null && download !== '';
  let state: TaskAnswer['state'];
  if (status !== undefined && (byName || !hasLink)) state = STATE_OF[status];
  else state = hasLink ? 'finished' : 'unknown';
  return {
    state,
    status,
    download,
    totalRecords: countOf(field('totalRecords')),
    successfulRecords: countOf(field('successfulRecords')) ?? countOf(field('totalSuccessfulRecords')),
  };
}

function statusOf(value: unknown): { status: GrafxTaskStatus | undefined; byName: boolean } {
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[0-9]{1,2}$/.test(text)) return { status: GRAFX_TASK_STATUSES[Number(text)], byName: false };
    return { status: text.length <= 20 ? BY_LOWER_NAME.get(text.toLowerCase()) : undefined, byName: true };
  }
  if (typeof value === 'number' && Number.isInteger(value))
    return { status: GRAFX_TASK_STATUSES[value], byName: false };
  return { status: undefined, byName: false };
}

/** A record count: a non-negative safe integer, or such a number written as a string; else undefined. */
function countOf(value: unknown): number | undefined {
  const count = typeof value === 'string' && /^[0-9]{1,15}$/.test(value.trim()) ? Number(value) : value;
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
