/**
 * throughput-benchmarking: how much CPU does the platform actually give a function?
 *
 * Ported from the original's `throughput-benchmarking`: idle one cold time, then, with no sleeps
 * between calls,
 * 1. function1's busy loop (`throughput_time`) sequentially: 0.1, 0.2, 0.4, 0.8, 1.2, 1.6, 2.4, 5
 *    and 8 s, 5 calls each;
 * 2. the same loop concurrently, for the first seven of those values (0.1 … 2.4 s): 5 batches of
 *    12 calls each;
 * 3. the monolith's `matrix_mult` sequentially: sizes 100, 120, 140, 180, 200 and 220, 5 calls
 *    each, with seeds 0–4;
 * 4. the monolith's `matrix_mult` concurrently: sizes 100, 120 and 140, 3 batches of 12.
 * About 600 calls in all.
 *
 * The CPU share of a call is the CPU time of its work ÷ the wall time of that work, both measured
 * by the function around the work alone (the busy loop's `throughput_cpu_time_ms` and
 * `throughput_wall_time_ms`; the matrix's `matrix_cpu_time_ms` and `matrix_wall_time_ms`): 1 is
 * one full core, 0.5 half of one. It can exceed 1 on short work of a fresh instance, where the
 * runtime's helper threads (JIT compiler, garbage collector) add CPU time beside the work's own
 * thread. Stored rows:
 *
 * | table | one row per | columns |
 * | --- | --- | --- |
 * | `throughput_benchmarking` | call of the busy loop | `function_name`, `concurrency` (1: sequential), `throughput_time_s`, `repetition`, `batch_index`, `status`, `cold`, `instance_identifier`, `invocation_identifier`, `throughput_ops`, `throughput_cpu_time_ms`, `throughput_wall_time_ms`, `cpu_share_fraction`, `ops_per_cpu_s` |
 * | `monolith` | matrix multiplication | the same placing columns, `function_called`, `matrix_size_n`, `seed`, `matrix_cpu_time_ms`, `matrix_wall_time_ms`, `cpu_share_fraction`, `monolith_result` |
 * | `throughput_summary` | work value × concurrency | `work` (`throughput` or `matrix_mult`), `throughput_time_s` or `matrix_size_n`, `calls`, `measured_calls`, `cpu_share_median_fraction`, `cpu_share_min_fraction`, `cpu_share_max_fraction`, `work_wall_time_median_ms` |
 *
 * The log gives the same summary line by line and the median share per concurrency. The headline
 * result is the median CPU share of the sequential busy-loop calls (`cpu_share_median`, a
 * fraction of one core).
 *
 * Changed, and why:
 * - The share is the work's own CPU time over the work's own wall time, per call. The original's
 *   "process fraction" divided the loop's CPU time by the *requested* `throughput_time` rather than
 *   the time the loop took, and its CPU-efficiency helpers treated `process_time` — the process's
 *   CPU time since it started, growing with every call on a warm instance — as if it were one
 *   call's.
 * - The share is stored per call and summarised per work value and concurrency (the original left
 *   it to a later query over its generic tables); the `monolith` rows keep the Monolith table's
 *   fields under names that say what they hold and in which unit (`invo_id` →
 *   `invocation_identifier`, `function_argument` → `matrix_size_n`, `process_time_matrix` →
 *   `matrix_cpu_time_ms`, `running_time_matrix` → `matrix_wall_time_ms`).
 * - A concurrent batch is one payload sent `concurrency` times, so a matrix batch sends one seed
 *   (the batch's index) to all its calls.
 * - Throttled and failed calls are stored with their status and no share, never averaged in.
 * - The cold time comes from the control plane (`coldTimeSeconds`: the latest measured idle timeout
 *   of function1 on this platform) instead of the original's "threaded coldtime" query, which
 *   always failed and fell back to 20 minutes; 1200 s remains the default. Values, counts and the
 *   batch size are parameters.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, type ExperimentBench } from '../lib/experiment';
import { type MatrixCallRow, matrixCallRow, medianShare, type ShareSummaryRow, summarizeShares, type ThroughputCallRow, throughputCallRow } from './_cpu-share';

/** The cold time this experiment waits, when the control plane has none to give (the original's fallback). */
const COLD_TIME = { function: 'function1', defaultSeconds: 1200 } as const;
/** The only lab function with `matrix_mult`. */
const MONOLITH = 'monolith';

const seconds = z.number().gt(0).max(900);
const matrixSize = z.number().int().min(1).max(600);

export default defineExperiment({
  name: 'throughput-benchmarking',
  description:
    'Measures how much CPU a function really gets: CPU time ÷ wall time of busy loops and matrix multiplications, called one at a time and 12 at once. Port of the original throughput-benchmarking.',
  functions: ['function1', MONOLITH],
  coldTime: COLD_TIME,
  params: z.object({
    /** The function whose busy loop is measured. */
    function: z.enum(LAB_FUNCTION_NAMES).default('function1'),
    /** Busy-loop lengths called sequentially, in seconds. */
    throughputTimesSeconds: z.array(seconds).default([0.1, 0.2, 0.4, 0.8, 1.2, 1.6, 2.4, 5, 8]),
    /** Sequential calls per busy-loop length. */
    callsPerValue: z.number().int().min(1).max(10_000).default(5),
    /** Busy-loop lengths called concurrently, in seconds (the original: the first seven above). */
    concurrentThroughputTimesSeconds: z.array(seconds).default([0.1, 0.2, 0.4, 0.8, 1.2, 1.6, 2.4]),
    /** Concurrent calls per batch. */
    concurrency: z.number().int().min(2).max(1000).default(12),
    /** Batches per concurrent busy-loop length. */
    batchesPerValue: z.number().int().min(1).max(10_000).default(5),
    /** Matrix sizes n (n × n) multiplied sequentially by the monolith. */
    matrixSizes: z.array(matrixSize).default([100, 120, 140, 180, 200, 220]),
    /** Sequential calls per matrix size, with seeds 0, 1, … */
    matrixCallsPerSize: z.number().int().min(1).max(10_000).default(5),
    /** Matrix sizes multiplied concurrently, one batch of `concurrency` calls at a time. */
    concurrentMatrixSizes: z.array(matrixSize).default([100, 120, 140]),
    /** Batches per concurrent matrix size. */
    matrixBatchesPerSize: z.number().int().min(1).max(10_000).default(3),
    /** One cold time, in experiment seconds: filled in by the control plane, else 1200. */
    coldTimeSeconds: z.number().positive().optional(),
    /** Idle before the first call, in experiment seconds. @default one cold time */
    initialIdleSeconds: z.number().min(0).optional(),
  }),
  quick: {
    // The local platform is fresh: no initial idle. Fewer and shorter values, the batch size kept.
    params: {
      throughputTimesSeconds: [0.1, 0.2, 0.4],
      callsPerValue: 3,
      concurrentThroughputTimesSeconds: [0.1, 0.2],
      batchesPerValue: 2,
      matrixSizes: [100, 140],
      matrixCallsPerSize: 3,
      concurrentMatrixSizes: [100],
      matrixBatchesPerSize: 1,
      initialIdleSeconds: 0,
    },
    timeScale: 0.01,
    platform: { profile: 'lambda' },
    expectedDuration: '30s',
  },
  // The busy-work calls; how long a matrix multiplication takes depends on the machine, so it is not declared.
  longestCallSeconds: (params) => Math.max(0, ...params.throughputTimesSeconds, ...params.concurrentThroughputTimesSeconds),
  async run(bench, params) {
    await bench.sleep((params.initialIdleSeconds ?? params.coldTimeSeconds ?? COLD_TIME.defaultSeconds) * 1000);
    const functionName = params.function;
    const throughputRows: ThroughputCallRow[] = [];
    const matrixRows: MatrixCallRow[] = [];
    const keepThroughput = (row: ThroughputCallRow) => {
      bench.record('throughput_benchmarking', { ...row });
      throughputRows.push(row);
    };
    const keepMatrix = (row: MatrixCallRow) => {
      bench.record('monolith', { ...row });
      matrixRows.push(row);
    };

    for (const throughputTimeSeconds of params.throughputTimesSeconds) {
      for (let call = 0; call < params.callsPerValue; call++) {
        const result = await bench.invoke(functionName, { throughput_time: throughputTimeSeconds });
        keepThroughput(throughputCallRow(result, { functionName, concurrency: 1, repetition: call, batchIndex: 0 }, throughputTimeSeconds));
      }
    }
    for (const throughputTimeSeconds of params.concurrentThroughputTimesSeconds) {
      for (let batch = 0; batch < params.batchesPerValue; batch++) {
        const results = await bench.invokeConcurrently(functionName, params.concurrency, { throughput_time: throughputTimeSeconds });
        for (const [index, result] of results.entries()) {
          keepThroughput(throughputCallRow(result, { functionName, concurrency: params.concurrency, repetition: batch, batchIndex: index }, throughputTimeSeconds));
        }
      }
    }
    for (const sizeN of params.matrixSizes) {
      for (let call = 0; call < params.matrixCallsPerSize; call++) {
        const result = await bench.invoke(MONOLITH, matrixPayload(sizeN, call));
        keepMatrix(matrixCallRow(result, { functionName: MONOLITH, concurrency: 1, repetition: call, batchIndex: 0 }, { sizeN, seed: call }));
      }
    }
    for (const sizeN of params.concurrentMatrixSizes) {
      for (let batch = 0; batch < params.matrixBatchesPerSize; batch++) {
        const results = await bench.invokeConcurrently(MONOLITH, params.concurrency, matrixPayload(sizeN, batch));
        for (const [index, result] of results.entries()) {
          keepMatrix(matrixCallRow(result, { functionName: MONOLITH, concurrency: params.concurrency, repetition: batch, batchIndex: index }, { sizeN, seed: batch }));
        }
      }
    }

    const summary = summarizeShares(throughputRows, matrixRows);
    for (const row of summary) {
      bench.record('throughput_summary', { ...row });
      bench.log(summaryLine(row));
    }
    logPerConcurrency(bench, throughputRows, 'busy loop');
    logPerConcurrency(bench, matrixRows, 'matrix_mult');
    bench.result(headline(functionName, throughputRows, matrixRows, params.concurrency));
  },
});

function matrixPayload(sizeN: number, seed: number) {
  return { run_function: 'matrix_mult', args: sizeN, seed };
}

function summaryLine(row: ShareSummaryRow): string {
  const work = row.work === 'throughput' ? `throughput_time ${row.throughput_time_s} s` : `matrix_mult n=${row.matrix_size_n}`;
  const shares =
    row.cpu_share_median_fraction === null
      ? 'no call measured'
      : `CPU share median ${row.cpu_share_median_fraction} (${row.cpu_share_min_fraction}–${row.cpu_share_max_fraction}), work wall time median ${row.work_wall_time_median_ms} ms`;
  return `${row.function_name} ×${row.concurrency} ${work}: ${shares}; ${row.measured_calls} of ${row.calls} calls measured`;
}

function logPerConcurrency(bench: ExperimentBench, rows: readonly (ThroughputCallRow | MatrixCallRow)[], work: string): void {
  for (const concurrency of [...new Set(rows.map((row) => row.concurrency))]) {
    const { median, calls } = medianShare(rows.filter((row) => row.concurrency === concurrency));
    bench.log(`${work} ×${concurrency}: median CPU share ${median ?? 'unknown'} over ${calls} measured calls`);
  }
}

/** The median share of the sequential busy-loop calls, with the concurrent and matrix figures beside it. */
function headline(functionName: string, throughputRows: readonly ThroughputCallRow[], matrixRows: readonly MatrixCallRow[], concurrency: number) {
  const sequential = medianShare(throughputRows.filter((row) => row.concurrency === 1));
  const concurrent = medianShare(throughputRows.filter((row) => row.concurrency > 1));
  const matrix = medianShare(matrixRows.filter((row) => row.concurrency === 1));
  if (sequential.median === null) {
    return { metric: 'cpu_share_median', value: null, function: functionName, unit: 'fraction', sentence: `no sequential call of ${functionName}'s busy loop was measured` };
  }
  const besides = [
    concurrent.median !== null ? `${concurrent.median} each with ${concurrency} at once` : undefined,
    matrix.median !== null ? `${MONOLITH}'s matrix_mult ${matrix.median} sequentially` : undefined,
  ].filter(Boolean);
  return {
    metric: 'cpu_share_median',
    value: sequential.median,
    function: functionName,
    unit: 'fraction',
    sentence: `${functionName}'s busy loop got a median ${sequential.median} of one core over ${sequential.calls} sequential calls${besides.length ? ` (${besides.join('; ')})` : ''}`,
  };
}
