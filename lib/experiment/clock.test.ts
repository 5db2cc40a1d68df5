import { describe, expect, it } from 'vitest';
import { ClockOffsetEstimator, offsetFromCall } from './clock';

describe('Clock offset from four timestamps', () => {
  it('is exact when the way there and back take equally long', () => {
    // The function's clock is 250 ms behind; 5 ms each way; the function runs 2 ms.
    const sentAt = 1_000_000;
    const startedAt = sentAt + 5 - 250;
    const endedAt = startedAt + 2;
    const receivedAt = sentAt + 5 + 2 + 5;
    expect(offsetFromCall(sentAt, startedAt, endedAt, receivedAt)).toEqual({ offsetMs: -250, errorMs: 5 });
  });

  it('is off by at most its error bound when the ways differ', () => {
    for (const [there, back, skew] of [
      [1, 9, 250],
      [9, 1, -250],
      [0.2, 40, 13.5],
    ] as const) {
      const sentAt = 5_000;
      const startedAt = sentAt + there + skew;
      const endedAt = startedAt + 3;
      const receivedAt = sentAt + there + 3 + back;
      const { offsetMs, errorMs } = offsetFromCall(sentAt, startedAt, endedAt, receivedAt);
      expect(Math.abs(offsetMs - skew)).toBeLessThanOrEqual(errorMs + 1e-9);
      expect(errorMs).toBeCloseTo((there + back) / 2, 9);
    }
  });

  it('keeps the estimate of the call with the tightest bound, and ignores impossible calls', () => {
    const estimator = new ClockOffsetEstimator();
    expect(estimator.estimate).toBeUndefined();
    estimator.add(0, 10 + 100, 12 + 100, 30); // round trip 30, function 2 → bound 14
    estimator.add(100, 101 + 100, 103 + 100, 104); // round trip 4, function 2 → bound 1
    estimator.add(200, 250 + 100, 251 + 100, 300); // bound 49.5
    estimator.add(400, 500, 499, 401); // function ended before it started: ignored
    estimator.add(600, 700, 701, 599); // received before sent: ignored
    expect(estimator.estimate).toEqual({ offsetMs: 100, errorMs: 1, samples: 3 });
  });
});
