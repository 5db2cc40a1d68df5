/**
 * The charts of one report section (the runs of one experiment): those of the experiment's kind
 * (./kinds.ts) first, then any other chart the runs have data for — a cold-start search trace
 * wherever `coldstart` probe rows are stored (simple-cold-function-threaded-twelve is a concurrency
 * experiment that searches too), and the latency CDF wherever calls answered.
 */
import { chainHopsChart } from './charts/chain-hops';
import type { ChartKind, ChartSpec } from './charts/chart';
import { concurrencyLatencyChart } from './charts/concurrency-latency';
import { cpuShareCharts } from './charts/cpu-share';
import { instanceLifetimeChart } from './charts/instance-lifetime';
import { instancesPerBatchChart } from './charts/instances-per-batch';
import { latencyCdfChart } from './charts/latency-cdf';
import { loadOverTimeChart } from './charts/load-over-time';
import { searchGapChart } from './charts/search-gap';
import { searchLatencyChart } from './charts/search-latency';
import type { ReportKind } from './kinds';
import type { ReportRun } from './report-run';

type Builder = (runs: readonly ReportRun[]) => ChartSpec | ChartSpec[] | undefined;

const BUILDERS: Readonly<Record<ChartKind, Builder>> = {
  'latency-cdf': latencyCdfChart,
  'search-gap': searchGapChart,
  'search-latency': searchLatencyChart,
  'instance-lifetime': instanceLifetimeChart,
  'instances-per-batch': instancesPerBatchChart,
  'concurrency-latency': concurrencyLatencyChart,
  'chain-hops': chainHopsChart,
  'cpu-share': cpuShareCharts,
  'load-over-time': loadOverTimeChart,
};

/** The charts each kind leads with, in order. */
export const KIND_CHARTS: Readonly<Record<ReportKind, readonly ChartKind[]>> = {
  'latency-cdf': ['latency-cdf'],
  'cold-start-search': ['search-gap', 'search-latency'],
  'instance-lifetime': ['instance-lifetime', 'instances-per-batch'],
  concurrency: ['concurrency-latency'],
  chain: ['chain-hops'],
  'cpu-share': ['cpu-share'],
  'load-over-time': ['load-over-time'],
  'dev-checks': [],
  generic: [],
};

/** Drawn for any kind when the runs have the data. */
const ANY_KIND_CHARTS: readonly ChartKind[] = ['search-gap', 'search-latency', 'latency-cdf'];

export function sectionCharts(kind: ReportKind, runs: readonly ReportRun[]): ChartSpec[] {
  const kinds = [...new Set([...KIND_CHARTS[kind], ...ANY_KIND_CHARTS])];
  return kinds.flatMap((chartKind) => {
    const built = BUILDERS[chartKind](runs);
    return built === undefined ? [] : Array.isArray(built) ? built : [built];
  });
}
