/** The agent measures its machine and its own CPU time over the run. */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startClientUsage } from './client-usage';

describe('startClientUsage', () => {
  it('reports this machine and the CPU this process burnt since it started measuring, over the clock\'s wall time', () => {
    let now = 1000;
    const finish = startClientUsage(() => now);
    const until = Date.now() + 60;
    let spin = 0;
    while (Date.now() < until) spin++;
    now = 1250;
    const usage = finish();
    expect(spin).toBeGreaterThan(0);
    expect(usage.cpuCores).toBe(Math.max(1, availableParallelism()));
    expect(usage.cpuModel.length).toBeGreaterThan(0);
    expect(usage.agentCpuMs).toBeGreaterThan(10);
    expect(usage.wallMs).toBe(250);
  });
});
