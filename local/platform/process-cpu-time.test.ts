import { describe, expect, it } from 'vitest';
import { createProcessCpuReader, ProcessCpuTimeUnavailableError, processCpuTimeReadable, readHelperThreadsCpuMs, readThreadCpuMs } from './process-cpu-time';

/** Spin this thread until the process has used `cpuMs` more CPU time (at most 10 s of wall time, on a busy machine). */
function spin(cpuMs: number): void {
  const start = process.cpuUsage();
  const until = performance.now() + 10_000;
  while (performance.now() < until) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= cpuMs) return;
  }
}

describe('Function: readThreadCpuMs', () => {
  it('reads the CPU time of a process’s main thread, which grows as it works', () => {
    expect(processCpuTimeReadable()).toBe(true);
    const before = readThreadCpuMs(process.pid);
    const ownBefore = process.cpuUsage();
    spin(100);
    const used = readThreadCpuMs(process.pid) - before;
    const ownUsage = process.cpuUsage(ownBefore);
    expect(used).toBeGreaterThan(20);
    // One thread's share of what the whole process measured (up to a scheduler tick of lag).
    expect(used).toBeLessThan((ownUsage.user + ownUsage.system) / 1000 + 5);
  });

  it('refuses a process that does not exist', () => {
    expect(() => readThreadCpuMs(2 ** 22 + 17)).toThrow(ProcessCpuTimeUnavailableError);
    expect(() => readHelperThreadsCpuMs(2 ** 22 + 17)).toThrow(ProcessCpuTimeUnavailableError);
  });
});

describe('Function: createProcessCpuReader', () => {
  it('adds the helper threads’ CPU time, summed again only after the refresh interval, and never goes back', () => {
    let nowMs = 0;
    const read = createProcessCpuReader(process.pid, { helperRefreshMs: 50, nowMs: () => nowMs });
    const first = read();
    expect(first).toBeGreaterThanOrEqual(readThreadCpuMs(process.pid) - 0.001);
    spin(30);
    const second = read();
    expect(second - first).toBeGreaterThan(5);
    nowMs = 60;
    const third = read();
    expect(third).toBeGreaterThanOrEqual(second);
    expect(third).toBeGreaterThanOrEqual(readThreadCpuMs(process.pid) + readHelperThreadsCpuMs(process.pid) - 20);
  });
});
