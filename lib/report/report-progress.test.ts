import { describe, expect, it } from 'vitest';
import { summaryLine } from '../suite/progress';
import { ReportProgress } from './report-progress';

describe('Class: ReportProgress', () => {
  it('has no ETA before a run is loaded, then one at the pace of the runs loaded so far, and a bar of the rows loaded', () => {
    let now = 0;
    const progress = new ReportProgress(
      [
        { label: 'coldstart-identifier aaaaaaaa', rows: 1000 },
        { label: 'linear-invocation bbbbbbbb', rows: 3000 },
      ],
      () => now,
    );
    progress.start(0);
    now = 400;
    expect(progress.snapshot()).toMatchObject({ total: 2, completed: 0, waiting: 1, etaMs: undefined });
    expect(progress.snapshot().running[0]?.experiment).toBe('[░░░░░░░░░░░░░░░░░░░░]   0 %  coldstart-identifier aaaaaaaa');
    now = 1000;
    progress.end(0);
    progress.start(1);
    now = 2000;
    // 1 ms a row: the second run is expected to take 3000 ms, 1000 of them gone.
    const snapshot = progress.snapshot();
    expect(snapshot).toMatchObject({ completed: 1, waiting: 0, calls: 1000, etaMs: 2000 });
    expect(snapshot.running[0]?.experiment).toBe('[█████░░░░░░░░░░░░░░░]  25 %  linear-invocation bbbbbbbb');
    expect(summaryLine(snapshot)).toBe('1/2 done, 1 running · 1000 calls · 2.0s elapsed · ETA 2.0s');
    progress.end(1);
    expect(progress.bar()).toBe('[████████████████████] 100 %');
  });
});
