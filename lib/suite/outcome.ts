import type { ExperimentResult } from '../experiment/result';

/** How one experiment of a suite ended. */
export const SUITE_RUN_STATUSES = ['completed', 'failed', 'not started'] as const;
export type SuiteRunStatus = (typeof SUITE_RUN_STATUSES)[number];

/** One experiment's line in the suite's closing table (and its `--json`). */
export interface SuiteOutcome {
  experiment: string;
  status: SuiteRunStatus;
  /** The stored run (local), or the run the cloud execution made; absent when none was made. */
  runId?: string;
  /** Why it failed or did not start. */
  reason?: string;
  /** The run's stored headline result, when it has one. */
  result?: ExperimentResult;
  /** Where the result is when it is not here (a cloud run's results database). */
  resultNote?: string;
  /** Calls sent (root-level requests), when known. */
  calls?: number;
  /** From start to end of the run, as this process saw it. */
  durationMs?: number;
}
