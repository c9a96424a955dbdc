// __tests__/core/resource-types.test.ts
// The resource types with req.grafx.api.get<…>() and paginate<…>(): checked at compile time (npm run typecheck covers
// this file; each `@ts-expect-error` fails the build if the type stops refusing), and run against the stand-in.
import type { Request } from 'express';
import {
  type GrafxFont,
  type GrafxItemResponse,
  type GrafxListPage,
  type GrafxListQuery,
  type GrafxMedia,
  type GrafxOutputSettings,
  type GrafxOutputTask,
  type GrafxOutputTaskStarted,
  type GrafxPreviewTask,
  type GrafxProject,
  type GrafxQueryParams,
  type GrafxSettings,
  type GrafxTag,
  type GrafxTaskResult,
  type GrafxTaskStatus,
  type GrafxTemplate,
  createGrafxClient,
  grafxTemplateDates,
} from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

/** `true` only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** `assertType(value).is<T>(true)` compiles only when `value`'s type is exactly T. */
const assertType = <A>(value: A) => ({ value, is: <B>(check: Equal<A, B>): Equal<A, B> => check });

/** What a route writes with the types (compiled, and run below with a context of the stand-in). */
async function routeCode(grafx: Request['grafx']) {
  const { data: page } = await grafx.api.get<GrafxListPage<GrafxTemplate>>('/templates', { params: { limit: 2 } });
  assertType(page.pageSize).is<number>(true);
  assertType(page.links.nextPage).is<string | null | undefined>(true);
  const first = page.data[0];
  assertType(first).is<GrafxTemplate | undefined>(true); // noUncheckedIndexedAccess
  if (first === undefined) throw new Error('no template');
  assertType(first.name).is<string>(true);
  assertType(first.dateCreated).is<string | undefined>(true);
  // @ts-expect-error: the creation date is not confirmed by the docs, so it is optional
  const created: string = first.dateCreated;
  void created;
  // Other fields the platform sends are there, unchecked:
  assertType(first['anything']).is<unknown>(true);

  const { data: one } = await grafx.api.get<GrafxItemResponse<GrafxTemplate>>(`/templates/${first.id}`);
  assertType(one.data.id).is<string>(true);

  const query: GrafxListQuery = { search: 'card', sortBy: 'name', sortOrder: 'asc' };
  const params: GrafxQueryParams = query; // a list query is paginate()'s params
  // @ts-expect-error: the platform sorts by name, id or relativePath only
  const wrongSort: GrafxListQuery = { sortBy: 'created' };
  void wrongSort;
  const names: string[] = [];
  for await (const template of grafx.paginate<GrafxTemplate>('/templates', params, { maxItems: 10 })) {
    names.push(template.name);
    const dates = grafxTemplateDates(template);
    assertType(dates.created).is<Date | undefined>(true);
  }
  return { page, one, names };
}

/** The other resources: compiled only (the stand-in serves templates, projects and outputs). */
async function otherResources(grafx: Request['grafx']) {
  const { data: settings } = await grafx.api.get<GrafxSettings>('/settings');
  assertType(settings.sdkVersionPublic).is<string>(true);
  assertType(settings.applicationsConfig.publisher?.enabled).is<boolean | undefined>(true);
  assertType(settings.applicationsConfig.studio).is<unknown>(true);

  for await (const project of grafx.paginate<GrafxProject>('/projects')) {
    assertType(project.id).is<string>(true);
    // @ts-expect-error: the docs show no project name, so it is optional
    const name: string = project.name;
    void name;
  }
  for await (const media of grafx.paginate<GrafxMedia>('/media', { folder: '/logos' })) void media.relativePath;
  for await (const font of grafx.paginate<GrafxFont>('/fonts')) void font.id;
  const { data: outputSettings } = await grafx.api.get<GrafxListPage<GrafxOutputSettings>>('/output/settings');
  assertType(outputSettings.data.map((item) => item.id)).is<string[]>(true);
  const { data: started } = await grafx.api.post<GrafxOutputTaskStarted>('/output/pdf', {});
  assertType(started.data.taskId).is<string>(true);
  const { data: task } = await grafx.api.get<GrafxItemResponse<GrafxOutputTask>>(
    `/output/tasks/${started.data.taskId}`,
  );
  assertType(task.data.status).is<string | number | undefined>(true);
  const { data: preview } = await grafx.api.get<GrafxPreviewTask>('/templates/t/preview');
  assertType(preview.links).is<GrafxPreviewTask['links']>(true);
  // @ts-expect-error: the docs show no preview answer, so its fields are optional
  const taskInfo: string = preview.links.taskInfo;
  void taskInfo;
  const tag: GrafxTag = {};
  void tag;
  const result: GrafxTaskResult = await grafx.generateOutput('pdf', {});
  assertType(result.status).is<GrafxTaskStatus | undefined>(true);
  assertType(result.successfulRecords).is<number | undefined>(true);
}
void otherResources;

const standIn = useStandIn();

it('the types describe what the stand-in answers, used with api.get and paginate', async () => {
  const client = createGrafxClient(standIn.options('cp-test'));
  try {
    const grafx = await client.context();
    const { page, one, names } = await routeCode(grafx);
    expect(page).toMatchObject({ pageSize: 2, data: expect.any(Array), links: { nextPage: expect.any(String) } });
    expect(one.data).toEqual({ id: page.data[0]!.id, name: page.data[0]!.name });
    expect(names).toEqual(['Business card']);
  } finally {
    await client.close();
  }
});

it.each([
  ['camelCase', { dateCreated: '2025-03-01T10:00:00Z', lastModifiedContentUtc: '2025-04-01T10:00:00Z' }],
  ['PascalCase', { DateCreated: '2025-03-01T10:00:00Z', LastModifiedContentUtc: '2025-04-01T10:00:00Z' }],
])('grafxTemplateDates reads %s dates', (_name, fields) => {
  const dates = grafxTemplateDates({ id: 't', name: 'T', ...fields });
  expect(dates.created?.toISOString()).toBe('2025-03-01T10:00:00.000Z');
  expect(dates.lastModified?.toISOString()).toBe('2025-04-01T10:00:00.000Z');
});

it.each([
  ['absent', {}],
  ['not a date', { dateCreated: 'yesterday', LastModifiedContentUtc: 'soon' }],
  ['not a string', { dateCreated: 1_700_000_000_000, lastModifiedContentUtc: null }],
  ['too long', { dateCreated: `2025-03-01T10:00:00Z${' '.repeat(100)}` }],
])('grafxTemplateDates: %s is undefined', (_name, fields) => {
  expect(grafxTemplateDates({ id: 't', name: 'T', ...(fields as object) })).toEqual({
    created: undefined,
    lastModified: undefined,
  });
});
