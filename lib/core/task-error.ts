// lib/core/task-error.ts
// GrafxTaskError: a GrafxAuthError of an output task (failed, timed out, unusable answer) that names the task.
import type { GrafxProblem } from './api-types.js';
import { type GrafxAuthErrorOptions, type GrafxErrorCode, GrafxAuthError } from './errors.js';
import type { GrafxTaskStatus } from './task-answer.js';

const TASK_ERROR_BRAND = Symbol.for('express-grafx-auth.task-error');

/**
 * A failure of `generateOutput()` / `waitForTask()`: `GRAFX_TASK_FAILED` (with the platform's `problem`),
 * `GRAFX_TASK_TIMEOUT` or `GRAFX_TASK_INVALID_RESPONSE`. `taskId` names the task (to look again later), when known.
 */
export class GrafxTaskError extends GrafxAuthError {
  /** Also recognises an error from the other module format's copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TASK_ERROR_BRAND] === true;
  }

  /** The task, when known (the platform's id, bounded). */
  readonly taskId: string | undefined;
  /** The platform's problem details of a failed task (`title`, `detail`, `traceId`, …). */
  readonly problem: GrafxProblem | undefined;
  /** The task's status when its answer named one (`Failed` or `Error` for a task that failed with a 200 answer). */
  readonly taskStatus: GrafxTaskStatus | undefined;

  constructor(
    code: GrafxErrorCode,
    message: string,
    options: GrafxAuthErrorOptions & { taskId?: string; problem?: GrafxProblem; taskStatus?: GrafxTaskStatus },
  ) {
    super(code, message, options);
    this.taskId = options.taskId;
    this.problem = options.problem;
    this.taskStatus = options.taskStatus;
    Object.defineProperty(this, TASK_ERROR_BRAND, { value: true });
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), taskId: this.taskId, problem: this.problem, taskStatus: this.taskStatus };
  }
}
