// __tests__/core/task-answer.test.ts
// readTaskAnswer(): every form of a task poll's 200 answer CHILI's docs show, and hostile ones.
import { GRAFX_TASK_STATUSES } from 'express-grafx-auth';
import { readTaskAnswer } from '../../lib/core/task-answer.js';

const link = { links: { download: 'https://env.example/grafx/api/v1/environment/env/output/tasks/t/download' } };

describe('readTaskAnswer', () => {
  it('lists the documented statuses in the documented order', () => {
    expect(GRAFX_TASK_STATUSES).toEqual(['Started', 'Pending', 'Processing', 'Failed', 'Finished', 'Error']);
  });

  it.each([
    ['the API reference form, no status', { data: { taskId: 't' }, ...link }, 'finished', undefined],
    ['no status and no link', { data: { taskId: 't' } }, 'unknown', undefined],
    ['Started', { data: { status: 'Started' } }, 'running', 'Started'],
    ['Pending', { data: { status: 'Pending' } }, 'running', 'Pending'],
    ['Processing', { data: { status: 'Processing' } }, 'running', 'Processing'],
    ['Failed', { data: { status: 'Failed' } }, 'failed', 'Failed'],
    ['Error (maps like Failed)', { data: { status: 'Error' } }, 'failed', 'Error'],
    ['Finished with a link', { data: { status: 'Finished' }, ...link }, 'finished', 'Finished'],
    ['Finished without a link (the caller refuses it)', { data: { status: 'Finished' } }, 'finished', 'Finished'],
    ['a name in another case, padded', { data: { status: ' processing ' } }, 'running', 'Processing'],
    ['a name that says Failed, even with a link', { data: { status: 'Failed' }, ...link }, 'failed', 'Failed'],
    ['0 (Started)', { data: { status: 0 } }, 'running', 'Started'],
    ['1 (Pending)', { data: { status: 1 } }, 'running', 'Pending'],
    ['2 (Processing)', { data: { status: 2 } }, 'running', 'Processing'],
    ['3 (Failed)', { data: { status: 3 } }, 'failed', 'Failed'],
    ['4 (Finished), with a link', { data: { status: 4 }, ...link }, 'finished', 'Finished'],
    ['5 (Error)', { data: { status: 5 } }, 'failed', 'Error'],
    ['"5" (a number as a string)', { data: { status: '5' } }, 'failed', 'Error'],
    ['a number with a link: the link decides', { data: { status: 2 }, ...link }, 'finished', 'Processing'],
    ['a status at the top level', { status: 'Processing' }, 'running', 'Processing'],
    ['an unknown name with a link', { data: { status: 'Queued' }, ...link }, 'finished', undefined],
    ['an unknown name without a link', { data: { status: 'Queued' } }, 'unknown', undefined],
    ['a number out of range', { data: { status: 17 } }, 'unknown', undefined],
    ['a negative number', { data: { status: -1 } }, 'unknown', undefined],
    ['a fraction', { data: { status: 1.5 } }, 'unknown', undefined],
    ['an object as status', { data: { status: { name: 'Finished' } } }, 'unknown', undefined],
    ['a very long name', { data: { status: 'Finished'.repeat(1000) } }, 'unknown', undefined],
    ['__proto__ as status', { data: { status: '__proto__' } }, 'unknown', undefined],
    ['null', null, 'unknown', undefined],
    ['a string body', 'Finished', 'unknown', undefined],
    ['an array body', [{ status: 'Finished' }], 'unknown', undefined],
  ])('%s', (_name, body, state, status) => {
    const answer = readTaskAnswer(body);
    expect(answer.state).toBe(state);
    expect(answer.status).toBe(status);
  });

  it.each([
    ['successfulRecords', { data: { totalRecords: 3, successfulRecords: 2 } }, 3, 2],
    ['totalSuccessfulRecords', { data: { totalRecords: 3, totalSuccessfulRecords: 2 } }, 3, 2],
    ['both: successfulRecords first', { data: { successfulRecords: 1, totalSuccessfulRecords: 2 } }, undefined, 1],
    ['counts as strings', { data: { totalRecords: '3', successfulRecords: '2' } }, 3, 2],
    ['counts at the top level', { totalRecords: 4, totalSuccessfulRecords: 4 }, 4, 4],
    ['negative counts', { data: { totalRecords: -1, successfulRecords: -2 } }, undefined, undefined],
    ['unsafe counts', { data: { totalRecords: 2 ** 60, successfulRecords: '1e3' } }, undefined, undefined],
    ['counts of the wrong type', { data: { totalRecords: true, successfulRecords: [1] } }, undefined, undefined],
  ])('record counts: %s', (_name, body, totalRecords, successfulRecords) => {
    expect(readTaskAnswer(body)).toMatchObject({ totalRecords, successfulRecords });
  });
});
