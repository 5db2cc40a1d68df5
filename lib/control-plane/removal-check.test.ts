import { describe, expect, it } from 'vitest';
import { judgeRemoval } from './removal-check';

const STARTED = '2026-12-06T01:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(STARTED) + seconds * 1000);
const gone = { gone: true, state: 'deleted' };
const deleting = { gone: false, state: 'DELETE_IN_PROGRESS' };

describe('Function: judgeRemoval', () => {
  it('is done only when both the client and the functions are gone', () => {
    expect(judgeRemoval('aws-lambda', STARTED, { client: gone, functions: gone }, at(30))).toMatchObject({ done: true, failed: false, left: [] });
    expect(judgeRemoval('aws-lambda', STARTED, { client: gone, functions: deleting }, at(30))).toMatchObject({ done: false, failed: false, left: [] });
  });

  it('fails at once when a deletion stopped, naming only what is left', () => {
    const stuck = { gone: false, failed: true, state: 'DELETE_FAILED', reason: 'lab stack fb-x-lab is DELETE_FAILED: ApiKey: in use' };
    expect(judgeRemoval('aws-lambda', STARTED, { client: gone, functions: stuck }, at(30))).toMatchObject({ done: false, failed: true, left: ['functions: lab stack fb-x-lab is DELETE_FAILED: ApiKey: in use'] });
  });

  it('fails after the platform\'s deadline with what is still being deleted, and not before', () => {
    const deadlines = { 'azure-functions': 600_000 };
    expect(judgeRemoval('azure-functions', STARTED, { client: deleting, functions: gone }, at(600), deadlines)).toMatchObject({ failed: false });
    expect(judgeRemoval('azure-functions', STARTED, { client: deleting, functions: gone }, at(601), deadlines)).toMatchObject({
      failed: true,
      left: ['client: DELETE_IN_PROGRESS (still deleting after 601 s, deadline 600 s)'],
    });
  });
});
