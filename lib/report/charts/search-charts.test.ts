import { describe, expect, it } from 'vitest';
import { axisNames, drawn } from '../../../test-support/chart-checks';
import { reportRunOf } from '../../../test-support/report-runs';
import { searchGapChart } from './search-gap';
import { searchLatencyChart } from './search-latency';

/** coldstart-identifier's rows: probes by change of instance, then its closing row without a call. */
const byInstance = reportRunOf({
  experiment: 'coldstart-identifier',
  run: { result: { metric: 'idle_timeout', value: 160, unit: 's', granularity: 10, sentence: 'function1 goes cold after 160 s idle' } },
  rows: {
    coldstart: [
      { phase: 'search-1', gap_s: 300, new_instance: true, latency_ms: 120 },
      { phase: 'search-2', gap_s: 60, new_instance: false, latency_ms: 4 },
      { phase: 'search-2', gap_s: 120, new_instance: false, latency_ms: 5 },
      { phase: 'search-2', gap_s: 180, new_instance: true, latency_ms: 110 },
      { phase: 'verify', gap_s: 160, new_instance: true, latency_ms: 115 },
      { phase: 'final', gap_s: 160, new_instance: true, final: true },
    ],
  },
});

/** A threshold search's rows: the threshold decides, whatever the instance says. */
const byThreshold = reportRunOf({
  experiment: 'simple-cold-function',
  rows: {
    coldstart: [
      { phase: 'search-1', gap_s: 300, cold_by_threshold: true, new_instance: true, latency_ms: 1400, threshold_ms: 1000 },
      { phase: 'search-2', gap_s: 60, cold_by_threshold: false, new_instance: true, latency_ms: 30, threshold_ms: 1000 },
      { phase: 'final', gap_s: 60, cold_by_threshold: true, new_instance: true, latency_ms: 1300, threshold_ms: 1000 },
    ],
  },
});

describe('Function: searchGapChart', () => {
  it('plots each probe with a call (not the closing row) by its verdict, and marks the verified result', () => {
    const chart = searchGapChart([byInstance]);
    if (!chart) throw new Error('no chart');
    expect(chart.points).toBe(5);
    const { svg, points } = drawn(chart);
    expect(points).toBe(5);
    expect(svg).toContain('verified: 160 s');
    expect(axisNames(chart)).toEqual({ x: ['probe (in order)'], y: ['idle gap before the probe (s)'] });
  });

  it('compares runs in one chart, each with its own verdicts', () => {
    const chart = searchGapChart([byInstance, byThreshold]);
    if (!chart) throw new Error('no chart');
    const names = (chart.option.legend as { data: string[] }).data;
    expect(names).toEqual([`${byInstance.label} · new instance`, `${byInstance.label} · same instance`, `${byThreshold.label} · cold by the threshold`, `${byThreshold.label} · warm by the threshold`]);
    expect(chart.points).toBe(8);
  });

  it('draws nothing without probe rows', () => {
    expect(searchGapChart([reportRunOf({ experiment: 'coldstart-identifier' })])).toBeUndefined();
  });
});

describe('Function: searchLatencyChart', () => {
  it('plots latency against the idle gap with the threshold line, on a log axis for a wide spread', () => {
    const chart = searchLatencyChart([byThreshold]);
    if (!chart) throw new Error('no chart');
    const { svg, points } = drawn(chart);
    expect(points).toBe(3);
    expect(svg).toContain('threshold 1000 ms');
    expect(axisNames(chart)).toEqual({ x: ['idle gap before the probe (s)'], y: ['latency (ms)'] });
    expect((chart.option.yAxis as { type: string }[])[0]?.type).toBe('log');
  });
});
