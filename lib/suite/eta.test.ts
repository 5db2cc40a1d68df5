import { describe, expect, it } from 'vitest';
import { estimateRemainingMs } from './eta';

describe('Function: estimateRemainingMs', () => {
  it('lays the waiting jobs on the slots in order, each on the first slot to free up', () => {
    // Slots free at 10 s and 20 s; 30 s goes on the first (ends at 40), 5 s on the second (ends at 25).
    const running = [
      { expectedMs: 30_000, elapsedMs: 20_000 },
      { expectedMs: 25_000, elapsedMs: 5_000 },
    ];
    expect(estimateRemainingMs(running, [30_000, 5_000], 2)).toBe(40_000);
  });

  it('is the longest job when there are more slots than jobs, and sequential with one slot', () => {
    expect(estimateRemainingMs([], [10_000, 30_000, 20_000], 4)).toBe(30_000);
    expect(estimateRemainingMs([], [10_000, 30_000, 20_000], 1)).toBe(60_000);
  });

  it('counts a job past its expected duration as ending now', () => {
    expect(estimateRemainingMs([{ expectedMs: 10_000, elapsedMs: 25_000 }], [], 2)).toBe(0);
    expect(estimateRemainingMs([{ expectedMs: 10_000, elapsedMs: 25_000 }], [15_000], 1)).toBe(15_000);
  });

  it('is unknown when any job’s expected duration is', () => {
    expect(estimateRemainingMs([{ expectedMs: undefined, elapsedMs: 1 }], [10_000], 2)).toBeUndefined();
    expect(estimateRemainingMs([], [10_000, undefined], 2)).toBeUndefined();
  });

  it('is zero with nothing left', () => {
    expect(estimateRemainingMs([], [], 2)).toBe(0);
  });
});
