/**
 * coldstart-identifier: after how long idle does a function go cold? An idle-gap search in which
 * "cold" means the call landed on a new instance.
 *
 * Ported from the original's `coldstart-identifier`: sleep, make one call plus back-to-back calls
 * for a baseline, then probe "sleep gap, call once" with the gap growing in 300 s steps; on the
 * first change of instance step back and continue in 60 s steps, on the second in 10 s steps, on
 * the third stop; then confirm with 5 consecutive changes of instance at that gap (a same-instance
 * result adds 10 s and starts the count again). Changed, and why:
 * - The final check is no longer inverted. The original recorded success when the last probe hit
 *   the *same* instance (the opposite of its own verify step); here the verified gap is the result.
 * - Rows carry the instance ids in their own fields. The original wrote an instance id into the
 *   `invo_id` foreign key, which MariaDB rejected, losing the search row.
 * - The baseline no longer retries with ever longer sleeps until the first call "looks" cold by
 *   latency: the functions report `cold` themselves, and the search only needs a known instance.
 * - Idle before the start (65 min in the original) and all steps are parameters, in experiment
 *   seconds; `--quick` scales every sleep by its time scale.
 * - A probe that fails (error, throttle, timeout) is stored and repeated at the same gap instead of
 *   counting as a change of instance; five failures in a row end the run with an error.
 * - `forceCold: true` makes the baseline's first call cold with `bench.forceCold` instead of the
 *   initial idle, which served only that (65 minutes saved on a real platform).
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, forceColdParam, type InvocationResult, startCold } from '../lib/experiment';
import { trimmedMean } from '../lib/stats/summary';

export class ProbeFailedError extends Error {
  override name = 'ProbeFailedError';
}

export class SearchLimitError extends Error {
  override name = 'SearchLimitError';
}

const MAX_FAILED_PROBES_IN_A_ROW = 5;

export default defineExperiment({
  name: 'coldstart-identifier',
  description:
    'Finds the idle gap after which a function goes cold, by searching for the gap at which calls land on a new instance (300 → 60 → 10 s steps, 5 confirmations). Port of the original coldstart-identifier.',
  functions: LAB_FUNCTION_NAMES,
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function1'),
    /** Idle before the baseline, in experiment seconds (the original slept 65 minutes). */
    initialIdleSeconds: z.number().min(0).default(3900),
    /** Make the first call cold with `bench.forceCold` instead of the initial idle (which serves only that). */
    forceCold: forceColdParam,
    /** Back-to-back calls after the first for the latency baseline. */
    baselineCalls: z.number().int().min(1).max(10_000).default(50),
    /** Search steps, coarse to fine, in experiment seconds; the last is the result's granularity. */
    stepsSeconds: z.array(z.number().positive()).min(1).default([300, 60, 10]),
    /** Consecutive new-instance probes needed to confirm the gap. */
    confirmations: z.number().int().min(1).default(5),
    /** Give up when the gap grows beyond this, in experiment seconds. */
    maxGapSeconds: z.number().positive().default(4 * 3600),
    /** Give up after this long, in experiment hours (the original's limit was 24 h). */
    maxDurationHours: z.number().positive().default(24),
  }),
  quick: {
    params: { initialIdleSeconds: 0, baselineCalls: 20 },
    timeScale: 0.01,
    platform: { profile: 'lambda', idleTimeoutMs: 1550 },
    expectedDuration: '30s',
  },
  async run(bench, params) {
    const startedMs = Date.now();
    const experimentSecondsSoFar = () => (Date.now() - startedMs) / 1000 / bench.timeScale;
    const functionName = params.function;
    let failuresInARow = 0;

    /** One call that returns a root record, repeating failed calls (each is still stored). */
    const call = async (): Promise<InvocationResult & { root: NonNullable<InvocationResult['root']> }> => {
      for (;;) {
        const result = await bench.invoke(functionName);
        if (result.status === 'ok' && result.root) {
          failuresInARow = 0;
          return result as InvocationResult & { root: NonNullable<InvocationResult['root']> };
        }
        failuresInARow += 1;
        bench.log(`probe failed (${result.status}${result.errorType ? ` ${result.errorType}` : ''}); trying again`);
        if (failuresInARow >= MAX_FAILED_PROBES_IN_A_ROW) {
          throw new ProbeFailedError(`${MAX_FAILED_PROBES_IN_A_ROW} calls in a row to ${functionName} failed; last: ${result.errorType ?? result.status}: ${result.errorMessage ?? ''}`);
        }
      }
    };

    await startCold(bench, [functionName], { forceCold: params.forceCold, idleSeconds: params.initialIdleSeconds, why: 'baseline' });
    const first = await call();
    const latencies: number[] = [];
    let last = first;
    for (let i = 0; i < params.baselineCalls; i++) {
      last = await call();
      if (last.latencyMs !== null) latencies.push(last.latencyMs);
    }
    bench.record('coldstart_baseline', {
      function_name: functionName,
      first_cold: first.root.cold,
      first_latency_ms: first.latencyMs,
      warm_calls: params.baselineCalls,
      warm_trimmed_mean_ms: trimmedMean(latencies),
      instance_identifier: last.root.instance_identifier,
    });
    let lastInstance = last.root.instance_identifier;

    /** Sleep `gapSeconds`, call once, record the probe; true when the call landed on a new instance. */
    const probe = async (phase: string, gapSeconds: number, granularitySeconds: number): Promise<boolean> => {
      if (gapSeconds > params.maxGapSeconds) throw new SearchLimitError(`idle gap ${gapSeconds} s exceeds maxGapSeconds ${params.maxGapSeconds} s without a stable result`);
      if (experimentSecondsSoFar() > params.maxDurationHours * 3600) throw new SearchLimitError(`no result within ${params.maxDurationHours} h`);
      await bench.sleep(gapSeconds * 1000);
      const result = await call();
      const newInstance = result.root.instance_identifier !== lastInstance;
      bench.record('coldstart', {
        phase,
        function_name: functionName,
        gap_s: gapSeconds,
        granularity_s: granularitySeconds,
        new_instance: newInstance,
        cold: result.root.cold,
        invocation_identifier: result.root.identifier,
        instance_identifier: result.root.instance_identifier,
        previous_instance_identifier: lastInstance,
        latency_ms: result.latencyMs,
        final: false,
      });
      lastInstance = result.root.instance_identifier;
      return newInstance;
    };

    const steps = params.stepsSeconds;
    const finalStep = steps[steps.length - 1] as number;
    let gapSeconds = steps[0] as number;
    for (let phase = 0; phase < steps.length; ) {
      const step = steps[phase] as number;
      if (!(await probe(`search-${phase + 1}`, gapSeconds, step))) {
        gapSeconds += step;
        continue;
      }
      bench.log(`new instance after ${gapSeconds} s idle (step ${step} s)`);
      if (phase === steps.length - 1) break;
      gapSeconds = gapSeconds - step + (steps[phase + 1] as number);
      phase += 1;
    }

    let confirmed = 0;
    while (confirmed < params.confirmations) {
      if (await probe('verify', gapSeconds, finalStep)) {
        confirmed += 1;
      } else {
        bench.log(`same instance after ${gapSeconds} s idle: trying ${gapSeconds + finalStep} s`);
        gapSeconds += finalStep;
        confirmed = 0;
      }
    }
    bench.record('coldstart', {
      phase: 'final',
      function_name: functionName,
      gap_s: gapSeconds,
      granularity_s: finalStep,
      new_instance: true,
      cold: true,
      confirmations: params.confirmations,
      final: true,
    });
    bench.log(`cold after ${gapSeconds} s idle (warm at ${gapSeconds - finalStep} s), confirmed ${params.confirmations}×`);
    bench.result({
      metric: 'idle_timeout',
      function: functionName,
      value: gapSeconds,
      unit: 's',
      granularity: finalStep,
      sentence: `${functionName} goes cold after ${gapSeconds} s idle (warm at ${gapSeconds - finalStep} s), confirmed ${params.confirmations}×`,
    });
  },
});
