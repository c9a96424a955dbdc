// lib/core/workflows.ts
// createWorkflows(): one integration's paginate, generateOutput, waitForTask and download, made once next to its API client.
import type { AxiosInstance } from 'axios';
import { apiBaseOf } from './api-link.js';
import type { GrafxOutputFormat, GrafxTaskResult } from './api-types.js';
import { type DownloadOptions, type GrafxDownload, download } from './download.js';
import {
  type Sleep,
  type TaskContext,
  type TaskWaitOptions,
  abortableSleep,
  generateOutput,
  waitForTask,
} from './output-task.js';
import { type GrafxQueryParams, type PaginateOptions, paginate } from './paginate.js';

/** The workflow helpers of an integration (on `req.grafx`, and on the client by integration key). */
export interface GrafxWorkflows {
  /**
   * Every item (`data[]`) of every page of a list endpoint, fetched one page at a time as the loop consumes them:
   * `for await (const template of req.grafx.paginate<GrafxTemplate>('/templates', { search: 'card' })) { … }`.
   * Next-page links outside the environment API are refused (`GRAFX_LINK_REFUSED`) and never requested.
   */
  paginate: <T = unknown>(path: string, params?: GrafxQueryParams, options?: PaginateOptions) => AsyncIterable<T>;
  /**
   * Starts an output (`POST output/{format}` with `body` as given) and waits for its task; resolves with
   * `{ taskId, downloadURL }` (fetch the file with `req.grafx.api`). Rejects with `GRAFX_TASK_FAILED`,
   * `GRAFX_TASK_TIMEOUT` (a GrafxTaskError naming the task) or the caller's `signal.reason`.
   */
  generateOutput: (format: GrafxOutputFormat, body: unknown, options?: TaskWaitOptions) => Promise<GrafxTaskResult>;
  /** Waits for a task (`output/tasks/{id}`, template and project preview tasks) given its link or path. */
  waitForTask: (taskInfoPath: string, options?: TaskWaitOptions) => Promise<GrafxTaskResult>;
  /**
   * Fetches a file of the environment API (a finished output's `downloadURL`, a `media/{id}/download` path) as a
   * stream, with its checked `content-type` and `content-length`; resolves once its first byte has arrived. An
   * expired download rejects with `GRAFX_DOWNLOAD_EXPIRED`. In Express, `sendGrafxDownload()` streams it to the user.
   */
  download: (link: string, options?: DownloadOptions) => Promise<GrafxDownload>;
}

/** The helpers of one integration, bound to its API client (so its token, 401 retry and origin guard apply). */
export function createWorkflows(
  integration: string,
  api: AxiosInstance,
  apiBaseURL: string,
  sleep: Sleep = abortableSleep,
): GrafxWorkflows {
  const base = apiBaseOf(apiBaseURL);
  const tasks: TaskContext = { integration, api, base, sleep };
  return {
    paginate: (path, params, options) => paginate(integration, api, base, path, params, options),
    generateOutput: (format, body, options) => generateOutput(tasks, format, body, options),
    waitForTask: (taskInfoPath, options) => waitForTask(tasks, taskInfoPath, options),
    download: (link, options) => download(tasks, link, options),
  };
}
