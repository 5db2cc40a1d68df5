import { describe, expect, it } from 'vitest';
import { axisNames, drawn } from '../../../test-support/chart-checks';
import { invocationRow, reportRunOf } from '../../../test-support/report-runs';
import { concurrencyLatencyChart } from './concurrency-latency';

describe('Function: concurrencyLatencyChart', () => {
  it('groups root calls by batch size: p50 and p90 latency of the ok ones and the share not ok', () => {
    const batch = (size: number, latencies: number[], statuses: ('ok' | 'throttled')[] = []) =>
      latencies.map((latencyMs, index) => invocationRow({ batch_size: size, batch_index: index, latencyMs, status: statuses[index] ?? 'ok' }));
    const run = reportRunOf({
      experiment: 'concurrency-benchmarking',
      invocations: [
        ...batch(2, [10, 20]),
        ...batch(4, [10, 20, 30, 40], ['ok', 'ok', 'ok', 'throttled']),
        invocationRow({ batch_size: 4, level: 1, latencyMs: 1 }),
      ],
    });
    const chart = concurrencyLatencyChart([run]);
    if (!chart) throw new Error('no chart');
    expect(chart.points).toBe(6);
    expect(drawn(chart).points).toBe(6);
    const series = chart.option.series as { name: string; data: number[][] }[];
    expect(series.map((one) => one.data)).toEqual([
      [
        [2, 15],
        [4, 20],
      ],
      [
        [2, 19],
        [4, 28],
      ],
      [
        [2, 0],
        [4, 0.25],
      ],
    ]);
    expect(axisNames(chart)).toEqual({ x: ['concurrent calls in the batch (count)'], y: ['latency (ms)', 'calls not ok (fraction)'] });
  });
});
