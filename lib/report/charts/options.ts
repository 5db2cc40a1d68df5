/**
 * The parts every report chart shares: no animation, the system font, a legend under the plot,
 * axes named with their units, and small symbols on every data point (so each point is one mark
 * in the SVG, see ./chart.ts). Kept here so the charts look alike.
 */
import type { EChartsOption, SeriesOption, XAXisComponentOption, YAXisComponentOption } from 'echarts';
import { MARK_SERIES_PREFIX, SYSTEM_FONTS } from './chart';

export interface AxisSpec {
  /** The axis name with its unit, e.g. `latency (ms)`. */
  name: string;
  type?: 'value' | 'log' | 'category';
  /** Category labels, for `type: 'category'`. */
  categories?: readonly string[];
  min?: number;
  max?: number;
}

export function xAxisOf(axis: AxisSpec): XAXisComponentOption {
  const type = axis.type ?? 'value';
  return {
    type,
    name: axis.name,
    nameLocation: 'middle',
    nameGap: 30,
    ...(type === 'category' ? { data: [...(axis.categories ?? [])] } : { scale: type !== 'log' }),
    ...(axis.min !== undefined ? { min: axis.min } : {}),
    ...(axis.max !== undefined ? { max: axis.max } : {}),
  } as XAXisComponentOption;
}

export function yAxisOf(axis: AxisSpec, position: 'left' | 'right' = 'left'): YAXisComponentOption {
  const type = axis.type ?? 'value';
  return {
    type,
    name: axis.name,
    nameLocation: 'middle',
    nameGap: position === 'left' ? 52 : 48,
    position,
    ...(type === 'category' ? { data: [...(axis.categories ?? [])] } : {}),
    ...(position === 'right' ? { splitLine: { show: false } } : {}),
    ...(axis.min !== undefined ? { min: axis.min } : {}),
    ...(axis.max !== undefined ? { max: axis.max } : {}),
  } as YAXisComponentOption;
}

/** A whole option: axes, series, a legend at the bottom sized for `legendRows` rows. */
export function chartOption(parts: { x: AxisSpec; y: AxisSpec | [AxisSpec, AxisSpec]; series: SeriesOption[]; legendRows?: number }): EChartsOption {
  const ys = Array.isArray(parts.y) ? parts.y : [parts.y];
  const legendRows = parts.legendRows ?? 1;
  return {
    animation: false,
    textStyle: { fontFamily: SYSTEM_FONTS },
    grid: { left: 72, right: ys.length > 1 ? 72 : 28, top: 24, bottom: 64 + 32 * legendRows },
    legend: { bottom: 4, type: 'plain', itemHeight: 10, itemGap: 18, data: legendNames(parts.series) },
    xAxis: xAxisOf(parts.x),
    yAxis: ys.map((axis, index) => yAxisOf(axis, index === 0 ? 'left' : 'right')),
    series: parts.series,
  };
}

/** Data series in the legend, mark-only series not. */
function legendNames(series: readonly SeriesOption[]): string[] {
  const names: string[] = [];
  for (const one of series) {
    if (String(one.id ?? '').startsWith(MARK_SERIES_PREFIX)) continue;
    const name = String(one.name ?? '');
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

/** Legend rows for `names` entries: a run label and its group take about 330 px of an 880 px chart. */
export function legendRowsFor(names: number): number {
  return Math.max(1, Math.ceil(names / 2));
}

/** Every point drawn as a small symbol, even when there are many. */
export const POINT_SYMBOLS = { showSymbol: true, showAllSymbol: true, symbolSize: 4 } as const;

/** A series that only annotates (not counted as data, not in the legend). */
export function markSeriesId(name: string): string {
  return `${MARK_SERIES_PREFIX}${name}`;
}

/** Axis type for positive values spread over more than `ratio`: logarithmic, else linear. */
export function axisTypeFor(values: readonly number[], ratio = 30): 'value' | 'log' {
  const positive = values.filter((value) => value > 0);
  if (positive.length !== values.length || !positive.length) return 'value';
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const value of positive) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return max / min > ratio ? 'log' : 'value';
}
