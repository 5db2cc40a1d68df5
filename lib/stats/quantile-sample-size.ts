/**
 * How many calls an experiment needs so that a quantile's distribution-free interval is as narrow
 * as asked. Pure; no I/O.
 *
 * The width is measured in quantile levels, not milliseconds, so it needs no assumption about the
 * latency distribution: the k-th smallest of n values sits on average at level k / (n + 1) of the
 * true distribution, so the interval [X(j), X(k)] of the p-quantile reaches from level j / (n + 1)
 * to k / (n + 1). Asking for `halfWidth` 0.005 at p = 0.99 asks that this reach stay within
 * 0.985 … 0.995 on both sides: the interval for p99 lies between p98.5 and p99.5.
 *
 * The answer is the smallest n that meets the request (ranks exact, from the binomial CDF).
 * Because ranks are integers, the reach does not shrink strictly with n: it falls along a saw
 * tooth whose teeth are 1 / (n + 1) levels high, which the falling trend (about halfWidth / 2n per
 * size) outgrows within about 2 / halfWidth sizes. So the search brackets the answer around the
 * normal approximation n ≈ z² p (1 − p) / halfWidth², bisects, then checks every size in the
 * 4 / halfWidth sizes below the bisected one and keeps the smallest that meets the request.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { checkConfidence, checkQuantileLevel, minimumSampleSizeForQuantileCi, quantileCiRanks } from './quantile-ci';

/** Beyond this the request is refused rather than searched: no experiment makes 100 million calls. */
export const MAX_PLANNED_SAMPLE_SIZE = 100_000_000;

export class SampleSizeOutOfRangeError extends RangeError {
  override name = 'SampleSizeOutOfRangeError';
}

/** Whether a sample of n meets the request: an interval exists and both its ends are within `halfWidth` of p. */
export function quantileCiWithin(n: number, p: number, halfWidth: number, confidence: number): boolean {
  const ranks = quantileCiRanks(n, p, confidence);
  if ('tooFew' in ranks) return false;
  return p - ranks.lowerRank / (n + 1) <= halfWidth && ranks.upperRank / (n + 1) - p <= halfWidth;
}

/**
 * The smallest sample size whose `confidence` interval for the p-quantile reaches at most
 * `halfWidth` quantile levels to either side of p (see the file comment).
 */
export function sampleSizeForQuantileCi(options: { p: number; halfWidth: number; confidence?: number }): number {
  const { p, halfWidth, confidence = 0.95 } = options;
  checkQuantileLevel(p);
  checkConfidence(confidence);
  if (!(halfWidth > 0 && halfWidth < 1)) throw new RangeError(`halfWidth must be in (0, 1), got ${halfWidth}`);
  const meets = (n: number) => quantileCiWithin(n, p, halfWidth, confidence);
  const z = normalQuantile(1 - (1 - confidence) / 2, 0, 1);
  const approximate = Math.ceil((z * z * p * (1 - p)) / (halfWidth * halfWidth));
  const smallest = minimumSampleSizeForQuantileCi(p, confidence);
  if (approximate > MAX_PLANNED_SAMPLE_SIZE) {
    throw new SampleSizeOutOfRangeError(`a ${confidence * 100} % interval of p${p * 100} within ±${halfWidth} needs about ${approximate} values, more than ${MAX_PLANNED_SAMPLE_SIZE}`);
  }
  // Bracket: lo fails (or is below the smallest possible n), hi meets.
  let lo = Math.max(smallest - 1, Math.floor(approximate / 2));
  while (lo >= smallest && meets(lo)) lo = Math.max(smallest - 1, Math.floor(lo / 2));
  let hi = Math.max(smallest, approximate);
  while (!meets(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 2 * MAX_PLANNED_SAMPLE_SIZE) throw new SampleSizeOutOfRangeError(`no sample size up to ${MAX_PLANNED_SAMPLE_SIZE} gives that interval`);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (meets(mid)) hi = mid;
    else lo = mid;
  }
  // Walk down through the band where rank rounding makes the answer oscillate: a rank step moves
  // an end by 1 / (n + 1) levels, which the shrinking width makes up within about 2 / halfWidth sizes.
  const band = Math.max(64, Math.ceil(4 / halfWidth));
  let best = hi;
  for (let n = hi - 1; n >= Math.max(smallest, hi - band); n--) if (meets(n)) best = n;
  return best;
}
