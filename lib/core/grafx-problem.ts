// lib/core/grafx-problem.ts
// grafxProblem(): the platform's RFC 7807 problem details out of an API error (or a failed task), validated and bounded.
import axios from 'axios';
import type { GrafxProblem } from './api-types.js';
import { sanitizeText, truncate } from './redaction.js';
import { GrafxTaskError } from './task-error.js';

/** A problem body larger than this (as text) is not read. */
const MAX_PROBLEM_TEXT = 64 * 1024;

/**
 * The problem details (`{ type, title, status, detail, traceId }`) of an error from `req.grafx.api` whose body is the
 * platform's problem JSON, or of a GrafxTaskError (`GRAFX_TASK_FAILED`); `undefined` for anything else. `status` is
 * a number (the platform sends a string); the strings are bounded and free of control characters.
 */
export function grafxProblem(error: unknown): GrafxProblem | undefined {
  if (error instanceof GrafxTaskError) return error.problem;
  if (!axios.isAxiosError(error) || error.response === undefined) return undefined;
  return parseProblem(error.response.data, error.response.status);
}

/** Reads a problem body (an object, or JSON text); `httpStatus` is used when its own `status` is no HTTP status. */
export function parseProblem(body: unknown, httpStatus: number): GrafxProblem | undefined {
  let value = body;
  if (typeof value === 'string') {
    if (value.length > MAX_PROBLEM_TEXT) return undefined;
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const type = boundedText(fields.type, 512);
  const title = boundedText(fields.title, 300);
  if (type === undefined && title === undefined) return undefined;
  return {
    type: type || 'about:blank',
    title: title ?? '',
    status: httpStatusOf(fields.status) ?? httpStatus,
    detail: boundedText(fields.detail, 2000),
    traceId: boundedText(fields.traceId, 200),
  };
}

/** A string field, cleaned (control and format characters become spaces), trimmed, cut to `max` (with `…`). */
function boundedText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  return truncate(sanitizeText(value.slice(0, max * 2), max * 2).trim(), max);
}

function httpStatusOf(value: unknown): number | undefined {
  const status = typeof value === 'string' && /^[1-5][0-9]{2}$/.test(value.trim()) ? Number(value) : value;
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}
