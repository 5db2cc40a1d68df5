/**
 * The original's latency-threshold test for cold starts ("method A" of simple-cold-function*):
 * a call is cold when its latency exceeds a threshold derived from warm calls. Pure; no I/O.
 */
import { trimmedMean } from './summary';

/** How a warm-latency baseline becomes a cold-start threshold. */
export interface ColdThresholdRule {
  /** The threshold is this many times the warm trimmed mean… */
  factor: number;
  /** …unless the trimmed mean is at most `floorUpToMs`, when the threshold is `floorMs`. */
  floorMs: number;
  floorUpToMs: number;
  /** Fraction of the warm latencies dropped at each end before averaging. */
  trimFraction: number;
}

/**
 * The original's constants: 2 × the trimmed mean of the warm latencies with the fastest and
 * slowest 20 % dropped, or 1.0 s when that mean is ≤ 0.22 s. The rule jumps there: a mean of
 * 220 ms gives 1000 ms, a mean of 230 ms gives 460 ms.
 */
export const ORIGINAL_COLD_THRESHOLD_RULE: ColdThresholdRule = { factor: 2, floorMs: 1000, floorUpToMs: 220, trimFraction: 0.2 };

/** The threshold for a warm trimmed mean, and which branch of the rule gave it. */
export function coldThresholdMs(warmTrimmedMeanMs: number, rule: ColdThresholdRule = ORIGINAL_COLD_THRESHOLD_RULE): { thresholdMs: number; by: 'floor' | 'factor' } {
  if (!Number.isFinite(warmTrimmedMeanMs)) throw new RangeError(`the warm trimmed mean must be a finite number, got ${warmTrimmedMeanMs}`);
  return warmTrimmedMeanMs > rule.floorUpToMs ? { thresholdMs: warmTrimmedMeanMs * rule.factor, by: 'factor' } : { thresholdMs: rule.floorMs, by: 'floor' };
}

/** A latency baseline: the warm calls' trimmed mean and the threshold the rule makes of it. */
export interface LatencyBaseline {
  warmTrimmedMeanMs: number;
  thresholdMs: number;
  by: 'floor' | 'factor';
}

/** The baseline of some warm latencies (at least one). */
export function latencyBaseline(warmLatenciesMs: readonly number[], rule: ColdThresholdRule = ORIGINAL_COLD_THRESHOLD_RULE): LatencyBaseline {
  if (!warmLatenciesMs.length) throw new RangeError('a latency baseline needs at least one warm latency');
  const warmTrimmedMeanMs = trimmedMean(warmLatenciesMs, rule.trimFraction);
  return { warmTrimmedMeanMs, ...coldThresholdMs(warmTrimmedMeanMs, rule) };
}

/** Cold by the threshold: strictly above it (the original's `latency > benchmark`). */
export function isColdByThreshold(latencyMs: number, thresholdMs: number): boolean {
  return latencyMs > thresholdMs;
}
