import { performance } from 'node:perf_hooks';

/**
 * Wall-clock epoch milliseconds with sub-millisecond precision: the process's time origin plus
 * the monotonic clock, so consecutive readings never go backwards within one process.
 */
export function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time (user + system) this process has used so far, in milliseconds. */
export function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
