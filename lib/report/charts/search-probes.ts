/**
 * The probes of a cold-start search, as the search charts read them from the `coldstart` rows every
 * idle-gap search stores (coldstart-identifier(-nested), simple-cold-function*,
 * single-function-time-to-cold-start, time-to-cold-start-twelve-threads): the idle gap before the
 * probe, its latency, and the verdict the search went by — the latency threshold where the search
 * has one (`cold_by_threshold`), else whether the call landed on a new instance (`new_instance`).
 * Summary rows without a measured call (coldstart-identifier's closing `final` row) are not probes.
 */
import type { ReportRun } from '../report-run';
import { booleanField, numberField, stringField } from '../row-fields';

export interface SearchProbe {
  /** 1, 2, … in the order probed. */
  index: number;
  phase: string;
  gapSeconds: number;
  latencyMs: number | null;
  /** The verdict the search went by. */
  cold: boolean;
  thresholdMs: number | null;
}

export interface RunSearch {
  run: ReportRun;
  probes: SearchProbe[];
  /** What the verdict is: a latency threshold, or a change of instance. */
  decidedBy: 'threshold' | 'new-instance';
  /** The verified idle timeout (the run's result), in experiment seconds. */
  resultSeconds: number | null;
}

export function searchOf(run: ReportRun): RunSearch | undefined {
  const rows = run.rows.coldstart ?? [];
  const probes: SearchProbe[] = [];
  let byThreshold = false;
  for (const row of rows) {
    const gapSeconds = numberField(row, 'gap_s');
    const latencyMs = numberField(row, 'latency_ms');
    const threshold = booleanField(row, 'cold_by_threshold');
    const verdict = threshold ?? booleanField(row, 'new_instance');
    if (gapSeconds === null || latencyMs === null || verdict === null) continue;
    if (threshold !== null) byThreshold = true;
    probes.push({ index: probes.length + 1, phase: stringField(row, 'phase') ?? '', gapSeconds, latencyMs, cold: verdict, thresholdMs: numberField(row, 'threshold_ms') });
  }
  if (!probes.length) return undefined;
  const result = run.run.result;
  const resultSeconds = result && result.metric === 'idle_timeout' && result.unit === 's' ? result.value : null;
  return { run, probes, decidedBy: byThreshold ? 'threshold' : 'new-instance', resultSeconds };
}

export function searchesOf(runs: readonly ReportRun[]): RunSearch[] {
  return runs.map(searchOf).filter((search): search is RunSearch => search !== undefined);
}

/** The names of a verdict in legends. */
export function verdictNames(decidedBy: RunSearch['decidedBy']): { cold: string; warm: string } {
  return decidedBy === 'threshold' ? { cold: 'cold by the threshold', warm: 'warm by the threshold' } : { cold: 'new instance', warm: 'same instance' };
}
