/**
 * The decision rules of the original's idle-timeout searches, pure (no I/O, no clock): given
 * whether the probe at the current idle gap came back cold, which gap to probe next. The
 * experiments drive them with real probes (experiments/coldstart-identifier-nested.ts,
 * experiments/_time-to-cold-start.ts); the tests drive them with a model platform. Gaps are in
 * experiment seconds.
 */

/** `search` narrows the gap, `verify` repeats it, `final` is the last probe, `done` holds the result. */
export type IdleSearchPhase = 'search' | 'verify' | 'final' | 'done';

/** Where a search stands. Once `phase` is `done`, `gapSeconds` is the result and `stepSeconds` its granularity. */
export interface IdleSearchState {
  readonly phase: IdleSearchPhase;
  /** The idle gap to probe next (the result once done). */
  readonly gapSeconds: number;
  /** The step in use: how far apart the last warm and cold gaps may be. */
  readonly stepSeconds: number;
  /** Cold probes still needed at this gap before the final probe (in `verify`). */
  readonly confirmationsLeft: number;
}

/**
 * The coldstart-identifier search (the original's identity method): the gap grows by the first
 * step until a probe is cold, steps back one step and goes on with the next, finer step; a cold
 * probe at the finest step starts verification.
 */
export interface SteppedSearchOptions {
  /** Coarse to fine, e.g. [60, 20]: the first is also the first gap, the last the result's granularity. */
  readonly stepsSeconds: readonly number[];
  /** Cold probes in a row needed at the found gap before the final probe. */
  readonly confirmations: number;
}

/** The stepped search's state: which of the steps is in use. */
export interface SteppedSearchState extends IdleSearchState {
  readonly stepIndex: number;
}

export function startSteppedSearch(options: SteppedSearchOptions): SteppedSearchState {
  const first = options.stepsSeconds[0];
  if (first === undefined || options.stepsSeconds.some((step) => !(step > 0))) throw new RangeError('stepsSeconds must be positive and not empty');
  if (!(options.confirmations >= 1)) throw new RangeError('confirmations must be at least 1');
  return { phase: 'search', gapSeconds: first, stepSeconds: first, stepIndex: 0, confirmationsLeft: options.confirmations };
}

/**
 * The stepped search's next state after a probe at `state.gapSeconds` came back `cold` or not.
 * After verification a warm probe (verify or final) adds the finest step and verifies again.
 */
export function nextSteppedSearch(state: SteppedSearchState, cold: boolean, options: SteppedSearchOptions): SteppedSearchState {
  const steps = options.stepsSeconds;
  switch (state.phase) {
    case 'search': {
      if (!cold) return { ...state, gapSeconds: state.gapSeconds + state.stepSeconds };
      const next = steps[state.stepIndex + 1];
      if (next === undefined) return { ...state, phase: 'verify', confirmationsLeft: options.confirmations };
      // Back to the last warm gap, then one finer step further.
      return { ...state, gapSeconds: state.gapSeconds - state.stepSeconds + next, stepSeconds: next, stepIndex: state.stepIndex + 1 };
    }
    case 'verify':
    case 'final':
      if (!cold) return { ...state, phase: 'verify', gapSeconds: state.gapSeconds + state.stepSeconds, confirmationsLeft: options.confirmations };
      return afterColdConfirmation(state);
    case 'done':
      return state;
  }
}

/**
 * The older binary search (single-function-time-to-cold-start, time-to-cold-start-twelve-threads):
 * a warm probe adds the step; a cold probe halves the step and subtracts the half; the search
 * stops once the step is no longer above `stopStepSeconds`. A warm probe during verification
 * grows the stop step ×`stopStepGrowth`, adds it to the step and the step to the gap, and
 * searches again from there.
 */
export interface HalvingSearchOptions {
  /** The first gap (the original: 300 s). */
  readonly startGapSeconds: number;
  /** The first step (the original: the first gap). */
  readonly startStepSeconds: number;
  /** The search stops once the step is at most this (the original's `granularity`: 10 s, 20 s). */
  readonly stopStepSeconds: number;
  /** Factor on the stop step after a warm verification probe (the original: 1.5). */
  readonly stopStepGrowth: number;
  /** Cold probes in a row needed at the found gap before the final probe. */
  readonly confirmations: number;
}

/** The binary search's state: a stepped-search state plus its (growing) stop step. */
export interface HalvingSearchState extends IdleSearchState {
  readonly stopStepSeconds: number;
}

export function startHalvingSearch(options: HalvingSearchOptions): HalvingSearchState {
  const { startGapSeconds, startStepSeconds, stopStepSeconds, stopStepGrowth, confirmations } = options;
  if (!(startGapSeconds > 0 && startStepSeconds > 0 && stopStepSeconds > 0)) throw new RangeError('gaps and steps must be positive');
  if (!(stopStepGrowth >= 1)) throw new RangeError('stopStepGrowth must be at least 1');
  if (!(confirmations >= 1)) throw new RangeError('confirmations must be at least 1');
  const phase = startStepSeconds > stopStepSeconds ? 'search' : 'verify';
  return { phase, gapSeconds: startGapSeconds, stepSeconds: startStepSeconds, stopStepSeconds, confirmationsLeft: confirmations };
}

export function nextHalvingSearch(state: HalvingSearchState, cold: boolean, options: HalvingSearchOptions): HalvingSearchState {
  switch (state.phase) {
    case 'search': {
      const stepSeconds = cold ? state.stepSeconds / 2 : state.stepSeconds;
      const gapSeconds = cold ? state.gapSeconds - stepSeconds : state.gapSeconds + stepSeconds;
      const phase = stepSeconds > state.stopStepSeconds ? 'search' : 'verify';
      return { ...state, phase, gapSeconds, stepSeconds, confirmationsLeft: options.confirmations };
    }
    case 'verify':
    case 'final': {
      if (cold) return afterColdConfirmation(state);
      const stopStepSeconds = state.stopStepSeconds * options.stopStepGrowth;
      const stepSeconds = state.stepSeconds + stopStepSeconds;
      return { phase: 'search', gapSeconds: state.gapSeconds + stepSeconds, stepSeconds, stopStepSeconds, confirmationsLeft: options.confirmations };
    }
    case 'done':
      return state;
  }
}

/** A cold probe while verifying: one confirmation fewer, then the final probe, then done. */
function afterColdConfirmation<State extends IdleSearchState>(state: State): State {
  if (state.phase === 'final') return { ...state, phase: 'done' };
  const confirmationsLeft = state.confirmationsLeft - 1;
  return { ...state, confirmationsLeft, phase: confirmationsLeft === 0 ? 'final' : 'verify' };
}

/**
 * The original's method C: the first (cold) call's latency × `factor` is the threshold, usable
 * only when the mean of the warm calls after it stays below it.
 */
export interface LatencyThreshold {
  firstLatencyMs: number;
  warmMeanMs: number;
  factor: number;
  thresholdMs: number;
  /** Whether the warm mean is below the threshold (else the original slept and tried again). */
  holds: boolean;
}

export function latencyThreshold(firstLatencyMs: number, warmLatenciesMs: readonly number[], factor: number): LatencyThreshold {
  if (!(factor > 0 && factor <= 1)) throw new RangeError(`factor must be in (0, 1], got ${factor}`);
  if (!warmLatenciesMs.length) throw new RangeError('latencyThreshold needs at least one warm latency');
  const warmMeanMs = warmLatenciesMs.reduce((total, value) => total + value, 0) / warmLatenciesMs.length;
  const thresholdMs = firstLatencyMs * factor;
  return { firstLatencyMs, warmMeanMs, factor, thresholdMs, holds: warmMeanMs < thresholdMs };
}
