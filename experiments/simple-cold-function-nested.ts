/**
 * simple-cold-function-nested: after how long idle is a call from one function to another a cold
 * start? The simple-cold-function search with the latency measured inside the platform: the
 * client calls function1, function1 calls function2, and "cold" means function2's nested call,
 * timed on function1's clock, exceeded a latency threshold (the original's method A); function2's
 * `cold` flag and instance identity are recorded next to every decision.
 *
 * Ported from the original's `simple-cold-function-nested` (function1 calling function2 with no
 * payload, 65 min idle first, 24 h limit): baseline of 1 cold call then 100 warm calls 1 s apart,
 * threshold = 2 × their trimmed mean (fastest and slowest 20 % dropped) or 1.0 s if that mean is
 * ≤ 0.22 s; search in 300 → 60 → 20 s steps; 5 consecutive cold probes and a final cold probe
 * confirm the gap (experiments/_cold-threshold-search.ts has the algorithm step by step). The
 * measured latency is the nested record's invocation_end − invocation_start: function1's own
 * timing of its call to function2, without the client's path, which was the original's intent.
 *
 * Stores, in `experiment_rows`:
 * - `coldstart` (the original's `Coldstart` table, `threads` = 1): one row per probe — `phase`,
 *   `gap_s`, `granularity_s`, `latency_ms` (the nested call's), `threshold_ms`,
 *   `cold_by_threshold` (what the search decides by), `cold_flag` and `instance_changed` of
 *   function2, `methods_agree`, `final`, and the caller's side: `caller_cold_flag`,
 *   `caller_instance_identifier`, `round_trip_ms` (the client's);
 * - `coldstart_baseline`: each baseline taken; `coldstart_summary`: the result, threshold and
 *   baseline used, and the disagreements of function2's cold flag and identity with the threshold.
 * The headline is `idle_timeout` (of function2, called from function1) in experiment seconds.
 *
 * Changed from the original, and why:
 * - It runs. The original's `invoke()` took no parameters but every call passed it the nested
 *   call list, so the first call raised a TypeError and the run ended there; its abort messages
 *   also said "30 hour" for a 24 h limit.
 * - The nested record is found by what it is (function2's record whose parent is the root), not
 *   by position (the original took the response map's second key, whichever record that was).
 * - A nested call that failed (an error record instead of function2's) is stored and the probe
 *   repeated after the same idle, as a failed call; five in a row end the run with an error.
 * - A baseline retry compares its own first call with its own threshold (the original compared
 *   the first baseline's latency with each new threshold).
 * - Every probe is a row, with function2's cold flag and identity the original did not have; the
 *   decisions are still the threshold's alone. Units are in the column names.
 * - Running out of time (24 h) or gap (`maxGapSeconds`, new), or never seeing a cold first call,
 *   ends the run with a null result and the reason, rows kept.
 * - The 65 min idle, the functions, steps, warm-call count and the threshold's constants are
 *   parameters with the original's values as defaults.
 *
 * `--quick` is the original's dev mode (no initial idle, 2 confirmations) at 1/100 of the time.
 * As for simple-cold-function, warm nested calls take a few ms, so the threshold is the rule's
 * 1000 ms floor, and every new instance gets an `initDelayMs` of 1100 ms so a cold start is over
 * it. The caller's own cold start happens before it starts timing, so only function2's counts.
 * Both functions have the same idle timeout (970 ms: the answer is 100 s): function1 is cold
 * exactly when function2 is, and its start-up then adds to an idle of function2's that is past
 * the timeout already.
 */
import { z } from 'zod';
import type { InvocationRecord } from '../lab-functions/core/records';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, type InvocationResult } from '../lib/experiment';
import { type Attempt, runThresholdSearch, thresholdSearchParams } from './_cold-threshold-search';

export default defineExperiment({
  name: 'simple-cold-function-nested',
  description:
    'Finds the idle gap after which a nested call from function1 to function2 is a cold start, by a latency threshold on the nested call timed inside the platform (300 → 60 → 20 s search, 5 confirmations), recording the callee’s cold flag and instance identity alongside. Port of the original simple-cold-function-nested.',
  functions: ['function1', 'function2'],
  params: z.object({
    /** The function the client calls. */
    function: z.enum(LAB_FUNCTION_NAMES).default('function1'),
    /** The function it calls, whose cold starts are measured. */
    nestedFunction: z.enum(LAB_FUNCTION_NAMES).default('function2'),
    ...thresholdSearchParams({ initialIdleSeconds: 65 * 60, warmCalls: 100 }),
  }),
  quick: {
    params: { initialIdleSeconds: 0, confirmations: 2 },
    timeScale: 0.01,
    platform: { profile: 'lambda', idleTimeoutMs: 970, initDelayMs: 1100 },
    expectedDuration: '30s',
  },
  async run(bench, params) {
    if (params.nestedFunction === params.function) throw new RangeError('nestedFunction must differ from function: a function calling itself shares its instances with its caller');
    const payload = { invoke_nested: [{ function_name: params.nestedFunction, invoke_payload: {} }] };
    await runThresholdSearch(bench, params, {
      functionName: params.nestedFunction,
      threads: 1,
      async measure() {
        return measureNested(await bench.invoke(params.function, payload), params.nestedFunction);
      },
    });
  },
});

/** The nested call of one answer as the search sees it: its latency on the caller's clock, the callee's cold flag and instance. */
export function measureNested(result: InvocationResult, nestedFunction: string): Attempt {
  if (result.status !== 'ok' || !result.root) {
    return { ok: false, reason: `${result.status}${result.errorType ? ` ${result.errorType}` : ''}${result.errorMessage ? `: ${result.errorMessage}` : ''}` };
  }
  const root = result.root;
  const nested = result.records.find((record) => record.parent === root.identifier && record.function_name === nestedFunction);
  if (!nested) return { ok: false, reason: `the answer has no record of the call to ${nestedFunction}` };
  if (nested.error || !('instance_identifier' in nested)) {
    return { ok: false, reason: `the call to ${nestedFunction} failed (${nested.http_status ?? 'no answer'}): ${nested.error?.type ?? 'error'}: ${nested.error?.message ?? ''}` };
  }
  const callee = nested as InvocationRecord;
  if (callee.invocation_start === undefined || callee.invocation_end === undefined) return { ok: false, reason: `the record of ${nestedFunction} carries no caller timing` };
  return {
    ok: true,
    measurement: {
      latencyMs: callee.invocation_end - callee.invocation_start,
      coldCount: callee.cold ? 1 : 0,
      instances: [callee.instance_identifier],
      invocationIdentifier: callee.identifier,
      columns: {
        caller_function_name: root.function_name,
        caller_invocation_identifier: root.identifier,
        caller_cold_flag: root.cold,
        caller_instance_identifier: root.instance_identifier,
        round_trip_ms: result.latencyMs,
      },
    },
  };
}
