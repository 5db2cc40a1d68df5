/**
 * The pyramid's load shape against the figures the original's formulas give for its four
 * pyramids (seed inventory §1.3: steps, slot, the first step that turns concurrent, the peak's
 * batch size, the ideal count), and the two corrections: exactly x calls per step, at absolute
 * evenly spaced times.
 */
import { describe, expect, it } from 'vitest';
import { batchSizeFor, idealInvocations, type PyramidConstants, pyramidSteps, rampCounts } from './_pyramid-plan';

const ORIGINAL: PyramidConstants = { minSleepSeconds: 0.1, sendOverheadSeconds: 0.0016, baselineSeconds: 60, baselineIntervalSeconds: 0.33 };

describe('the pyramid plan', () => {
  it.each([
    // run, increment, peak, ramp time; steps, slot, first concurrent step (x, k), peak k, the original's ⌊peak/k⌋ batches, ideal count
    [1, 5, 200, 300, 40, 7.5, 75, 2, 3, 66, 8000],
    [2, 5, 200, 180, 40, 4.5, 45, 2, 5, 40, 8000],
    [3, 5, 200, 60, 40, 1.5, 15, 2, 14, 14, 8000],
    [4, 10, 1000, 600, 100, 6, 60, 2, 17, 58, 100_000],
  ])('pyramid %i (increment %i, peak %i, ramp %i s) has the original figures', (_run, increment, peak, rampTimeSeconds, steps, slot, firstX, firstK, peakK, originalPeakBatches, ideal) => {
    const counts = rampCounts({ increment, peak });
    expect(counts).toHaveLength(steps);
    expect(rampTimeSeconds / counts.length).toBeCloseTo(slot, 9);
    const firstConcurrent = counts.find((x) => batchSizeFor(x, slot, ORIGINAL) > 1);
    expect(firstConcurrent).toBe(firstX);
    expect(batchSizeFor(firstX, slot, ORIGINAL)).toBe(firstK);
    expect(batchSizeFor(peak, slot, ORIGINAL)).toBe(peakK);
    expect(Math.floor(peak / peakK)).toBe(originalPeakBatches);
    expect(idealInvocations({ increment, peak })).toBe(ideal);

    const plan = pyramidSteps({ functions: ['function1', 'function2'], increment, peak, rampTimeSeconds }, ORIGINAL, { throughput_time: 0.05 });
    const ramp = plan.filter((step) => step.phase === 'ramp_up' || step.phase === 'ramp_down');
    expect(ramp).toHaveLength(2 * steps - 1);
    // Up to the peak and down again without repeating it; every step plans exactly its x calls.
    expect(ramp.map((step) => step.invocations)).toEqual([...counts, ...counts.slice(0, -1).reverse()]);
    for (const step of ramp) expect(step.sends.reduce((total, send) => total + (send.calls ?? 1), 0)).toBe(step.invocations);
    expect(ramp.reduce((total, step) => total + step.invocations, 0)).toBe(ideal);
    const top = ramp[steps - 1];
    expect(top).toMatchObject({ invocations: peak, batchSize: peakK, batches: Math.ceil(peak / peakK), slotSeconds: slot });
    // Ramp up, then down without the peak: twice the ramp time less one slot.
    expect(ramp.reduce((total, step) => total + step.durationMs, 0)).toBeCloseTo((2 * steps - 1) * slot * 1000, 6);
  });

  it('spaces the sends evenly over the slot from its start, functions taking turns, the last batch carrying the remainder', () => {
    const plan = pyramidSteps({ functions: ['function1', 'function3'], increment: 100, peak: 200, rampTimeSeconds: 15 }, ORIGINAL, { throughput_time: 0.05 });
    // Two steps up (100, 200) in 7.5 s slots: 200 calls need batches of 3 (7.5/(200/3) − 0.0016 ≥ 0.1), 67 of them.
    const peak = plan.find((step) => step.invocations === 200) as (typeof plan)[number];
    expect(peak).toMatchObject({ batchSize: 3, batches: 67 });
    expect(peak.sendIntervalSeconds).toBeCloseTo(7.5 / 67, 12);
    expect(peak.sleepTimeSeconds).toBeCloseTo(7.5 / (200 / 3) - 0.0016, 12);
    expect(peak.sends.map((send) => send.calls)).toEqual([...Array(66).fill(3), 2]);
    peak.sends.forEach((send, j) => {
      expect(send.offsetMs).toBeCloseTo((j * 7500) / 67, 9);
      expect(send.functionName).toBe(j % 2 === 0 ? 'function1' : 'function3');
      expect(send.payload).toEqual({ throughput_time: 0.05 });
    });
    expect(peak.sends.every((send) => send.offsetMs < peak.durationMs)).toBe(true);
  });

  it('runs a baseline before and after: a call every interval for the baseline length, functions taking turns', () => {
    const plan = pyramidSteps({ functions: ['function1', 'function2'], increment: 5, peak: 10, rampTimeSeconds: 60 }, ORIGINAL, {});
    const [before, after] = [plan[0], plan[plan.length - 1]];
    expect(before?.phase).toBe('baseline_before');
    expect(after?.phase).toBe('baseline_after');
    // 0, 0.33, …, 59.73 s: 182 calls in 60 s.
    expect(before?.sends).toHaveLength(182);
    expect(before?.durationMs).toBe(60_000);
    expect(before?.sends[181]?.offsetMs).toBeCloseTo(181 * 330, 6);
    expect(before?.sends.slice(0, 3).map((send) => send.functionName)).toEqual(['function1', 'function2', 'function1']);
    expect(pyramidSteps({ functions: ['function1'], increment: 5, peak: 10, rampTimeSeconds: 60 }, { ...ORIGINAL, baselineSeconds: 0 }, {})[0]?.sends).toEqual([]);
  });

  it('never batches above x, even when the slot is too short for any sleep', () => {
    expect(batchSizeFor(7, 0.05, ORIGINAL)).toBe(7);
    expect(batchSizeFor(1, 0.05, ORIGINAL)).toBe(1);
  });
});
