/**
 * simple-cold-function-threaded-twelve: after how long idle are a function's instances cold when
 * it is called 12 at a time? The simple-cold-function search with every probe a batch of 12
 * concurrent requests, "cold" by a latency threshold on the batch (the original's method A), with
 * the functions' `cold` flags and the instances recorded per batch next to every decision.
 *
 * Ported from the original's `simple-cold-function-threaded-twelve` (function2 with
 * `throughput_time` 0.2, 45 min idle first, 24 h limit): baseline of 1 cold batch then 50 warm
 * batches 1 s apart, threshold = 2 × the trimmed mean of the batch latencies (ranks 10–39 of 50,
 * i.e. 20 % dropped at each end) or 1.0 s if that mean is ≤ 0.22 s; search in 300 → 60 → 20 s
 * steps; 5 consecutive cold batches and a final cold batch confirm the gap
 * (experiments/_cold-threshold-search.ts has the algorithm step by step).
 *
 * A batch's latency is the mean, over its ok answers, of the client's round trip minus the
 * function's own execution time (execution_end − execution_start, on the function's clock): the
 * time spent reaching the handler and coming back, cold start included, without the 0.2 s of busy
 * work every call does.
 *
 * Stores, in `experiment_rows`:
 * - `coldstart` (the original's `Coldstart` table, `threads` = 12): one row per batch — `phase`,
 *   `gap_s`, `granularity_s`, `latency_ms` (the batch latency above), `threshold_ms`,
 *   `cold_by_threshold` (what the search decides by), `cold_count` and `cold_flag` (any record
 *   cold), `distinct_instances`, `new_instances` (instances the previous batch did not use) and
 *   `instance_changed` (any), `ok`, `failed`, the batch's fastest and slowest latency and round
 *   trip, the spread of its request sends and execution starts, `methods_agree`, `final`;
 * - `coldstart_baseline`: each baseline taken; `coldstart_summary`: the result, threshold and
 *   baseline used, and the disagreements of the cold flags and the instances with the threshold.
 * The headline is `idle_timeout` in experiment seconds, granularity the last step.
 *
 * Changed from the original, and why:
 * - The batch is reduced to numbers only: the mean latency (what the threshold sees), cold
 *   counts, instance counts and spreads. The original averaged each batch's records into one
 *   (`accumulate_dicts`), keeping the *first* response's strings, so its row's invocation id and
 *   instance id stood for one request of twelve; here no string is averaged and the row says how
 *   many instances there were.
 * - Latency excludes the function's execution time (above). The original's was
 *   execution_start − invocation_start across two NTP-corrected clocks; the round trip of a call
 *   that does 0.2 s of work would put a warm batch near 220 ms, where the threshold rule jumps
 *   from 1.0 s to 2 × the mean, and make the threshold depend on CPU contention instead of start-up.
 * - After a batch with cold starts, up to 3 more batches are sent at once (stored as invocations,
 *   counted in the row's `realign_*` columns) until one has no cold start and its answers end
 *   within 50 ms of each other. Twelve cold starts end up to seconds apart, and the next idle gap,
 *   timed from the batch's end, would otherwise be that much longer for the instances that
 *   finished first; a warm batch of warmed-up instances ends within tens of ms.
 *   The original timed the next gap from the cold batch; on its 20 s grid in the cloud the
 *   difference was small, at the quick run's 0.2 s grid it decides the answer.
 * - The per-instance latencies and start spreads the original printed are columns of the row
 *   (`min_/max_latency_ms`, `send_spread_ms`, `execution_start_spread_ms`, `end_spread_ms`).
 * - A baseline retry compares its own first batch with its own threshold (the original compared
 *   the first baseline's latency with each new threshold).
 * - Every batch is a row, with the cold flags and instance counts the original did not have; the
 *   decisions are still the threshold's alone.
 * - A batch with no ok answer is stored and repeated after the same idle; one with some is kept
 *   and its failures counted (the original dropped failed answers and averaged the rest).
 * - Running out of time (24 h) or gap (`maxGapSeconds`, new), or never seeing a cold first batch,
 *   ends the run with a null result and the reason, rows kept.
 * - The 45 min idle, batch size, work per call, steps, warm-batch count and the threshold's
 *   constants are parameters with the original's values as defaults.
 *
 * `--quick` is the original's dev mode (no initial idle, 2 confirmations) at 1/100 of the time,
 * with 10 warm batches instead of 50. As for simple-cold-function, warm local batches take tens of
 * ms, so the threshold is the rule's 1000 ms floor, and every new instance gets an `initDelayMs`
 * of 1100 ms so that every cold request, and so a cold batch's mean, is over it. Twelve process
 * starts on a few cores finish up to 2–3 s apart, so the idle timeout must exceed that for the
 * re-aligning batch to find the instances warm: 2570 ms (the answer is 260 s), 30 ms below a
 * 20 s (200 ms real) step so that the warm probe before it has 170 ms to spare.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, type InvocationResult } from '../lib/experiment';
import { mean } from '../lib/stats/summary';
import { type Attempt, type Measurement, runThresholdSearch, thresholdSearchParams } from './_cold-threshold-search';

export default defineExperiment({
  name: 'simple-cold-function-threaded-twelve',
  description:
    'Finds the idle gap after which a batch of 12 concurrent calls meets cold instances, by a latency threshold on the batch (300 → 60 → 20 s search, 5 confirmations), recording cold flags and instances per batch alongside. Port of the original simple-cold-function-threaded-twelve.',
  functions: ['function2'],
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function2'),
    /** Concurrent requests per probe (the original's 12 threads). */
    concurrency: z.number().int().min(1).max(1000).default(12),
    /** Busy work per call, in seconds (real time: work is never scaled). */
    throughputTimeSeconds: z.number().min(0).max(900).default(0.2),
    /**
     * After a batch with cold starts, up to this many batches at once, until one has no cold start
     * and ends within `realignSpreadMs`, so that every instance's idle starts together (0: never).
     */
    realignBatches: z.number().int().min(0).max(10).default(3),
    /** How close together, in real ms, the answers of a re-aligning batch must end. */
    realignSpreadMs: z.number().min(0).default(50),
    ...thresholdSearchParams({ initialIdleSeconds: 45 * 60, warmCalls: 50 }),
  }),
  quick: {
    params: { initialIdleSeconds: 0, warmCalls: 10, confirmations: 2 },
    timeScale: 0.01,
    platform: { profile: 'lambda', idleTimeoutMs: 2570, initDelayMs: 1100 },
    expectedDuration: '50s',
  },
  async run(bench, params) {
    await runThresholdSearch(bench, params, {
      functionName: params.function,
      threads: params.concurrency,
      async measure() {
        const batch = async () => measureBatch(await bench.invokeConcurrently(params.function, params.concurrency, { throughput_time: params.throughputTimeSeconds }));
        const attempt = await batch();
        if (!attempt.ok || attempt.measurement.coldCount === 0) return attempt;
        // Re-align: the instances of a batch with cold starts finished up to seconds apart, and the
        // first batch after it often ends over 0.1 s apart too (the new processes are still warming up).
        let batches = 0;
        let coldCount = 0;
        let last: Measurement | undefined;
        const aligned = (m: Measurement | undefined) => m !== undefined && m.coldCount === 0 && (m.columns.end_spread_ms as number | null) !== null && (m.columns.end_spread_ms as number) <= params.realignSpreadMs;
        while (batches < params.realignBatches && !aligned(last)) {
          const realign = await batch();
          batches += 1;
          if (!realign.ok) continue;
          last = realign.measurement;
          coldCount += last.coldCount;
        }
        if (!batches) return attempt;
        return {
          ok: true,
          measurement: {
            ...attempt.measurement,
            trailingInstances: last?.instances ?? [],
            columns: {
              ...attempt.measurement.columns,
              realign_batches: batches,
              realign_cold_count: coldCount,
              realign_end_spread_ms: last?.columns.end_spread_ms ?? null,
            },
          },
        };
      },
    });
  },
});

type OkResult = InvocationResult & { root: NonNullable<InvocationResult['root']>; latencyMs: number };

/** One batch as the search sees it: its mean latency without execution time, cold flags and instances. */
export function measureBatch(results: readonly InvocationResult[]): Attempt {
  const ok = results.filter((result): result is OkResult => result.status === 'ok' && result.root !== undefined && result.latencyMs !== null);
  if (!ok.length) {
    const statuses = [...new Set(results.map((result) => `${result.status}${result.errorType ? ` ${result.errorType}` : ''}`))];
    return { ok: false, reason: `no ok answer in a batch of ${results.length} (${statuses.join(', ')})` };
  }
  const latencies = ok.map((result) => result.latencyMs - (result.root.execution_end - result.root.execution_start));
  const roundTrips = ok.map((result) => result.latencyMs);
  const sends = results.map((result) => result.answer.sendAt).filter((at): at is number => at !== null);
  const executionStarts = ok.map((result) => result.root.execution_start);
  const ends = ok.map((result) => result.answer.endAt).filter((at): at is number => at !== null);
  const spread = (values: readonly number[]) => (values.length ? Math.max(...values) - Math.min(...values) : null);
  return {
    ok: true,
    measurement: {
      latencyMs: mean(latencies),
      coldCount: ok.filter((result) => result.root.cold).length,
      instances: ok.map((result) => result.root.instance_identifier),
      invocationIdentifier: null,
      columns: {
        ok: ok.length,
        failed: results.length - ok.length,
        throttled: results.filter((result) => result.status === 'throttled').length,
        min_latency_ms: Math.min(...latencies),
        max_latency_ms: Math.max(...latencies),
        mean_round_trip_ms: mean(roundTrips),
        max_round_trip_ms: Math.max(...roundTrips),
        send_spread_ms: spread(sends),
        execution_start_spread_ms: spread(executionStarts),
        end_spread_ms: spread(ends),
      },
    },
  };
}
