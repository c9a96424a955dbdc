// __tests__/core/grafx-problem.test.ts
// grafxProblem(): the platform's problem details from an API error (real HTTP), validated, bounded, status a number.
import axios from 'axios';
import { GRAFX_ERROR_CODES, GrafxTaskError, createGrafxClient, grafxProblem } from 'express-grafx-auth';
import { parseProblem } from '../../lib/core/grafx-problem.js';
import { clientFor, ownApi } from '../helpers/own-api.js';
import { rejection } from '../helpers/failure.js';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

it('reads the problem of a failed API request (a missing template answers 500)', async () => {
  const api = createGrafxClient(standIn.options('cp-test')).api();
  const error = await rejection(api.get('/templates/nope'));
  expect(grafxProblem(error)).toEqual({
    type: 'https://tools.ietf.org/html/rfc9110#section-15.6.1',
    title: 'Internal Server Error',
    status: 500,
    detail: 'Template nope could not be loaded.',
    traceId: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/),
  });
});

it('turns the string status the platform sends into a number, and bounds and cleans every string', async () => {
  const server = await ownApi(() => ({
    status: 403,
    json: {
      type: 'https://example.com/problems/permission',
      title: `Forbidden\u001b[31m\r\nX-Injected: 1 ${'x'.repeat(5000)}`,
      status: '403',
      detail: '\u202eevil\u202c detail',
      traceId: 42,
    },
  }));
  try {
    const error = await rejection(clientFor(standIn, server.base).api().get('/templates'));
    const problem = grafxProblem(error)!;
    expect(problem.status).toBe(403);
    expect(problem.type).toBe('https://example.com/problems/permission');
    expect(problem.title).toMatch(/^Forbidden \[31m X-Injected: 1 x+…$/);
    expect(problem.title.length).toBeLessThanOrEqual(300);
    expect(problem.title.endsWith('…')).toBe(true);
    expect(problem.detail).toMatch(/^evil +detail$/);
    expect(problem.traceId).toBeUndefined();
  } finally {
    await server.close();
  }
});

it.each([
  ['a status that is no HTTP status', { title: 'T', status: 'teapot' }, 418, 418],
  ['a numeric status', { title: 'T', status: 409 }, 400, 409],
  ['a status out of range', { title: 'T', status: '999' }, 502, 502],
  ['JSON text', JSON.stringify({ title: 'T', status: '401' }), 500, 401],
])('uses the HTTP status when the body has %s', (_name, body, httpStatus, expected) => {
  expect(parseProblem(body, httpStatus)?.status).toBe(expected);
});

it('fills in type and title when the platform sent only one of them', () => {
  expect(parseProblem({ title: 'Bad Request' }, 400)).toMatchObject({ type: 'about:blank', title: 'Bad Request' });
  expect(parseProblem({ type: 'urn:x' }, 400)).toMatchObject({ type: 'urn:x', title: '' });
});

it.each([
  ['an HTML page', '<html>proxy error</html>'],
  ['an array', [{ title: 'x' }]],
  ['an object without type or title', { error: 'server_error' }],
  ['null', null],
  ['JSON text of 100 kB', JSON.stringify({ title: 'x'.repeat(100_000) })],
])('is undefined for a body that is %s', (_name, body) => {
  expect(parseProblem(body, 500)).toBeUndefined();
});

it('is undefined for what is no API error: a plain error, a connection failure', async () => {
  expect(grafxProblem(new Error('x'))).toBeUndefined();
  expect(grafxProblem(undefined)).toBeUndefined();
  const server = await ownApi(() => ({ status: 200, json: {} }));
  await server.close();
  const refused = await rejection(axios.get(server.base));
  expect(axios.isAxiosError(refused)).toBe(true);
  expect(grafxProblem(refused)).toBeUndefined();
});

it("returns a failed task's problem", () => {
  const problem = { type: 'about:blank', title: 'Failed', status: 500, detail: undefined, traceId: 't' };
  const error = new GrafxTaskError(GRAFX_ERROR_CODES.TASK_FAILED, 'failed', { status: 502, taskId: 'x', problem });
  expect(grafxProblem(error)).toBe(problem);
});
