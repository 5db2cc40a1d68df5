/**
 * Which charts a report draws for an experiment: every catalog experiment is mapped to the kind of
 * question it answers, and each kind has its own charts (./section-charts.ts). A test checks that
 * every experiment in the catalog has a kind, so a new experiment cannot silently get a report
 * without its charts; an experiment not in the map (a user's own, made with `fb create-experiment`)
 * gets the `generic` kind: the latency CDF and the tables.
 */

export const REPORT_KINDS = ['latency-cdf', 'cold-start-search', 'instance-lifetime', 'concurrency', 'chain', 'cpu-share', 'load-over-time', 'dev-checks', 'generic'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** What each kind shows, for the report's text. */
export const KIND_DESCRIPTIONS: Readonly<Record<ReportKind, string>> = {
  'latency-cdf': 'latency distributions, cold against warm',
  'cold-start-search': 'an idle-gap search for the cold-start threshold',
  'instance-lifetime': 'how long instances live and which ones serve the calls',
  concurrency: 'latency and errors as concurrency grows',
  chain: 'where the time of a chain of nested calls goes, hop by hop',
  'cpu-share': 'the CPU share a function gets for the work it is asked to do',
  'load-over-time': 'load and latency over time, for ramps and spikes',
  'dev-checks': 'a check of every Benchmarker feature',
  generic: 'latency distributions',
};

/** The kind of every experiment of the catalog (experiments/*.ts). */
export const EXPERIMENT_KINDS: Readonly<Record<string, ReportKind>> = {
  'linear-invocation': 'latency-cdf',
  'coldtime-large-functions': 'latency-cdf',
  'coldstart-identifier': 'cold-start-search',
  'coldstart-identifier-nested': 'cold-start-search',
  'simple-cold-function': 'cold-start-search',
  'simple-cold-function-nested': 'cold-start-search',
  'single-function-time-to-cold-start': 'cold-start-search',
  'time-to-cold-start-twelve-threads': 'cold-start-search',
  'function-lifetime': 'instance-lifetime',
  'track-cloudfunctions-lifecycle': 'instance-lifetime',
  'concurrency-benchmarking': 'concurrency',
  'simple-cold-function-threaded-twelve': 'concurrency',
  'weakest-link': 'chain',
  'basic-weakest-link': 'chain',
  'linear-invocation-nested': 'chain',
  'throughput-benchmarking': 'cpu-share',
  'scenario-pyramid': 'load-over-time',
  'growing-load-spikes': 'load-over-time',
  'dev-experiment': 'dev-checks',
};

/** The kind of an experiment by name; `generic` for one the map does not know. */
export function reportKindOf(experiment: string): ReportKind {
  return Object.hasOwn(EXPERIMENT_KINDS, experiment) ? (EXPERIMENT_KINDS[experiment] as ReportKind) : 'generic';
}
