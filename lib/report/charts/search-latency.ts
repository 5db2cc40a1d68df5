/**
 * Latency against the idle gap for each probe of a cold-start search, with the latency threshold
 * the search judged by (where it had one) as a line per run: where cold and warm probes fall on
 * either side of it, and where the latency and the other signals disagree.
 */
import type { SeriesOption } from 'echarts';
import type { ReportRun } from '../report-run';
import type { ChartSpec } from './chart';
import { axisTypeFor, chartOption, legendRowsFor, markSeriesId } from './options';
import { searchesOf, verdictNames } from './search-probes';

export function searchLatencyChart(runs: readonly ReportRun[]): ChartSpec | undefined {
  const searches = searchesOf(runs);
  if (!searches.length) return undefined;
  const series: SeriesOption[] = [];
  const latencies: number[] = [];
  let points = 0;
  for (const search of searches) {
    const names = verdictNames(search.decidedBy);
    for (const cold of [true, false]) {
      const probes = search.probes.filter((probe) => probe.cold === cold && probe.latencyMs !== null && probe.latencyMs > 0);
      if (!probes.length) continue;
      series.push({ name: `${search.run.label} · ${cold ? names.cold : names.warm}`, type: 'scatter', symbol: cold ? 'circle' : 'emptyCircle', symbolSize: 8, data: probes.map((probe) => [probe.gapSeconds, probe.latencyMs]) });
      for (const probe of probes) latencies.push(probe.latencyMs as number);
      points += probes.length;
    }
    const threshold = search.probes.find((probe) => probe.thresholdMs !== null)?.thresholdMs;
    if (threshold !== undefined && threshold !== null) {
      latencies.push(threshold);
      series.push({
        id: markSeriesId(`threshold ${search.run.label}`),
        type: 'line',
        data: [],
        markLine: { symbol: 'none', silent: true, lineStyle: { type: 'dashed', color: '#7f8c8d' }, label: { formatter: `threshold ${Math.round(threshold * 10) / 10} ms (${search.run.run.id.slice(0, 8)})`, position: 'insideEndTop' }, data: [{ yAxis: threshold }] },
      });
    }
  }
  if (!points) return undefined;
  const logY = axisTypeFor(latencies) === 'log';
  return {
    kind: 'search-latency',
    title: 'Cold-start search: latency of each probe against its idle gap',
    caption: `The probe's latency (real ms: a quick run scales idle gaps, never latencies) against the idle gap before it (experiment seconds); filled points judged cold. The dashed line is the search's latency threshold, when it decides by one.${logY ? ' Latency on a log scale.' : ''}`,
    points,
    option: chartOption({ x: { name: 'idle gap before the probe (s)' }, y: { name: 'latency (ms)', type: logY ? 'log' : 'value' }, series, legendRows: legendRowsFor(series.filter((one) => one.type === 'scatter').length) }),
  };
}
