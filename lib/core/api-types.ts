// lib/core/api-types.ts
// Types of what the workflow helpers start, read and resolve with: output tasks, their result, problems.
import type { GrafxTaskStatus } from './task-answer.js';

/** The formats of `POST output/{format}`. */
export type GrafxOutputFormat = 'pdf' | 'png' | 'jpg' | 'gif' | 'mp4' | 'html';

/** The answer of `POST output/{format}`: the task started. */
export interface GrafxOutputTaskStarted {
  data: { taskId: string };
  /** `taskInfo`: where the task's state is polled (`output/tasks/{taskId}`). */
  links: { taskInfo: string };
}

/** The answer of `GET output/tasks/{taskId}` once the task is done (200). */
export interface GrafxOutputTaskDone {
  data: { taskId: string };
  /** `download`: the file, on the environment API's origin (it needs the bearer token). */
  links: { download: string };
}

/** What `generateOutput()` and `waitForTask()` resolve with. */
export interface GrafxTaskResult {
  taskId: string;
  /**
   * The absolute URL of the finished file, on the environment API: stream it with `sendGrafxDownload()` or
   * `req.grafx.download()` (which send the token to the API only).
   */
  downloadURL: string;
  /** The task's status, when its answer carried one (`'Finished'`). */
  status?: GrafxTaskStatus;
  /** The number of data records, when the answer carried it. */
  totalRecords?: number;
  /** Records output successfully, from `successfulRecords` or `totalSuccessfulRecords`, when the answer carried one. */
  successfulRecords?: number;
}

/** The platform's RFC 7807 problem details, as `grafxProblem()` returns them (bounded, without control characters). */
export interface GrafxProblem {
  /** A URI naming the kind of problem (`'about:blank'` when the platform sent none). */
  type: string;
  /** A short summary (`''` when the platform sent none). */
  title: string;
  /** The HTTP status, a number (the platform sends a string). */
  status: number;
  detail: string | undefined;
  /** The platform's trace id, for CHILI support. */
  traceId: string | undefined;
}
