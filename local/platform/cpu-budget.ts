/**
 * The CPU budget of one instance held to a share of a core: a token bucket in milliseconds of CPU
 * time. Every wall millisecond earns `cpuShare` ms of CPU; every CPU millisecond used spends one.
 * An instance whose balance falls below zero has used more than its share and must pause until the
 * balance is back at zero; pausing costs it wall time, never CPU time, so its own measurement of
 * CPU time ÷ wall time comes out at the share.
 *
 * What an idle instance earns is kept only up to `burstMs`, so a request that finds it idle runs at
 * full speed for at most that long before the share applies (the quota of Linux's CFS bandwidth
 * control behaves alike, per period). What a paused instance earns is always kept: the pause was
 * the platform's doing, and a pause that a late timer made too long is paid back by the next run.
 */
export class CpuBudget {
  private balance: number;

  /**
   * @param cpuShare fraction of one core, more than 0 and below 1
   * @param burstMs most CPU time an idle instance may bank, in ms
   * @param wallMs the wall clock now, in ms (any origin, monotonic)
   * @param cpuMs the instance's CPU time now, in ms
   */
  constructor(
    readonly cpuShare: number,
    readonly burstMs: number,
    private wallMs: number,
    private cpuMs: number,
  ) {
    this.balance = burstMs;
  }

  /** CPU time the instance may still use before it must pause, in ms; negative: what it owes. */
  get balanceMs(): number {
    return this.balance;
  }

  /**
   * Bring the balance up to date: earn the share of the wall time since the last update, spend
   * the CPU time used since then. `paused` says whether the instance was paused meanwhile.
   */
  update(wallMs: number, cpuMs: number, paused: boolean): number {
    const earnedMs = this.cpuShare * Math.max(0, wallMs - this.wallMs);
    const usedMs = Math.max(0, cpuMs - this.cpuMs);
    this.wallMs = wallMs;
    this.cpuMs = cpuMs;
    const next = this.balance + earnedMs - usedMs;
    // Earning never lifts the balance above the burst (or above what a pause already banked).
    this.balance = paused ? next : Math.min(Math.max(this.burstMs, this.balance), next);
    return this.balance;
  }
}

/** What the pacer does next. */
export interface PacingStep {
  /** Whether the instance should be paused from now on. */
  paused: boolean;
  /** When to look again, in ms from now. */
  nextCheckMs: number;
}

/** How often the pacer looks at an instance. */
export interface PacingIntervals {
  /** While the instance serves a request or starts: at most this long between looks, in ms. */
  activeCheckMs: number;
  /** While it is idle: only to catch CPU used outside any request, in ms. */
  idleCheckMs: number;
}

/** The smallest wait a timer can honour, in ms. */
const MIN_CHECK_MS = 1;

/**
 * Decide from the balance whether the instance runs or pauses, and when to look again: a paused
 * instance when its debt is paid back; a running one no later than when a full core's use would
 * spend its balance, so that it overruns its share by as little as the timer allows.
 */
export function nextPacingStep(balanceMs: number, cpuShare: number, active: boolean, intervals: PacingIntervals): PacingStep {
  if (balanceMs < 0) return { paused: true, nextCheckMs: Math.max(MIN_CHECK_MS, -balanceMs / cpuShare) };
  if (!active) return { paused: false, nextCheckMs: intervals.idleCheckMs };
  // Running flat out, the balance falls by (1 − share) per wall ms.
  const untilSpentMs = balanceMs / (1 - cpuShare);
  return { paused: false, nextCheckMs: Math.max(MIN_CHECK_MS, Math.min(intervals.activeCheckMs, untilSpentMs)) };
}
