/**
 * What simple-cold-function, simple-cold-function-threaded-twelve and simple-cold-function-nested
 * share: the original's latency-threshold search for the idle gap after which a call is cold
 * (method A of the original), with the explicit `cold` flag and the instance identity recorded
 * next to every threshold decision so a run shows where the methods disagree.
 *
 * The algorithm, as in the original:
 * 1. Baseline: one call expected to be cold, then `warmCalls` calls `warmGapSeconds` apart; the
 *    threshold is 2 × their trimmed mean (fastest and slowest 20 % dropped), or 1000 ms when that
 *    mean is ≤ 220 ms (lib/stats/cold-threshold.ts). If the first call is not above the threshold,
 *    idle 40, 60, 80, 100, 120 min in turn and take the baseline again; then give up.
 * 2. Search: probe "idle for the gap, call once" with the gap starting at 300 s and growing by
 *    300 s while calls are warm; on the first cold call step back and continue in 60 s steps, on
 *    the second in 20 s steps, on the third stop.
 * 3. Verify: the same gap must be cold 5 times in a row; a warm call adds 20 s and starts the count
 *    again. Then one final probe: cold ends the search, warm adds 20 s and verifies again.
 *
 * With `forceCold: true` each baseline's first call is made cold by `bench.forceCold` (of the
 * measured function: the callee in the nested variant) instead of the initial and retry idles,
 * which served only that purpose; the search's own idle gaps are what it measures and stay.
 *
 * Latencies and the threshold's constants are real milliseconds: `--quick` scales idle gaps, never
 * latencies, so a cold start must really take longer than the threshold on the platform under test.
 */
import { z } from 'zod';
import { type ExperimentBench, forceColdParam, startCold } from '../lib/experiment';
import { type ColdThresholdRule, isColdByThreshold, type LatencyBaseline, latencyBaseline } from '../lib/stats/cold-threshold';

export class ProbeFailedError extends Error {
  override name = 'ProbeFailedError';
}

/** Failed attempts in a row (each stored) before the run ends with an error, as the original's `validate`. */
export const MAX_FAILED_ATTEMPTS_IN_A_ROW = 5;

/** The parameters every threshold-search experiment has; `defaults` are the variant's original values. */
export function thresholdSearchParams(defaults: { initialIdleSeconds: number; warmCalls: number }) {
  return {
    /** Idle before the baseline, in experiment seconds (the original slept a fixed 65 or 45 minutes). */
    initialIdleSeconds: z.number().min(0).default(defaults.initialIdleSeconds),
    /** Make each baseline's first call cold with `bench.forceCold` instead of idling for it. */
    forceCold: forceColdParam,
    /** Warm calls after the first (cold) call, for the latency baseline. */
    warmCalls: z.number().int().min(1).max(10_000).default(defaults.warmCalls),
    /** Idle between two warm calls of the baseline, in experiment seconds. */
    warmGapSeconds: z.number().min(0).default(1),
    /** Idle before each new baseline when the first call was not cold, in experiment seconds. */
    baselineRetryIdleSeconds: z.array(z.number().min(0)).default([2400, 3600, 4800, 6000, 7200]),
    /** Search steps, coarse to fine, in experiment seconds; the last is the result's granularity. */
    stepsSeconds: z.array(z.number().positive()).min(1).default([300, 60, 20]),
    /** Consecutive cold probes at the found gap before the final probe. */
    confirmations: z.number().int().min(1).default(5),
    /** Threshold = factor × warm trimmed mean … */
    thresholdFactor: z.number().positive().default(2),
    /** … or this, in real ms, when the trimmed mean is at most `thresholdFloorUpToMs` (real ms). */
    thresholdFloorMs: z.number().positive().default(1000),
    thresholdFloorUpToMs: z.number().min(0).default(220),
    /** Give up (value null) when the gap grows beyond this, in experiment seconds. */
    maxGapSeconds: z.number().positive().default(4 * 3600),
    /** Give up (value null) after this long, in experiment seconds (the original's 24 h). */
    maxDurationSeconds: z.number().positive().default(24 * 3600),
  };
}

const searchParamsSchema = z.object(thresholdSearchParams({ initialIdleSeconds: 0, warmCalls: 1 }));
export type ThresholdSearchParams = z.output<typeof searchParamsSchema>;

// ---------------------------------------------------------------------------------------------
// The search's stepping, pure.

export interface SearchState {
  phase: 'search' | 'verify' | 'final' | 'done';
  /** Index into the steps while searching; the last index afterwards. */
  level: number;
  gapSeconds: number;
  /** Consecutive cold probes while verifying. */
  confirmed: number;
}

export interface SearchConfig {
  stepsSeconds: readonly number[];
  confirmations: number;
}

export function startSearch(config: SearchConfig): SearchState {
  const first = config.stepsSeconds[0];
  if (first === undefined) throw new RangeError('the search needs at least one step');
  return { phase: 'search', level: 0, gapSeconds: first, confirmed: 0 };
}

/** The step size in force: the granularity of a probe at this state. */
export function stepOf(state: SearchState, config: SearchConfig): number {
  return config.stepsSeconds[state.level] as number;
}

/** The name of the state's phase in the rows: `search-1` … `search-n`, `verify`, `final`. */
export function phaseName(state: SearchState): string {
  return state.phase === 'search' ? `search-${state.level + 1}` : state.phase;
}

/** The state after a probe at `state.gapSeconds` that was `cold` (by the deciding method). */
export function advanceSearch(state: SearchState, cold: boolean, config: SearchConfig): SearchState {
  const steps = config.stepsSeconds;
  const last = steps.length - 1;
  const finalStep = steps[last] as number;
  switch (state.phase) {
    case 'search': {
      const step = steps[state.level] as number;
      if (!cold) return { ...state, gapSeconds: state.gapSeconds + step };
      if (state.level === last) return { ...state, phase: 'verify', confirmed: 0 };
      const next = steps[state.level + 1] as number;
      return { ...state, level: state.level + 1, gapSeconds: state.gapSeconds - step + next };
    }
    case 'verify':
      if (!cold) return { ...state, gapSeconds: state.gapSeconds + finalStep, confirmed: 0 };
      return state.confirmed + 1 >= config.confirmations ? { ...state, phase: 'final', confirmed: state.confirmed + 1 } : { ...state, confirmed: state.confirmed + 1 };
    case 'final':
      return cold ? { ...state, phase: 'done' } : { ...state, phase: 'verify', gapSeconds: state.gapSeconds + finalStep, confirmed: 0 };
    case 'done':
      return state;
  }
}

// ---------------------------------------------------------------------------------------------
// Running it.

/** What one call (or batch) told about coldness. */
export interface Measurement {
  /** What the threshold is compared with, in real ms. */
  latencyMs: number;
  /** How many of the measured records say `cold: true`. */
  coldCount: number;
  /** The instance identifiers of the measured records. */
  instances: readonly string[];
  /** The measured invocation's identifier, for single calls. */
  invocationIdentifier: string | null;
  /**
   * The instances of calls made after the measured one within the same attempt (a re-aligning
   * batch): what the next measurement's instances are compared with. Default: `instances`.
   */
  trailingInstances?: readonly string[];
  /** The variant's own columns for the probe's row. */
  columns: Record<string, unknown>;
}

/** One attempt: a measurement, or why it gave none (its invocations are stored either way). */
export type Attempt = { ok: true; measurement: Measurement } | { ok: false; reason: string };

/** How a probe compares with the one before it, by each method. */
export interface ProbeVerdict {
  coldByThreshold: boolean;
  /** At least one measured record says `cold: true`. */
  coldFlag: boolean;
  /** At least one measured instance was not among the previous call's. */
  instanceChanged: boolean;
  newInstances: number;
}

/** Tracks instance identity from call to call. */
export class InstanceTracker {
  private previous = new Set<string>();

  /**
   * How many of `measurement.instances` the previous call did not use; then remembers the
   * measurement's last instances (`trailingInstances`, else `instances`) as the previous.
   */
  next(measurement: Pick<Measurement, 'instances' | 'trailingInstances'>): { newInstances: number; previous: string[] } {
    const previous = [...this.previous];
    const newInstances = measurement.instances.filter((id) => !this.previous.has(id)).length;
    this.previous = new Set(measurement.trailingInstances ?? measurement.instances);
    return { newInstances, previous };
  }
}

/** Disagreements between the threshold and the other two methods over some probes. */
export function countDisagreements(verdicts: readonly ProbeVerdict[]): { withFlag: number; withInstance: number } {
  return {
    withFlag: verdicts.filter((verdict) => verdict.coldByThreshold !== verdict.coldFlag).length,
    withInstance: verdicts.filter((verdict) => verdict.coldByThreshold !== verdict.instanceChanged).length,
  };
}

export interface ThresholdSearchTarget {
  /** The function whose coldness is measured (the callee for the nested variant). */
  functionName: string;
  /** Requests per probe (the original's `threads` column). */
  threads: number;
  /** One attempt at a measurement; the search repeats failed attempts. */
  measure(): Promise<Attempt>;
}

/**
 * Run the whole experiment: baseline, search, verify, final probe. Rows: `coldstart_baseline` (one
 * per baseline attempt), `coldstart` (one per probe), `coldstart_summary` (one); then the headline.
 */
export async function runThresholdSearch(bench: ExperimentBench, params: ThresholdSearchParams, target: ThresholdSearchTarget): Promise<void> {
  const startedMs = Date.now();
  const experimentSecondsSoFar = () => (Date.now() - startedMs) / 1000 / bench.timeScale;
  const rule: ColdThresholdRule = { factor: params.thresholdFactor, floorMs: params.thresholdFloorMs, floorUpToMs: params.thresholdFloorUpToMs, trimFraction: 0.2 };
  const instances = new InstanceTracker();
  const common = { function_name: target.functionName, threads: target.threads };

  /** Idle `idleSeconds`, then one measurement; a failed attempt idles again and repeats. */
  const measureAfter = async (idleSeconds: number): Promise<Measurement> => {
    for (let failures = 0; ; ) {
      await bench.sleep(idleSeconds * 1000);
      const attempt = await target.measure();
      if (attempt.ok) return attempt.measurement;
      failures += 1;
      bench.log(`call failed (${attempt.reason}); trying again after ${idleSeconds} s`);
      if (failures >= MAX_FAILED_ATTEMPTS_IN_A_ROW) throw new ProbeFailedError(`${failures} attempts in a row at ${target.functionName} failed; last: ${attempt.reason}`);
    }
  };

  const giveUp = (why: string, baseline?: LatencyBaseline, verdicts: readonly ProbeVerdict[] = []) => {
    bench.log(why);
    const disagreements = countDisagreements(verdicts);
    bench.record('coldstart_summary', {
      ...common,
      idle_timeout_s: null,
      granularity_s: null,
      threshold_ms: baseline?.thresholdMs ?? null,
      warm_trimmed_mean_ms: baseline?.warmTrimmedMeanMs ?? null,
      probes: verdicts.length,
      threshold_flag_disagreements: disagreements.withFlag,
      threshold_instance_disagreements: disagreements.withInstance,
      reason: why,
    });
    bench.result({ metric: 'idle_timeout', value: null, unit: 's', sentence: `${target.functionName}: ${why}` });
  };

  // 1. Baseline, repeated after longer idles until its first call is cold by its own threshold.
  await startCold(bench, [target.functionName], { forceCold: params.forceCold, idleSeconds: params.initialIdleSeconds, why: 'baseline' });
  let baseline: LatencyBaseline | undefined;
  const idles = [0, ...(params.forceCold ? params.baselineRetryIdleSeconds.map(() => 0) : params.baselineRetryIdleSeconds)];
  for (const [attempt, idleSeconds] of idles.entries()) {
    if (attempt > 0 && params.forceCold) await bench.forceCold(target.functionName);
    const first = await measureAfter(idleSeconds);
    const firstIdentity = instances.next(first);
    const warm: number[] = [];
    let warmColdFlags = 0;
    for (let i = 0; i < params.warmCalls; i++) {
      const call = await measureAfter(i === 0 ? 0 : params.warmGapSeconds);
      instances.next(call);
      warm.push(call.latencyMs);
      warmColdFlags += call.coldCount;
    }
    const candidate = latencyBaseline(warm, rule);
    const accepted = isColdByThreshold(first.latencyMs, candidate.thresholdMs);
    bench.record('coldstart_baseline', {
      ...first.columns,
      ...common,
      attempt,
      idle_before_s: attempt === 0 && !params.forceCold ? params.initialIdleSeconds : idleSeconds,
      forced_cold: params.forceCold,
      first_latency_ms: first.latencyMs,
      first_cold_by_threshold: accepted,
      first_cold_flag: first.coldCount > 0,
      first_cold_count: first.coldCount,
      first_new_instances: firstIdentity.newInstances,
      first_invocation_identifier: first.invocationIdentifier,
      warm_calls: warm.length,
      warm_trimmed_mean_ms: candidate.warmTrimmedMeanMs,
      warm_cold_flags: warmColdFlags,
      threshold_ms: candidate.thresholdMs,
      threshold_by: candidate.by,
      accepted,
    });
    bench.log(`baseline ${attempt + 1}: first call ${first.latencyMs.toFixed(1)} ms, warm trimmed mean ${candidate.warmTrimmedMeanMs.toFixed(1)} ms, threshold ${candidate.thresholdMs.toFixed(1)} ms (${candidate.by})${accepted ? '' : ': first call not cold'}`);
    if (accepted) {
      baseline = candidate;
      break;
    }
  }
  if (!baseline) {
    giveUp(`no baseline: the first call was not above the latency threshold in ${idles.length} baseline${idles.length === 1 ? '' : 's'} (the last after ${idles[idles.length - 1]} s idle)`);
    return;
  }
  const thresholdMs = baseline.thresholdMs;

  // 2–3. Search, verify, final probe; every probe is a row.
  const config = { stepsSeconds: params.stepsSeconds, confirmations: params.confirmations };
  let state = startSearch(config);
  const verdicts: ProbeVerdict[] = [];
  const warmGaps: number[] = [];
  while (state.phase !== 'done') {
    if (state.gapSeconds > params.maxGapSeconds) return giveUp(`no stable result: the idle gap grew to ${state.gapSeconds} s, beyond maxGapSeconds ${params.maxGapSeconds} s`, baseline, verdicts);
    if (experimentSecondsSoFar() > params.maxDurationSeconds) return giveUp(`no stable result within ${params.maxDurationSeconds} s`, baseline, verdicts);
    const measurement = await measureAfter(state.gapSeconds);
    const identity = instances.next(measurement);
    const verdict: ProbeVerdict = {
      coldByThreshold: isColdByThreshold(measurement.latencyMs, thresholdMs),
      coldFlag: measurement.coldCount > 0,
      instanceChanged: identity.newInstances > 0,
      newInstances: identity.newInstances,
    };
    verdicts.push(verdict);
    if (!verdict.coldByThreshold) warmGaps.push(state.gapSeconds);
    bench.record('coldstart', {
      ...measurement.columns,
      ...common,
      phase: phaseName(state),
      gap_s: state.gapSeconds,
      granularity_s: stepOf(state, config),
      latency_ms: measurement.latencyMs,
      threshold_ms: thresholdMs,
      cold_by_threshold: verdict.coldByThreshold,
      cold_flag: verdict.coldFlag,
      cold_count: measurement.coldCount,
      instance_changed: verdict.instanceChanged,
      new_instances: verdict.newInstances,
      distinct_instances: new Set(measurement.instances).size,
      instance_identifier: measurement.instances.length === 1 ? measurement.instances[0] : null,
      previous_instance_identifier: identity.previous.length === 1 ? identity.previous[0] : null,
      invocation_identifier: measurement.invocationIdentifier,
      methods_agree: verdict.coldByThreshold === verdict.coldFlag && verdict.coldByThreshold === verdict.instanceChanged,
      final: state.phase === 'final' && verdict.coldByThreshold,
    });
    if (verdict.coldByThreshold !== verdict.coldFlag || verdict.coldByThreshold !== verdict.instanceChanged) {
      bench.log(`methods disagree at ${state.gapSeconds} s: threshold says ${verdict.coldByThreshold ? 'cold' : 'warm'} (${measurement.latencyMs.toFixed(1)} ms), cold flag ${verdict.coldFlag}, new instances ${verdict.newInstances}`);
    }
    state = advanceSearch(state, verdict.coldByThreshold, config);
  }

  const gapSeconds = state.gapSeconds;
  const granularitySeconds = stepOf(state, config);
  const disagreements = countDisagreements(verdicts);
  bench.record('coldstart_summary', {
    ...common,
    idle_timeout_s: gapSeconds,
    granularity_s: granularitySeconds,
    threshold_ms: thresholdMs,
    warm_trimmed_mean_ms: baseline.warmTrimmedMeanMs,
    threshold_by: baseline.by,
    confirmations: params.confirmations,
    probes: verdicts.length,
    threshold_flag_disagreements: disagreements.withFlag,
    threshold_instance_disagreements: disagreements.withInstance,
  });
  const warmBelow = warmGaps.filter((gap) => gap < gapSeconds);
  const warmAt = warmBelow.length ? `, warm at ${Math.max(...warmBelow)} s` : '';
  bench.result({
    metric: 'idle_timeout',
    function: target.functionName,
    value: gapSeconds,
    unit: 's',
    granularity: granularitySeconds,
    sentence:
      `${target.functionName} goes cold after ${gapSeconds} s idle by the latency threshold (${formatMs(thresholdMs)} ms${warmAt}), confirmed ${params.confirmations}× and by a final probe; ` +
      `of ${verdicts.length} probes the cold flag disagreed with the threshold on ${disagreements.withFlag}, the instance identity on ${disagreements.withInstance}`,
  });
}

function formatMs(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}
