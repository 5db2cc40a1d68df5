import { describe, expect, it } from 'vitest';
import { axisNames, drawn, seriesNames } from '../../../test-support/chart-checks';
import { invocationRow, reportRunOf } from '../../../test-support/report-runs';
import { latencyCdfChart } from './latency-cdf';

const calls = (latencies: number[], cold: boolean) => latencies.map((latencyMs, index) => invocationRow({ sendAt: 1000 * index, latencyMs, cold }));

describe('Function: latencyCdfChart', () => {
  it('plots one point per distinct latency of each run’s cold and warm calls, a series for each', () => {
    const a = reportRunOf({ experiment: 'linear-invocation', run: { platform: 'local' }, invocations: [...calls([5, 6, 6, 7, 9], false), ...calls([120, 150, 130], true)] });
    const b = reportRunOf({ experiment: 'linear-invocation', run: { platform: 'openfaas' }, invocations: calls([4, 5, 8, 11], false) });
    const chart = latencyCdfChart([a, b]);
    expect(chart).toBeDefined();
    if (!chart) return;
    // a warm: 5, 6, 7, 9 (6 twice is one corner); a cold: 3; b warm: 4.
    expect(chart.points).toBe(4 + 3 + 4);
    expect(drawn(chart).points).toBe(chart.points);
    expect(seriesNames(chart)).toEqual([`${a.label} · warm`, `${a.label} · cold`, `${b.label} · warm`]);
    expect(axisNames(chart)).toEqual({ x: ['latency (ms)'], y: ['share of calls ≤ latency (fraction)'] });
  });

  it('uses a log axis when latencies spread over more than 30×, and leaves out failed calls', () => {
    const run = reportRunOf({ experiment: 'linear-invocation', invocations: [...calls([1, 2, 3], false), ...calls([400], true), invocationRow({ status: 'error', latencyMs: 9999 })] });
    const chart = latencyCdfChart([run]);
    if (!chart) throw new Error('no chart');
    expect((chart.option.xAxis as { type: string }).type).toBe('log');
    expect(chart.points).toBe(4);
  });

  it('draws nothing for runs without an ok call', () => {
    expect(latencyCdfChart([reportRunOf({ experiment: 'linear-invocation', invocations: [invocationRow({ status: 'throttled', cold: null })] })])).toBeUndefined();
  });
});
