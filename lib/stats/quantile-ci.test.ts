import { describe, expect, it } from 'vitest';
import { exactBinomialCdf, exactQuantileRanks, seededRandom, toNumber } from '../../test-support/exact-binomial';
import { minimumSampleSizeForQuantileCi, quantileCi, quantileCiRanks } from './quantile-ci';

/** α/2 of a 95 % interval, exactly. */
const TAIL_95: [bigint, bigint] = [1n, 40n];

describe('Function: quantileCiRanks', () => {
  it('gives the published ranks of the 95 % interval of the median (Le Boudec Table A.1, Conover Table A3)', () => {
    // Prepare: n → [j, k] as tabulated: the median lies between the j-th and k-th smallest value.
    const published: Record<number, [number, number]> = { 10: [2, 9], 20: [6, 15], 50: [18, 33], 100: [40, 61] };
    for (const [n, [lower, upper]] of Object.entries(published)) {
      // Act
      const ranks = quantileCiRanks(Number(n), 0.5);
      // Assess
      expect(ranks).toMatchObject({ lowerRank: lower, upperRank: upper });
    }
  });

  it('agrees with an exact rational computation of the ranks for the median, p90 and p99 at many sizes', () => {
    const levels: [number, bigint, bigint][] = [
      [0.5, 1n, 2n],
      [0.9, 9n, 10n],
      [0.99, 99n, 100n],
    ];
    for (const [p, num, den] of levels) {
      for (const n of [5, 6, 7, 11, 35, 36, 37, 64, 101, 250, 367, 368, 400]) {
        const exact = exactQuantileRanks(n, num, den, TAIL_95);
        const ranks = quantileCiRanks(n, p);
        if (!exact) {
          expect({ p, n, ranks }).toEqual({ p, n, ranks: expect.objectContaining({ tooFew: true }) });
          continue;
        }
        expect({ p, n, ranks }).toEqual({ p, n, ranks: expect.objectContaining(exact) });
        // The coverage it reports is the exact P(j ≤ B ≤ k − 1).
        const [hiNum, den2] = exactBinomialCdf(exact.upperRank - 1, n, num, den);
        const [loNum] = exactBinomialCdf(exact.lowerRank - 1, n, num, den);
        const coverage = toNumber([hiNum - loNum, den2]);
        expect((ranks as { coverage: number }).coverage).toBeCloseTo(coverage, 12);
        expect(coverage).toBeGreaterThanOrEqual(0.95);
      }
    }
  });

  it('says n is too small, and how small, below the first size with an interval', () => {
    expect(quantileCiRanks(5, 0.5)).toEqual({ tooFew: true, n: 5, minimumN: 6 });
    expect(quantileCiRanks(0, 0.9)).toEqual({ tooFew: true, n: 0, minimumN: 36 });
    expect(quantileCiRanks(367, 0.99)).toEqual({ tooFew: true, n: 367, minimumN: 368 });
    expect(quantileCiRanks(368, 0.99)).not.toHaveProperty('tooFew');
  });

  it('refuses levels and confidences outside (0, 1) and fractional sizes', () => {
    expect(() => quantileCiRanks(10, 1)).toThrow(RangeError);
    expect(() => quantileCiRanks(10, 0.5, 1)).toThrow(RangeError);
    expect(() => quantileCiRanks(10.5, 0.5)).toThrow(RangeError);
  });

  it('keeps its coverage at or above the confidence, and its ranks around n·p, for every n from 6 to 600', () => {
    for (let n = 6; n <= 600; n++) {
      const ranks = quantileCiRanks(n, 0.5, 0.95);
      if ('tooFew' in ranks) throw new Error(`no interval at n=${n}`);
      expect(ranks.coverage).toBeGreaterThanOrEqual(0.95);
      expect(ranks.lowerRank).toBeLessThanOrEqual(Math.ceil(n / 2));
      expect(ranks.upperRank).toBeGreaterThan(Math.floor(n / 2));
    }
  });
});

describe('Function: minimumSampleSizeForQuantileCi', () => {
  it('is the first n where both extreme ranks have tails of at most α/2: 6, 36 and 368 at 95 %', () => {
    // Closed form: the smallest n with max(p, 1 − p)^n ≤ 0.025.
    for (const p of [0.5, 0.9, 0.99]) {
      const closedForm = Math.ceil(Math.log(0.025) / Math.log(Math.max(p, 1 - p)));
      expect(minimumSampleSizeForQuantileCi(p)).toBe(closedForm);
    }
    expect([0.5, 0.9, 0.99].map((p) => minimumSampleSizeForQuantileCi(p))).toEqual([6, 36, 368]);
    expect(minimumSampleSizeForQuantileCi(0.99, 0.9)).toBeLessThan(368);
  });
});

describe('Function: quantileCi', () => {
  it('returns the values at the ranks of the sorted sample', () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(quantileCi(values, 0.5)).toMatchObject({ lowerRank: 2, upperRank: 9, lower: 2, upper: 9 });
    expect(() => quantileCi([1, Number.NaN], 0.5)).toThrow(RangeError);
  });

  it('covers the true quantile of a known distribution at least 95 % of the time (simulation, seeded)', () => {
    // Exponential with mean 1: the p-quantile is −ln(1 − p).
    const random = seededRandom(20261205);
    const draw = () => -Math.log(1 - random());
    const trials = 2000;
    for (const [p, n] of [
      [0.5, 30],
      [0.9, 80],
    ] as const) {
      const truth = -Math.log(1 - p);
      let covered = 0;
      for (let trial = 0; trial < trials; trial++) {
        const ci = quantileCi(Array.from({ length: n }, draw), p);
        if ('tooFew' in ci) throw new Error('unexpected');
        if (ci.lower <= truth && truth <= ci.upper) covered += 1;
      }
      // At least 95 % in expectation; allow three standard errors of the simulation below it.
      expect(covered / trials).toBeGreaterThan(0.95 - 3 * Math.sqrt((0.95 * 0.05) / trials));
    }
  });
});
