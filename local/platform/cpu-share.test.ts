import { describe, expect, it } from 'vitest';
import { getJson, invoke, rootRecord, startTestPlatform } from '../../test-support/platform';

describe('Local platform: cpu-share', () => {
  it('holds each instance to its share of a core: the function measures its real CPU time, and its wall time stretches', async () => {
    const cpuShare = 0.25;
    const platform = await startTestPlatform({ cpuShare });
    const info = await getJson<{ settings: Record<string, unknown> }>(platform, '/system/info');
    expect(info.body.settings).toMatchObject({ cpuShare });

    // Busy work runs until its wall time is up: it gets less CPU in the same wall time.
    const busy = rootRecord(await invoke(platform, 'function1', { throughput_time: 0.6 }));
    const busyShare = (busy.throughput_cpu_time_ms as number) / (busy.throughput_wall_time_ms as number);
    expect(busy.throughput_wall_time_ms).toBeGreaterThanOrEqual(600);
    // Never more than the share (give or take the pacer's burst and lag); less only if the shared
    // machine gave it less (the ground truth holds the figure to 10 % on a quiet machine).
    expect(busyShare).toBeLessThan(cpuShare * 1.3);
    expect(busyShare).toBeGreaterThan(cpuShare * 0.3);

    // Fixed work takes longer in wall time than the CPU time it needs.
    const matrix = rootRecord(await invoke(platform, 'monolith', { run_function: 'matrix_mult', args: 300, seed: 1 }));
    expect(matrix.matrix_wall_time_ms as number).toBeGreaterThan((matrix.matrix_cpu_time_ms as number) * 2);

    const [instance] = platform.platform.pool('function1').instances;
    expect(instance?.pacer?.pauses).toBeGreaterThan(10);
  }, 30_000);

  it('leaves instances alone at a share of 1', async () => {
    const platform = await startTestPlatform();
    rootRecord(await invoke(platform, 'function1', { throughput_time: 0.1 }));
    const [instance] = platform.platform.pool('function1').instances;
    expect(instance?.pacer).toBeUndefined();
  });
});
