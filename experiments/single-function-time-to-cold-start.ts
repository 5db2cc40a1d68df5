/**
 * single-function-time-to-cold-start: after how long idle does a function go cold, judged by
 * latency alone? The original's older search (April 2020): a binary search over idle gaps in which
 * "cold" means the call was slower than 0.9 × the first (cold) call (the original's method C).
 *
 * Ported from the original's `single-function-time-to-cold-start`: function2; sleep 15 minutes;
 * one call for the threshold (0.9 × its latency) and 5 warm calls whose mean must stay below it
 * (else sleep 40 minutes, call again for a new threshold with 10 warm calls, 20 minutes more each
 * time, giving up beyond 2 hours); then probe "sleep gap, call once" from 300 s with a 300 s step:
 * a warm probe adds the step, a cold probe halves the step and subtracts the half, until the step
 * is at most 10 s; verify with 5 cold probes in a row at that gap (a warm one grows the 10 s ×1.5,
 * adds it to the step and the step to the gap, and searches again); then one final probe.
 * Latency is the original's: the handler's start minus the client's send (execution_start −
 * invocation_start). That crosses the client's and the function's clocks, so it is corrected by
 * the run's in-band clock-offset estimate (`bench.clockOffset`; the original asked an NTP server
 * before each call). The client's round trip, free of any clock, is stored beside it.
 *
 * Stores, through `bench.record`:
 * - `coldstart_baseline`: one row per threshold attempt: `first_latency_ms`, `warm_mean_ms`,
 *   `threshold_factor`, `threshold_ms`, `holds`, and how many of the first calls were cold by flag.
 * - `coldstart` (the original's `Coldstart` table): one row per probe: `phase` (search, verify,
 *   final), `gap_s`, `granularity_s` (the step in use), `stop_step_s`, `latency_ms`,
 *   `round_trip_ms`, the threshold and the baseline it came from (`threshold_ms`,
 *   `threshold_factor`, `first_latency_ms`, `warm_mean_ms`), the decision `cold_by_threshold`, the
 *   function's own `cold` flag, `new_instance` (identity), `methods_disagree`, the invocation and
 *   instance identifiers, `threads` (1) and `final`. The final probe's row has `final: true` and the
 *   summary: `probes`, `disagreements` (threshold vs flag).
 *
 * Changed from the original, and why:
 * - Its inserts work: the original's rows named a `multithreaded` column the schema does not have
 *   and left out the NOT NULL `benchmark`, so every insert failed. Rows go through `bench.record`
 *   with `threads` and the threshold (`threshold_ms`, the original's `benchmark`).
 * - Both cold-start signals side by side: decisions use the latency threshold, as the original;
 *   every row also stores the function's explicit `cold` flag and its instance, and the headline
 *   counts the probes where flag and threshold disagree.
 * - The final probe must be cold as well. The original stored its final probe as the result
 *   whatever it measured; here a warm final probe counts as a failed verification (the step grows
 *   and the search goes on), so `final: true` always marks a cold gap.
 * - After a warm verification all 5 confirmations are needed again; the original reset its counter
 *   and then decremented it in the same pass, needing only 4.
 * - Idle before the start, the recheck idles, the steps and the threshold factor are parameters
 *   (experiment seconds), with the original's values as defaults; `--quick` scales every sleep.
 *   A search that runs out of time or never gets a usable threshold ends with no value (its rows
 *   kept), where the original raised and stored nothing.
 * - A probe that fails (an error, a throttle) is stored and repeated, as the original's retry
 *   wrapper did; five failures in a row end the run with an error.
 *
 * Quick (the local platform): no initial idle, 2 confirmations (the original's dev mode), an idle
 * timeout of 1.02 s (102 s of experiment time at time scale 0.01, between the search's 93.75 s and
 * 103.125 s), `initDelayMs` 500 so that a cold start is clearly slower than a warm call (a bare
 * process start takes 100–400 ms on a busy 2-core machine, a warm call a few ms), and a threshold
 * factor of 0.5 instead of 0.9: the process start alone varies by ±40 % from call to call there,
 * and with 0.9 a cold start merely 11 % faster than the first one already counts as warm.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment } from '../lib/experiment';
import { runTimeToColdStart, timeToColdStartParams } from './_time-to-cold-start';

export default defineExperiment({
  name: 'single-function-time-to-cold-start',
  description:
    'Finds the idle gap after which a function goes cold, judged by latency above 0.9 × the first call (binary search from 300 s, step at most 10 s, 5 confirmations and a final probe). Port of the original single-function-time-to-cold-start.',
  functions: LAB_FUNCTION_NAMES,
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function2'),
    ...timeToColdStartParams,
    /** The search stops once the step is at most this, in experiment seconds (the original's granularity: 10). */
    stopStepSeconds: z.number().positive().default(10),
  }),
  quick: {
    params: { initialIdleSeconds: 0, confirmations: 2, thresholdFactor: 0.5, recheckIdleSeconds: [400] },
    timeScale: 0.01,
    platform: { profile: 'lambda', idleTimeoutMs: 1020, initDelayMs: 500 },
    expectedDuration: '40s',
  },
  async run(bench, params) {
    await runTimeToColdStart(bench, { ...params, threads: 1, payload: {} });
  },
});
