/**
 * A run's invocation rows summarised per function, and cold/warm within each, as plain JSON for
 * the report and the web UI to render (and for `fb show --json`). Pure; no I/O.
 *
 * Latencies are those of ok calls (./invocation-latency.ts); errors, timeouts and throttles are
 * counted, never averaged in. Each quantile carries its distribution-free interval
 * (./quantile-ci.ts) or a note saying why there is none; the cold-start frequency carries its
 * binomial interval (./proportion-ci.ts), over the calls whose record says cold or warm.
 */
import type { InvocationRow } from '../results/types';
import { splitColdWarm } from './cold-warm';
import { ecdf, type EcdfPoint } from './ecdf';
import { latencyMsOf } from './invocation-latency';
import { type ProportionCi, type ProportionCiMethod, proportionCi } from './proportion-ci';
import { quantileCi } from './quantile-ci';
import { mean, percentileCont, trimmedMean } from './summary';

/** Names this structure's shape; bumped when a field changes meaning. */
export const RUN_STATS_SCHEMA = 'fb.run-stats/1';

/** The quantiles every summary reports. */
export const SUMMARY_QUANTILES = [0.5, 0.9, 0.99] as const;

/** A quantile of the latencies with its interval. */
export interface QuantileEstimate {
  /** The level, e.g. 0.99. */
  p: number;
  /** percentile_cont of the latencies (as PostgreSQL computes it); null with no latencies. */
  value_ms: number | null;
  /** The distribution-free interval, or null (see `ci_note`). */
  ci: { lower_ms: number; upper_ms: number; lower_rank: number; upper_rank: number; coverage: number } | null;
  /** Why `ci` is null, e.g. "n = 40 is too few for a 95 % interval of p99 (needs n ≥ 368)". */
  ci_note?: string;
}

export interface LatencyStats {
  /** ok calls with a latency: the sample every figure below is about. */
  n: number;
  min_ms: number | null;
  max_ms: number | null;
  mean_ms: number | null;
  /** Mean after dropping the lowest and highest `trim_fraction` (the original's 20 %). */
  trimmed_mean_ms: number | null;
  median: QuantileEstimate;
  p90: QuantileEstimate;
  p99: QuantileEstimate;
  /** The empirical CDF (x in ms), downsampled by ./ecdf.ts's rule; only when asked for. */
  ecdf?: EcdfPoint[];
}

export interface CallCounts {
  invocations: number;
  ok: number;
  errors: number;
  timeouts: number;
  throttled: number;
}

export interface GroupStats {
  counts: CallCounts;
  latency: LatencyStats;
}

export interface FunctionStats {
  function_name: string;
  all: GroupStats;
  /** Calls whose record says cold (the instance's first call). */
  cold: GroupStats;
  /** Calls whose record says warm. */
  warm: GroupStats;
  /** Calls with no record to say (client-side failures, throttles): in `all` only. */
  no_cold_flag: number;
  /** cold / (cold + warm) with its interval; null when no call says either. */
  cold_frequency: ProportionCi | null;
}

export interface RunStats {
  schema: typeof RUN_STATS_SCHEMA;
  confidence: number;
  trim_fraction: number;
  cold_frequency_method: ProportionCiMethod;
  functions: FunctionStats[];
  /** Every function together. */
  total: Omit<FunctionStats, 'function_name'>;
}

export interface RunStatsOptions {
  /** @default 0.95 */
  confidence?: number;
  /** @default 0.2, the original's */
  trimFraction?: number;
  /** @default 'clopper-pearson' */
  coldFrequencyMethod?: ProportionCiMethod;
  /** Add each group's empirical CDF with at most this many points. @default no CDF */
  ecdfMaxPoints?: number;
}

type StatsRow = Pick<InvocationRow, 'function_name' | 'status' | 'cold' | 'client_send' | 'client_end' | 'invocation_start' | 'invocation_end'>;

/** The summary of a run's invocation rows (any order), per function in name order and in total. */
export function summarizeRunInvocations(rows: readonly StatsRow[], options: RunStatsOptions = {}): RunStats {
  const settings = { confidence: options.confidence ?? 0.95, trimFraction: options.trimFraction ?? 0.2, method: options.coldFrequencyMethod ?? 'clopper-pearson', ecdfMaxPoints: options.ecdfMaxPoints };
  const byFunction = new Map<string, StatsRow[]>();
  for (const row of rows) {
    const list = byFunction.get(row.function_name) ?? [];
    list.push(row);
    byFunction.set(row.function_name, list);
  }
  const functions = [...byFunction.keys()].sort().map((name) => ({ function_name: name, ...functionStats(byFunction.get(name) ?? [], settings) }));
  return {
    schema: RUN_STATS_SCHEMA,
    confidence: settings.confidence,
    trim_fraction: settings.trimFraction,
    cold_frequency_method: settings.method,
    functions,
    total: functionStats(rows, settings),
  };
}

interface Settings {
  confidence: number;
  trimFraction: number;
  method: ProportionCiMethod;
  ecdfMaxPoints: number | undefined;
}

function functionStats(rows: readonly StatsRow[], settings: Settings): Omit<FunctionStats, 'function_name'> {
  const split = splitColdWarm(rows);
  const flagged = split.cold.length + split.warm.length;
  return {
    all: groupStats(rows, settings),
    cold: groupStats(split.cold, settings),
    warm: groupStats(split.warm, settings),
    no_cold_flag: split.unknown.length,
    cold_frequency: flagged ? proportionCi(split.cold.length, flagged, { confidence: settings.confidence, method: settings.method }) : null,
  };
}

function groupStats(rows: readonly StatsRow[], settings: Settings): GroupStats {
  const count = (status: InvocationRow['status']) => rows.filter((row) => row.status === status).length;
  const latencies: number[] = [];
  for (const row of rows) {
    if (row.status !== 'ok') continue;
    const latency = latencyMsOf(row);
    if (latency !== null) latencies.push(latency);
  }
  return {
    counts: { invocations: rows.length, ok: count('ok'), errors: count('error'), timeouts: count('timeout'), throttled: count('throttled') },
    latency: latencyStats(latencies, settings),
  };
}

function latencyStats(latencies: readonly number[], settings: Settings): LatencyStats {
  const n = latencies.length;
  const sorted = [...latencies].sort((a, b) => a - b);
  const [median, p90, p99] = SUMMARY_QUANTILES.map((p) => quantileEstimate(sorted, p, settings.confidence)) as [QuantileEstimate, QuantileEstimate, QuantileEstimate];
  return {
    n,
    min_ms: n ? (sorted[0] as number) : null,
    max_ms: n ? (sorted[n - 1] as number) : null,
    mean_ms: n ? mean(latencies) : null,
    trimmed_mean_ms: n ? trimmedMean(latencies, settings.trimFraction) : null,
    median,
    p90,
    p99,
    ...(settings.ecdfMaxPoints !== undefined ? { ecdf: ecdf(latencies, settings.ecdfMaxPoints) } : {}),
  };
}

function quantileEstimate(latencies: readonly number[], p: number, confidence: number): QuantileEstimate {
  const value_ms = latencies.length ? percentileCont(latencies, p) : null;
  const ci = quantileCi(latencies, p, confidence);
  if ('tooFew' in ci) {
    return { p, value_ms, ci: null, ci_note: `n = ${ci.n} is too few for a ${formatPercent(confidence)} interval of ${quantileName(p)} (needs n ≥ ${ci.minimumN})` };
  }
  return { p, value_ms, ci: { lower_ms: ci.lower, upper_ms: ci.upper, lower_rank: ci.lowerRank, upper_rank: ci.upperRank, coverage: ci.coverage } };
}

function quantileName(p: number): string {
  return p === 0.5 ? 'the median' : `p${Math.round(p * 1000) / 10}`;
}

function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10} %`;
}
