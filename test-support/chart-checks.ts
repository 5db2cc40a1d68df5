/**
 * What the report's chart tests read back from a chart: its axis names, its series names, and the
 * points its SVG really draws (lib/report/charts/chart.ts tags each one).
 */
import type { SeriesOption } from 'echarts';
import { type ChartSpec, renderChartSvg } from '../lib/report/charts/chart';

export function axisNames(chart: ChartSpec): { x: string[]; y: string[] } {
  const names = (axis: unknown) => (Array.isArray(axis) ? axis : [axis]).map((one) => String((one as { name?: unknown }).name ?? ''));
  return { x: names(chart.option.xAxis), y: names(chart.option.yAxis) };
}

export function seriesNames(chart: ChartSpec): string[] {
  const series = (Array.isArray(chart.option.series) ? chart.option.series : [chart.option.series]) as SeriesOption[];
  return series.map((one) => String(one.name ?? one.id ?? ''));
}

/** How many marks of an SVG from renderChartSvg are data points (it tags each once). */
export function countTaggedPoints(svg: string): number {
  return (svg.match(/ data-point="/g) ?? []).length;
}

/** The chart rendered, and how many data points its SVG draws. */
export function drawn(chart: ChartSpec): { svg: string; points: number } {
  const svg = renderChartSvg(chart);
  return { svg, points: countTaggedPoints(svg) };
}
