/**
 * concurrency-benchmarking: how do latency, errors and instance counts change as concurrency
 * grows?
 *
 * Ported from the original's `concurrency-benchmarking`: function3 with `throughput_time` 0.3 s,
 * batches of N = 8, 16, …, 256 concurrent calls, each N twice, an idle gap after every batch,
 * the whole sweep once per gap (the original ran two passes, "sequential" and "threaded"
 * coldtime, both 20 minutes in practice because its coldtime query always failed). One
 * `cc_bench` row per batch. Changed, and why:
 * - `avg_execution_total_ms` is the mean of execution_end − execution_start. The original's
 *   `acc_execution_total` subtracted execution_end from itself and was always 0.
 * - Throttled and failed calls are stored and counted (`throttled`, `errors`), never averaged
 *   into the timings; averages are over ok calls only.
 * - The batch is released together over pre-opened connections (the original started requests one
 *   after another, each behind a blocking NTP query), and the row reports the release spread.
 * - New: `distinct_instances` and `cold` per batch, from the functions' own records.
 * - `avg_latency_ms` (client send → function start) crosses two clocks: it is corrected by the
 *   run's in-band clock-offset estimate and carries its bound in `latency_error_ms` (the original
 *   asked an NTP server before every call, blocking, and stored the uncorrected difference).
 * - `forceCold: true` starts every batch with no instance by `bench.forceCold` instead of idling the
 *   gap (one cold time in the original, which served only that).
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { type ClockOffset, defineExperiment, forceColdParam, type InvocationResult, sendToStartLatency } from '../lib/experiment';
import { mean } from '../lib/stats/summary';

export default defineExperiment({
  name: 'concurrency-benchmarking',
  description:
    'Sends batches of 8 to 256 concurrent calls and records latency, errors, throttles and instances per batch. Port of the original concurrency-benchmarking.',
  functions: ['function3'],
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function3'),
    /** Busy work per call, in seconds. */
    throughputTimeSeconds: z.number().min(0).max(900).default(0.3),
    /** Batch sizes, in order. */
    concurrency: z.array(z.number().int().min(1).max(1000)).min(1).default([8, 16, 32, 64, 128, 256]),
    /** Batches per size. */
    repetitions: z.number().int().min(1).default(2),
    /** One sweep per gap: idle after every batch, in experiment seconds. */
    gapsSeconds: z.array(z.number().min(0)).min(1).default([1200, 1200]),
    /** Start every batch with no instance by `bench.forceCold` instead of idling its gap. */
    forceCold: forceColdParam,
  }),
  quick: {
    params: { concurrency: [2, 4, 8], throughputTimeSeconds: 0.05, gapsSeconds: [30] },
    timeScale: 0.01,
    platform: { profile: 'lambda' },
    expectedDuration: '10s',
  },
  longestCallSeconds: (params) => params.throughputTimeSeconds,
  async run(bench, params) {
    const rows: ReturnType<typeof batchRow>[] = [];
    for (const [pass, gapSeconds] of params.gapsSeconds.entries()) {
      for (const n of params.concurrency) {
        for (let repetition = 0; repetition < params.repetitions; repetition++) {
          if (params.forceCold) await bench.forceCold(params.function);
          const results = await bench.invokeConcurrently(params.function, n, { throughput_time: params.throughputTimeSeconds });
          const row = batchRow(results, { clock: bench.clockOffset, functionName: params.function, pass, gapSeconds, repetition, n });
          bench.record('cc_bench', row);
          rows.push(row);
          bench.log(`N=${n} #${repetition + 1}: ${row.ok} ok, ${row.throttled} throttled, ${row.errors} errors, ${row.distinct_instances} instances`);
          if (!params.forceCold) await bench.sleep(gapSeconds * 1000);
        }
      }
    }
    bench.result(headline(params.function, rows));
  },
});

/** The most instances any batch ran on, and how much was refused. */
function headline(functionName: string, rows: ReturnType<typeof batchRow>[]) {
  if (!rows.length) return { metric: 'max_distinct_instances', value: null, unit: 'instances', sentence: 'no batch was sent' };
  const widest = rows.reduce((best, row) => (row.distinct_instances > best.distinct_instances ? row : best), rows[0] as ReturnType<typeof batchRow>);
  const throttled = rows.reduce((total, row) => total + row.throttled, 0);
  const calls = rows.reduce((total, row) => total + row.concurrency, 0);
  return {
    metric: 'max_distinct_instances',
    value: widest.distinct_instances,
    unit: 'instances',
    sentence: `${functionName} ran on at most ${widest.distinct_instances} instances at once (at N=${widest.concurrency}); ${throttled} of ${calls} calls throttled`,
  };
}

interface BatchContext {
  /** The clock offset estimated so far, to correct cross-clock latencies. */
  clock: ClockOffset | undefined;
  functionName: string;
  pass: number;
  gapSeconds: number;
  repetition: number;
  n: number;
}

/** One `cc_bench` row: counts over the whole batch, averages over its ok calls. */
export function batchRow(results: InvocationResult[], context: BatchContext) {
  const ok = results.filter((result) => result.status === 'ok' && result.root);
  const roots = ok.map((result) => result.root as NonNullable<InvocationResult['root']>);
  const sends = results.map((result) => result.answer.sendAt).filter((at): at is number => at !== null);
  const avg = (pick: (result: InvocationResult) => number | null | undefined) => {
    const values = ok.map(pick).filter((value): value is number => typeof value === 'number');
    return values.length ? mean(values) : null;
  };
  return {
    function_name: context.functionName,
    pass: context.pass,
    gap_s: context.gapSeconds,
    repetition: context.repetition,
    concurrency: context.n,
    ok: ok.length,
    errors: results.filter((result) => result.status === 'error').length,
    throttled: results.filter((result) => result.status === 'throttled').length,
    timeouts: results.filter((result) => result.status === 'timeout').length,
    success_rate: ok.length / results.length,
    distinct_instances: new Set(roots.map((root) => root.instance_identifier)).size,
    cold: roots.filter((root) => root.cold).length,
    avg_cpu_time_ms: avg((result) => result.root?.cpu_time_ms),
    avg_throughput_ops: avg((result) => result.root?.throughput_ops),
    avg_throughput_cpu_time_ms: avg((result) => result.root?.throughput_cpu_time_ms),
    avg_throughput_wall_time_ms: avg((result) => result.root?.throughput_wall_time_ms),
    cores: avg((result) => result.root?.function_cores),
    avg_client_send: avg((result) => result.answer.sendAt),
    avg_client_end: avg((result) => result.answer.endAt),
    avg_execution_start: avg((result) => result.root?.execution_start),
    avg_execution_end: avg((result) => result.root?.execution_end),
    // Send → function start crosses the two clocks: corrected by the run's clock offset, ± its bound.
    avg_latency_ms: avg((result) => sendToStartLatency(result, context.clock)?.latencyMs),
    latency_error_ms: context.clock?.errorMs ?? null,
    avg_execution_total_ms: avg((result) => (result.root ? result.root.execution_end - result.root.execution_start : null)),
    avg_round_trip_ms: avg((result) => result.latencyMs),
    release_spread_ms: sends.length ? Math.max(...sends) - Math.min(...sends) : null,
  };
}
