// lib/core/api-types.ts
// Types of the environment API answers the workflow helpers read: list pages, templates, output tasks, problems.

/** One page of a list endpoint (`GET templates`, `GET media`, …). */
export interface GrafxListPage<T> {
  /** The page size the platform used. */
  pageSize?: number;
  /** The items of this page. */
  data: T[];
  /** `nextPage`: the next page's link (a full URL or a path carrying `nextPageToken`); absent or null on the last. */
  links?: { nextPage?: string | null };
}

/** A template, as `GET templates` lists it and `GET templates/{id}` answers it (`{ data: GrafxTemplate }`). */
export interface GrafxTemplate {
  id: string;
  name: string;
  /** Other fields the platform sends (`relativePath`, `created`, …), unvalidated. */
  [field: string]: unknown;
}

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
  /** The absolute URL of the finished file: fetch it with `req.grafx.api` (which sends the token to the API only). */
  downloadURL: string;
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
