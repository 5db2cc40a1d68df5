/**
 * Which runs `fb report` shows: the ids given, or the runs of one experiment (the latest, or the
 * newest few). Checks the combination once, here, with a one-line error for each wrong one.
 */
import type { ResultsStore } from '../results/store';
import { NoRunsOfExperimentError, ReportOptionsError } from './errors';

/** How many runs of an experiment a report shows without `--latest`: the newest ones. */
export const EXPERIMENT_RUNS_SHOWN = 10;

export interface RunSelection {
  runIds: readonly string[];
  experiment?: string;
  latest?: boolean;
}

/** Refuse a selection that names no runs, or names them twice; nothing is read. */
export function checkRunSelection(selection: RunSelection): void {
  if (selection.runIds.length && selection.experiment !== undefined) throw new ReportOptionsError('give run ids or --experiment, not both');
  if (selection.latest && selection.experiment === undefined) throw new ReportOptionsError('--latest goes with --experiment <name>');
  if (selection.experiment === undefined && !selection.runIds.length) throw new ReportOptionsError('say which runs: fb report <run-id>... or fb report --experiment <name> [--latest]');
}

/** The ids to load, newest first for an experiment; the ids as given otherwise (checked when loaded). */
export async function selectReportRunIds(store: Pick<ResultsStore, 'listRuns'>, selection: RunSelection): Promise<string[]> {
  checkRunSelection(selection);
  if (selection.experiment === undefined) return [...selection.runIds];
  const experiment = selection.experiment;
  // Newest first, filtered by the store (its default limit would otherwise hide an experiment's older runs).
  const runs = (await store.listRuns({ experiment, limit: selection.latest ? 1 : EXPERIMENT_RUNS_SHOWN })).filter((run) => run.experiment === experiment);
  if (!runs.length) throw new NoRunsOfExperimentError(experiment);
  return runs.slice(0, selection.latest ? 1 : EXPERIMENT_RUNS_SHOWN).map((run) => run.id);
}
