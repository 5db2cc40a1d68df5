/**
 * A chart of the report as data (an ECharts option, with the number of data points it plots) and
 * its rendering to a static SVG string with ECharts' server-side renderer: no DOM, no script in
 * the page, the same picture in the HTML report, the Markdown report's SVG files and the web UI.
 *
 * Every data point ECharts draws carries `ecmeta_series_index`/`ecmeta_data_index`; the renderer
 * tags the first element of each point of a data series with `data-point`, so a test (or a reader
 * of the SVG) can count the points drawn and compare them with the points the builder plotted.
 * Series whose id starts with `mark:` carry only annotations (a verified result, a threshold) and
 * are not counted.
 */
import * as echarts from 'echarts';
import type { EChartsOption, SeriesOption } from 'echarts';

export const CHART_KINDS = [
  'latency-cdf',
  'search-gap',
  'search-latency',
  'instance-lifetime',
  'instances-per-batch',
  'concurrency-latency',
  'chain-hops',
  'cpu-share',
  'load-over-time',
] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

export interface ChartSpec {
  kind: ChartKind;
  title: string;
  /** What the chart shows and how to read it, one or two sentences. */
  caption: string;
  /** How many data points the chart plots (each drawn as one mark). */
  points: number;
  option: EChartsOption;
  widthPx?: number;
  heightPx?: number;
}

/** The system font stack (no web font: the report opens offline). No quotes: ECharts writes it into a style attribute. */
export const SYSTEM_FONTS = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

/** The id prefix of series that only carry annotations (mark lines, mark areas). */
export const MARK_SERIES_PREFIX = 'mark:';

const DEFAULT_WIDTH_PX = 880;
const DEFAULT_HEIGHT_PX = 420;

/** The chart as an SVG document fragment (`<svg …>…</svg>`), its data points tagged `data-point`. */
export function renderChartSvg(spec: ChartSpec): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: spec.widthPx ?? DEFAULT_WIDTH_PX, height: spec.heightPx ?? DEFAULT_HEIGHT_PX });
  try {
    chart.setOption({ ...spec.option, animation: false });
    return tagDataPoints(chart.renderToSVGString(), dataSeriesIndices(spec.option));
  } finally {
    chart.dispose();
  }
}

function dataSeriesIndices(option: EChartsOption): Set<number> {
  const series = (Array.isArray(option.series) ? option.series : option.series ? [option.series] : []) as SeriesOption[];
  const indices = new Set<number>();
  for (const [index, one] of series.entries()) {
    if (!String(one.id ?? '').startsWith(MARK_SERIES_PREFIX)) indices.add(index);
  }
  return indices;
}

function tagDataPoints(svg: string, dataSeries: ReadonlySet<number>): string {
  const seen = new Set<string>();
  return svg.replace(/ ecmeta_series_index="(\d+)" ecmeta_data_index="(\d+)" ecmeta_ssr_type="chart"/g, (match, series: string, data: string) => {
    const key = `${series}-${data}`;
    if (!dataSeries.has(Number(series)) || seen.has(key)) return match;
    seen.add(key);
    return `${match} data-point="${key}"`;
  });
}
