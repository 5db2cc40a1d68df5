/**
 * The load shape of scenario-pyramid, as the original computed it, as an open-loop schedule
 * (lib/experiment/open-loop.ts): a baseline, a linear ramp up to the peak, its mirror image back
 * down (the peak not repeated), and a second baseline.
 *
 * - Ramp steps x = increment, 2·increment, …, peak; each gets a slot of ramp time / number of
 *   steps up, and x calls in that slot, evenly spaced, the functions taking turns.
 * - The original slept slot/x − 0.0016 s between calls (0.0016 s: its allowance for the cost of
 *   submitting one). When that sleep would fall below 0.1 s it sent batches of k concurrent calls
 *   instead, k the smallest size with slot/(x/k) − 0.0016 ≥ 0.1. The same rule picks k here.
 * - Baselines: a call every `baselineIntervalSeconds` for `baselineSeconds`, the functions taking
 *   turns.
 *
 * Two corrections (the experiment's doc comment says why): each step plans exactly x calls, in
 * ⌈x/k⌉ batches whose last carries the remainder (the original sent k·⌊x/k⌋: 198 of 200 at run
 * 1's peak, 986 of 1000 at run 4's); and sends are planned at absolute times slot·j/batches from
 * the step's start, so the 0.0016 s allowance is used only to choose k.
 */
import type { OpenLoopSend, OpenLoopStep } from '../lib/experiment/open-loop';

export interface PyramidSpec {
  /** The functions taking turns. */
  functions: readonly string[];
  increment: number;
  peak: number;
  /** Length of the ramp up (the ramp down takes as long), in experiment seconds. */
  rampTimeSeconds: number;
}

export interface PyramidConstants {
  /** The original's shortest sleep between two sends before it switched to batches (0.1 s). */
  minSleepSeconds: number;
  /** The original's allowance for submitting one call (0.0016 s). */
  sendOverheadSeconds: number;
  baselineSeconds: number;
  baselineIntervalSeconds: number;
}

export type PyramidPhase = 'baseline_before' | 'ramp_up' | 'ramp_down' | 'baseline_after';

/** One step of a pyramid: its shape (the original's `Pyramid` columns) and its sends. */
export interface PyramidStep extends OpenLoopStep {
  phase: PyramidPhase;
  /** Calls the step plans (the original's `invocations_for_increment`). */
  invocations: number;
  slotSeconds: number;
  /** Calls per send (the original's `threads_per_invocation`). */
  batchSize: number;
  batches: number;
  /** Planned time between two sends, in experiment seconds. */
  sendIntervalSeconds: number;
  /** The sleep the original would have taken between two sends: slot/(x/k) − the submit allowance (baselines: the interval). */
  sleepTimeSeconds: number;
}

/** The ramp's steps up: increment, 2·increment, … up to the peak. */
export function rampCounts(spec: Pick<PyramidSpec, 'increment' | 'peak'>): number[] {
  const counts: number[] = [];
  for (let x = spec.increment; x <= spec.peak; x += spec.increment) counts.push(x);
  return counts;
}

/** The original's "ideal" invocation count of a pyramid: every step up, and down without repeating the peak. */
export function idealInvocations(spec: Pick<PyramidSpec, 'increment' | 'peak'>): number {
  const up = rampCounts(spec);
  const top = up[up.length - 1] ?? 0;
  return up.reduce((total, x) => total + x, 0) * 2 - top;
}

/** The original's batch size for x calls in a slot: the smallest k with slot/(x/k) − overhead ≥ the shortest sleep (at most x). */
export function batchSizeFor(x: number, slotSeconds: number, constants: Pick<PyramidConstants, 'minSleepSeconds' | 'sendOverheadSeconds'>): number {
  let k = 1;
  while (k < x && slotSeconds / (x / k) - constants.sendOverheadSeconds < constants.minSleepSeconds) k += 1;
  return k;
}

/** Every step of one pyramid, in order, with its sends; `payload` goes with every call. */
export function pyramidSteps(spec: PyramidSpec, constants: PyramidConstants, payload: unknown): PyramidStep[] {
  const up = rampCounts(spec);
  const slotSeconds = spec.rampTimeSeconds / up.length;
  const ramp = (x: number, phase: PyramidPhase) => rampStep(x, slotSeconds, phase, spec.functions, constants, payload);
  return [
    baselineStep('baseline_before', spec.functions, constants, payload),
    ...up.map((x) => ramp(x, 'ramp_up')),
    ...up
      .slice(0, -1)
      .reverse()
      .map((x) => ramp(x, 'ramp_down')),
    baselineStep('baseline_after', spec.functions, constants, payload),
  ];
}

function rampStep(x: number, slotSeconds: number, phase: PyramidPhase, functions: readonly string[], constants: PyramidConstants, payload: unknown): PyramidStep {
  const batchSize = batchSizeFor(x, slotSeconds, constants);
  const batches = Math.ceil(x / batchSize);
  const sendIntervalSeconds = slotSeconds / batches;
  const sends: OpenLoopSend[] = Array.from({ length: batches }, (_, j) => ({
    offsetMs: j * sendIntervalSeconds * 1000,
    functionName: functions[j % functions.length] as string,
    payload,
    calls: j < batches - 1 ? batchSize : x - batchSize * (batches - 1),
  }));
  return {
    phase,
    durationMs: slotSeconds * 1000,
    sends,
    invocations: x,
    slotSeconds,
    batchSize,
    batches,
    sendIntervalSeconds,
    sleepTimeSeconds: slotSeconds / (x / batchSize) - constants.sendOverheadSeconds,
  };
}

function baselineStep(phase: PyramidPhase, functions: readonly string[], constants: PyramidConstants, payload: unknown): PyramidStep {
  const interval = constants.baselineIntervalSeconds;
  // Sends at 0, interval, 2·interval, … while inside the baseline (a hair of tolerance for floating point).
  const count = constants.baselineSeconds > 0 ? Math.ceil(constants.baselineSeconds / interval - 1e-9) : 0;
  const sends: OpenLoopSend[] = Array.from({ length: count }, (_, j) => ({ offsetMs: j * interval * 1000, functionName: functions[j % functions.length] as string, payload }));
  return {
    phase,
    durationMs: constants.baselineSeconds * 1000,
    sends,
    invocations: count,
    slotSeconds: constants.baselineSeconds,
    batchSize: 1,
    batches: count,
    sendIntervalSeconds: interval,
    sleepTimeSeconds: interval,
  };
}
