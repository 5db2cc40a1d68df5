import { describe, expect, it } from 'vitest';
import { exactBinomialCdf, toNumber } from '../../test-support/exact-binomial';
import { clopperPearsonCi, proportionCi, wilsonCi } from './proportion-ci';

/**
 * Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
 * methods", Statistics in Medicine 17, Table II: 95 % intervals, [Wilson score, Clopper–Pearson].
 */
const NEWCOMBE: [k: number, n: number, wilson: [number, number], exact: [number, number]][] = [
  [81, 263, [0.2553, 0.3662], [0.2527, 0.3676]],
  [15, 148, [0.0624, 0.1605], [0.0578, 0.1617]],
  [0, 20, [0, 0.1611], [0, 0.1684]],
  [1, 29, [0.0061, 0.1718], [0.0009, 0.1776]],
];

describe('Function: wilsonCi and clopperPearsonCi', () => {
  it('reproduce the published intervals to four decimals', () => {
    for (const [k, n, wilson, exact] of NEWCOMBE) {
      const w = wilsonCi(k, n);
      const cp = clopperPearsonCi(k, n);
      expect([k, n, w.lower, w.upper].map((x) => Math.round(x * 1e4) / 1e4)).toEqual([k, n, ...wilson]);
      expect([k, n, cp.lower, cp.upper].map((x) => Math.round(x * 1e4) / 1e4)).toEqual([k, n, ...exact]);
      expect(w).toMatchObject({ k, n, rate: k / n, confidence: 0.95, method: 'wilson' });
    }
  });

  it('Clopper–Pearson: each bound leaves exactly α/2 of binomial probability beyond the count', () => {
    // Checked with a naive sum of binomial terms at the bound (p rounded to a fraction of 10^12).
    const asFraction = (x: number): [bigint, bigint] => [BigInt(Math.round(x * 1e12)), 10n ** 12n];
    for (const [k, n] of [
      [3, 17],
      [40, 60],
      [1, 5],
    ] as const) {
      const { lower, upper } = clopperPearsonCi(k, n);
      const [uNum, uDen] = asFraction(upper);
      const [lNum, lDen] = asFraction(lower);
      // P(B ≤ k | upper) = α/2 and P(B ≥ k | lower) = α/2.
      expect(toNumber(exactBinomialCdf(k, n, uNum, uDen))).toBeCloseTo(0.025, 8);
      const [below, all] = exactBinomialCdf(k - 1, n, lNum, lDen);
      expect(toNumber([all - below, all])).toBeCloseTo(0.025, 8);
    }
  });

  it('closed forms at the edges: 0 of n reaches up to 1 − (α/2)^(1/n), n of n down to (α/2)^(1/n)', () => {
    for (const n of [1, 10, 250]) {
      expect(clopperPearsonCi(0, n)).toMatchObject({ lower: 0 });
      expect(clopperPearsonCi(0, n).upper).toBeCloseTo(1 - 0.025 ** (1 / n), 12);
      expect(clopperPearsonCi(n, n).lower).toBeCloseTo(0.025 ** (1 / n), 12);
      expect(clopperPearsonCi(n, n).upper).toBe(1);
      expect(wilsonCi(0, n).lower).toBe(0);
      expect(wilsonCi(n, n).upper).toBe(1);
    }
  });

  it('Wilson: the bounds are the roots of the score equation (k/n − π)² = z² π(1 − π)/n', () => {
    const z = 1.959963984540054;
    for (const [k, n] of [
      [7, 30],
      [29, 30],
      [500, 1000],
    ] as const) {
      const { lower, upper } = wilsonCi(k, n);
      for (const bound of [lower, upper]) expect((k / n - bound) ** 2).toBeCloseTo((z * z * bound * (1 - bound)) / n, 12);
    }
  });

  it('moves up with k, narrows with n, and Clopper–Pearson always contains Wilson', () => {
    for (let k = 0; k < 40; k++) {
      expect(clopperPearsonCi(k + 1, 40).lower).toBeGreaterThan(clopperPearsonCi(k, 40).lower);
      expect(wilsonCi(k + 1, 40).upper).toBeGreaterThan(wilsonCi(k, 40).upper);
      const cp = clopperPearsonCi(k, 40);
      const w = wilsonCi(k, 40);
      expect(cp.lower).toBeLessThanOrEqual(w.lower + 1e-12);
      expect(cp.upper).toBeGreaterThanOrEqual(w.upper - 1e-12);
    }
    const narrow = clopperPearsonCi(100, 1000);
    const wide = clopperPearsonCi(10, 100);
    expect(narrow.upper - narrow.lower).toBeLessThan(wide.upper - wide.lower);
  });

  it('refuses counts outside [0, n] and chooses Clopper–Pearson unless told otherwise', () => {
    expect(() => clopperPearsonCi(5, 4)).toThrow(RangeError);
    expect(() => wilsonCi(0, 0)).toThrow(RangeError);
    expect(proportionCi(3, 10).method).toBe('clopper-pearson');
    expect(proportionCi(3, 10, { method: 'wilson', confidence: 0.9 })).toMatchObject({ method: 'wilson', confidence: 0.9 });
  });
});
