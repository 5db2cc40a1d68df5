/**
 * Latency CDF, cold against warm: for each run, the empirical CDF of the latency of its ok calls
 * whose record says cold, and of those that say warm (lib/stats/run-stats.ts, downsampled by
 * lib/stats/ecdf.ts's rule). Runs of other platforms or dates are more series in the same chart.
 */
import type { SeriesOption } from 'echarts';
import type { EcdfPoint } from '../../stats/ecdf';
import type { ReportRun } from '../report-run';
import type { ChartSpec } from './chart';
import { axisTypeFor, chartOption, legendRowsFor, POINT_SYMBOLS } from './options';

export function latencyCdfChart(runs: readonly ReportRun[]): ChartSpec | undefined {
  const series: SeriesOption[] = [];
  const xs: number[] = [];
  let points = 0;
  for (const run of runs) {
    const total = run.stats.total;
    const groups: [string, EcdfPoint[] | undefined][] = [
      ['warm', total.warm.latency.ecdf],
      ['cold', total.cold.latency.ecdf],
    ];
    // Calls with no cold flag at all (e.g. every call failed on the client): the whole sample.
    if (!total.warm.latency.n && !total.cold.latency.n) groups.push(['all', total.all.latency.ecdf]);
    for (const [group, ecdf] of groups) {
      if (!ecdf?.length) continue;
      series.push({ name: `${run.label} · ${group}`, type: 'line', step: 'end', ...POINT_SYMBOLS, lineStyle: { type: group === 'cold' ? 'dashed' : 'solid' }, data: ecdf.map((point) => [point.x, point.p]) });
      for (const point of ecdf) xs.push(point.x);
      points += ecdf.length;
    }
  }
  if (!points) return undefined;
  const logX = axisTypeFor(xs) === 'log';
  return {
    kind: 'latency-cdf',
    title: 'Latency CDF, cold and warm calls',
    caption: `Share of ok calls at or below each latency (client round trip for calls the client made, the caller's timing for nested calls); cold calls dashed. ${logX ? 'Latency on a log scale. ' : ''}Each curve keeps at most 200 corner points (at most 0.5 % off the full CDF).`,
    points,
    option: chartOption({ x: { name: 'latency (ms)', type: logX ? 'log' : 'value' }, y: { name: 'share of calls ≤ latency (fraction)', min: 0, max: 1 }, series, legendRows: legendRowsFor(series.length) }),
  };
}
