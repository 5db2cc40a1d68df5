import { describe, expect, it } from 'vitest';
import { axisNames, drawn } from '../../../test-support/chart-checks';
import { reportRunOf } from '../../../test-support/report-runs';
import { chainHopsChart, hopPartsOf } from './chain-hops';

const weakestLink = reportRunOf({
  experiment: 'weakest-link',
  rows: {
    weakest_link_summary: [
      { direction: 'forward', prewarm_level: 0, hop: 0, function_name: 'function1', mean_own_time_ms: 120 },
      { direction: 'forward', prewarm_level: 0, hop: 1, function_name: 'function2', mean_own_time_ms: 300 },
      { direction: 'forward', prewarm_level: 1, hop: 0, function_name: 'function1', mean_own_time_ms: 5 },
      { direction: 'forward', prewarm_level: 1, hop: 1, function_name: 'function2', mean_own_time_ms: 280 },
    ],
  },
});

describe('Function: chainHopsChart', () => {
  it('stacks each hop’s mean own time per group of chain calls', () => {
    const chart = chainHopsChart([weakestLink]);
    if (!chart) throw new Error('no chart');
    expect(chart.points).toBe(4);
    expect(drawn(chart).points).toBe(4);
    expect((chart.option.xAxis as { data: string[] }).data).toEqual(['forward L0', 'forward L1']);
    expect(axisNames(chart).y).toEqual(['time (ms)']);
  });

  it('splits a nested call into its parts by their medians, ok calls only', () => {
    const row = (nested_latency_ms: number, status = 'ok') => ({ function_name: 'function1', nested_function_name: 'function2', status, nested_status: 'ok', nested_latency_ms, nested_duration_ms: 2, nested_round_trip_ms: nested_latency_ms + 3, round_trip_ms: nested_latency_ms + 10 });
    const run = reportRunOf({ experiment: 'linear-invocation-nested', rows: { linear_invocation_nested: [row(1), row(2), row(3), row(500, 'error')] } });
    expect(hopPartsOf(run)).toEqual([
      { group: 'function1 → function2', part: 'send → callee start', ms: 2 },
      { group: 'function1 → function2', part: 'callee duration', ms: 2 },
      { group: 'function1 → function2', part: 'callee answer back', ms: 1 },
      { group: 'function1 → function2', part: "caller's own and client path", ms: 7 },
    ]);
  });

  it('gives each run its own stack, side by side', () => {
    const other = reportRunOf({ experiment: 'weakest-link', run: { platform: 'openfaas' }, rows: weakestLink.rows as Record<string, Record<string, unknown>[]> });
    const chart = chainHopsChart([weakestLink, other]);
    if (!chart) throw new Error('no chart');
    const stacks = new Set((chart.option.series as { stack: string }[]).map((one) => one.stack));
    expect(stacks).toEqual(new Set([weakestLink.run.id, other.run.id]));
    expect(chart.points).toBe(8);
  });
});
