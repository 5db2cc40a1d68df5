import { describe, expect, it } from 'vitest';
import { mean, percentileCont, trimmedMean } from './summary';

describe('Function: trimmedMean', () => {
  it('drops the lowest and highest 20 % before averaging, as the original did with ranks 10–39 of 50', () => {
    const values = Array.from({ length: 50 }, (_, i) => i); // 0..49
    expect(trimmedMean(values)).toBe(mean(Array.from({ length: 30 }, (_, i) => i + 10)));
    expect(trimmedMean([1000, 1, 2, 3, -1000])).toBe(2);
  });

  it('is NaN for no values and refuses a trim of half or more', () => {
    expect(trimmedMean([])).toBeNaN();
    expect(() => trimmedMean([1], 0.5)).toThrow(RangeError);
  });
});

describe('Function: percentileCont', () => {
  it('interpolates between closest ranks like PostgreSQL percentile_cont', () => {
    const values = [10, 20, 30, 40];
    expect(percentileCont(values, 0.5)).toBe(25);
    expect(percentileCont(values, 0.9)).toBeCloseTo(37, 10);
    expect(percentileCont(values, 0)).toBe(10);
    expect(percentileCont(values, 1)).toBe(40);
    expect(percentileCont([5], 0.99)).toBe(5);
    expect(percentileCont([], 0.5)).toBeNaN();
  });
});
