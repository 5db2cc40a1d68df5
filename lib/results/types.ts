import type { ExperimentResult } from '../experiment/result';

/**
 * The results model shared by the Benchmarker, the CLI and the control plane's step code:
 * one row type per table of the results schema (lib/results/migrations/001-initial.ts).
 */

/** Run life cycle, one status per phase of RunExperiment: starting → provisioning → running → collecting → destroying → completed|failed. */
export const RUN_STATUSES = ['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which a run is over. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed'];

export interface StatusChange {
  status: RunStatus;
  /** ISO 8601 time of the change. */
  at: string;
  reason?: string;
}

/** One row of `runs`: one experiment on one platform. */
export interface RunRow {
  id: string;
  experiment: string;
  /** Function platform: `local`, `openfaas`, `aws-lambda`, `azure-functions`. */
  platform: string;
  /** Where the client ran: `local` for the embedded default. */
  client_platform: string;
  status: RunStatus;
  status_history: StatusChange[];
  /** Why the run failed (or other final remark). */
  reason: string | null;
  /** ISO 8601. */
  started_at: string;
  ended_at: string | null;
  /** The experiment's parameters after defaults and overrides. */
  params: Record<string, unknown>;
  /** Code digest, versions, platform settings, time scale, seed — what reproduces the run. */
  manifest: Record<string, unknown>;
  execution_id: string | null;
  invocation_count: number;
  cost_estimate: number | null;
  /** The experiment's headline result, once collected (null if it reported none). */
  result: ExperimentResult | null;
}

/**
 * Which runs ResultsStore.listRuns answers, newest first. Every filter given must hold; none given
 * lists every run.
 */
export interface ListRunsOptions {
  /** Only runs not yet completed or failed. */
  running?: boolean;
  /** At most this many (a non-negative integer). */
  limit?: number;
  /** Only runs of this experiment (exact name). */
  experiment?: string;
  /** Only runs on this function platform. */
  platform?: string;
  /** Only runs whose current status is this one. */
  status?: RunStatus;
  /** Only runs started at or after this time (ISO 8601). */
  startedFrom?: string;
  /** Only runs started before this time (ISO 8601). */
  startedBefore?: string;
}

/** What a new run is created with; the store fills status `starting`, history and times. */
export interface NewRun {
  id: string;
  experiment: string;
  platform: string;
  client_platform: string;
  params: Record<string, unknown>;
  manifest: Record<string, unknown>;
  execution_id?: string | null;
}

/** How one invocation ended, from the client's point of view. */
export const INVOCATION_STATUSES = ['ok', 'error', 'timeout', 'throttled'] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

/**
 * One row of `invocations`: one record of a response tree (the root and every nested one), or
 * one client-side failure that produced no record. Times are epoch ms with sub-ms precision.
 */
export interface InvocationRow {
  run_id: string;
  /** Order within the run, from 0, assigned by the Benchmarker. */
  seq: number;
  /** One id per `invoke` / `invokeConcurrently` call. */
  batch_id: string;
  batch_size: number;
  /** Index of this request within its batch (nested records share their root's). */
  batch_index: number;
  /** The record's identifier, or a client-made `client-error-<uuid>` when there is no record. */
  identifier: string;
  root_identifier: string | null;
  parent: string | null;
  level: number;
  function_name: string;
  status: InvocationStatus;
  http_status: number | null;
  error_type: string | null;
  error_message: string | null;
  /** Root only: when the client sent the request, first received a byte, and finished reading. */
  client_send: number | null;
  client_first_byte: number | null;
  client_end: number | null;
  /** Nested only: the caller's timing of the call. */
  invocation_start: number | null;
  invocation_end: number | null;
  execution_start: number | null;
  execution_end: number | null;
  instance_identifier: string | null;
  platform_instance_id: string | null;
  cold: boolean | null;
  instance_invocation_count: number | null;
  memory_mb: number | null;
  cpu_time_ms: number | null;
  function_cores: number | null;
  cpu_model: string | null;
  runtime: string | null;
  platform: string | null;
  region: string | null;
  sleep_s: number | null;
  throughput_time_s: number | null;
  throughput_ops: number | null;
  /** Client attempts for the root request (retries of connection failures; never in the latency). */
  attempts: number;
  /** Any other record fields (monolith results, throughput CPU time, …). */
  extra: Record<string, unknown> | null;
}

/** One row of `experiment_rows`: experiment-specific data, so no experiment needs its own table. */
export interface ExperimentRow {
  run_id: string;
  table_name: string;
  seq: number;
  data: Record<string, unknown>;
}

/** Per-function figures of a run, as `fb run` and `fb show` print them. */
export interface FunctionSummary {
  function_name: string;
  invocations: number;
  errors: number;
  throttled: number;
  timeouts: number;
  cold: number;
  /** Latency in ms: the client's round trip for roots, the caller's for nested calls (ok invocations only). */
  latency_p50_ms: number | null;
  latency_p90_ms: number | null;
  latency_p99_ms: number | null;
}

/** How a platform rounds billed durations (ResultsStore.invocationUsage): up to a multiple of `roundUpToMs`, at least `minimumMs`. */
export interface DurationRounding {
  roundUpToMs: number;
  minimumMs: number;
}

/** A run's invocations grouped for its cost estimate (lib/cost): per function, memory and root/nested. */
export interface InvocationUsage {
  function_name: string;
  memory_mb: number | null;
  /** Root calls (level 0: sent by the client) or nested ones (sent by a function). */
  root: boolean;
  invocations: number;
  /** Rows with both execution times: calls the function ran. */
  executed: number;
  /** Rows with an HTTP status: calls the platform answered. */
  answered: number;
  cold: number;
  /** Σ over executed rows of the execution time, rounded as asked, ms. */
  billed_ms: number;
}

/**
 * A run's executions joined per instance into activity periods, for plans that bill an instance's
 * time while it executes rather than each execution (Azure Flex Consumption; ResultsStore.instanceActivity).
 * Grouped per function and memory.
 */
export interface InstanceActivityUsage {
  function_name: string;
  memory_mb: number | null;
  /** Instances that executed calls: distinct `instance_identifier` (a row without one counts as its own instance). */
  instances: number;
  /** Stretches in which an instance executed at least one call: executions that overlap or touch on one instance form one. */
  periods: number;
  /** Σ over periods of their length, each rounded as asked (up to `roundUpToMs`, at least `minimumMs`), ms. */
  billed_ms: number;
}
