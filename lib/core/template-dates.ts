// lib/core/template-dates.ts
// grafxTemplateDates(): a template's creation and last-modified dates, whichever JSON casing the platform sends.
import type { GrafxTemplate } from './resource-types.js';

/** A date field longer than this is not read. */
const MAX_DATE_LENGTH = 64;

/**
 * The dates of a template (`GET templates`, `GET templates/{id}`): `DateCreated` and `LastModifiedContentUtc` as the
 * release note names them, or their camelCase spelling; `undefined` when absent or not a date.
 */
export function grafxTemplateDates(template: GrafxTemplate): {
  created: Date | undefined;
  lastModified: Date | undefined;
} {
  return {
    created: dateOf(template.dateCreated ?? template.DateCreated),
    lastModified: dateOf(template.lastModifiedContentUtc ?? template.LastModifiedContentUtc),
  };
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '' || value.length > MAX_DATE_LENGTH) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}
