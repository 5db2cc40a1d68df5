/**
 * Releasing a stale lock by hand (`fb runs --release <run-id> --reason …`): a run left active —
 * its execution lost with no cleanup, a control plane that died — keeps its experiment and
 * platform "already running" (the lock is the active `runs` row). Releasing marks it failed with
 * the given reason, recorded in its status history; it removes nothing the run made (the sweeper
 * and the run's own Teardown do that), and says so.
 */
import type { ResultsStore } from '../results/store';
import { FINAL_RUN_STATUSES, type RunRow } from '../results/types';

export class RunNotReleasableError extends Error {
  override name = 'RunNotReleasableError';
}

/** The shortest reason accepted: a release is read later by someone wondering why the run failed. */
const MIN_REASON_CHARACTERS = 3;

/** Mark an active run failed with `reason`; refuses an unknown run, one that already ended, or no reason. */
export async function releaseRun(store: Pick<ResultsStore, 'getRun' | 'setRunStatus'>, idOrPrefix: string, reason: string | undefined): Promise<{ run: RunRow; previousStatus: string; reason: string }> {
  const text = reason?.trim() ?? '';
  if (text.length < MIN_REASON_CHARACTERS) throw new RunNotReleasableError('give the reason for releasing the run with --reason "…" (it is kept in its status history)');
  const run = await store.getRun(idOrPrefix);
  if (!run) throw new RunNotReleasableError(`no run ${idOrPrefix}`);
  if (FINAL_RUN_STATUSES.includes(run.status)) throw new RunNotReleasableError(`run ${run.id} already ended (${run.status}); only an active run holds a lock`);
  const recorded = `released by hand while ${run.status}: ${text}`;
  await store.setRunStatus(run.id, 'failed', recorded);
  return { run, previousStatus: run.status, reason: recorded };
}
