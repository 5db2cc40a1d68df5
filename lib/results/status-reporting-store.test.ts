import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openResultsStore } from './open-store';
import type { SqlResultsStore } from './sql-store';
import { type RunStatusChange, reportingStatusChanges } from './status-reporting-store';
import { newRun } from './store.contract';

let store: SqlResultsStore;
beforeAll(async () => {
  store = await openResultsStore();
});
afterAll(async () => {
  await store?.close();
});

describe('Function: reportingStatusChanges', () => {
  it('reports a created run with its platform and each recorded status, and is the store for everything else', async () => {
    const changes: RunStatusChange[] = [];
    const reporting = reportingStatusChanges(store, (change) => changes.push(change));
    const run = await reporting.createRun(newRun('reported-1', { platform: 'openfaas' }));
    await reporting.setRunStatus(run.id, 'provisioning');
    await reporting.setRunStatus(run.id, 'failed', 'the platform would not start');
    expect(changes).toEqual([
      { runId: 'reported-1', status: 'starting', platform: 'openfaas' },
      { runId: 'reported-1', status: 'provisioning' },
      { runId: 'reported-1', status: 'failed', reason: 'the platform would not start' },
    ]);
    // Other methods reach the store, with their `this`.
    expect(await reporting.getRun('reported-1')).toMatchObject({ status: 'failed', reason: 'the platform would not start' });
    expect((await reporting.listRuns()).map((row) => row.id)).toContain('reported-1');
  });

  it('reports nothing for a write that failed', async () => {
    const changes: RunStatusChange[] = [];
    const reporting = reportingStatusChanges(store, (change) => changes.push(change));
    await expect(reporting.setRunStatus('no-such-run', 'running')).rejects.toMatchObject({ name: 'RunNotFoundError' });
    await expect(reporting.createRun(newRun('reported-1'))).rejects.toThrow();
    expect(changes).toEqual([]);
  });
});
