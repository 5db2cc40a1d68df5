import { describe, expect, it } from 'vitest';
import { coldThresholdMs, isColdByThreshold, latencyBaseline, ORIGINAL_COLD_THRESHOLD_RULE } from './cold-threshold';
import { mean } from './summary';

describe('Function: coldThresholdMs', () => {
  it('is 1.0 s up to a warm mean of 0.22 s and 2 × the mean above it: the rule jumps from 1000 to 460 ms', () => {
    expect(coldThresholdMs(3)).toEqual({ thresholdMs: 1000, by: 'floor' });
    expect(coldThresholdMs(220)).toEqual({ thresholdMs: 1000, by: 'floor' });
    expect(coldThresholdMs(220.001).by).toBe('factor');
    expect(coldThresholdMs(220.001).thresholdMs).toBeCloseTo(440.002, 6);
    expect(coldThresholdMs(230)).toEqual({ thresholdMs: 460, by: 'factor' });
    expect(coldThresholdMs(600)).toEqual({ thresholdMs: 1200, by: 'factor' });
  });

  it('takes other constants, and refuses a mean that is not a number', () => {
    expect(coldThresholdMs(50, { factor: 3, floorMs: 100, floorUpToMs: 20, trimFraction: 0.2 })).toEqual({ thresholdMs: 150, by: 'factor' });
    expect(coldThresholdMs(10, { factor: 3, floorMs: 100, floorUpToMs: 20, trimFraction: 0.2 })).toEqual({ thresholdMs: 100, by: 'floor' });
    expect(() => coldThresholdMs(Number.NaN)).toThrow(RangeError);
  });
});

describe('Function: latencyBaseline', () => {
  it('uses the trimmed mean: the fastest and slowest 20 % of 100 calls (ranks 20–79) are dropped', () => {
    // 20 outliers at each end that would move a plain mean across the 220 ms jump.
    const warm = [...Array.from({ length: 20 }, () => 1), ...Array.from({ length: 60 }, (_, i) => 200 + i / 10), ...Array.from({ length: 20 }, () => 5000)];
    const baseline = latencyBaseline(warm);
    expect(baseline.warmTrimmedMeanMs).toBeCloseTo(mean(Array.from({ length: 60 }, (_, i) => 200 + i / 10)), 9);
    expect(baseline).toMatchObject({ thresholdMs: 1000, by: 'floor' });
    expect(mean(warm)).toBeGreaterThan(220);
  });

  it('keeps ranks 10–39 of 50 warm batches, as the 12-way variant did', () => {
    const warm = Array.from({ length: 50 }, (_, i) => (i < 10 ? 0 : i >= 40 ? 10_000 : 300));
    expect(latencyBaseline(warm)).toEqual({ warmTrimmedMeanMs: 300, thresholdMs: 600, by: 'factor' });
  });

  it('needs at least one latency', () => {
    expect(() => latencyBaseline([])).toThrow(RangeError);
    expect(latencyBaseline([7])).toEqual({ warmTrimmedMeanMs: 7, thresholdMs: ORIGINAL_COLD_THRESHOLD_RULE.floorMs, by: 'floor' });
  });
});

describe('Function: isColdByThreshold', () => {
  it('is strictly above the threshold', () => {
    expect(isColdByThreshold(1000.01, 1000)).toBe(true);
    expect(isColdByThreshold(1000, 1000)).toBe(false);
    expect(isColdByThreshold(3, 1000)).toBe(false);
  });
});
