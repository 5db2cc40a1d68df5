/**
 * Instances per batch, for track-cloudfunctions-lifecycle's `function_lifecycle` rows: how many
 * instances served each batch, how many of them had served the first batch of its N, and how
 * many calls the batch had, batch by batch in the order sent. Shows whether the platform keeps
 * the instances of a burst as the load steps down.
 */
import type { SeriesOption } from 'echarts';
import type { ReportRun } from '../report-run';
import { numberField } from '../row-fields';
import type { ChartSpec } from './chart';
import { chartOption, legendRowsFor, POINT_SYMBOLS } from './options';

export function instancesPerBatchChart(runs: readonly ReportRun[]): ChartSpec | undefined {
  const series: SeriesOption[] = [];
  let points = 0;
  for (const run of runs) {
    const rows = run.rows.function_lifecycle ?? [];
    if (!rows.length) continue;
    const columns: [string, string, 'bar' | 'line'][] = [
      ['calls in the batch', 'concurrency', 'line'],
      ['instances', 'unique_instances', 'bar'],
      ['of them from the first batch', 'reused_instances', 'line'],
    ];
    for (const [name, field, type] of columns) {
      // A batch without the figure (the first batch has no earlier one to share instances with) is a gap in the line.
      const data = rows.map((row, index) => [index + 1, numberField(row, field)]);
      const drawn = data.filter((point) => point[1] !== null).length;
      if (!drawn) continue;
      series.push({ name: `${run.label} · ${name}`, type, ...(type === 'line' ? { ...POINT_SYMBOLS, symbolSize: 6, lineStyle: { width: 1 } } : { barMaxWidth: 14 }), data });
      points += drawn;
    }
  }
  if (!points) return undefined;
  return {
    kind: 'instances-per-batch',
    title: 'Instances per batch',
    caption: 'For each batch in the order sent: its calls, the distinct instances that answered them, and (for the step-down batches) how many of those had served the first batch of the same N.',
    points,
    option: chartOption({ x: { name: 'batch (in order)' }, y: { name: 'calls or instances (count)', min: 0 }, series, legendRows: legendRowsFor(series.length) }),
  };
}
