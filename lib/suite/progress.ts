/**
 * The live state of a suite — which runs are waiting, running, done or failed, the calls each has
 * made, the ETA — and its rendering as text. No terminal here (./progress-display.ts draws it).
 */
import { formatElapsed } from '../report/table';
import { estimateRemainingMs } from './eta';
import type { SuiteRunStatus } from './outcome';

export interface SuiteJobInfo {
  experiment: string;
  /** How long its run is expected to take; undefined when unknown. */
  expectedMs: number | undefined;
}

type JobState = { phase: 'waiting' } | { phase: 'running'; startedAt: number } | { phase: 'ended'; status: SuiteRunStatus; startedAt?: number; endedAt: number };

/** What the display shows at one moment. */
export interface ProgressSnapshot {
  total: number;
  completed: number;
  failed: number;
  notStarted: number;
  waiting: number;
  running: { experiment: string; elapsedMs: number; expectedMs: number | undefined; calls: number | undefined }[];
  /** Calls so far over every run whose calls are known. */
  calls: number;
  elapsedMs: number;
  /** Until every run has ended; undefined when some expected duration is unknown. */
  etaMs: number | undefined;
}

export class SuiteProgress {
  private readonly states: JobState[];
  private readonly calls: (number | undefined)[];
  private readonly startedAt: number;

  constructor(
    private readonly jobs: readonly SuiteJobInfo[],
    private readonly parallel: number,
    private readonly now: () => number = Date.now,
  ) {
    this.states = jobs.map(() => ({ phase: 'waiting' }));
    this.calls = jobs.map(() => undefined);
    this.startedAt = now();
  }

  start(index: number): void {
    this.states[index] = { phase: 'running', startedAt: this.now() };
  }

  end(index: number, status: SuiteRunStatus): void {
    const state = this.states[index];
    this.states[index] = { phase: 'ended', status, endedAt: this.now(), ...(state?.phase === 'running' ? { startedAt: state.startedAt } : {}) };
  }

  /** The calls run `index` has made so far (they only grow: a smaller figure is ignored). */
  setCalls(index: number, calls: number): void {
    this.calls[index] = Math.max(calls, this.calls[index] ?? 0);
  }

  snapshot(): ProgressSnapshot {
    const now = this.now();
    const ended = (status: SuiteRunStatus) => this.states.filter((state) => state.phase === 'ended' && state.status === status).length;
    const running: ProgressSnapshot['running'] = [];
    const pending: (number | undefined)[] = [];
    for (const [index, state] of this.states.entries()) {
      const job = this.jobs[index] as SuiteJobInfo;
      if (state.phase === 'running') running.push({ experiment: job.experiment, elapsedMs: now - state.startedAt, expectedMs: job.expectedMs, calls: this.calls[index] });
      if (state.phase === 'waiting') pending.push(job.expectedMs);
    }
    return {
      total: this.jobs.length,
      completed: ended('completed'),
      failed: ended('failed'),
      notStarted: ended('not started'),
      waiting: pending.length,
      running,
      calls: this.calls.reduce<number>((sum, calls) => sum + (calls ?? 0), 0),
      elapsedMs: now - this.startedAt,
      etaMs: estimateRemainingMs(running, pending, this.parallel),
    };
  }
}

/** One line: `4/12 done (1 failed), 2 running, 6 waiting · 1234 calls · 1m 05s elapsed · ETA 3m 10s`. */
export function summaryLine(snapshot: ProgressSnapshot): string {
  const done = snapshot.completed + snapshot.failed;
  const parts = [
    `${done}/${snapshot.total} done${snapshot.failed ? ` (${snapshot.failed} failed)` : ''}`,
    `${snapshot.running.length} running`,
    ...(snapshot.waiting ? [`${snapshot.waiting} waiting`] : []),
    ...(snapshot.notStarted ? [`${snapshot.notStarted} not started`] : []),
  ];
  const eta = snapshot.etaMs === undefined ? 'ETA unknown' : `ETA ${formatElapsed(snapshot.etaMs)}`;
  return `${parts.join(', ')} · ${snapshot.calls} calls · ${formatElapsed(snapshot.elapsedMs)} elapsed · ${eta}`;
}

/** The summary line, then one line per running experiment: its time against its expected time, and its calls. */
export function progressLines(snapshot: ProgressSnapshot): string[] {
  const width = Math.max(0, ...snapshot.running.map((run) => run.experiment.length));
  return [
    summaryLine(snapshot),
    ...snapshot.running.map((run) => {
      const expected = run.expectedMs === undefined ? '' : ` / ~${formatElapsed(run.expectedMs)}`;
      const calls = run.calls === undefined ? '' : `  ${run.calls} calls`;
      return `  ${run.experiment.padEnd(width)}  ${formatElapsed(run.elapsedMs)}${expected}${calls}`;
    }),
  ];
}
