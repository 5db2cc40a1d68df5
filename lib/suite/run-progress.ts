/**
 * The live state of one run of `fb run` — its phase (the run's status as the control plane
 * records it), the calls made so far, the time spent against the time expected — and its
 * rendering: a line with a bar for a terminal, a plain line for anything else. The ETA is the
 * expected duration (the quick profile's, the experiment's own, or a dry run's: ./expected-run.ts)
 * minus the time spent; past it, the line says so rather than counting below zero. No terminal
 * here: ./progress-display.ts draws the lines.
 */
import { formatElapsed } from '../report/table';
import { progressBar, timeFraction } from './progress-bar';
import type { ProgressView } from './progress-display';

export interface RunProgressInfo {
  experiment: string;
  /** How long the run is expected to take; undefined when unknown. */
  expectedMs: number | undefined;
  /** How many calls it is expected to make; undefined when unknown. */
  expectedCalls?: number | undefined;
  /** The expectation is a floor (a dry run cut short): the ETA reads "at least". */
  lowerBound?: boolean;
}

/** Statuses after which a run does nothing more. */
const FINAL = new Set(['completed', 'failed']);

export interface RunProgressSnapshot {
  experiment: string;
  /** `preparing` until the control plane records the run, then its status. */
  phase: string;
  elapsedMs: number;
  calls: number;
  expectedCalls: number | undefined;
  expectedMs: number | undefined;
  /** What remains by the expectation; undefined when unknown; 0 once past it or ended. */
  etaMs: number | undefined;
  /** Running longer than expected. */
  overdue: boolean;
  lowerBound: boolean;
  ended: boolean;
}

export class RunProgress {
  private phase = 'preparing';
  private calls = 0;
  private readonly startedAt: number;
  private endedAt: number | undefined;

  constructor(
    private readonly info: RunProgressInfo,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** The run's status changed; a final one stops the clock. */
  setPhase(phase: string): void {
    this.phase = phase;
    if (FINAL.has(phase)) this.endedAt ??= this.now();
  }

  /** Calls made so far (they only grow: a smaller figure is ignored). */
  setCalls(calls: number): void {
    this.calls = Math.max(this.calls, calls);
  }

  snapshot(): RunProgressSnapshot {
    const ended = this.endedAt !== undefined;
    const elapsedMs = (this.endedAt ?? this.now()) - this.startedAt;
    const { expectedMs } = this.info;
    const overdue = !ended && expectedMs !== undefined && elapsedMs > expectedMs;
    const etaMs = ended ? 0 : expectedMs === undefined ? undefined : Math.max(0, expectedMs - elapsedMs);
    return {
      experiment: this.info.experiment,
      phase: this.phase,
      elapsedMs,
      calls: this.calls,
      expectedCalls: this.info.expectedCalls,
      expectedMs,
      etaMs,
      overdue,
      lowerBound: this.info.lowerBound === true,
      ended,
    };
  }
}

/** `12.0s elapsed · 34/120 calls · ETA 17.0s` (the parts both renderings share). */
function details(snapshot: RunProgressSnapshot): string {
  const calls = snapshot.expectedCalls === undefined ? `${snapshot.calls} calls` : `${snapshot.calls}/~${snapshot.expectedCalls} calls`;
  return `${formatElapsed(snapshot.elapsedMs)} elapsed · ${calls} · ${etaText(snapshot)}`;
}

function etaText(snapshot: RunProgressSnapshot): string {
  if (snapshot.ended) return 'done';
  if (snapshot.expectedMs === undefined || snapshot.etaMs === undefined) return 'ETA unknown';
  if (snapshot.overdue) return `past the expected ${snapshot.lowerBound ? '≥ ' : '~'}${formatElapsed(snapshot.expectedMs)}`;
  return `ETA ${snapshot.lowerBound ? '≥ ' : ''}${formatElapsed(snapshot.etaMs)}`;
}

/** The fraction the bar shows: by time against the expectation; full once ended; held below full while overdue. */
function fractionOf(snapshot: RunProgressSnapshot): number | undefined {
  if (snapshot.ended) return 1;
  const fraction = timeFraction(snapshot.elapsedMs, snapshot.etaMs);
  return fraction === undefined ? undefined : Math.min(fraction, 0.99);
}

/** One plain line, for a log or a pipe: `coldstart-identifier: running · 41% · 12.0s elapsed · 34 calls · ETA 17.0s`. */
export function runProgressLine(snapshot: RunProgressSnapshot): string {
  const fraction = fractionOf(snapshot);
  const percent = fraction === undefined || snapshot.ended ? '' : ` · ${Math.floor(fraction * 100)}%`;
  return `${snapshot.experiment}: ${snapshot.phase}${percent} · ${details(snapshot)}`;
}

/** The terminal's line: phase, a bar as wide as the terminal allows (none when the expectation is unknown), the details. */
export function runProgressBarLine(snapshot: RunProgressSnapshot, columns?: number): string {
  const head = `${snapshot.experiment} ${snapshot.phase}`;
  const tail = details(snapshot);
  const fraction = fractionOf(snapshot);
  if (fraction === undefined) return `${head}  ${tail}`;
  // What the bar may take: the terminal's width less the text around it; 10 to 30 cells.
  const room = (columns ?? 100) - head.length - tail.length - 12;
  return `${head}  ${progressBar(fraction, Math.max(10, Math.min(30, room)))}  ${tail}`;
}

/** The run as the display shows it. */
export function runProgressView(progress: RunProgress): ProgressView {
  return {
    lines: (columns) => [runProgressBarLine(progress.snapshot(), columns)],
    line: () => runProgressLine(progress.snapshot()),
  };
}
