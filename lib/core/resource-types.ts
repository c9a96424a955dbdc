// lib/core/resource-types.ts
// Types of what the documented environment API endpoints answer (settings, templates, projects, media, fonts, …).
//
// Only what CHILI's public docs show is declared; a field the docs do not confirm is optional, a value whose shape
// they do not show is `unknown`, and every resource keeps its other fields as `[field: string]: unknown` (read them
// after checking). These are compile-time shapes: nothing validates an answer against them.
import type { GrafxTaskStatus } from './task-answer.js';

/** Fields the platform may send beyond those declared: present at run time, unchecked. */
export interface GrafxOtherFields {
  [field: string]: unknown;
}

/**
 * One page of a list endpoint (`GET templates`, `GET media`, `GET fonts`, `GET projects`, `GET output/settings`…):
 * `{ pageSize, data, links: { nextPage } }`. `req.grafx.paginate<T>()` walks every page and yields the items.
 */
export interface GrafxListPage<T> {
  /** The page size the platform used. */
  pageSize: number;
  /** The items of this page. */
  data: T[];
  /** `nextPage`: the next page's link (a full URL or a path carrying `nextPageToken`); absent, null or `''` on the last. */
  links: { nextPage?: string | null };
}

/** The answer of an endpoint that returns one resource, e.g. `GET templates/{id}` → `{ data: { id, name, … } }`. */
export interface GrafxItemResponse<T> {
  data: T;
}

/** `GET …/settings`: the environment's settings (the cheapest read that checks a token is accepted). */
export interface GrafxSettings extends GrafxOtherFields {
  /** The public Studio SDK version of the environment. */
  sdkVersionPublic: string;
  /** Which applications the environment has; only `publisher`'s shape is shown by the docs. */
  applicationsConfig: {
    fonts?: unknown;
    media?: unknown;
    studio?: unknown;
    labs?: unknown;
    'brand-kits'?: unknown;
    publisher?: { enabled?: boolean; features?: unknown[] };
    [application: string]: unknown;
  };
}

/**
 * `GET /grafx/api/v1/environment/settings/available-sdk-versions` (the path is from a release note, not confirmed):
 * `latest` and one entry per `major.minor` version.
 */
export interface GrafxSdkVersions {
  latest: GrafxSdkVersion;
  [majorMinor: string]: GrafxSdkVersion | undefined;
}

export interface GrafxSdkVersion {
  sdkVersion?: string;
  engineVersion?: string;
  [field: string]: unknown;
}

/**
 * A template, as `GET templates` lists it and `GET templates/{id}` answers it (`GrafxItemResponse<GrafxTemplate>`).
 * Lists sort by `name`, `id` and `relativePath`.
 */
export interface GrafxTemplate extends GrafxOtherFields {
  id: string;
  name: string;
  relativePath?: string;
  /**
   * When the template was created. The release note names it `DateCreated`; its JSON casing is not confirmed, so
   * both spellings are declared (read them with `grafxTemplateDates()`).
   */
  dateCreated?: string;
  DateCreated?: string;
  /** When the template's content last changed (`LastModifiedContentUtc` in the release note; casing not confirmed). */
  lastModifiedContentUtc?: string;
  LastModifiedContentUtc?: string;
}

/** A project (`GET projects`, `GET projects/{id}`); the docs show no fields beyond its id. */
export interface GrafxProject extends GrafxOtherFields {
  id: string;
  name?: string;
}

/** A media item (`GET media`, `GET media/{id}`). */
export interface GrafxMedia extends GrafxOtherFields {
  id: string;
  name?: string;
  relativePath?: string;
}

/** The sizes of `GET media/{id}/preview/{size}` (and of fonts' previews). */
export type GrafxPreviewSize = 'thumbnail' | 'medium' | 'highest';

/** A font (`GET fonts`, `GET fonts/{id}`). */
export interface GrafxFont extends GrafxOtherFields {
  id: string;
  name?: string;
  relativePath?: string;
}

/** An output setting (`GET output/settings`, `GET output/settings/{id}`): its id is `outputSettingsId` of an output. */
export interface GrafxOutputSettings extends GrafxOtherFields {
  id: string;
  name?: string;
}

/** A tag (the tags endpoints: create, update, delete, assign); the docs show no fields. */
export interface GrafxTag extends GrafxOtherFields {
  id?: string;
  name?: string;
}

/**
 * An output task as CHILI's docs show it in task lists and reports: every field optional (the docs disagree on
 * `status`, a name or a number, and on `successfulRecords` vs `totalSuccessfulRecords`).
 */
export interface GrafxOutputTask extends GrafxOtherFields {
  id?: string;
  taskId?: string;
  name?: string;
  dateCreated?: string;
  dateProcessed?: string;
  format?: string;
  /** A name (`'Finished'`), or a number; `Error` (since 2024-10) counts as `Failed`. */
  status?: GrafxTaskStatus | number | string;
  totalRecords?: number;
  successfulRecords?: number;
  totalSuccessfulRecords?: number;
  source?: unknown;
  owner?: unknown;
  outputAvailable?: boolean;
}

/** One record's errors in an output task's error report: `[{ recordNumber, errorList: [{ type, details }] }]`. */
export interface GrafxTaskErrorReport {
  recordNumber?: number;
  errorList?: Array<{ type?: string; details?: string; [field: string]: unknown }>;
  [field: string]: unknown;
}

/**
 * A preview task (`GET templates/{id}/preview[/{type}]`, `GET projects/{id}/preview[/{type}]`) and its polls
 * (`templates/preview/tasks/{taskId}`, 202 while running): the docs show no body, so every field is optional.
 */
export interface GrafxPreviewTask extends GrafxOtherFields {
  data?: { taskId?: string; [field: string]: unknown };
  links?: { taskInfo?: string; download?: string; [link: string]: unknown };
}

/** The query parameters of the list endpoints (for `paginate()`'s `params`; a type alias, so it is a `GrafxQueryParams`). */
export type GrafxListQuery = {
  search?: string;
  folder?: string;
  sortBy?: 'name' | 'id' | 'relativePath';
  sortOrder?: 'asc' | 'desc';
  /** Set by `paginate()` from `pageSize`. */
  limit?: number;
};
