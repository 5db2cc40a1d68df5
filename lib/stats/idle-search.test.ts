import { describe, expect, it } from 'vitest';
import {
  type HalvingSearchOptions,
  type IdleSearchState,
  latencyThreshold,
  nextHalvingSearch,
  nextSteppedSearch,
  type SteppedSearchOptions,
  startHalvingSearch,
  startSteppedSearch,
} from './idle-search';

/** Run a search against a model platform; the probes made (gap, phase, cold) and the final state. */
function simulate<State extends IdleSearchState>(start: State, next: (state: State, cold: boolean) => State, isCold: (gapSeconds: number, probe: number) => boolean) {
  const probes: { gap: number; phase: string; cold: boolean }[] = [];
  let state = start;
  while (state.phase !== 'done') {
    if (probes.length > 500) throw new Error('search did not end');
    const cold = isCold(state.gapSeconds, probes.length);
    probes.push({ gap: state.gapSeconds, phase: state.phase, cold });
    state = next(state, cold);
  }
  return { probes, result: state };
}

const stepped = (options: SteppedSearchOptions, isCold: (gap: number, probe: number) => boolean) =>
  simulate(startSteppedSearch(options), (state, cold) => nextSteppedSearch(state, cold, options), isCold);
const halving = (options: HalvingSearchOptions, isCold: (gap: number, probe: number) => boolean) =>
  simulate(startHalvingSearch(options), (state, cold) => nextHalvingSearch(state, cold, options), isCold);

const NESTED: SteppedSearchOptions = { stepsSeconds: [60, 20], confirmations: 5 };
const SINGLE: HalvingSearchOptions = { startGapSeconds: 300, startStepSeconds: 300, stopStepSeconds: 10, stopStepGrowth: 1.5, confirmations: 5 };
const TWELVE: HalvingSearchOptions = { ...SINGLE, stopStepSeconds: 20 };

/** Idle timeouts from 1 s to 1000 s, off the search grids. */
const TIMEOUTS = Array.from({ length: 1000 }, (_, i) => 1 + i * 0.997);

describe('Function: nextSteppedSearch (coldstart-identifier-nested)', () => {
  it('grows by 60 s, steps back and grows by 20 s, then verifies 5× and probes once more', () => {
    const { probes, result } = stepped(NESTED, (gap) => gap >= 130);
    expect(probes.map((probe) => [probe.phase, probe.gap, probe.cold])).toEqual([
      ['search', 60, false],
      ['search', 120, false],
      ['search', 180, true],
      ['search', 140, true],
      ...Array.from({ length: 5 }, () => ['verify', 140, true]),
      ['final', 140, true],
    ]);
    expect(result).toMatchObject({ phase: 'done', gapSeconds: 140, stepSeconds: 20 });
  });

  it('adds 20 s and verifies from the start when a verification or the final probe is warm', () => {
    // The platform is warm at the 3rd verification and at the first final probe.
    const { probes, result } = stepped(NESTED, (gap, probe) => gap >= 130 && probe !== 6 && probe !== 9);
    expect(probes.slice(4).map((probe) => [probe.phase, probe.gap, probe.cold])).toEqual([
      ['verify', 140, true],
      ['verify', 140, true],
      ['verify', 140, false],
      ...Array.from({ length: 2 }, () => ['verify', 160, true]),
      ['verify', 160, false],
      ...Array.from({ length: 5 }, () => ['verify', 180, true]),
      ['final', 180, true],
    ]);
    expect(result.gapSeconds).toBe(180);
  });

  it('finds every idle timeout within its 20 s granularity', () => {
    for (const timeout of TIMEOUTS) {
      const { result } = stepped(NESTED, (gap) => gap >= timeout);
      expect(result.gapSeconds, `timeout ${timeout}`).toBeGreaterThanOrEqual(timeout);
      expect(result.gapSeconds - timeout, `timeout ${timeout}`).toBeLessThan(result.stepSeconds);
      expect(result.stepSeconds).toBe(20);
    }
  });

  it('refuses steps that cannot search', () => {
    expect(() => startSteppedSearch({ stepsSeconds: [], confirmations: 5 })).toThrow(RangeError);
    expect(() => startSteppedSearch({ stepsSeconds: [60, 0], confirmations: 5 })).toThrow(RangeError);
    expect(() => startSteppedSearch({ stepsSeconds: [60], confirmations: 0 })).toThrow(RangeError);
  });
});

describe('Function: nextHalvingSearch (single-function-time-to-cold-start, time-to-cold-start-twelve-threads)', () => {
  it('adds the step when warm, halves it and subtracts the half when cold, and stops at a step of at most 10 s', () => {
    const { probes, result } = halving(SINGLE, (gap) => gap >= 136);
    expect(probes.map((probe) => [probe.phase, probe.gap, probe.cold])).toEqual([
      ['search', 300, true],
      ['search', 150, true],
      ['search', 75, false],
      ['search', 150, true],
      ['search', 112.5, false],
      ['search', 150, true],
      ['search', 131.25, false],
      ['search', 150, true],
      ...Array.from({ length: 5 }, () => ['verify', 140.625, true]),
      ['final', 140.625, true],
    ]);
    expect(result).toMatchObject({ phase: 'done', gapSeconds: 140.625, stepSeconds: 9.375, stopStepSeconds: 10 });
  });

  it('on a warm verification grows the stop step ×1.5, adds it to the step and the step to the gap, and searches again', () => {
    // Stop step 20: the search ends at 131.25 s, which is warm for a 136 s timeout.
    const { probes, result } = halving(TWELVE, (gap) => gap >= 136);
    const afterSearch = probes.findIndex((probe) => probe.phase === 'verify');
    expect(probes.slice(afterSearch).map((probe) => [probe.phase, probe.gap, probe.cold])).toEqual([
      ['verify', 131.25, false],
      // stop step 20 → 30, step 18.75 + 30 = 48.75, gap 131.25 + 48.75 = 180
      ['search', 180, true],
      // halved: step 24.375 ≤ 30, gap 155.625: verify again, all five
      ...Array.from({ length: 5 }, () => ['verify', 155.625, true]),
      ['final', 155.625, true],
    ]);
    expect(result).toMatchObject({ phase: 'done', gapSeconds: 155.625, stepSeconds: 24.375, stopStepSeconds: 30 });
  });

  it('needs every confirmation again after a warm final probe (the original stored any final probe as the result)', () => {
    // Probes 0–7 search, 8–9 verify, 10 is the final probe: warm here.
    const { probes, result } = halving({ ...SINGLE, confirmations: 2 }, (gap, probe) => gap >= 136 && probe !== 10);
    expect(probes.slice(8).map((probe) => [probe.phase, probe.gap, probe.cold])).toEqual([
      ['verify', 140.625, true],
      ['verify', 140.625, true],
      ['final', 140.625, false],
      // stop step 10 → 15, step 9.375 + 15 = 24.375, gap 165
      ['search', 165, true],
      ['verify', 152.8125, true],
      ['verify', 152.8125, true],
      ['final', 152.8125, true],
    ]);
    expect(result).toMatchObject({ gapSeconds: 152.8125, stepSeconds: 12.1875, stopStepSeconds: 15 });
  });

  it.each([
    ['10 s', SINGLE],
    ['20 s', TWELVE],
  ])('finds every idle timeout within the final step (stop step %s)', (_, options) => {
    for (const timeout of TIMEOUTS) {
      const { result, probes } = halving(options, (gap) => gap >= timeout);
      expect(result.gapSeconds, `timeout ${timeout}`).toBeGreaterThanOrEqual(timeout);
      expect(result.gapSeconds - timeout, `timeout ${timeout}`).toBeLessThan(result.stepSeconds);
      expect(result.stepSeconds).toBeLessThanOrEqual(result.stopStepSeconds);
      expect(probes.length).toBeLessThan(40);
    }
  });

  it('refuses settings that cannot search', () => {
    expect(() => startHalvingSearch({ ...SINGLE, startGapSeconds: 0 })).toThrow(RangeError);
    expect(() => startHalvingSearch({ ...SINGLE, stopStepGrowth: 0.5 })).toThrow(RangeError);
    expect(() => startHalvingSearch({ ...SINGLE, confirmations: 0 })).toThrow(RangeError);
    expect(startHalvingSearch({ ...SINGLE, startStepSeconds: 5 }).phase).toBe('verify');
  });
});

describe('Function: latencyThreshold (method C)', () => {
  it('is 0.9 × the first latency, and holds while the warm mean stays below it', () => {
    expect(latencyThreshold(500, [10, 20, 30], 0.9)).toEqual({ firstLatencyMs: 500, warmMeanMs: 20, factor: 0.9, thresholdMs: 450, holds: true });
    expect(latencyThreshold(100, [80, 100, 120], 0.9)).toMatchObject({ thresholdMs: 90, warmMeanMs: 100, holds: false });
    expect(latencyThreshold(100, [90], 0.9).holds).toBe(false);
  });

  it('refuses a factor outside (0, 1] and an empty warm sample', () => {
    expect(() => latencyThreshold(100, [1], 0)).toThrow(RangeError);
    expect(() => latencyThreshold(100, [1], 1.5)).toThrow(RangeError);
    expect(() => latencyThreshold(100, [], 0.9)).toThrow(RangeError);
  });
});
