/**
 * Latency and errors against concurrency: the calls a run sent in batches, grouped by batch size
 * (the calls released together), with the median and 90th percentile latency of the ok calls of
 * each size and the share of its calls that did not end ok (errors, throttles, timeouts), per run.
 */
import type { SeriesOption } from 'echarts';
import type { InvocationRow } from '../../results/types';
import { latencyMsOf } from '../../stats/invocation-latency';
import { percentileCont } from '../../stats/summary';
import type { ReportRun } from '../report-run';
import type { ChartSpec } from './chart';
import { chartOption, legendRowsFor, POINT_SYMBOLS } from './options';

interface SizeGroup {
  size: number;
  latencies: number[];
  calls: number;
  notOk: number;
}

function groupsOf(invocations: readonly InvocationRow[]): SizeGroup[] {
  const bySize = new Map<number, SizeGroup>();
  for (const row of invocations) {
    if (row.level !== 0) continue;
    const group = bySize.get(row.batch_size) ?? { size: row.batch_size, latencies: [], calls: 0, notOk: 0 };
    group.calls += 1;
    if (row.status !== 'ok') group.notOk += 1;
    else {
      const latency = latencyMsOf(row);
      if (latency !== null) group.latencies.push(latency);
    }
    bySize.set(row.batch_size, group);
  }
  return [...bySize.values()].sort((a, b) => a.size - b.size);
}

export function concurrencyLatencyChart(runs: readonly ReportRun[]): ChartSpec | undefined {
  const series: SeriesOption[] = [];
  let points = 0;
  for (const run of runs) {
    const groups = groupsOf(run.invocations);
    if (!groups.length) continue;
    const withLatency = groups.filter((group) => group.latencies.length);
    for (const [name, p] of [
      ['p50 latency', 0.5],
      ['p90 latency', 0.9],
    ] as const) {
      if (!withLatency.length) continue;
      series.push({ name: `${run.label} · ${name}`, type: 'line', ...POINT_SYMBOLS, symbolSize: 7, yAxisIndex: 0, lineStyle: { type: p === 0.5 ? 'solid' : 'dashed' }, data: withLatency.map((group) => [group.size, round(percentileCont(group.latencies, p))]) });
      points += withLatency.length;
    }
    series.push({ name: `${run.label} · not ok`, type: 'line', ...POINT_SYMBOLS, symbol: 'rect', symbolSize: 7, yAxisIndex: 1, lineStyle: { type: 'dotted' }, data: groups.map((group) => [group.size, round(group.notOk / group.calls)]) });
    points += groups.length;
  }
  if (!points) return undefined;
  return {
    kind: 'concurrency-latency',
    title: 'Latency and errors against concurrency',
    caption: 'Calls grouped by the size of the batch they were released in: median and p90 latency of the ok calls (left), and the share of calls that ended in an error, a throttle or a timeout (dotted, right).',
    points,
    option: chartOption({ x: { name: 'concurrent calls in the batch (count)' }, y: [{ name: 'latency (ms)', min: 0 }, { name: 'calls not ok (fraction)', min: 0, max: 1 }], series, legendRows: legendRowsFor(series.length) }),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
