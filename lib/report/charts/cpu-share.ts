/**
 * CPU share against requested work, for throughput-benchmarking: each call's CPU time of its work
 * divided by the work's wall time (1 = one full core), against the busy-loop time asked for (one
 * chart) and the size of the matrix multiplied (another), one series per run and concurrency.
 */
import type { SeriesOption } from 'echarts';
import type { ReportRun } from '../report-run';
import { numberField } from '../row-fields';
import type { ChartSpec } from './chart';
import { chartOption, legendRowsFor } from './options';

const WORKS = [
  { table: 'throughput_benchmarking', field: 'throughput_time_s', axis: 'busy-loop time asked for (s)', title: 'CPU share against the busy-loop time asked for' },
  { table: 'monolith', field: 'matrix_size_n', axis: 'matrix size n (n × n)', title: 'CPU share against the matrix size multiplied' },
] as const;

export function cpuShareCharts(runs: readonly ReportRun[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const work of WORKS) {
    const series: SeriesOption[] = [];
    let points = 0;
    for (const run of runs) {
      const rows = run.rows[work.table] ?? [];
      const concurrencies = [...new Set(rows.map((row) => numberField(row, 'concurrency')).filter((value): value is number => value !== null))].sort((a, b) => a - b);
      for (const concurrency of concurrencies) {
        const data = rows
          .filter((row) => numberField(row, 'concurrency') === concurrency)
          .map((row) => [numberField(row, work.field), numberField(row, 'cpu_share_fraction')])
          .filter((point): point is [number, number] => point[0] !== null && point[1] !== null);
        if (!data.length) continue;
        series.push({ name: `${run.label} · ${concurrency === 1 ? 'one at a time' : `${concurrency} at once`}`, type: 'scatter', symbol: concurrency === 1 ? 'circle' : 'triangle', symbolSize: 7, data });
        points += data.length;
      }
    }
    if (!points) continue;
    charts.push({
      kind: 'cpu-share',
      title: work.title,
      caption: "Each point is one call: the CPU time of its work divided by that work's wall time, both measured by the function around the work alone (1 = one full core).",
      points,
      option: chartOption({ x: { name: work.axis }, y: { name: 'CPU share (cores)', min: 0 }, series, legendRows: legendRowsFor(series.length) }),
    });
  }
  return charts;
}
