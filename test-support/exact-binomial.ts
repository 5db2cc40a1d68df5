/**
 * A second, naive implementation of the binomial distribution for the statistics tests: exact
 * rational arithmetic with BigInt (p = num/den), no floating point and no library, so it can judge
 * lib/stats independently. Slow (O(n) big-number terms per CDF): for test sizes only.
 */

/** P(B ≤ m) for B ~ Binomial(n, num/den) as an exact fraction [numerator, denominator]. */
export function exactBinomialCdf(m: number, n: number, num: bigint, den: bigint): [bigint, bigint] {
  let sum = 0n;
  let choose = 1n; // C(n, 0)
  for (let i = 0; i <= Math.min(m, n); i++) {
    if (i > 0) choose = (choose * BigInt(n - i + 1)) / BigInt(i);
    sum += choose * num ** BigInt(i) * (den - num) ** BigInt(n - i);
  }
  return [sum, den ** BigInt(n)];
}

/** Whether the fraction a/b is ≤ c/d (all positive denominators). */
export function fractionAtMost([a, b]: [bigint, bigint], [c, d]: [bigint, bigint]): boolean {
  return a * d <= c * b;
}

/**
 * The equal-tailed order-statistic ranks of the (num/den)-quantile for a sample of n, by the
 * definition: the lower rank is 1 + the largest m with P(B ≤ m) ≤ tail, the upper rank 1 + the
 * smallest m with P(B ≤ m) ≥ 1 − tail; undefined when either does not exist.
 */
export function exactQuantileRanks(n: number, num: bigint, den: bigint, tail: [bigint, bigint]): { lowerRank: number; upperRank: number } | undefined {
  const cdfs = Array.from({ length: n + 1 }, (_, m) => exactBinomialCdf(m, n, num, den));
  const oneMinusTail: [bigint, bigint] = [tail[1] - tail[0], tail[1]];
  let lower = -1;
  for (let m = 0; m <= n; m++) if (fractionAtMost(cdfs[m] as [bigint, bigint], tail)) lower = m;
  const upper = cdfs.findIndex((cdf) => fractionAtMost(oneMinusTail, cdf));
  if (lower < 0 || upper < 0 || upper > n - 1) return undefined;
  return { lowerRank: lower + 1, upperRank: upper + 1 };
}

/** A fraction as a double (for comparing coverages). */
export function toNumber([a, b]: [bigint, bigint]): number {
  // Scale down so the division stays within double range.
  const shift = BigInt(Math.max(0, b.toString(2).length - 1000));
  return Number(a >> shift) / Number(b >> shift);
}

/** Mulberry32: a small seeded generator, so the simulation tests see the same draws every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
