/**
 * The cold-start search trace: each probe's idle gap in the order probed, marked by the verdict
 * the search went by (new instance / cold by the threshold, or not), with the verified result as a
 * horizontal line per run. Shows how the search stepped down to its answer and confirmed it.
 */
import type { SeriesOption } from 'echarts';
import type { ReportRun } from '../report-run';
import type { ChartSpec } from './chart';
import { chartOption, legendRowsFor, markSeriesId } from './options';
import { searchesOf, verdictNames } from './search-probes';

export function searchGapChart(runs: readonly ReportRun[]): ChartSpec | undefined {
  const searches = searchesOf(runs);
  if (!searches.length) return undefined;
  const series: SeriesOption[] = [];
  let points = 0;
  for (const search of searches) {
    const names = verdictNames(search.decidedBy);
    const label = search.run.label;
    // The path of the search, under its points (an annotation: the points are the data).
    series.push({ id: markSeriesId(`path ${label}`), type: 'line', showSymbol: false, silent: true, lineStyle: { width: 1, color: '#b0b4bd' }, data: search.probes.map((probe) => [probe.index, probe.gapSeconds]), z: 1 });
    for (const cold of [true, false]) {
      const probes = search.probes.filter((probe) => probe.cold === cold);
      if (!probes.length) continue;
      series.push({ name: `${label} · ${cold ? names.cold : names.warm}`, type: 'scatter', symbol: cold ? 'circle' : 'emptyCircle', symbolSize: 8, data: probes.map((probe) => [probe.index, probe.gapSeconds]), z: 3 });
      points += probes.length;
    }
    if (search.resultSeconds !== null) {
      series.push({
        id: markSeriesId(`result ${label}`),
        type: 'line',
        data: [],
        markLine: { symbol: 'none', silent: true, lineStyle: { type: 'dashed', color: '#c0392b' }, label: { formatter: `verified: ${search.resultSeconds} s (${search.run.run.id.slice(0, 8)})`, position: 'insideEndTop' }, data: [{ yAxis: search.resultSeconds }] },
      });
    }
  }
  return {
    kind: 'search-gap',
    title: 'Cold-start search: idle gap of each probe',
    caption: 'Each probe idles for the gap, then calls once (or once per batch); filled points are probes the search judged cold, open points warm. The dashed line is the verified idle timeout the search reported (experiment seconds).',
    points,
    option: chartOption({ x: { name: 'probe (in order)' }, y: { name: 'idle gap before the probe (s)', min: 0 }, series, legendRows: legendRowsFor(series.filter((one) => one.type === 'scatter').length) }),
  };
}
