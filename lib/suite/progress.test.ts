import { describe, expect, it } from 'vitest';
import { progressLines, SuiteProgress, summaryLine } from './progress';

function clock(startMs = 1_000_000) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const JOBS = [
  { experiment: 'linear-invocation', expectedMs: 15_000 },
  { experiment: 'coldstart-identifier', expectedMs: 30_000 },
  { experiment: 'concurrency-benchmarking', expectedMs: 10_000 },
];

describe('Class: SuiteProgress', () => {
  it('counts waiting, running, completed and failed runs, the calls so far and the ETA', () => {
    const time = clock();
    const progress = new SuiteProgress(JOBS, 2, time.now);
    expect(progress.snapshot()).toMatchObject({ total: 3, waiting: 3, running: [], completed: 0, failed: 0, calls: 0, etaMs: 30_000 });

    progress.start(0);
    progress.start(1);
    time.advance(5_000);
    progress.setCalls(0, 40);
    progress.setCalls(1, 7);
    expect(progress.snapshot()).toMatchObject({
      waiting: 1,
      running: [
        { experiment: 'linear-invocation', elapsedMs: 5_000, expectedMs: 15_000, calls: 40 },
        { experiment: 'coldstart-identifier', elapsedMs: 5_000, expectedMs: 30_000, calls: 7 },
      ],
      calls: 47,
      elapsedMs: 5_000,
      // linear-invocation's slot frees in 10 s, then concurrency-benchmarking takes 10 s; coldstart-identifier needs 25 s.
      etaMs: 25_000,
    });

    time.advance(10_000);
    progress.setCalls(0, 100);
    progress.end(0, 'completed');
    progress.start(2);
    progress.setCalls(1, 3); // an older figure arriving late never lowers the count
    time.advance(1_000);
    progress.end(1, 'failed');
    expect(progress.snapshot()).toMatchObject({ completed: 1, failed: 1, waiting: 0, calls: 107, running: [{ experiment: 'concurrency-benchmarking', elapsedMs: 1_000 }], etaMs: 9_000 });
  });

  it('has no ETA while a run’s expected duration is unknown', () => {
    const progress = new SuiteProgress([...JOBS, { experiment: 'dev-experiment', expectedMs: undefined }], 2, clock().now);
    expect(progress.snapshot().etaMs).toBeUndefined();
    expect(summaryLine(progress.snapshot())).toContain('ETA unknown');
  });
});

describe('Functions: summaryLine, progressLines', () => {
  it('says done of total, failures, running, waiting, calls, elapsed and ETA; then one line per running run', () => {
    const time = clock();
    const progress = new SuiteProgress(JOBS, 2, time.now);
    progress.start(0);
    progress.end(0, 'failed');
    progress.start(1);
    progress.start(2);
    progress.setCalls(1, 12);
    time.advance(65_000);
    const lines = progressLines(progress.snapshot());
    expect(lines[0]).toBe('1/3 done (1 failed), 2 running · 12 calls · 1m 05s elapsed · ETA 0.0s');
    expect(lines.slice(1)).toEqual(['  coldstart-identifier      1m 05s / ~30.0s  12 calls', '  concurrency-benchmarking  1m 05s / ~10.0s']);
  });

  it('names runs that never started', () => {
    const progress = new SuiteProgress(JOBS, 1, clock().now);
    progress.end(1, 'not started');
    progress.end(2, 'not started');
    expect(summaryLine(progress.snapshot())).toMatch(/^0\/3 done, 0 running, 1 waiting, 2 not started · /);
  });
});
