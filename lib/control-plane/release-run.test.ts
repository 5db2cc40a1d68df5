import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentAlreadyRunningError } from '../results/errors';
import { openResultsStore } from '../results/open-store';
import type { SqlResultsStore } from '../results/sql-store';
import { releaseRun, RunNotReleasableError } from './release-run';

let dataDir: string;
let store: SqlResultsStore;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fb-release-'));
  store = await openResultsStore({ dataDir: join(dataDir, 'pglite') });
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const newRun = (experiment = 'release-test') =>
  store.createRun({ id: crypto.randomUUID(), experiment, platform: 'aws-lambda', client_platform: 'opposite-cloud', params: {}, manifest: {}, execution_id: 'arn:aws:states:eu-west-1:123456789012:execution:lost' }, { exclusive: true });

describe('Function: releaseRun', () => {
  it('fails a stuck run with the reason in its history, so its experiment can start again', async () => {
    const stuck = await newRun();
    await store.setRunStatus(stuck.id, 'running');
    const refused = await newRun().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ExperimentAlreadyRunningError);
    expect((refused as Error).message).toContain(`fb runs --release ${stuck.id}`);

    const released = await releaseRun(store, stuck.id.slice(0, 8), '  the execution was deleted with its account  ');
    expect(released).toMatchObject({ previousStatus: 'running', reason: 'released by hand while running: the execution was deleted with its account' });
    const row = await store.getRun(stuck.id);
    expect(row?.status).toBe('failed');
    expect(row?.status_history.at(-1)).toMatchObject({ status: 'failed', reason: 'released by hand while running: the execution was deleted with its account' });
    await expect(newRun()).resolves.toMatchObject({ status: 'starting' });
  });

  it('refuses a run that already ended, an unknown run, and a release without a reason', async () => {
    const ended = await newRun('release-test-ended');
    await store.setRunStatus(ended.id, 'completed');
    await expect(releaseRun(store, ended.id, 'stuck')).rejects.toThrow(`run ${ended.id} already ended (completed)`);
    await expect(releaseRun(store, 'ffffffff-0000', 'stuck')).rejects.toThrow('no run ffffffff-0000');
    await expect(releaseRun(store, ended.id, undefined)).rejects.toBeInstanceOf(RunNotReleasableError);
    await expect(releaseRun(store, ended.id, ' ')).rejects.toThrow('--reason');
  });
});
