import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test-support/exact-binomial';
import { ecdf, ecdfAt, ecdfPoints } from './ecdf';

describe('Function: ecdfPoints', () => {
  it('gives one corner per distinct value, with the fraction of values at or below it', () => {
    expect(ecdfPoints([3, 1, 2, 2])).toEqual([
      { x: 1, p: 0.25 },
      { x: 2, p: 0.75 },
      { x: 3, p: 1 },
    ]);
    expect(ecdfPoints([])).toEqual([]);
    expect(() => ecdfPoints([Number.NaN])).toThrow(RangeError);
  });
});

describe('Function: ecdf', () => {
  it('keeps every point of a small sample', () => {
    const values = [5, 4, 3, 2, 1];
    expect(ecdf(values, 10)).toEqual(ecdfPoints(values));
  });

  it('downsamples to at most maxPoints, keeps both extremes, and stays within 1/(maxPoints − 1) of the full curve', () => {
    const random = seededRandom(7);
    // A long-tailed latency-like sample with ties (whole tenths of a ms).
    const values = Array.from({ length: 20_000 }, () => Math.round(-Math.log(1 - random()) * 300) / 10 + 5);
    const full = ecdfPoints(values);
    for (const maxPoints of [2, 3, 50, 512]) {
      const kept = ecdf(values, maxPoints);
      expect(kept.length).toBeLessThanOrEqual(maxPoints);
      expect(kept[0]).toEqual(full[0]);
      expect(kept.at(-1)).toEqual(full.at(-1));
      // Kolmogorov distance, evaluated at every corner of the full curve.
      const distance = Math.max(...full.map((point) => point.p - ecdfAt(kept, point.x)));
      expect(distance).toBeLessThanOrEqual(1 / (maxPoints - 1) + 1e-12);
      expect(distance).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses fewer than two points', () => {
    expect(() => ecdf([1, 2, 3], 1)).toThrow(RangeError);
  });
});
