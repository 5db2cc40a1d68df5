/**
 * Instance lifetime: every call a run made, at its time since the run's first call (experiment
 * seconds, on the functions' clock) against the instance that served it, numbered in the order
 * the instances first appeared. An instance's row of points runs from its first call to its last:
 * where one ends and the next begins is where the platform recycled or replaced it. Cold calls
 * (an instance's first) are filled.
 */
import type { SeriesOption } from 'echarts';
import { type ReportRun, timeScaleOf } from '../report-run';
import type { ChartSpec } from './chart';
import { chartOption, legendRowsFor } from './options';

/** Calls drawn per run at most; beyond it every k-th call is drawn (the caption says so). */
export const LIFETIME_MAX_CALLS = 2000;

export function instanceLifetimeChart(runs: readonly ReportRun[]): ChartSpec | undefined {
  const series: SeriesOption[] = [];
  let points = 0;
  let thinned = false;
  let maxInstances = 0;
  for (const run of runs) {
    const calls = run.invocations.filter((row) => row.instance_identifier !== null && row.execution_start !== null);
    if (!calls.length) continue;
    const scale = timeScaleOf(run.run);
    let firstMs = Number.POSITIVE_INFINITY;
    for (const call of calls) firstMs = Math.min(firstMs, call.execution_start as number);
    const instanceNumbers = new Map<string, number>();
    for (const call of [...calls].sort((a, b) => (a.execution_start as number) - (b.execution_start as number))) {
      if (!instanceNumbers.has(call.instance_identifier as string)) instanceNumbers.set(call.instance_identifier as string, instanceNumbers.size + 1);
    }
    maxInstances = Math.max(maxInstances, instanceNumbers.size);
    const step = Math.ceil(calls.length / LIFETIME_MAX_CALLS);
    if (step > 1) thinned = true;
    const kept = calls.filter((call, index) => step === 1 || index % step === 0 || call.cold === true);
    for (const cold of [true, false]) {
      const data = kept
        .filter((call) => (call.cold === true) === cold)
        .map((call) => [round(((call.execution_start as number) - firstMs) / 1000 / scale), instanceNumbers.get(call.instance_identifier as string) as number]);
      if (!data.length) continue;
      series.push({ name: `${run.label} · ${cold ? 'cold call' : 'warm call'}`, type: 'scatter', symbol: cold ? 'circle' : 'emptyCircle', symbolSize: cold ? 7 : 4, data });
      points += data.length;
    }
  }
  if (!points) return undefined;
  return {
    kind: 'instance-lifetime',
    title: 'Instances over time: which instance served each call',
    caption: `Each point is a call, at its start on the function's clock since the run's first call (experiment seconds: real time ÷ the run's time scale), on the row of the instance that served it (instances numbered by first appearance); filled points are cold calls.${thinned ? ` Runs with more than ${LIFETIME_MAX_CALLS} calls show every k-th warm call and every cold one.` : ''}`,
    points,
    option: chartOption({ x: { name: 'time since the first call (s)', min: 0 }, y: { name: 'instance (in order of first call)', min: 0, max: maxInstances + 1 }, series, legendRows: legendRowsFor(series.length) }),
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
