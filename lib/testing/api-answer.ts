// lib/testing/api-answer.ts
// The environment API's answers as its routes build them (JSON, problem, bytes, no content), and how they are sent.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { canAnswer, sendBytes, sendJson } from './http-io.js';
import { sendProblem } from './problem.js';

/** A complete answer: status, body (a problem, JSON, bytes or none) and extra headers. */
export type Answer =
  | { status: number; problem: string | undefined; title?: string; headers?: OutgoingHttpHeaders }
  | { status: number; json: unknown; headers?: OutgoingHttpHeaders }
  | { status: number; bytes: Buffer; contentType: string; headers?: OutgoingHttpHeaders }
  | { status: 204; empty: true; headers?: OutgoingHttpHeaders };

/** Writes `answer` with `headers` (CORS) added. */
export function sendAnswer(res: ServerResponse, answer: Answer, headers: OutgoingHttpHeaders): void {
  const all = { ...headers, ...answer.headers };
  if ('json' in answer) sendJson(res, answer.status, answer.json, all);
  else if ('bytes' in answer) sendBytes(res, answer.status, answer.contentType, answer.bytes, all);
  else if ('empty' in answer) {
    if (canAnswer(res)) res.writeHead(204, all).end();
  } else sendProblem(res, answer.status, answer.problem, all, answer.title);
}
