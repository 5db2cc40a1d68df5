/**
 * Searches on the binomial distribution's CDF that the order-statistic intervals need. The CDF is
 * @stdlib's (regularized incomplete beta, exact to double precision); each search starts at the
 * normal approximation and steps from there, so it costs a handful of CDF evaluations even for
 * n in the hundreds of thousands. Pure; no I/O.
 */
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/** P(B ≤ m) for B ~ Binomial(n, p). */
export function binomialCdfAt(m: number, n: number, p: number): number {
  return binomialCdf(m, n, p);
}

/** A starting point for the searches: the normal approximation of the binomial quantile at `target`. */
function normalGuess(n: number, p: number, target: number): number {
  const z = normalQuantile(target, 0, 1);
  return Math.round(n * p + z * Math.sqrt(n * p * (1 - p)));
}

/**
 * The largest m in [-1, n] with P(B ≤ m) ≤ target (P(B ≤ -1) = 0, so -1 always qualifies).
 */
export function largestWithCdfAtMost(n: number, p: number, target: number): number {
  let m = Math.min(n, Math.max(-1, normalGuess(n, p, target)));
  const cdfAt = (k: number) => (k < 0 ? 0 : binomialCdfAt(k, n, p));
  if (cdfAt(m) <= target) {
    while (m < n && cdfAt(m + 1) <= target) m += 1;
    return m;
  }
  while (m > -1 && cdfAt(m) > target) m -= 1;
  return m;
}

/**
 * The smallest m in [0, n] with P(B ≤ m) ≥ target (P(B ≤ n) = 1, so n always qualifies).
 */
export function smallestWithCdfAtLeast(n: number, p: number, target: number): number {
  let m = Math.min(n, Math.max(0, normalGuess(n, p, target)));
  if (binomialCdfAt(m, n, p) >= target) {
    while (m > 0 && binomialCdfAt(m - 1, n, p) >= target) m -= 1;
    return m;
  }
  while (m < n && binomialCdfAt(m, n, p) < target) m += 1;
  return m;
}
