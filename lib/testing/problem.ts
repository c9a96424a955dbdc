// lib/testing/problem.ts
// RFC 7807 problem answers of the environment API, shaped like the platform's: { type, title, status, traceId }.
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendText } from './http-io.js';

/** An RFC 7807 problem body as the GraFx environment API sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  traceId: string;
}

/** The RFC section describing a status, used as the problem `type` (as ASP.NET does); `about:blank` otherwise. */
function problemType(status: number): string {
  if (status >= 400 && status <= 417) return `https://tools.ietf.org/html/rfc9110#section-15.5.${status - 399}`;
  if (status === 422) return 'https://tools.ietf.org/html/rfc9110#section-15.5.21';
  if (status === 429) return 'https://tools.ietf.org/html/rfc6585#section-4';
  if (status >= 500 && status <= 505) return `https://tools.ietf.org/html/rfc9110#section-15.6.${status - 499}`;
  return 'about:blank';
}

/** A W3C trace-context id, like the `traceId` of the platform's problems. */
function traceId(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
}

/** Builds the problem body of `status`, with an optional human-readable `detail` and a `title` of its own. */
export function problem(status: number, detail?: string, title?: string): Problem {
  const body: Problem = {
    type: problemType(status),
    title: title ?? STATUS_CODES[status] ?? 'Error',
    status,
    traceId: traceId(),
  };
  if (detail !== undefined) body.detail = detail;
  return body;
}

/** Answers `status` with a problem body (`application/problem+json`). */
export function sendProblem(
  res: ServerResponse,
  status: number,
  detail?: string,
  headers: OutgoingHttpHeaders = {},
  title?: string,
): void {
  const body = JSON.stringify(problem(status, detail, title));
  sendText(res, status, 'application/problem+json; charset=utf-8', body, headers);
}
