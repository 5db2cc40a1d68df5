import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readResultsFile } from '../agent/results-file';
import type { ResultsStore } from '../results/store';
import type { RunRow } from '../results/types';
import { isProcessAlive } from '../process/is-alive';

/**
 * Runs of this machine whose `fb` process is gone (killed outright, a second Ctrl-C, the machine
 * restarted) would hold their experiment's lock forever and keep their plan — with the run's
 * callback secret — on disk. A local run records its host and pid in its manifest; this marks
 * such runs failed, naming why, so the next run of that experiment may start. Given the runs'
 * folder (`.fb/runs`), it also removes each one's plan file and stores what its agent had written
 * to its results file before it stopped, marked partial (`manifest.partial_results`), so the rows
 * of a killed run are not lost. (Its agent and its platform's instances stop by themselves when
 * their `fb` dies: their IPC lifelines close.)
 */
export interface AbandonedRunsFilter {
  /** Only runs of this experiment and platform (AcquireLock's check); all of this host's otherwise. */
  experiment?: string;
  platform?: string;
  /** Where the runs' plan and results files are (`<runId>.plan.json`, `<runId>.results.ndjson`). */
  runsDir?: string;
}

export async function failAbandonedLocalRuns(store: ResultsStore, filter: AbandonedRunsFilter = {}): Promise<string[]> {
  const failed: string[] = [];
  for (const run of await findAbandonedLocalRuns(store, filter)) {
    await failAbandonedLocalRun(store, run, filter.runsDir);
    failed.push(run.id);
  }
  return failed;
}

/** The runs {@link failAbandonedLocalRuns} would fail, without touching them (`fb sweep --dry-run`). */
export async function findAbandonedLocalRuns(store: Pick<ResultsStore, 'listRuns'>, filter: AbandonedRunsFilter = {}): Promise<RunRow[]> {
  const found: RunRow[] = [];
  for (const run of await store.listRuns({ running: true })) {
    if ((filter.experiment !== undefined && run.experiment !== filter.experiment) || (filter.platform !== undefined && run.platform !== filter.platform)) continue;
    const { host, pid } = run.manifest as { host?: unknown; pid?: unknown };
    if (host !== hostname() || typeof pid !== 'number' || isProcessAlive(pid)) continue;
    found.push(run);
  }
  return found;
}

/** Fail one run {@link findAbandonedLocalRuns} found: its plan removed and partial results stored when `runsDir` is given. */
export async function failAbandonedLocalRun(store: ResultsStore, run: RunRow, runsDir?: string): Promise<void> {
  const { host, pid } = run.manifest as { host?: unknown; pid?: unknown };
  if (runsDir) {
    rmSync(join(runsDir, `${run.id}.plan.json`), { force: true });
    await importPartialResults(store, run.id, join(runsDir, `${run.id}.results.ndjson`), 'abandoned');
  }
  await store.setRunStatus(run.id, 'failed', `abandoned: process ${String(pid)} on ${String(host)} is gone`);
}

/**
 * Store what a run's agent wrote to its results file before it was stopped, marked partial
 * (`manifest.partial_results`, with why: `abandoned` or `stopped`); nothing when there is no file.
 */
export async function importPartialResults(store: Pick<ResultsStore, 'importRunResults' | 'mergeRunManifest'>, runId: string, resultsFile: string, why: 'abandoned' | 'stopped'): Promise<void> {
  if (!existsSync(resultsFile)) return;
  const contents = await readResultsFile(resultsFile);
  await store.importRunResults(runId, contents.invocations, contents.experimentRows);
  await store.mergeRunManifest(runId, {
    partial_results: { invocations: contents.invocations.length, experiment_rows: contents.experimentRows.length, ...(contents.tornLastLine === undefined ? {} : { torn_last_line: contents.tornLastLine }), [why]: true },
  });
}
