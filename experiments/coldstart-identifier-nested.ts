/**
 * coldstart-identifier-nested: after how long idle does a function that is only ever called by
 * another function go cold? The same search as coldstart-identifier, but every probe calls
 * function2, which calls function3 inside the platform; "cold" means function3's answer came from a
 * new instance (the original's method B), and its latency is function3's own, timed by function2,
 * so the client's path does not enter it.
 *
 * Ported from the original's `coldstart-identifier-nested`: sleep 65 minutes, make one call plus 50
 * back-to-back calls for a baseline, then probe "sleep gap, call once" with the gap growing in 60 s
 * steps; on the first change of function3's instance step back and go on in 20 s steps; on the
 * second stop; verify with 5 consecutive changes of instance at that gap (a same-instance result
 * adds 20 s and starts the count again); then one final probe, which must change instance too.
 *
 * Stores, through `bench.record`:
 * - `coldstart_baseline`: one row, the first call and the warm calls' trimmed mean (ranks 10–39 of
 *   50, as the original) of function3's latency, and whether the first call looked cold by the
 *   original's 2 × mean rule (`first_looks_cold`, kept for comparison; nothing depends on it).
 * - `coldstart` (the original's `Coldstart` table): one row per probe: `phase` (search-1, search-2,
 *   verify, final), `gap_s`, `granularity_s` (the step in use), `new_instance` (the decision),
 *   `cold` (function3's own flag), `methods_disagree`, `latency_ms`, `round_trip_ms`, the
 *   invocation and instance identifiers, `threads` (1) and `final`. The final probe's row has
 *   `final: true` and the summary: `probes`, `disagreements`.
 *
 * Changed from the original, and why:
 * - The final probe is no longer inverted. The original stored its result when the last probe hit
 *   the *same* instance as the last verification, the opposite of its own verify step; here the
 *   final probe must land on a new instance too, else 20 s are added and verification starts again.
 * - Both cold-start signals side by side: decisions use the change of instance, as the original;
 *   every row also stores function3's explicit `cold` flag, and the headline counts the probes
 *   where they disagree.
 * - The baseline no longer sleeps 20 minutes more (up to 2 hours) whenever the first latency was
 *   not above 2 × the warm mean: the functions report `cold` themselves, and the search only needs
 *   a known instance. The rule's verdict is still stored.
 * - The measured function is the `function` parameter (function3) and its caller `viaFunction`
 *   (function2), so the result names the function whose idle timeout it is.
 * - Idle before the start (65 min) and every step are parameters, in experiment seconds;
 *   `--quick` scales every sleep by its time scale.
 * - A probe that fails (an error, a throttle, a failed nested call) is stored and repeated, as the
 *   original's retry wrapper did; five failures in a row end the run with an error. The 24-hour
 *   limit ends the search with no value (the rows so far are kept), as the original's abort did.
 *
 * Quick: no initial idle, 20 baseline calls, an idle timeout of 1.38 s on the local platform
 * (138 s of experiment time at time scale 0.01, between the 20 s grid's 120 s and 140 s).
 * - `forceCold: true` makes the baseline's first nested call cold (the measured function is forced
 *   cold) with `bench.forceCold` instead of the initial idle, which served only that.
 */
import { z } from 'zod';
import type { InvocationRecord } from '../lab-functions/core/records';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, forceColdParam, type InvocationResult, startCold } from '../lib/experiment';
import { nextSteppedSearch, type SteppedSearchOptions, startSteppedSearch } from '../lib/stats/idle-search';
import { trimmedMean } from '../lib/stats/summary';

export class ProbeFailedError extends Error {
  override name = 'ProbeFailedError';
}

const MAX_FAILED_PROBES_IN_A_ROW = 5;

/** One successful call: the caller's answer and the callee's record in it. */
interface NestedCall {
  result: InvocationResult;
  callee: InvocationRecord;
  /** invocation_start → execution_start of the callee, on the caller's and the callee's clocks. */
  latencyMs: number;
  /** invocation_start → invocation_end of the nested call, on the caller's clock. */
  roundTripMs: number;
}

export default defineExperiment({
  name: 'coldstart-identifier-nested',
  description:
    'Finds the idle gap after which a function called only by another function goes cold, by the gap at which the nested calls land on a new instance (60 → 20 s steps, 5 confirmations and a final probe). Port of the original coldstart-identifier-nested.',
  functions: LAB_FUNCTION_NAMES,
  params: z.object({
    /** The function whose idle timeout is measured; only ever called by `viaFunction`. */
    function: z.enum(LAB_FUNCTION_NAMES).default('function3'),
    /** The function the client calls, which calls `function` once per call. */
    viaFunction: z.enum(LAB_FUNCTION_NAMES).default('function2'),
    /** Idle before the baseline, in experiment seconds (the original slept 65 minutes). */
    initialIdleSeconds: z.number().min(0).default(3900),
    /** Make the first call cold with `bench.forceCold` instead of the initial idle (which serves only that). */
    forceCold: forceColdParam,
    /** Back-to-back calls after the first for the latency baseline (the original: 50). */
    baselineCalls: z.number().int().min(1).max(10_000).default(50),
    /** Search steps, coarse to fine, in experiment seconds; the first is also the first gap, the last the result's granularity. */
    stepsSeconds: z.array(z.number().positive()).min(1).default([60, 20]),
    /** Consecutive new-instance probes needed at the found gap before the final probe. */
    confirmations: z.number().int().min(1).default(5),
    /** Give up after this long, in experiment hours (the original's limit was 24 h). */
    maxDurationHours: z.number().positive().default(24),
  }),
  quick: {
    params: { initialIdleSeconds: 0, baselineCalls: 20 },
    timeScale: 0.01,
    platform: { profile: 'lambda', idleTimeoutMs: 1380 },
    expectedDuration: '30s',
  },
  async run(bench, params) {
    const startedMs = Date.now();
    const experimentHours = () => (Date.now() - startedMs) / 3_600_000 / bench.timeScale;
    const measured = params.function;
    const via = params.viaFunction;
    const payload = { invoke_nested: [{ function_name: measured, invoke_payload: {} }] };
    let failuresInARow = 0;

    /** One call of `via` → `measured` that brought back the callee's record, repeating failed calls (each is still stored). */
    const call = async (): Promise<NestedCall> => {
      for (;;) {
        const result = await bench.invoke(via, payload);
        const callee = result.status === 'ok' ? calleeRecord(result) : undefined;
        if (callee?.invocation_start !== undefined && callee.invocation_end !== undefined) {
          failuresInARow = 0;
          return { result, callee, latencyMs: callee.execution_start - callee.invocation_start, roundTripMs: callee.invocation_end - callee.invocation_start };
        }
        failuresInARow += 1;
        const reason = result.status === 'ok' ? `no record of ${measured} in the answer` : `${result.status}${result.errorType ? ` ${result.errorType}` : ''}`;
        bench.log(`probe failed (${reason}); trying again`);
        if (failuresInARow >= MAX_FAILED_PROBES_IN_A_ROW) {
          throw new ProbeFailedError(`${MAX_FAILED_PROBES_IN_A_ROW} calls in a row to ${via} → ${measured} failed; last: ${reason}: ${result.errorMessage ?? ''}`);
        }
      }
    };

    await startCold(bench, [measured], { forceCold: params.forceCold, idleSeconds: params.initialIdleSeconds, why: 'baseline' });
    const first = await call();
    const latencies: number[] = [];
    let last = first;
    for (let i = 0; i < params.baselineCalls; i++) {
      last = await call();
      latencies.push(last.latencyMs);
    }
    const warmTrimmedMeanMs = trimmedMean(latencies);
    bench.record('coldstart_baseline', {
      function_name: measured,
      via_function: via,
      first_cold: first.callee.cold,
      first_latency_ms: first.latencyMs,
      warm_calls: params.baselineCalls,
      warm_trimmed_mean_ms: warmTrimmedMeanMs,
      first_looks_cold: first.latencyMs > 2 * warmTrimmedMeanMs,
      instance_identifier: last.callee.instance_identifier,
    });
    let lastInstance = last.callee.instance_identifier;

    const options: SteppedSearchOptions = { stepsSeconds: params.stepsSeconds, confirmations: params.confirmations };
    let state = startSteppedSearch(options);
    let probes = 0;
    let disagreements = 0;
    while (state.phase !== 'done') {
      if (experimentHours() > params.maxDurationHours) {
        const sentence = `no stable result for ${measured} within ${params.maxDurationHours} h (last gap ${state.gapSeconds} s)`;
        bench.log(sentence);
        bench.result({ metric: 'idle_timeout', value: null, unit: 's', sentence });
        return;
      }
      await bench.sleep(state.gapSeconds * 1000);
      const probe = await call();
      const newInstance = probe.callee.instance_identifier !== lastInstance;
      probes += 1;
      if (newInstance !== probe.callee.cold) disagreements += 1;
      const final = state.phase === 'final' && newInstance;
      bench.record('coldstart', {
        phase: state.phase === 'search' ? `search-${state.stepIndex + 1}` : state.phase,
        function_name: measured,
        via_function: via,
        threads: 1,
        gap_s: state.gapSeconds,
        granularity_s: state.stepSeconds,
        new_instance: newInstance,
        cold: probe.callee.cold,
        methods_disagree: newInstance !== probe.callee.cold,
        latency_ms: probe.latencyMs,
        round_trip_ms: probe.roundTripMs,
        invocation_identifier: probe.callee.identifier,
        instance_identifier: probe.callee.instance_identifier,
        previous_instance_identifier: lastInstance,
        final,
        ...(final ? { probes, disagreements } : {}),
      });
      if (state.phase !== 'search' && !newInstance) bench.log(`same instance after ${state.gapSeconds} s idle: trying ${state.gapSeconds + state.stepSeconds} s`);
      lastInstance = probe.callee.instance_identifier;
      state = nextSteppedSearch(state, newInstance, options);
    }

    const { gapSeconds, stepSeconds } = state;
    const sentence =
      `${measured} (called by ${via}) goes cold after ${gapSeconds} s idle (warm at ${gapSeconds - stepSeconds} s), ` +
      `confirmed ${params.confirmations}× and by a final probe; its cold flag disagreed with the change of instance on ${disagreements} of ${probes} probes`;
    bench.log(sentence);
    bench.result({ metric: 'idle_timeout', value: gapSeconds, unit: 's', granularity: stepSeconds, sentence });
  },
});

/** The record of the call the root made (its direct child), unless that call failed. */
function calleeRecord(result: InvocationResult): InvocationRecord | undefined {
  const root = result.root;
  if (!root) return undefined;
  const child = result.records.find((record) => record !== root && record.parent === root.identifier);
  if (!child || child.error || !('instance_identifier' in child)) return undefined;
  return child;
}
