/**
 * time-to-cold-start-twelve-threads: after how long idle does a function that serves bursts of
 * concurrent calls go cold, judged by latency alone? single-function-time-to-cold-start's binary
 * search (the original's method C) with every probe a batch of 12 concurrent calls whose
 * latencies are averaged.
 *
 * Ported from the original's `time-to-cold-start-twelve-threads`: function1 with
 * `throughput_time` 0.2; sleep 15 minutes; one batch for the threshold (0.9 × its mean latency)
 * and 5 warm batches whose mean must stay below it (else sleep 40 minutes, a new first batch and
 * 10 warm batches, 20 minutes more each time, giving up beyond 2 hours); then probe "sleep gap,
 * send one batch" from 300 s with a 300 s step: a warm probe adds the step, a cold one halves the
 * step and subtracts the half, until the step is at most 20 s; verify with 5 cold batches in a row
 * (a warm one grows the 20 s ×1.5, adds it to the step and the step to the gap, and searches
 * again); then one final batch. A batch's latency is the mean over its successful calls of the
 * handler's start minus the client's send, as the original averaged each batch into one record
 * (on the clocks: see single-function-time-to-cold-start).
 *
 * Stores, through `bench.record`:
 * - `coldstart_baseline`: one row per threshold attempt: `first_latency_ms` (the first batch's
 *   mean), `warm_mean_ms`, `threshold_factor`, `threshold_ms`, `holds`, `first_cold_calls`.
 * - `coldstart` (the original's `Coldstart` table, `threads` 12): one row per batch: `phase`,
 *   `gap_s`, `granularity_s` (the step in use), `stop_step_s`, `latency_ms`, `round_trip_ms`, the
 *   threshold and its baseline, the decision `cold_by_threshold`, `cold` (any call of the batch
 *   cold by its own flag), `new_instance` (any call on an instance the previous batch did not use),
 *   `cold_calls`, `new_instance_calls`, `ok_calls`, `failed_calls`, `instance_identifiers`,
 *   `methods_disagree` and `final`. The final batch's row has `final: true` and the summary:
 *   `probes`, `disagreements` (threshold vs flag).
 *
 * Changed from the original, and why:
 * - Its rows are stored: the original added them only when not verbose (production always was),
 *   and named a `multithreaded` column the schema does not have without the NOT NULL `benchmark`.
 * - Its cold flag is no longer inverted: the original stored `latency < threshold` as "cold" in
 *   its verify and final rows. Here `cold_by_threshold` is latency above the threshold everywhere.
 * - Its verification counter resets: the original's reset assigned another variable, so any 5
 *   cold batches passed, consecutive or not. Here a warm batch needs all 5 again.
 * - Its threshold recheck uses the new first batch; the original recomputed the threshold from the
 *   initial response every time, so rechecking could never change it.
 * - Both cold-start signals side by side, as in single-function-time-to-cold-start; the final
 *   batch must be cold, else it counts as a failed verification (the original stored it anyway).
 * - Idle before the start, the recheck idles, the steps, the batch size, the work per call and the
 *   threshold factor are parameters with the original's values as defaults; `--quick` scales
 *   every sleep. Running out of time or of threshold attempts ends with no value, rows kept.
 * - A batch in which no call succeeded is stored and repeated; five in a row end the run with an
 *   error. Failed calls of a partly successful batch are stored and counted, not averaged.
 *
 * Quick (the local platform): no initial idle, 2 confirmations (the original's dev mode),
 * `throughput_time` 0.002 s, the `azure` profile (one instance takes the whole batch), an idle
 * timeout of 0.93 s (93 s at time scale 0.01, between the search's 75 s and 93.75 s), `initDelayMs`
 * 500 and a threshold factor of 0.5. Why: at time scale 0.01 every 10 ms of real time is a second
 * of experiment time, and on the `lambda` profile twelve process starts competing for two cores
 * finish up to 2.5 s apart, so the batch's instances start their idle time up to 250 experiment
 * seconds apart; on one instance they finish within milliseconds. With 0.2 s of busy work per
 * call twelve calls on one instance would again finish 2.4 s apart. The factor: see
 * single-function-time-to-cold-start.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment } from '../lib/experiment';
import { runTimeToColdStart, timeToColdStartParams } from './_time-to-cold-start';

export default defineExperiment({
  name: 'time-to-cold-start-twelve-threads',
  description:
    'Finds the idle gap after which a function goes cold, judged by the mean latency of batches of 12 concurrent calls above 0.9 × the first batch (binary search from 300 s, step at most 20 s, 5 confirmations and a final batch). Port of the original time-to-cold-start-twelve-threads.',
  functions: LAB_FUNCTION_NAMES,
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function1'),
    /** Concurrent calls per probe. */
    threads: z.number().int().min(2).max(1000).default(12),
    /** Busy work per call, in seconds (the original: 0.2). */
    throughputTimeSeconds: z.number().min(0).max(900).default(0.2),
    ...timeToColdStartParams,
    /** The search stops once the step is at most this, in experiment seconds (the original's granularity: 20). */
    stopStepSeconds: z.number().positive().default(20),
  }),
  quick: {
    params: { initialIdleSeconds: 0, confirmations: 2, thresholdFactor: 0.5, recheckIdleSeconds: [400], throughputTimeSeconds: 0.002 },
    timeScale: 0.01,
    platform: { profile: 'azure', idleTimeoutMs: 930, initDelayMs: 500 },
    expectedDuration: '40s',
  },
  async run(bench, { throughputTimeSeconds, ...params }) {
    await runTimeToColdStart(bench, { ...params, payload: { throughput_time: throughputTimeSeconds } });
  },
});
