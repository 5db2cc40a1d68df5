import { performance } from 'node:perf_hooks';
import { CpuBudget, nextPacingStep, type PacingIntervals } from './cpu-budget';
import { createProcessCpuReader, ProcessCpuTimeUnavailableError, processCpuTimeReadable } from './process-cpu-time';

/** `cpuShare` was asked for on a system where the platform cannot hold an instance to it. */
export class CpuShareUnsupportedError extends Error {
  override name = 'CpuShareUnsupportedError';
}

export type PacingSignal = 'SIGSTOP' | 'SIGCONT';

export interface CpuPacerOptions {
  pid: number;
  /** Fraction of one core, more than 0 and below 1. */
  cpuShare: number;
  /** Whether the instance is starting or serving a request: looked at often then, rarely otherwise. */
  isActive(): boolean;
  /** Reads the process's CPU time so far, in ms. @default createProcessCpuReader(pid) */
  readCpuMs?: () => number;
  /** @default process.kill */
  sendSignal?: (pid: number, signal: PacingSignal) => void;
  /** A monotonic clock in ms. @default performance.now */
  nowMs?: () => number;
  /** @default { activeCheckMs: 5, idleCheckMs: 100 } */
  intervals?: PacingIntervals;
  /** Most CPU time an idle instance may bank, in ms. @default 2 */
  burstMs?: number;
}

const DEFAULT_INTERVALS: PacingIntervals = { activeCheckMs: 5, idleCheckMs: 100 };
const DEFAULT_BURST_MS = 2;

/**
 * Holds one process to a share of a core from the outside, the way a cgroup's CPU quota does but
 * without needing one: it reads the process's CPU time every few milliseconds while it works
 * (./process-cpu-time.ts), and pauses it (SIGSTOP) as soon as it has used more than its share,
 * resuming it (SIGCONT) once the wall time has caught up (the budget in ./cpu-budget.ts). The
 * process itself is not told: the CPU time it measures is what it really used, and its wall time
 * stretches.
 *
 * Call {@link CpuPacer.wake} when the process is given work, so the pacer looks at once rather
 * than at its idle interval, and {@link CpuPacer.dispose} before signalling the process to stop
 * (a paused process would not act on SIGTERM).
 */
export class CpuPacer {
  /** Times the process was paused. */
  pauses = 0;
  /** Wall time the process spent paused, in ms. */
  pausedMs = 0;
  private readonly budget: CpuBudget;
  private readonly readCpuMs: () => number;
  private readonly sendSignal: (pid: number, signal: PacingSignal) => void;
  private readonly nowMs: () => number;
  private readonly intervals: PacingIntervals;
  private paused = false;
  private pausedAtMs = 0;
  private disposed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CpuPacerOptions) {
    if (!(options.cpuShare > 0 && options.cpuShare < 1)) throw new RangeError(`cpuShare must be more than 0 and below 1, got ${options.cpuShare}`);
    this.sendSignal = options.sendSignal ?? ((pid, signal) => process.kill(pid, signal));
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.readCpuMs = options.readCpuMs ?? this.defaultReader(options.pid);
    this.intervals = options.intervals ?? DEFAULT_INTERVALS;
    const cpuMs = this.readCpuOrDispose() ?? 0;
    this.budget = new CpuBudget(options.cpuShare, options.burstMs ?? DEFAULT_BURST_MS, this.nowMs(), cpuMs);
    if (!this.disposed) this.schedule(this.intervals.activeCheckMs);
  }

  /** Whether the process is paused now. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** The process was given work: look now (unless it is paused, when the resume is already timed). */
  wake(): void {
    if (this.disposed || this.paused) return;
    clearTimeout(this.timer);
    this.check();
  }

  /** Stop pacing: resume the process if it is paused. Safe to call more than once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    if (this.paused) this.resume();
  }

  private check(): void {
    if (this.disposed) return;
    const cpuMs = this.readCpuOrDispose();
    if (cpuMs === undefined) return;
    const balanceMs = this.budget.update(this.nowMs(), cpuMs, this.paused);
    const step = nextPacingStep(balanceMs, this.options.cpuShare, this.options.isActive(), this.intervals);
    if (step.paused && !this.paused) this.pause();
    else if (!step.paused && this.paused) this.resume();
    if (!this.disposed) this.schedule(step.nextCheckMs);
  }

  private pause(): void {
    if (!this.signal('SIGSTOP')) return;
    this.paused = true;
    this.pausedAtMs = this.nowMs();
    this.pauses += 1;
  }

  private resume(): void {
    this.paused = false;
    this.pausedMs += this.nowMs() - this.pausedAtMs;
    this.signal('SIGCONT');
  }

  /** Send a signal; a process that is gone ends the pacing. */
  private signal(signal: PacingSignal): boolean {
    try {
      this.sendSignal(this.options.pid, signal);
      return true;
    } catch {
      this.disposed = true;
      clearTimeout(this.timer);
      return false;
    }
  }

  private readCpuOrDispose(): number | undefined {
    try {
      return this.readCpuMs();
    } catch (error) {
      if (!(error instanceof ProcessCpuTimeUnavailableError)) throw error;
      // The process has exited: nothing left to pace.
      this.dispose();
      return undefined;
    }
  }

  /** The process's CPU time from /proc, or a reader that reports it gone if it already is. */
  private defaultReader(pid: number): () => number {
    try {
      return createProcessCpuReader(pid, { nowMs: this.nowMs });
    } catch (error) {
      return () => {
        throw error;
      };
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.check(), delayMs);
    this.timer.unref();
  }
}

/** Refuse a CPU share below 1 where the pacer cannot read another process's CPU time. */
export function assertCpuShareSupported(cpuShare: number): void {
  if (cpuShare < 1 && !processCpuTimeReadable()) {
    throw new CpuShareUnsupportedError(`cpuShare ${cpuShare} needs /proc/<pid>/schedstat to read each instance's CPU time (Linux); use cpuShare 1 on this system`);
  }
}
