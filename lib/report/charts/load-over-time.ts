/**
 * Load and latency over time, for ramps and spikes (scenario-pyramid, growing-load-spikes): the
 * calls a run sent, binned by when they were sent, as calls per second of experiment time, with
 * the median latency of each bin's ok calls and the rate of calls that did not end ok.
 */
import type { SeriesOption } from 'echarts';
import { latencyMsOf } from '../../stats/invocation-latency';
import { percentileCont } from '../../stats/summary';
import { type ReportRun, timeScaleOf } from '../report-run';
import type { ChartSpec } from './chart';
import { chartOption, legendRowsFor, POINT_SYMBOLS } from './options';

/** Bins over a run's sending time. */
export const LOAD_BINS = 40;

interface Bin {
  /** Middle of the bin, experiment s since the first send. */
  atSeconds: number;
  calls: number;
  notOk: number;
  latencies: number[];
}

function binsOf(run: ReportRun): { bins: Bin[]; widthSeconds: number } | undefined {
  const sent = run.invocations.filter((row) => row.level === 0 && row.client_send !== null);
  if (sent.length < 2) return undefined;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const row of sent) {
    first = Math.min(first, row.client_send as number);
    last = Math.max(last, row.client_send as number);
  }
  const scale = timeScaleOf(run.run);
  const widthMs = Math.max((last - first) / LOAD_BINS, 1);
  const count = Math.min(LOAD_BINS, Math.floor((last - first) / widthMs) + 1);
  const bins: Bin[] = Array.from({ length: count }, (_, index) => ({ atSeconds: ((index + 0.5) * widthMs) / 1000 / scale, calls: 0, notOk: 0, latencies: [] }));
  for (const row of sent) {
    const bin = bins[Math.min(count - 1, Math.floor(((row.client_send as number) - first) / widthMs))] as Bin;
    bin.calls += 1;
    if (row.status !== 'ok') bin.notOk += 1;
    else {
      const latency = latencyMsOf(row);
      if (latency !== null) bin.latencies.push(latency);
    }
  }
  return { bins, widthSeconds: widthMs / 1000 / scale };
}

export function loadOverTimeChart(runs: readonly ReportRun[]): ChartSpec | undefined {
  const series: SeriesOption[] = [];
  let points = 0;
  for (const run of runs) {
    const binned = binsOf(run);
    if (!binned) continue;
    const { bins, widthSeconds } = binned;
    const perSecond = (calls: number) => Math.round((calls / widthSeconds) * 1000) / 1000;
    series.push({ name: `${run.label} · calls sent`, type: 'line', ...POINT_SYMBOLS, yAxisIndex: 0, data: bins.map((bin) => [round(bin.atSeconds), perSecond(bin.calls)]) });
    points += bins.length;
    const failing = bins.filter((bin) => bin.notOk > 0);
    if (failing.length) {
      series.push({ name: `${run.label} · calls not ok`, type: 'bar', yAxisIndex: 0, barMaxWidth: 8, data: failing.map((bin) => [round(bin.atSeconds), perSecond(bin.notOk)]) });
      points += failing.length;
    }
    const answered = bins.filter((bin) => bin.latencies.length);
    series.push({ name: `${run.label} · p50 latency`, type: 'line', ...POINT_SYMBOLS, yAxisIndex: 1, lineStyle: { type: 'dashed' }, data: answered.map((bin) => [round(bin.atSeconds), round(percentileCont(bin.latencies, 0.5))]) });
    points += answered.length;
  }
  if (!points) return undefined;
  return {
    kind: 'load-over-time',
    title: 'Load and latency over time',
    caption: `The calls sent, in ${LOAD_BINS} bins over the sending time, as calls per second of experiment time (left), with the rate of calls not ok (bars, left) and the median latency of each bin's ok calls (dashed, right, real ms).`,
    points,
    option: chartOption({ x: { name: 'time since the first call (s)', min: 0 }, y: [{ name: 'calls per second (1/s)', min: 0 }, { name: 'p50 latency (ms)', min: 0 }], series, legendRows: legendRowsFor(series.length) }),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
