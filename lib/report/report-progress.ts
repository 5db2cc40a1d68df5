/**
 * The progress of a report over many runs, as the suite's progress display shows it
 * (lib/suite/progress-display.ts: redrawn in place on a terminal, plain lines elsewhere): each run
 * is a job, loading it is running it, and the ETA comes from lib/suite/eta.ts with each run's
 * expected time worked out from its stored row count at the pace of the runs loaded so far (unknown
 * until the first one is). The running line leads with a bar of the rows loaded.
 */
import { estimateRemainingMs } from '../suite/eta';
import type { ProgressSnapshot } from '../suite/progress';

export interface ReportJob {
  /** What the running line names, e.g. `coldstart-identifier a1e09018`. */
  label: string;
  /** The run's stored invocation rows. */
  rows: number;
}

/** Width of the bar, in characters. */
const BAR_WIDTH = 20;
/** Rows a run counts for at least (its run row, experiment rows and statistics cost something too). */
const MIN_ROWS = 100;

type JobState = { phase: 'waiting' } | { phase: 'running'; startedAt: number } | { phase: 'ended'; startedAt: number; endedAt: number; failed: boolean };

export class ReportProgress {
  private readonly states: JobState[];
  private readonly startedAt: number;

  constructor(
    private readonly jobs: readonly ReportJob[],
    private readonly now: () => number = Date.now,
  ) {
    this.states = jobs.map(() => ({ phase: 'waiting' }));
    this.startedAt = now();
  }

  start(index: number): void {
    this.states[index] = { phase: 'running', startedAt: this.now() };
  }

  end(index: number, failed = false): void {
    const state = this.states[index];
    this.states[index] = { phase: 'ended', startedAt: state?.phase === 'running' ? state.startedAt : this.now(), endedAt: this.now(), failed };
  }

  /** Ms per row so far; undefined before a run has ended. */
  private pace(): number | undefined {
    let ms = 0;
    let rows = 0;
    for (const [index, state] of this.states.entries()) {
      if (state.phase !== 'ended' || state.failed) continue;
      ms += state.endedAt - state.startedAt;
      rows += weight(this.jobs[index] as ReportJob);
    }
    return rows ? ms / rows : undefined;
  }

  /** A bar of the rows loaded (ended runs') out of all rows. */
  bar(): string {
    const total = this.jobs.reduce((sum, job) => sum + weight(job), 0);
    const done = this.jobs.reduce((sum, job, index) => sum + (this.states[index]?.phase === 'ended' ? weight(job) : 0), 0);
    const fraction = total ? done / total : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)} %`;
  }

  snapshot(): ProgressSnapshot {
    const now = this.now();
    const pace = this.pace();
    const expected = (job: ReportJob) => (pace === undefined ? undefined : weight(job) * pace);
    const running: ProgressSnapshot['running'] = [];
    const pending: (number | undefined)[] = [];
    for (const [index, state] of this.states.entries()) {
      const job = this.jobs[index] as ReportJob;
      if (state.phase === 'running') running.push({ experiment: `${this.bar()}  ${job.label}`, elapsedMs: now - state.startedAt, expectedMs: expected(job), calls: job.rows });
      if (state.phase === 'waiting') pending.push(expected(job));
    }
    const ended = this.states.filter((state): state is Extract<JobState, { phase: 'ended' }> => state.phase === 'ended');
    return {
      total: this.jobs.length,
      completed: ended.filter((state) => !state.failed).length,
      failed: ended.filter((state) => state.failed).length,
      notStarted: 0,
      waiting: pending.length,
      running,
      calls: this.jobs.reduce((sum, job, index) => sum + (this.states[index]?.phase === 'ended' ? job.rows : 0), 0),
      elapsedMs: now - this.startedAt,
      etaMs: estimateRemainingMs(running, pending, 1),
    };
  }
}

function weight(job: ReportJob): number {
  return Math.max(MIN_ROWS, job.rows);
}
