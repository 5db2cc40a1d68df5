import { hostname } from 'node:os';
import type { ResultsStore } from '../results/store';
import { isProcessAlive } from '../process/is-alive';

/**
 * Runs of this machine whose process is gone (killed outright, the machine restarted) would hold
 * their experiment's lock forever. A local run records its host and pid in its manifest; this
 * marks such runs failed, naming why, so the next run of that experiment may start.
 */
export async function failAbandonedLocalRuns(store: ResultsStore, experiment: string, platform: string): Promise<string[]> {
  const failed: string[] = [];
  for (const run of await store.listRuns({ running: true })) {
    if (run.experiment !== experiment || run.platform !== platform) continue;
    const { host, pid } = run.manifest as { host?: unknown; pid?: unknown };
    if (host !== hostname() || typeof pid !== 'number' || isProcessAlive(pid)) continue;
    await store.setRunStatus(run.id, 'failed', `abandoned: process ${pid} on ${host} is gone`);
    failed.push(run.id);
  }
  return failed;
}
