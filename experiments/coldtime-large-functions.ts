/**
 * coldtime-large-functions: does a bigger deployment make cold starts slower?
 *
 * Ported from the original's `coldtime-large-functions`: idle one cold time, then four blocks —
 * function1 with no arguments, function1 with `throughput_time` 0.2 s, the monolith with no
 * arguments, the monolith with `throughput_time` 0.2 s — each of 10 rounds of "10 sequential
 * calls, then sleep one cold time", so that the first call of every round is a cold start. (The
 * monolith is the same body as function1 plus 20 features and their dependencies: its bundle is
 * over 1 MB, function1's tens of KB.)
 *
 * One `coldtime_large_functions` row per round:
 *
 * | column | |
 * | --- | --- |
 * | `function_name`, `block`, `round`, `throughput_time_s` | which round (`throughput_time_s` 0: called with no arguments) |
 * | `first_status`, `first_cold` | the round's first call: its outcome, and whether it was its instance's first (expected: true) |
 * | `first_latency_ms` | its round trip on the client |
 * | `first_start_latency_ms`, `first_start_latency_error_ms` | from the client sending it to the function starting (execution_start − send), corrected by the run's clock offset, ± its bound |
 * | `first_instance_identifier`, `first_new_instance` | the instance it ran on, and whether no earlier round had seen it |
 * | `warm_calls`, `warm_median_latency_ms` | the round's other ok calls and their median round trip |
 * | `cold_overhead_ms` | `first_latency_ms` − `warm_median_latency_ms` |
 * | `failed_calls` | calls of the round that were not ok |
 *
 * The headline compares the cold first calls: the large function's median round trip minus the
 * small function's, averaged over the `throughput_time` values both were called with (each pair
 * does the same work, so the difference is the cold start's).
 *
 * Changed, and why:
 * - Each round's first call is stored with the function's own `cold` flag and its instance, so a
 *   round whose first call was not a cold start (a cold time too short for this platform) is seen
 *   and left out of the headline. The original stored only the generic invocation rows and left
 *   the comparison to an analysis script, which looked the experiment up under a name with a
 *   trailing space and so found nothing.
 * - No sleep after the last round: nothing follows it (the original slept one more cold time).
 * - `forceCold: true` starts every round with a forced cold start (scale to zero) instead of a
 *   cold time of idling, where the platform allows it; the next call's `cold` flag checks it.
 * - The cold time comes from the control plane (`coldTimeSeconds`: the latest measured idle
 *   timeout for function1 on this platform) instead of a query that always failed and fell back to
 *   20 minutes; 1200 s remains the default. Functions, work, rounds and calls are parameters.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { type ClockOffset, defineExperiment, type InvocationResult, sendToStartLatency } from '../lib/experiment';
import { percentileCont } from '../lib/stats/summary';

/** The cold time this experiment waits, when the control plane has none to give (the original's fallback). */
const COLD_TIME = { function: 'function1', defaultSeconds: 1200 } as const;

interface RoundRow {
  function_name: string;
  block: number;
  round: number;
  throughput_time_s: number;
  first_status: string;
  first_cold: boolean | null;
  first_start_latency_error_ms: number | null;
  first_latency_ms: number | null;
  first_start_latency_ms: number | null;
  first_instance_identifier: string | null;
  first_new_instance: boolean | null;
  warm_calls: number;
  warm_median_latency_ms: number | null;
  cold_overhead_ms: number | null;
  failed_calls: number;
}

export default defineExperiment({
  name: 'coldtime-large-functions',
  description:
    'Compares the cold starts of function1 and the much larger monolith: rounds of 10 sequential calls one cold time apart, so every round starts cold. Port of the original coldtime-large-functions.',
  functions: ['function1', 'monolith'],
  coldTime: COLD_TIME,
  params: z.object({
    /** The small function: the baseline. */
    smallFunction: z.enum(LAB_FUNCTION_NAMES).default('function1'),
    /** The large function, compared with it. */
    largeFunction: z.enum(LAB_FUNCTION_NAMES).default('monolith'),
    /** One block per value for each function, in seconds of busy work per call; 0 calls with no arguments. */
    throughputTimesSeconds: z.array(z.number().min(0).max(900)).min(1).default([0, 0.2]),
    /** Rounds per block. */
    rounds: z.number().int().min(1).default(10),
    /** Sequential calls per round; the first is the cold one. */
    callsPerRound: z.number().int().min(1).default(10),
    /** One cold time, in experiment seconds: filled in by the control plane, else 1200. */
    coldTimeSeconds: z.number().positive().optional(),
    /** Idle before the first round, in experiment seconds. @default one cold time */
    initialIdleSeconds: z.number().min(0).optional(),
    /**
     * Start each round cold with `bench.forceCold` instead of idling one cold time (local and
     * OpenFaaS scale to zero): hours shorter, the same cold starts; each is verified by its call's
     * own `cold` flag. Off by default: the original waited.
     */
    forceCold: z.boolean().default(false),
  }),
  quick: {
    // The local platform is fresh, so no initial idle. Instances go cold after 1000 s of
    // experiment time, below the default cold time of 1200 s.
    params: { rounds: 3, callsPerRound: 5, initialIdleSeconds: 0 },
    timeScale: 0.001,
    platform: { profile: 'lambda', idleTimeoutMs: 1000 },
    expectedDuration: '25s',
  },
  async run(bench, params) {
    const coldTimeSeconds = params.coldTimeSeconds ?? COLD_TIME.defaultSeconds;
    const seen = new Set<string>();
    const rows: RoundRow[] = [];
    // With forceCold every round starts with a forced cold start: the initial idle would serve nothing.
    if (!params.forceCold) await bench.sleep((params.initialIdleSeconds ?? coldTimeSeconds) * 1000);

    let block = 0;
    for (const functionName of [params.smallFunction, params.largeFunction]) {
      for (const throughputTimeSeconds of params.throughputTimesSeconds) {
        const payload = throughputTimeSeconds > 0 ? { throughput_time: throughputTimeSeconds } : undefined;
        for (let round = 0; round < params.rounds; round++) {
          if (params.forceCold) await bench.forceCold(functionName);
          else if (rows.length) await bench.sleep(coldTimeSeconds * 1000);
          const results: InvocationResult[] = [];
          for (let call = 0; call < params.callsPerRound; call++) results.push(await bench.invoke(functionName, payload));
          const row = roundRow(results, { functionName, block, round, throughputTimeSeconds, clock: bench.clockOffset }, seen);
          bench.record('coldtime_large_functions', { ...row });
          rows.push(row);
          if (row.first_cold === false) bench.log(`${functionName} block ${block} round ${round}: the first call was not cold (cold time ${coldTimeSeconds} s too short?)`);
        }
        block += 1;
      }
    }
    bench.result(headline(rows, params.smallFunction, params.largeFunction, params.throughputTimesSeconds));
  },
});

/** One round's row; `seen` collects the instances of earlier rounds. */
function roundRow(
  results: InvocationResult[],
  context: { functionName: string; block: number; round: number; throughputTimeSeconds: number; clock: ClockOffset | undefined },
  seen: Set<string>,
): RoundRow {
  const [first, ...rest] = results as [InvocationResult, ...InvocationResult[]];
  const warm = rest.filter((result) => result.status === 'ok' && result.latencyMs !== null).map((result) => result.latencyMs as number);
  const warmMedian = warm.length ? round(percentileCont(warm, 0.5)) : null;
  const instance = first.root?.instance_identifier ?? null;
  const newInstance = instance === null ? null : !seen.has(instance);
  for (const result of results) if (result.root) seen.add(result.root.instance_identifier);
  const firstOk = first.status === 'ok' && first.root !== undefined;
  const firstLatency = firstOk && first.latencyMs !== null ? round(first.latencyMs) : null;
  // Client send → function start crosses the two clocks: corrected by the run's offset, with its bound.
  const startLatency = sendToStartLatency(first, context.clock);
  return {
    function_name: context.functionName,
    block: context.block,
    round: context.round,
    throughput_time_s: context.throughputTimeSeconds,
    first_status: first.status,
    first_cold: first.root?.cold ?? null,
    first_latency_ms: firstLatency,
    first_start_latency_ms: startLatency ? round(startLatency.latencyMs) : null,
    first_start_latency_error_ms: startLatency ? round(startLatency.errorMs) : null,
    first_instance_identifier: instance,
    first_new_instance: newInstance,
    warm_calls: warm.length,
    warm_median_latency_ms: warmMedian,
    cold_overhead_ms: firstLatency !== null && warmMedian !== null ? round(firstLatency - warmMedian) : null,
    failed_calls: results.filter((result) => result.status !== 'ok').length,
  };
}

/** The large function's median cold round trip minus the small one's, averaged over the work values both had. */
function headline(rows: RoundRow[], small: string, large: string, throughputTimes: readonly number[]) {
  const coldMedian = (functionName: string, throughputTime: number) => {
    const latencies = rows
      .filter((row) => row.function_name === functionName && row.throughput_time_s === throughputTime && row.first_cold === true && row.first_latency_ms !== null)
      .map((row) => row.first_latency_ms as number);
    return latencies.length ? { median: percentileCont(latencies, 0.5), count: latencies.length } : undefined;
  };
  const pairs = throughputTimes.flatMap((throughputTime) => {
    const smallCold = coldMedian(small, throughputTime);
    const largeCold = coldMedian(large, throughputTime);
    return smallCold && largeCold ? [{ throughputTime, small: smallCold, large: largeCold }] : [];
  });
  if (!pairs.length) {
    return { metric: 'cold_start_latency_difference', value: null, unit: 'ms', sentence: `no cold first call of both ${small} and ${large} at the same work to compare` };
  }
  const difference = round(pairs.reduce((total, pair) => total + pair.large.median - pair.small.median, 0) / pairs.length);
  const detail = pairs
    .map((pair) => `${pair.throughputTime ? `throughput_time ${pair.throughputTime} s` : 'no arguments'}: ${round(pair.large.median)} vs ${round(pair.small.median)} ms (${pair.large.count} and ${pair.small.count} cold starts)`)
    .join('; ');
  return {
    metric: 'cold_start_latency_difference',
    value: difference,
    unit: 'ms',
    sentence: `${large}'s cold starts took ${difference >= 0 ? `${difference} ms longer` : `${-difference} ms less`} than ${small}'s (median round trip of each round's cold first call; ${detail})`.slice(0, 500),
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
