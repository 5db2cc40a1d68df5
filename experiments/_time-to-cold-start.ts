/**
 * The run of the original's two older cold-start searches (single-function-time-to-cold-start and
 * time-to-cold-start-twelve-threads, each documented in its own module): a latency threshold from
 * the first call (method C) and the binary search over idle gaps (lib/stats/idle-search.ts). A
 * probe is one call, or one batch of concurrent calls whose latencies are averaged as the original
 * averaged its batches. With `forceCold: true` the first call of each threshold attempt is made
 * cold by `bench.forceCold` instead of the initial and recheck idles, which served only that; the
 * search's own idle gaps are what it measures and stay.
 */
import { z } from 'zod';
import type { InvocationRecord } from '../lab-functions/core/records';
import type { LabFunctionName } from '../lab-functions/names';
import { type ExperimentBench, forceColdParam, type InvocationResult, sendToStartLatency, startCold } from '../lib/experiment';
import { type HalvingSearchOptions, type LatencyThreshold, latencyThreshold, nextHalvingSearch, startHalvingSearch } from '../lib/stats/idle-search';
import { mean } from '../lib/stats/summary';

export class ProbeFailedError extends Error {
  override name = 'ProbeFailedError';
}

const MAX_FAILED_PROBES_IN_A_ROW = 5;

/** The parameters both searches share; each module sets its own defaults for the rest. */
export const timeToColdStartParams = {
  /** Idle before the first call, in experiment seconds (the original slept 15 minutes). */
  initialIdleSeconds: z.number().min(0).default(900),
  /** Make each threshold's first call cold with `bench.forceCold` instead of idling for it. */
  forceCold: forceColdParam,
  /** Calls (or batches) after the first whose mean latency must stay below the threshold (the original: 5). */
  warmCalls: z.number().int().min(1).max(10_000).default(5),
  /** Threshold = this × the first call's latency (the original: 0.9). */
  thresholdFactor: z.number().gt(0).max(1).default(0.9),
  /**
   * When the warm mean is not below the threshold: idle this long, call once more for a new
   * threshold, and try again, once per entry (the original: 40 minutes, then 20 minutes more each
   * time, giving up beyond 2 hours).
   */
  recheckIdleSeconds: z.array(z.number().min(0)).default([2400, 3600, 4800, 6000, 7200]),
  /** Warm calls (or batches) of each recheck (the original: 10). */
  recheckWarmCalls: z.number().int().min(1).max(10_000).default(10),
  /** The first idle gap of the search, in experiment seconds (the original: 300). */
  startGapSeconds: z.number().positive().default(300),
  /** The first step of the search (the original: 300). */
  startStepSeconds: z.number().positive().default(300),
  /** Factor on the stop step after a warm verification probe (the original: 1.5). */
  stopStepGrowth: z.number().min(1).default(1.5),
  /** Consecutive cold probes needed at the found gap before the final probe (the original: 5). */
  confirmations: z.number().int().min(1).default(5),
  /** Give up after this long, in experiment hours (the original's limit was 24 h). */
  maxDurationHours: z.number().positive().default(24),
};

export interface TimeToColdStartRun {
  function: LabFunctionName;
  /** Calls per probe: 1 calls once, more sends a concurrent batch. */
  threads: number;
  payload: Record<string, unknown>;
  initialIdleSeconds: number;
  forceCold: boolean;
  warmCalls: number;
  thresholdFactor: number;
  recheckIdleSeconds: readonly number[];
  recheckWarmCalls: number;
  startGapSeconds: number;
  startStepSeconds: number;
  stopStepSeconds: number;
  stopStepGrowth: number;
  confirmations: number;
  maxDurationHours: number;
}

/** One probe's calls, summarized: the mean latency the threshold judges, and what the functions say. */
interface Probe {
  /** Mean of execution_start − send over the calls that succeeded. */
  latencyMs: number;
  /** Mean client round trip over the calls that succeeded. */
  roundTripMs: number;
  records: InvocationRecord[];
  failedCalls: number;
}

/** Run the threshold and the binary search; rows to `coldstart_baseline` and `coldstart`, the headline to `bench.result`. */
export async function runTimeToColdStart(bench: ExperimentBench, run: TimeToColdStartRun): Promise<void> {
  const startedMs = Date.now();
  const experimentHours = () => (Date.now() - startedMs) / 3_600_000 / bench.timeScale;
  const functionName = run.function;
  let failuresInARow = 0;

  /** One probe: a call or a batch, repeated while no call of it succeeds (every answer is still stored). */
  const probe = async (): Promise<Probe> => {
    for (;;) {
      const results = run.threads === 1 ? [await bench.invoke(functionName, run.payload)] : await bench.invokeConcurrently(functionName, run.threads, run.payload);
      const ok = results.filter((result): result is InvocationResult & { root: InvocationRecord } => result.status === 'ok' && result.root !== undefined && result.answer.sendAt !== null);
      if (ok.length) {
        failuresInARow = 0;
        return {
          // Send → start crosses the two clocks: corrected by the offset estimated so far (raw before the first estimate).
          latencyMs: mean(ok.map((result) => sendToStartLatency(result, bench.clockOffset)?.latencyMs ?? result.root.execution_start - (result.answer.sendAt as number))),
          roundTripMs: mean(ok.map((result) => result.latencyMs as number)),
          records: ok.map((result) => result.root),
          failedCalls: results.length - ok.length,
        };
      }
      failuresInARow += 1;
      const last = results[results.length - 1] as InvocationResult;
      const reason = `${last.status}${last.errorType ? ` ${last.errorType}` : ''}`;
      bench.log(`probe failed (${reason}); trying again`);
      if (failuresInARow >= MAX_FAILED_PROBES_IN_A_ROW) {
        throw new ProbeFailedError(`${MAX_FAILED_PROBES_IN_A_ROW} probes in a row of ${functionName} failed; last: ${reason}: ${last.errorMessage ?? ''}`);
      }
    }
  };

  let lastInstances = new Set<string>();
  const instancesOf = (records: readonly InvocationRecord[]) => new Set(records.map((record) => record.instance_identifier));

  /** The first call and the warm calls after it: the threshold, stored as a baseline row. */
  const establishThreshold = async (attempt: number, idleBeforeSeconds: number, warmCalls: number): Promise<LatencyThreshold> => {
    const first = await probe();
    const warm: number[] = [];
    let last = first;
    for (let i = 0; i < warmCalls; i++) {
      last = await probe();
      warm.push(last.latencyMs);
    }
    const threshold = latencyThreshold(first.latencyMs, warm, run.thresholdFactor);
    lastInstances = instancesOf(last.records);
    bench.record('coldstart_baseline', {
      attempt,
      function_name: functionName,
      threads: run.threads,
      idle_before_s: idleBeforeSeconds,
      first_latency_ms: threshold.firstLatencyMs,
      first_cold_calls: first.records.filter((record) => record.cold).length,
      warm_calls: warmCalls,
      warm_mean_ms: threshold.warmMeanMs,
      threshold_factor: threshold.factor,
      threshold_ms: threshold.thresholdMs,
      holds: threshold.holds,
    });
    return threshold;
  };

  await startCold(bench, [functionName], { forceCold: run.forceCold, idleSeconds: run.initialIdleSeconds, why: 'threshold' });
  let threshold = await establishThreshold(0, run.forceCold ? 0 : run.initialIdleSeconds, run.warmCalls);
  for (const [index, idleSeconds] of run.recheckIdleSeconds.entries()) {
    if (threshold.holds) break;
    bench.log(`warm mean ${threshold.warmMeanMs.toFixed(1)} ms is not below the threshold ${threshold.thresholdMs.toFixed(1)} ms: ${run.forceCold ? 'force a cold start' : `idle ${idleSeconds} s`} and try again`);
    await startCold(bench, [functionName], { forceCold: run.forceCold, idleSeconds });
    threshold = await establishThreshold(index + 1, run.forceCold ? 0 : idleSeconds, run.recheckWarmCalls);
  }
  if (!threshold.holds) {
    const sentence = `no usable threshold for ${functionName}: the warm mean (${threshold.warmMeanMs.toFixed(1)} ms) never fell below ${run.thresholdFactor} × the first latency (${threshold.thresholdMs.toFixed(1)} ms)`;
    bench.log(sentence);
    bench.result({ metric: 'idle_timeout', value: null, unit: 's', sentence });
    return;
  }
  bench.log(`threshold ${threshold.thresholdMs.toFixed(1)} ms (${run.thresholdFactor} × first ${threshold.firstLatencyMs.toFixed(1)} ms; warm mean ${threshold.warmMeanMs.toFixed(1)} ms)`);

  const options: HalvingSearchOptions = run;
  let state = startHalvingSearch(options);
  let probes = 0;
  let disagreements = 0;
  while (state.phase !== 'done') {
    if (experimentHours() > run.maxDurationHours) {
      const sentence = `no stable result for ${functionName} within ${run.maxDurationHours} h (last gap ${state.gapSeconds} s)`;
      bench.log(sentence);
      bench.result({ metric: 'idle_timeout', value: null, unit: 's', sentence });
      return;
    }
    await bench.sleep(state.gapSeconds * 1000);
    const seen = await probe();
    const coldByThreshold = seen.latencyMs > threshold.thresholdMs;
    const coldCalls = seen.records.filter((record) => record.cold).length;
    const newInstanceCalls = seen.records.filter((record) => !lastInstances.has(record.instance_identifier)).length;
    // A batch counts as cold by flag (or by identity) when any of its calls was.
    const cold = coldCalls > 0;
    probes += 1;
    if (coldByThreshold !== cold) disagreements += 1;
    const final = state.phase === 'final' && coldByThreshold;
    const firstRecord = seen.records[0] as InvocationRecord;
    bench.record('coldstart', {
      phase: state.phase,
      function_name: functionName,
      threads: run.threads,
      gap_s: state.gapSeconds,
      granularity_s: state.stepSeconds,
      stop_step_s: state.stopStepSeconds,
      latency_ms: seen.latencyMs,
      round_trip_ms: seen.roundTripMs,
      threshold_ms: threshold.thresholdMs,
      threshold_factor: threshold.factor,
      first_latency_ms: threshold.firstLatencyMs,
      warm_mean_ms: threshold.warmMeanMs,
      cold_by_threshold: coldByThreshold,
      cold,
      new_instance: newInstanceCalls > 0,
      methods_disagree: coldByThreshold !== cold,
      ok_calls: seen.records.length,
      failed_calls: seen.failedCalls,
      cold_calls: coldCalls,
      new_instance_calls: newInstanceCalls,
      invocation_identifier: firstRecord.identifier,
      ...(run.threads === 1
        ? { instance_identifier: firstRecord.instance_identifier, previous_instance_identifier: [...lastInstances][0] ?? null }
        : { instance_identifiers: [...instancesOf(seen.records)].sort() }),
      final,
      ...(final ? { probes, disagreements } : {}),
    });
    if (state.phase !== 'search' && !coldByThreshold) bench.log(`warm after ${state.gapSeconds} s idle during verification: growing the step and searching again`);
    lastInstances = instancesOf(seen.records);
    state = nextHalvingSearch(state, coldByThreshold, options);
  }

  const { gapSeconds, stepSeconds } = state;
  const batches = run.threads === 1 ? '' : ` (batches of ${run.threads})`;
  const firstProbe = run.threads === 1 ? "the first call's" : "the first batch's mean";
  const sentence =
    `${functionName}${batches} goes cold after ${gapSeconds} s idle (resolution ${stepSeconds} s) by latency above ${threshold.thresholdMs.toFixed(1)} ms ` +
    `(${run.thresholdFactor} × ${firstProbe} ${threshold.firstLatencyMs.toFixed(1)} ms), confirmed ${run.confirmations}× and by a final probe; ` +
    `the functions' cold flag disagreed with the threshold on ${disagreements} of ${probes} probes`;
  bench.log(sentence);
  bench.result({ metric: 'idle_timeout', value: gapSeconds, unit: 's', granularity: stepSeconds, sentence });
}
