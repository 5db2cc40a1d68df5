/**
 * Loads the runs a report shows from a results store: each run with its invocations, experiment
 * rows and statistics. The same for the CLI (`fb report`) and the web UI's run page.
 */
import type { ResultsStore } from '../results/store';
import type { RunRow } from '../results/types';
import { summarizeRunInvocations } from '../stats/run-stats';
import { ReportRunNotFoundError } from './errors';
import { type ReportRun, runLabel } from './report-run';

/** Points of each empirical CDF kept for the charts (lib/stats/ecdf.ts's downsampling, at most 1/199 off). */
export const REPORT_ECDF_POINTS = 200;

export interface LoadReportRunsOptions {
  /** Called once every id is resolved, before any run's rows are read (for progress). */
  onRunsFound?: (runs: readonly RunRow[]) => void;
  /** Called before run `index` is read. */
  onRunStart?: (index: number) => void;
  /** Called once run `index` is loaded. */
  onRunLoaded?: (index: number, run: ReportRun) => void;
}

/**
 * The runs with these ids (or unique prefixes of at least 6 characters), in the order given, each
 * once. Throws ReportRunNotFoundError, naming the id, for one the store does not know.
 */
export async function loadReportRuns(store: Pick<ResultsStore, 'getRun' | 'invocations' | 'experimentRows'>, runIds: readonly string[], options: LoadReportRunsOptions = {}): Promise<ReportRun[]> {
  const found: RunRow[] = [];
  for (const id of runIds) {
    const run = await store.getRun(id);
    if (!run) throw new ReportRunNotFoundError(id);
    if (!found.some((seen) => seen.id === run.id)) found.push(run);
  }
  options.onRunsFound?.(found);
  const loaded: ReportRun[] = [];
  for (const [index, run] of found.entries()) {
    options.onRunStart?.(index);
    const [invocations, rows] = await Promise.all([store.invocations(run.id), store.experimentRows(run.id)]);
    const reportRun: ReportRun = { run, label: runLabel(run), invocations, rows, stats: summarizeRunInvocations(invocations, { ecdfMaxPoints: REPORT_ECDF_POINTS }) };
    loaded.push(reportRun);
    options.onRunLoaded?.(index, reportRun);
  }
  return loaded;
}
