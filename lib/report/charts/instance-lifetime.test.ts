import { describe, expect, it } from 'vitest';
import { axisNames, drawn } from '../../../test-support/chart-checks';
import { invocationRow, reportRunOf } from '../../../test-support/report-runs';
import { instanceLifetimeChart } from './instance-lifetime';
import { instancesPerBatchChart } from './instances-per-batch';

describe('Function: instanceLifetimeChart', () => {
  it('plots every call at its experiment time against its instance, numbered by first appearance', () => {
    // Time scale 0.01: 1 real second is 100 experiment seconds.
    const call = (atMs: number, instance: string, cold: boolean) => invocationRow({ sendAt: atMs, execution_start: atMs, instance_identifier: instance, cold });
    const run = reportRunOf({
      experiment: 'function-lifetime',
      run: { manifest: { time_scale: 0.01 } },
      invocations: [call(1000, 'b', true), call(1500, 'b', false), call(2000, 'b', false), call(3000, 'a', true), call(3500, 'a', false)],
    });
    const chart = instanceLifetimeChart([run]);
    if (!chart) throw new Error('no chart');
    expect(chart.points).toBe(5);
    expect(drawn(chart).points).toBe(5);
    const series = chart.option.series as { name: string; data: number[][] }[];
    expect(series.map((one) => one.name)).toEqual([`${run.label} · cold call`, `${run.label} · warm call`]);
    expect(series[0]?.data).toEqual([
      [0, 1],
      [200, 2],
    ]);
    expect(series[1]?.data).toEqual([
      [50, 1],
      [100, 1],
      [250, 2],
    ]);
    expect(axisNames(chart)).toEqual({ x: ['time since the first call (s)'], y: ['instance (in order of first call)'] });
  });
});

describe('Function: instancesPerBatchChart', () => {
  it('plots calls, instances and reused instances per batch, leaving a gap where a batch has no reuse figure', () => {
    const run = reportRunOf({
      experiment: 'track-cloudfunctions-lifecycle',
      rows: {
        function_lifecycle: [
          { phase: 'initial', concurrency: 4, unique_instances: 4, reused_instances: null },
          { phase: 'step-down', concurrency: 3, unique_instances: 3, reused_instances: 3 },
          { phase: 'step-down', concurrency: 2, unique_instances: 2, reused_instances: 1 },
        ],
      },
    });
    const chart = instancesPerBatchChart([run]);
    if (!chart) throw new Error('no chart');
    expect(chart.points).toBe(3 + 3 + 2);
    expect(drawn(chart).points).toBe(8);
    expect(axisNames(chart).y).toEqual(['calls or instances (count)']);
  });
});
