/**
 * `fb sweep` locally, the real CLI in a temp project: an abandoned run (its process is gone) is
 * failed and its plan removed, the stale plan of a completed run is removed, the plans of a live
 * run and of a run the store does not know are kept; `--dry-run` reports the same and removes nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFb } from '../../test-support/cli';
import { openResultsStore } from '../../lib/results/open-store';
import { sweepReportSchema } from '../../lib/sweep/sweep-request';

const cwd = mkdtempSync(join(tmpdir(), 'fb-sweep-'));
const runsDir = join(cwd, '.fb', 'runs');
const ABANDONED = 'a0000000-0000-4000-8000-000000000001';
const COMPLETED = 'c0000000-0000-4000-8000-000000000002';
const LIVE = 'e0000000-0000-4000-8000-000000000003';
const UNKNOWN = 'f0000000-0000-4000-8000-000000000004';
const planOf = (runId: string) => join(runsDir, `${runId}.plan.json`);

beforeAll(async () => {
  const store = await openResultsStore({ dataDir: join(cwd, '.fb', 'pglite') });
  try {
    const base = { experiment: 'linear-invocation', platform: 'local', client_platform: 'local', params: {} };
    await store.createRun({ ...base, id: ABANDONED, manifest: { host: hostname(), pid: 2 ** 22 + 4321 } });
    await store.createRun({ ...base, id: COMPLETED, experiment: 'cold-start', manifest: { host: hostname(), pid: 2 ** 22 + 4322 } });
    await store.setRunStatus(COMPLETED, 'completed');
    await store.createRun({ ...base, id: LIVE, experiment: 'concurrency', manifest: { host: hostname(), pid: process.pid } });
  } finally {
    await store.close();
  }
  mkdirSync(runsDir, { recursive: true });
  for (const runId of [ABANDONED, COMPLETED, LIVE, UNKNOWN]) writeFileSync(planOf(runId), '{"callbackSecret":"s3cr3t"}');
}, 60_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('fb sweep (local, the real CLI)', () => {
  it('reports in a dry run and removes nothing, then fails the abandoned run and removes the stale plans, keeping the rest', async () => {
    const dry = await runFb(cwd, ['sweep', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = sweepReportSchema.parse(JSON.parse(dry.stdout));
    expect(planned.dryRun).toBe(true);
    expect(planned.removed.map((line) => [line.kind, line.runId])).toEqual([
      ['local-run', ABANDONED],
      ['plan-file', COMPLETED],
    ]);
    for (const runId of [ABANDONED, COMPLETED, LIVE, UNKNOWN]) expect(existsSync(planOf(runId))).toBe(true);

    const swept = await runFb(cwd, ['sweep']);
    expect(swept.code, swept.stderr).toBe(0);
    expect(swept.stdout).toMatch(new RegExp(`removed\\s+local-run\\s+${ABANDONED}`));
    expect(swept.stdout).toMatch(new RegExp(`removed\\s+plan-file\\s+\\S+${COMPLETED}\\.plan\\.json`));
    expect(swept.stdout).toMatch(new RegExp(`kept\\s+plan-file\\s+\\S+${LIVE}\\.plan\\.json\\s+${LIVE}\\s+its run is starting`));
    expect(swept.stdout).toMatch(new RegExp(`kept\\s+plan-file\\s+\\S+${UNKNOWN}\\.plan\\.json\\s+${UNKNOWN}\\s+its run is not in this store`));
    expect(swept.stdout).toContain('2 removed, 2 kept, 0 failed');
    expect([ABANDONED, COMPLETED, LIVE, UNKNOWN].map((runId) => existsSync(planOf(runId)))).toEqual([false, false, true, true]);

    const store = await openResultsStore({ dataDir: join(cwd, '.fb', 'pglite') });
    try {
      expect(await store.getRun(ABANDONED)).toMatchObject({ status: 'failed', reason: expect.stringContaining('abandoned') });
      expect((await store.getRun(LIVE))?.status).toBe('starting');
    } finally {
      await store.close();
    }
  }, 60_000);
});
