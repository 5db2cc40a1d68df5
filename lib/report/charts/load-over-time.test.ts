import { describe, expect, it } from 'vitest';
import { axisNames, drawn } from '../../../test-support/chart-checks';
import { invocationRow, reportRunOf } from '../../../test-support/report-runs';
import { LOAD_BINS, loadOverTimeChart } from './load-over-time';

describe('Function: loadOverTimeChart', () => {
  it('bins the calls by send time into calls per experiment second, with the failures and the median latency per bin', () => {
    // 41 calls one real second apart at time scale 0.1: 40 bins of 10 experiment seconds.
    const calls = Array.from({ length: LOAD_BINS + 1 }, (_, index) => invocationRow({ sendAt: 1_000_000 + index * 1000, latencyMs: 5, status: index === 3 ? 'throttled' : 'ok' }));
    const run = reportRunOf({ experiment: 'growing-load-spikes', run: { manifest: { time_scale: 0.1 } }, invocations: calls });
    const chart = loadOverTimeChart([run]);
    if (!chart) throw new Error('no chart');
    const series = chart.option.series as { name: string; data: number[][] }[];
    expect(series.map((one) => one.name)).toEqual([`${run.label} · calls sent`, `${run.label} · calls not ok`, `${run.label} · p50 latency`]);
    const [sent, failed, latency] = series;
    expect(sent?.data).toHaveLength(LOAD_BINS);
    // One call per 10 s bin, the last bin holding the last two.
    expect(sent?.data[0]).toEqual([5, 0.1]);
    expect(sent?.data[LOAD_BINS - 1]).toEqual([395, 0.2]);
    expect(failed?.data).toEqual([[35, 0.1]]);
    expect(latency?.data).toHaveLength(LOAD_BINS - 1);
    expect(chart.points).toBe(LOAD_BINS + 1 + LOAD_BINS - 1);
    expect(drawn(chart).points).toBe(chart.points);
    expect(axisNames(chart)).toEqual({ x: ['time since the first call (s)'], y: ['calls per second (1/s)', 'p50 latency (ms)'] });
  });
});
