import type { ExperimentResult } from '../experiment/result';
import type { DurationRounding, ExperimentRow, FunctionSummary, InstanceActivityUsage, InvocationRow, InvocationUsage, ListRunsOptions, NewRun, RunRow, RunStatus } from './types';

/**
 * The results store: one interface over embedded PGlite (the default), a PostgreSQL server
 * (`pg`) and Aurora through the RDS Data API. The schema and its migrations are the same
 * for all.
 */
export interface ResultsStore {
  /** Apply every migration not yet applied. Idempotent. */
  migrate(): Promise<void>;
  /**
   * Create a run in status `starting`. With `exclusive`, refuse (ExperimentAlreadyRunningError) while
   * another run of the same experiment on the same platform has not completed or failed; the
   * check and the insert are one atomic step, so two concurrent callers cannot both pass.
   */
  createRun(run: NewRun, options?: { exclusive?: boolean }): Promise<RunRow>;
  /** Move a run to a new status, appending to its history; final statuses set `ended_at`. */
  setRunStatus(runId: string, status: RunStatus, reason?: string): Promise<void>;
  /** Store a run's headline result (replacing any earlier one). */
  setRunResult(runId: string, result: ExperimentResult): Promise<void>;
  /** Merge these keys into a run's manifest (what reproduces it), replacing keys it already has. */
  mergeRunManifest(runId: string, patch: Record<string, unknown>): Promise<void>;
  /**
   * Store a run's cost estimate: the total in `cost_estimate` (USD) and the whole estimate under
   * the manifest's `cost` key (lib/cost/types.ts), in one statement, replacing an earlier one.
   */
  setRunCost(runId: string, usd: number, estimate: Record<string, unknown>): Promise<void>;
  /** Bulk insert (COPY). */
  insertInvocations(rows: readonly InvocationRow[]): Promise<void>;
  /** Bulk insert (COPY). */
  insertExperimentRows(rows: readonly ExperimentRow[]): Promise<void>;
  /**
   * Replace a run's invocations and experiment rows with these, in one transaction (COPY): the
   * import of a finished agent's results file. Importing the same results twice stores them once.
   */
  importRunResults(runId: string, invocations: readonly InvocationRow[], experimentRows: readonly ExperimentRow[]): Promise<void>;
  /**
   * Newest first; `running` keeps only runs not yet completed or failed, and the other options
   * filter by experiment, platform, status and start time (ListRunsOptions).
   */
  listRuns(options?: ListRunsOptions): Promise<RunRow[]>;
  /** A run by full id, or by a unique prefix of at least 6 characters. */
  getRun(idOrPrefix: string): Promise<RunRow | undefined>;
  summarize(runId: string): Promise<FunctionSummary[]>;
  /**
   * A run's invocations grouped by function, memory and root/nested, with their execution times
   * summed as a platform bills them (each rounded up to `roundUpToMs`, at least `minimumMs`): what
   * its cost estimate needs, in one statement however many rows the run has.
   */
  invocationUsage(runId: string, rounding: DurationRounding): Promise<InvocationUsage[]>;
  /**
   * A run's executions (rows with both execution times) joined per function and instance into
   * activity periods: executions on one instance that overlap or touch make one period, each period
   * rounded as asked. Grouped by function and memory, in one statement however many rows the run
   * has. What a plan that bills an instance while it executes needs (Azure Flex Consumption).
   */
  instanceActivity(runId: string, rounding: DurationRounding): Promise<InstanceActivityUsage[]>;
  /** Experiment rows grouped by table name, each list in seq order. */
  experimentRows(runId: string): Promise<Record<string, Record<string, unknown>[]>>;
  /** Every invocation row of a run in seq order (for tests and exports). */
  invocations(runId: string): Promise<InvocationRow[]>;
  close(): Promise<void>;
}
