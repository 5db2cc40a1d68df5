/**
 * One run as the report sees it: the stored run, its invocations and experiment rows, its
 * statistics (lib/stats/run-stats.ts, with empirical CDFs) and the label that names it in
 * legends and table headers. Loaded once per report (./load-runs.ts); every chart and table reads
 * from it, none goes back to the store.
 */
import type { InvocationRow, RunRow } from '../results/types';
import type { RunStats } from '../stats/run-stats';

export interface ReportRun {
  run: RunRow;
  /** `platform · date · run8`, e.g. `local · 2026-12-05 14:03 · a1e09018`. */
  label: string;
  invocations: readonly InvocationRow[];
  /** Experiment rows by table name, each in seq order. */
  rows: Readonly<Record<string, readonly Record<string, unknown>[]>>;
  stats: RunStats;
}

/** The legend and column label of a run: its platform, when it started (UTC, to the minute) and its id's first 8 characters. */
export function runLabel(run: Pick<RunRow, 'id' | 'platform' | 'started_at'>): string {
  return `${run.platform} · ${run.started_at.slice(0, 16).replace('T', ' ')} · ${run.id.slice(0, 8)}`;
}

/** Experiment time × time scale = real time: the run's time scale from its manifest (1 when it has none). */
export function timeScaleOf(run: Pick<RunRow, 'manifest'>): number {
  const scale = run.manifest.time_scale;
  return typeof scale === 'number' && scale > 0 ? scale : 1;
}
