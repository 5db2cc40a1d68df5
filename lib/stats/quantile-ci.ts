/**
 * Distribution-free confidence intervals for quantiles (median, p90, p99) from order statistics:
 * for a sample of n independent draws of a continuous variable, the true p-quantile ξ lies
 * between the j-th and k-th smallest values with probability P(j ≤ B ≤ k − 1), B ~ Binomial(n, p)
 * — whatever the distribution (Le Boudec, "Performance Evaluation of Computer and Communication
 * Systems", Thm. 2.1 and Table A.1; Hahn & Meeker, "Statistical Intervals", §5.2). Pure; no I/O.
 *
 * The ranks are the equal-tailed choice: j is the largest rank with P(B ≤ j − 1) ≤ α/2 and k the
 * smallest with P(B ≤ k − 1) ≥ 1 − α/2, so each side misses with probability at most α/2 and the
 * coverage is at least the confidence asked for (the exact coverage is returned). When n is too
 * small, no rank fits one side (e.g. a 95 % interval for p99 needs n ≥ 367): the answer says so
 * and how many values would be needed, instead of returning an interval that is not one.
 */
import { largestWithCdfAtMost, smallestWithCdfAtLeast, binomialCdfAt } from './binomial-ranks';

/** The ranks (1-based, into the sorted sample) of a quantile's interval, and its exact coverage. */
export interface QuantileCiRanks {
  lowerRank: number;
  upperRank: number;
  /** P(lowerRank ≤ B ≤ upperRank − 1): at least the confidence asked for. */
  coverage: number;
}

/** Why there is no interval: too few values for this quantile and confidence. */
export interface QuantileCiUnavailable {
  tooFew: true;
  n: number;
  /** The smallest sample size for which an interval exists. */
  minimumN: number;
}

export function checkQuantileLevel(p: number): void {
  if (!(p > 0 && p < 1)) throw new RangeError(`the quantile level p must be in (0, 1), got ${p}`);
}

export function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/**
 * The smallest n for which the equal-tailed interval of the p-quantile exists at this confidence:
 * the lower rank needs (1 − p)^n ≤ α/2 and the upper rank p^n ≤ α/2.
 */
export function minimumSampleSizeForQuantileCi(p: number, confidence = 0.95): number {
  checkQuantileLevel(p);
  checkConfidence(confidence);
  const tail = (1 - confidence) / 2;
  let n = Math.max(1, Math.ceil(Math.max(Math.log(tail) / Math.log(1 - p), Math.log(tail) / Math.log(p))) - 1);
  // The logarithms may round either way: settle on the exact smallest n by the CDF itself.
  while (!ranksExist(n, p, tail)) n += 1;
  while (n > 1 && ranksExist(n - 1, p, tail)) n -= 1;
  return n;
}

function ranksExist(n: number, p: number, tail: number): boolean {
  return binomialCdfAt(0, n, p) <= tail && binomialCdfAt(n - 1, n, p) >= 1 - tail;
}

/** The ranks of the p-quantile's interval for a sample of n, or why there is none. */
export function quantileCiRanks(n: number, p: number, confidence = 0.95): QuantileCiRanks | QuantileCiUnavailable {
  checkQuantileLevel(p);
  checkConfidence(confidence);
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const tail = (1 - confidence) / 2;
  if (n === 0 || !ranksExist(n, p, tail)) return { tooFew: true, n, minimumN: minimumSampleSizeForQuantileCi(p, confidence) };
  const lowerRank = largestWithCdfAtMost(n, p, tail) + 1;
  const upperRank = smallestWithCdfAtLeast(n, p, 1 - tail) + 1;
  const coverage = binomialCdfAt(upperRank - 1, n, p) - binomialCdfAt(lowerRank - 1, n, p);
  return { lowerRank, upperRank, coverage };
}

/** A quantile's interval in the sample's units. */
export interface QuantileCi extends QuantileCiRanks {
  lower: number;
  upper: number;
}

/**
 * The interval of the p-quantile of `values` (any order), or why there is none. NaN values are
 * refused: a sample with holes is not a sample of n.
 */
export function quantileCi(values: readonly number[], p: number, confidence = 0.95): QuantileCi | QuantileCiUnavailable {
  if (values.some((value) => Number.isNaN(value))) throw new RangeError('quantileCi: the sample contains NaN');
  const ranks = quantileCiRanks(values.length, p, confidence);
  if ('tooFew' in ranks) return ranks;
  const sorted = [...values].sort((a, b) => a - b);
  return { ...ranks, lower: sorted[ranks.lowerRank - 1] as number, upper: sorted[ranks.upperRank - 1] as number };
}
