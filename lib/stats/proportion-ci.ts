/**
 * Confidence intervals for a proportion k/n — here, how often a call is a cold start. Two methods:
 * Clopper–Pearson (exact: inverts the binomial test, coverage never below the confidence; the one
 * the run summaries use) and Wilson's score interval (shorter, coverage close to the confidence on
 * average). Both are defined for k = 0 and k = n, where the naive k/n ± z·√(…) interval collapses.
 * Pure; no I/O.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { checkConfidence } from './quantile-ci';

export type ProportionCiMethod = 'clopper-pearson' | 'wilson';

/** A proportion with its interval: `rate` = k/n, the bounds as fractions in [0, 1]. */
export interface ProportionCi {
  k: number;
  n: number;
  rate: number;
  lower: number;
  upper: number;
  confidence: number;
  method: ProportionCiMethod;
}

function checkCounts(k: number, n: number): void {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new RangeError(`k must be an integer in [0, n], got ${k} of ${n}`);
}

/**
 * Clopper–Pearson: the lower bound is the α/2 quantile of Beta(k, n − k + 1) (0 when k = 0), the
 * upper the 1 − α/2 quantile of Beta(k + 1, n − k) (1 when k = n).
 */
export function clopperPearsonCi(k: number, n: number, confidence = 0.95): ProportionCi {
  checkCounts(k, n);
  checkConfidence(confidence);
  const tail = (1 - confidence) / 2;
  const lower = k === 0 ? 0 : betaQuantile(tail, k, n - k + 1);
  const upper = k === n ? 1 : betaQuantile(1 - tail, k + 1, n - k);
  return { k, n, rate: k / n, lower, upper, confidence, method: 'clopper-pearson' };
}

/** Wilson's score interval: the proportions whose score test at level α does not reject k/n. */
export function wilsonCi(k: number, n: number, confidence = 0.95): ProportionCi {
  checkCounts(k, n);
  checkConfidence(confidence);
  const z = normalQuantile(1 - (1 - confidence) / 2, 0, 1);
  const rate = k / n;
  const z2n = (z * z) / n;
  const centre = (rate + z2n / 2) / (1 + z2n);
  const halfWidth = (z / (1 + z2n)) * Math.sqrt((rate * (1 - rate)) / n + z2n / (4 * n));
  // At k = 0 or k = n one bound is exactly 0 or 1; rounding must not push it past.
  return { k, n, rate, lower: k === 0 ? 0 : Math.max(0, centre - halfWidth), upper: k === n ? 1 : Math.min(1, centre + halfWidth), confidence, method: 'wilson' };
}

/** The interval by the named method. */
export function proportionCi(k: number, n: number, options: { confidence?: number; method?: ProportionCiMethod } = {}): ProportionCi {
  return (options.method ?? 'clopper-pearson') === 'wilson' ? wilsonCi(k, n, options.confidence) : clopperPearsonCi(k, n, options.confidence);
}
