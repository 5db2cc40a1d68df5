import { performance } from 'node:perf_hooks';

let skewMs = 0;

/**
 * Shift this process's clock by `ms` (negative: behind). Only the local platform asks for it
 * (`--platform-option clock-skew=…`), so that a test can prove the client's clock-offset
 * correction; on a real platform the clock is the host's.
 */
export function setClockSkewMs(ms: number): void {
  skewMs = Number.isFinite(ms) ? ms : 0;
}

/**
 * Wall-clock epoch milliseconds with sub-millisecond precision: the process's time origin plus
 * the monotonic clock, so consecutive readings never go backwards within one process.
 */
export function nowEpochMs(): number {
  return performance.timeOrigin + performance.now() + skewMs;
}

/** CPU time (user + system) this process has used so far, in milliseconds. */
export function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
