import { describe, expect, it } from 'vitest';
import { progressBar, timeFraction } from './progress-bar';
import { RunProgress, runProgressBarLine, runProgressLine } from './run-progress';

function clock(startMs = 5_000_000) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const ESC = '\x1b';

describe('Function: progressBar', () => {
  it('fills cells in proportion, clamps, and prints the percentage', () => {
    expect(progressBar(0, 10)).toBe('[░░░░░░░░░░]   0%');
    expect(progressBar(0.42, 10)).toBe('[████░░░░░░]  42%');
    expect(progressBar(1, 4)).toBe('[████] 100%');
    expect(progressBar(7, 4)).toBe('[████] 100%');
    expect(progressBar(Number.NaN, 4)).toBe('[░░░░]   0%');
    expect(timeFraction(3_000, 1_000)).toBe(0.75);
    expect(timeFraction(3_000, undefined)).toBeUndefined();
  });
});

describe('Class: RunProgress and its lines', () => {
  it('counts time against the expectation: phase, percentage, elapsed, calls, ETA', () => {
    const time = clock();
    const progress = new RunProgress({ experiment: 'coldstart-identifier', expectedMs: 10_000, expectedCalls: 120 }, time.now);
    expect(runProgressLine(progress.snapshot())).toBe('coldstart-identifier: preparing · 0% · 0.0s elapsed · 0/~120 calls · ETA 10.0s');
    progress.setPhase('running');
    progress.setCalls(12);
    progress.setCalls(7); // a smaller figure is late, not news
    time.advance(4_000);
    const line = runProgressLine(progress.snapshot());
    expect(line).toBe('coldstart-identifier: running · 40% · 4.0s elapsed · 12/~120 calls · ETA 6.0s');
    expect(line).not.toContain(ESC);
    const bar = runProgressBarLine(progress.snapshot(), 120);
    expect(bar).toMatch(/^coldstart-identifier running {2}\[█+░+\] {2}40% {2}4\.0s elapsed · 12\/~120 calls · ETA 6\.0s$/);
    // The bar takes what the terminal leaves: 10 cells at least, 30 at most.
    expect(/\[([█░]+)\]/.exec(runProgressBarLine(progress.snapshot(), 40))?.[1]).toHaveLength(10);
    expect(/\[([█░]+)\]/.exec(runProgressBarLine(progress.snapshot(), 300))?.[1]).toHaveLength(30);
  });

  it('past the expected time says so and holds the bar short of full; a final status fills it and stops the clock', () => {
    const time = clock();
    const progress = new RunProgress({ experiment: 'linear-invocation', expectedMs: 10_000 }, time.now);
    progress.setPhase('running');
    time.advance(25_000);
    expect(progress.snapshot()).toMatchObject({ overdue: true, etaMs: 0 });
    expect(runProgressLine(progress.snapshot())).toBe('linear-invocation: running · 99% · 25.0s elapsed · 0 calls · past the expected ~10.0s');
    expect(runProgressBarLine(progress.snapshot(), 120)).toContain('  99%');
    progress.setPhase('completed');
    time.advance(60_000);
    expect(runProgressLine(progress.snapshot())).toBe('linear-invocation: completed · 25.0s elapsed · 0 calls · done');
    expect(runProgressBarLine(progress.snapshot(), 120)).toContain('] 100%  25.0s elapsed');
  });

  it('without an expectation shows no bar and an unknown ETA; a floor reads "at least"', () => {
    const time = clock();
    const unknown = new RunProgress({ experiment: 'x', expectedMs: undefined }, time.now);
    time.advance(2_000);
    expect(runProgressBarLine(unknown.snapshot(), 120)).toBe('x preparing  2.0s elapsed · 0 calls · ETA unknown');
    expect(runProgressLine(unknown.snapshot())).toBe('x: preparing · 2.0s elapsed · 0 calls · ETA unknown');
    const floor = new RunProgress({ experiment: 'scenario-pyramid', expectedMs: 60_000, lowerBound: true }, time.now);
    time.advance(15_000);
    expect(runProgressLine(floor.snapshot())).toContain('ETA ≥ 45.0s');
  });
});
