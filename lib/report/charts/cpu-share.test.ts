import { describe, expect, it } from 'vitest';
import { axisNames, drawn } from '../../../test-support/chart-checks';
import { reportRunOf } from '../../../test-support/report-runs';
import { cpuShareCharts } from './cpu-share';

describe('Function: cpuShareCharts', () => {
  it('plots each call’s CPU share against its work, busy loop and matrix apart, a series per concurrency', () => {
    const run = reportRunOf({
      experiment: 'throughput-benchmarking',
      rows: {
        throughput_benchmarking: [
          { concurrency: 1, throughput_time_s: 0.1, cpu_share_fraction: 0.98 },
          { concurrency: 1, throughput_time_s: 0.2, cpu_share_fraction: 0.99 },
          { concurrency: 12, throughput_time_s: 0.1, cpu_share_fraction: 0.16 },
          { concurrency: 12, throughput_time_s: 0.1, cpu_share_fraction: null },
        ],
        monolith: [{ concurrency: 1, matrix_size_n: 100, cpu_share_fraction: 0.97 }],
      },
    });
    const [busy, matrix] = cpuShareCharts([run]);
    if (!busy || !matrix) throw new Error('two charts expected');
    expect(busy.points).toBe(3);
    expect(drawn(busy).points).toBe(3);
    expect(matrix.points).toBe(1);
    expect(axisNames(busy)).toEqual({ x: ['busy-loop time asked for (s)'], y: ['CPU share (cores)'] });
    expect(axisNames(matrix).x).toEqual(['matrix size n (n × n)']);
  });
});
