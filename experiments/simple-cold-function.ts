/**
 * simple-cold-function: after how long idle is the next call to a single function a cold start?
 * A coarse-to-fine idle-gap search in which "cold" means the client's round trip exceeded a
 * latency threshold (the original's method A), with the functions' own `cold` flag and the
 * instance identity recorded next to every decision.
 *
 * Ported from the original's `simple-cold-function` (function3, no payload, 65 min idle first,
 * 24 h limit): baseline of 1 cold call then 100 warm calls 1 s apart, threshold = 2 × their
 * trimmed mean (fastest and slowest 20 % dropped) or 1.0 s if that mean is ≤ 0.22 s; search in
 * 300 → 60 → 20 s steps; 5 consecutive cold probes and a final cold probe confirm the gap
 * (experiments/_cold-threshold-search.ts has the algorithm step by step).
 *
 * Stores, in `experiment_rows`:
 * - `coldstart` (the original's `Coldstart` table): one row per probe — `phase` (search-1…3,
 *   verify, final), `gap_s`, `granularity_s`, `latency_ms` (the client's round trip),
 *   `threshold_ms`, `cold_by_threshold` (what the search decides by), `cold_flag` (the function's
 *   record), `instance_changed` and the instance ids, `methods_agree`, `final` (true on the one
 *   row whose gap is the result), `threads` = 1;
 * - `coldstart_baseline`: each baseline taken (first call, warm trimmed mean, threshold, whether
 *   the first call was cold by the threshold and by its flag);
 * - `coldstart_summary`: the result, the threshold and baseline it used, and how many probes the
 *   cold flag and the instance identity disagreed with the threshold on.
 * The headline is `idle_timeout` in experiment seconds, granularity the last step.
 *
 * Changed from the original, and why:
 * - A baseline retry compares its *own* first call with its *own* threshold. The original, after
 *   idling 40, 60, … min, took a new threshold but compared the first latency of the very first
 *   baseline against it, so a retry could never see the cold start it idled for.
 * - Latency is the client's round trip (send to end of answer, timed by the agent). The original
 *   used execution_start − invocation_start across the client's and the function's NTP-corrected
 *   clocks; the round trip needs one clock and contains the cold start all the same.
 * - Every probe is a row, warm search probes and a warm final probe included (the original kept
 *   only the cold search probe that ended the search, the verify probes and the final one), and
 *   each row carries the cold flag and instance identity the original did not have, so the
 *   methods can be compared; the decisions are still the threshold's alone.
 * - Rows name units (`gap_s`, not `minutes` + `seconds`); `threshold_ms` is the original's
 *   `benchmark`; the invocation id is in `invocation_identifier`.
 * - The first warm call follows the cold one at once and the first probe's idle is the gap
 *   alone (the original also slept 1 s after the last warm call).
 * - A failed call is stored and repeated after the same idle (the original's `validate` retried
 *   at once); five failures in a row end the run with an error, as there.
 * - Running out of time (24 h) or gap (`maxGapSeconds`, new) ends the run with a null result and
 *   the reason, rows kept; so does a baseline that never sees a cold first call (the original
 *   raised after 2 h of retries).
 * - The 65 min idle, every step, the warm-call count and the threshold's constants are
 *   parameters with the original's values as defaults.
 *
 * `--quick` is the original's dev mode (no initial idle, 2 confirmations instead of 5) at 1/100
 * of the time, on the local platform. The threshold's constants are real milliseconds and are not
 * scaled: warm local calls take ~1–5 ms, far below 220 ms, so the rule's floor makes the threshold
 * 1000 ms and a call counts as cold only when it takes over a second. A local cold start (a process
 * start, ~100 ms) would never count, so the quick profile gives every new instance an `initDelayMs`
 * of 1100 ms, like a heavy runtime's init on the original's clouds: a cold call then takes at
 * least 1.1 s and a warm one stays far below 1 s. The idle timeout of 970 ms makes the answer
 * 100 s, and sits 30 ms below a 20 s (200 ms real) step so that the warm probe before it has
 * 170 ms to spare for timer and scheduling delays.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment } from '../lib/experiment';
import { runThresholdSearch, thresholdSearchParams } from './_cold-threshold-search';

export default defineExperiment({
  name: 'simple-cold-function',
  description:
    'Finds the idle gap after which a call to one function is a cold start, by a latency threshold (300 → 60 → 20 s search, 5 confirmations), recording the cold flag and instance identity alongside. Port of the original simple-cold-function.',
  functions: ['function3'],
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function3'),
    ...thresholdSearchParams({ initialIdleSeconds: 65 * 60, warmCalls: 100 }),
  }),
  quick: {
    params: { initialIdleSeconds: 0, confirmations: 2 },
    timeScale: 0.01,
    platform: { profile: 'lambda', idleTimeoutMs: 970, initDelayMs: 1100 },
    expectedDuration: '25s',
  },
  async run(bench, params) {
    await runThresholdSearch(bench, params, {
      functionName: params.function,
      threads: 1,
      async measure() {
        const result = await bench.invoke(params.function);
        if (result.status !== 'ok' || !result.root || result.latencyMs === null) {
          return { ok: false, reason: `${result.status}${result.errorType ? ` ${result.errorType}` : ''}${result.errorMessage ? `: ${result.errorMessage}` : ''}` };
        }
        return {
          ok: true,
          measurement: {
            latencyMs: result.latencyMs,
            coldCount: result.root.cold ? 1 : 0,
            instances: [result.root.instance_identifier],
            invocationIdentifier: result.root.identifier,
            columns: {},
          },
        };
      },
    });
  },
});
