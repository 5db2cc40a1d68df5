import { describe, expect, it } from 'vitest';
import { quantileCiWithin, SampleSizeOutOfRangeError, sampleSizeForQuantileCi } from './quantile-sample-size';

/** The smallest n that meets the request, by trying every n from 1: slow, obviously right. */
function firstByScan(p: number, halfWidth: number): number {
  for (let n = 1; ; n++) if (quantileCiWithin(n, p, halfWidth, 0.95)) return n;
}

describe('Function: sampleSizeForQuantileCi', () => {
  it('is the smallest sample size that meets the request, as a scan of every size finds', () => {
    for (const [p, halfWidth] of [
      [0.5, 0.05],
      [0.5, 0.1],
      [0.9, 0.02],
      [0.9, 0.05],
      [0.99, 0.005],
      [0.99, 0.01],
    ] as const) {
      expect({ p, halfWidth, n: sampleSizeForQuantileCi({ p, halfWidth }) }).toEqual({ p, halfWidth, n: firstByScan(p, halfWidth) });
    }
  });

  it('is close to the normal approximation z²·p(1 − p)/halfWidth² for large samples', () => {
    const n = sampleSizeForQuantileCi({ p: 0.99, halfWidth: 0.001 });
    const approximate = (1.959964 ** 2 * 0.99 * 0.01) / 0.001 ** 2;
    expect(Math.abs(n / approximate - 1)).toBeLessThan(0.1);
    expect(quantileCiWithin(n, 0.99, 0.001, 0.95)).toBe(true);
  });

  it('needs more calls for a narrower interval and for a higher confidence', () => {
    const sizes = [0.05, 0.02, 0.01, 0.005].map((halfWidth) => sampleSizeForQuantileCi({ p: 0.9, halfWidth }));
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    expect(new Set(sizes).size).toBe(sizes.length);
    expect(sampleSizeForQuantileCi({ p: 0.5, halfWidth: 0.02, confidence: 0.99 })).toBeGreaterThan(sampleSizeForQuantileCi({ p: 0.5, halfWidth: 0.02 }));
  });

  it('refuses widths it cannot serve', () => {
    expect(() => sampleSizeForQuantileCi({ p: 0.99, halfWidth: 0 })).toThrow(RangeError);
    expect(() => sampleSizeForQuantileCi({ p: 0.99, halfWidth: 1e-6 })).toThrow(SampleSizeOutOfRangeError);
  });
});
