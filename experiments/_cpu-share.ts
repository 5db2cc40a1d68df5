/**
 * The rows of throughput-benchmarking (documented there): one per call of the busy loop, one per
 * matrix multiplication of the monolith, and the summaries of both by work and concurrency. The
 * CPU share of a call is the CPU time of its work divided by the wall time of that work, both
 * measured by the function around the work alone: 1 is one full core.
 */
import type { InvocationResult } from '../lib/experiment';
import { percentileCont } from '../lib/stats/summary';

/** Where a call stood in the experiment. */
export interface CallPlace {
  functionName: string;
  /** 1 for a sequential call, else the size of its batch. */
  concurrency: number;
  /** The call's index among the sequential calls of its value, or its batch's index among the batches. */
  repetition: number;
  /** Its index within its batch (0 for a sequential call). */
  batchIndex: number;
}

/** One `throughput_benchmarking` row: a call of the busy loop. */
export interface ThroughputCallRow {
  function_name: string;
  concurrency: number;
  throughput_time_s: number;
  repetition: number;
  batch_index: number;
  status: string;
  cold: boolean | null;
  instance_identifier: string | null;
  invocation_identifier: string | null;
  throughput_ops: number | null;
  throughput_cpu_time_ms: number | null;
  throughput_wall_time_ms: number | null;
  cpu_share_fraction: number | null;
  ops_per_cpu_s: number | null;
}

/** One `monolith` row: a matrix multiplication (the original's Monolith table, timings with units). */
export interface MatrixCallRow {
  function_name: string;
  concurrency: number;
  repetition: number;
  batch_index: number;
  status: string;
  cold: boolean | null;
  instance_identifier: string | null;
  invocation_identifier: string | null;
  function_called: string | null;
  matrix_size_n: number;
  seed: number;
  matrix_cpu_time_ms: number | null;
  matrix_wall_time_ms: number | null;
  cpu_share_fraction: number | null;
  monolith_result: string | null;
}

/** One `throughput_summary` row: the calls of one work value at one concurrency. */
export interface ShareSummaryRow {
  function_name: string;
  work: 'throughput' | 'matrix_mult';
  concurrency: number;
  /** The busy loop's requested seconds (null for matrix rows). */
  throughput_time_s: number | null;
  /** The matrix size (null for busy-loop rows). */
  matrix_size_n: number | null;
  calls: number;
  /** Calls that answered with both timings of their work. */
  measured_calls: number;
  cpu_share_median_fraction: number | null;
  cpu_share_min_fraction: number | null;
  cpu_share_max_fraction: number | null;
  work_wall_time_median_ms: number | null;
}

/** What a summary row is about: one work value of one function at one concurrency. */
type SummaryGroup = Pick<ShareSummaryRow, 'function_name' | 'work' | 'concurrency' | 'throughput_time_s' | 'matrix_size_n'>;

/** CPU time ÷ wall time, or null when either is missing or the wall time is not positive. */
export function cpuShare(cpuTimeMs: number | null | undefined, wallTimeMs: number | null | undefined): number | null {
  if (typeof cpuTimeMs !== 'number' || typeof wallTimeMs !== 'number' || !(wallTimeMs > 0) || !(cpuTimeMs >= 0)) return null;
  return cpuTimeMs / wallTimeMs;
}

/** The row of one call of the busy loop. */
export function throughputCallRow(result: InvocationResult, place: CallPlace, throughputTimeSeconds: number): ThroughputCallRow {
  const root = result.status === 'ok' ? result.root : undefined;
  const cpuTimeMs = root?.throughput_cpu_time_ms ?? null;
  const wallTimeMs = root?.throughput_wall_time_ms ?? null;
  const ops = root?.throughput_ops ?? null;
  return {
    function_name: place.functionName,
    concurrency: place.concurrency,
    throughput_time_s: throughputTimeSeconds,
    repetition: place.repetition,
    batch_index: place.batchIndex,
    status: result.status,
    cold: result.root?.cold ?? null,
    instance_identifier: result.root?.instance_identifier ?? null,
    invocation_identifier: result.root?.identifier ?? null,
    throughput_ops: ops,
    throughput_cpu_time_ms: cpuTimeMs,
    throughput_wall_time_ms: wallTimeMs,
    cpu_share_fraction: cpuShare(cpuTimeMs, wallTimeMs),
    ops_per_cpu_s: ops !== null && cpuTimeMs !== null && cpuTimeMs > 0 ? (ops / cpuTimeMs) * 1000 : null,
  };
}

/** The row of one matrix multiplication. */
export function matrixCallRow(result: InvocationResult, place: CallPlace, matrix: { sizeN: number; seed: number }): MatrixCallRow {
  const root = result.status === 'ok' ? result.root : undefined;
  const cpuTimeMs = root?.matrix_cpu_time_ms ?? null;
  const wallTimeMs = root?.matrix_wall_time_ms ?? null;
  return {
    function_name: place.functionName,
    concurrency: place.concurrency,
    repetition: place.repetition,
    batch_index: place.batchIndex,
    status: result.status,
    cold: result.root?.cold ?? null,
    instance_identifier: result.root?.instance_identifier ?? null,
    invocation_identifier: result.root?.identifier ?? null,
    function_called: root?.function_called ?? null,
    matrix_size_n: matrix.sizeN,
    seed: matrix.seed,
    matrix_cpu_time_ms: cpuTimeMs,
    matrix_wall_time_ms: wallTimeMs,
    cpu_share_fraction: cpuShare(cpuTimeMs, wallTimeMs),
    monolith_result: root?.monolith_result ?? null,
  };
}

/**
 * The summaries, one per work value and concurrency, in the order the values were first called:
 * the busy loop's rows, then the matrix rows.
 */
export function summarizeShares(throughputRows: readonly ThroughputCallRow[], matrixRows: readonly MatrixCallRow[]): ShareSummaryRow[] {
  const groups = new Map<string, { group: SummaryGroup; calls: number; shares: number[]; wallTimesMs: number[] }>();
  const add = (group: SummaryGroup, share: number | null, wallTimeMs: number | null) => {
    const key = JSON.stringify(group);
    const entry = groups.get(key) ?? { group, calls: 0, shares: [], wallTimesMs: [] };
    groups.set(key, entry);
    entry.calls += 1;
    if (share !== null && wallTimeMs !== null) {
      entry.shares.push(share);
      entry.wallTimesMs.push(wallTimeMs);
    }
  };
  for (const row of throughputRows) {
    const group = { function_name: row.function_name, work: 'throughput', concurrency: row.concurrency, throughput_time_s: row.throughput_time_s, matrix_size_n: null } as const;
    add(group, row.cpu_share_fraction, row.throughput_wall_time_ms);
  }
  for (const row of matrixRows) {
    const group = { function_name: row.function_name, work: 'matrix_mult', concurrency: row.concurrency, throughput_time_s: null, matrix_size_n: row.matrix_size_n } as const;
    add(group, row.cpu_share_fraction, row.matrix_wall_time_ms);
  }
  return [...groups.values()].map(({ group, calls, shares, wallTimesMs }) => ({
    ...group,
    calls,
    measured_calls: shares.length,
    cpu_share_median_fraction: shares.length ? round(percentileCont(shares, 0.5)) : null,
    cpu_share_min_fraction: shares.length ? round(Math.min(...shares)) : null,
    cpu_share_max_fraction: shares.length ? round(Math.max(...shares)) : null,
    work_wall_time_median_ms: wallTimesMs.length ? Math.round(percentileCont(wallTimesMs, 0.5) * 10) / 10 : null,
  }));
}

/** The median CPU share of the measured calls among `rows`, and how many there were. */
export function medianShare(rows: readonly { cpu_share_fraction: number | null }[]): { median: number | null; calls: number } {
  const shares = rows.map((row) => row.cpu_share_fraction).filter((share): share is number => share !== null);
  return { median: shares.length ? round(percentileCont(shares, 0.5)) : null, calls: shares.length };
}

/** A fraction to four decimals: finer than any platform's share, coarser than the timers' noise. */
function round(fraction: number): number {
  return Math.round(fraction * 10_000) / 10_000;
}
