/**
 * weakest-link: in a chain of nested calls, which link's cold start dominates the chain's time?
 *
 * Ported from the original's `weakest-link`: the chain function1 → function2 → function3 →
 * monolith, every nested hop asked for `throughput_time` 1 s (the root for nothing but the nested
 * call, the monolith for no feature), run at pre-warm levels 0, 1, 2, 3 and 4, 5 iterations each;
 * then the reversed chain (monolith → function3 → function2 → function1) at pre-warm level 1, 5
 * iterations. In each iteration the pre-warm calls are made, then the chain is called once, and
 * one cold time separates the iterations, so that the links the pre-warm did not call start cold.
 *
 * Stores, through `bench.record`:
 * - `weakest_link`: one row per hop of every chain call — `direction` (forward, reversed),
 *   `prewarm_level`, `iteration`, `hop` (0 = root), `function_name`, `caller_function_name`
 *   (`client` for the root), `prewarmed` (its pre-warm call answered ok), `expected_cold` (the
 *   pre-warm level left it out),
 *   `status`, `cold` (the function's own flag), `instance_identifier`, `invocation_identifier`,
 *   `round_trip_ms` (the caller's timing of the call: the client's for the root, the calling
 *   function's for a nested hop), `start_latency_ms` (caller's send → the function's start; the
 *   root's corrected by the run's clock offset, ± `start_latency_error_ms`), `duration_ms` (the
 *   function's own), `own_time_ms` (its round trip minus that of the hop it called), `own_share`
 *   (of the chain's round trip), `dominant` (largest own time of this call), `chain_round_trip_ms`,
 *   `chain_complete`, `hop_throughput_time_s`;
 * - `weakest_link_summary`: per direction, pre-warm level and hop, over the complete chain calls:
 *   `complete_calls`, `cold_calls`, `dominant_calls`, `total_own_time_ms`, `mean_own_time_ms`,
 *   `share` of the chains' total time, and `weakest_link` (the hop with the largest total).
 * The log and the result's sentence name the weakest link at each pre-warm level; the headline is
 * the share of the chain's time that its weakest link took at the first level (all cold, by default).
 *
 * Changed, and why:
 * - The pre-warm warms what the original's comment says: at level k the first k functions of the
 *   chain are called once each (level 2: function1 and function2). The original called the root
 *   k times instead (its loop invoked `invoke_order[0]` while printing `invoke_order[n]`), so
 *   above level 1 its levels differed only in how often the root was called.
 * - Each hop's time is attributed to it: the original stored only the generic invocation rows and
 *   left the split to analysis. The nested hops are timed by their callers, so the client's path
 *   enters only the root's own time.
 * - One cold time separates the iterations, none follows the last one (the original also slept
 *   after the last iteration, with nothing left to measure).
 * - `forceCold: true` makes every link of the chain cold before each iteration with
 *   `bench.forceCold` (local and OpenFaaS: scale to zero) instead of idling one cold time; the
 *   next call's own `cold` flag checks it. Off by default: the original waited.
 * - The cold time comes from the control plane (`coldTimeSeconds`: the latest measured idle
 *   timeout for function1 on this platform) instead of a query that always failed and fell back to
 *   20 minutes; 1200 s remains the default.
 * - A failed chain call is stored and counted, not repeated (a repeat would start warmer than the
 *   call it replaces); five failed chain calls in a row end the run with an error. The original's
 *   wrapper repeated a failed call up to five times, then ended the run.
 * - The chain, its work per hop, the pre-warm levels, the iterations and the reversed run's
 *   levels are parameters with the original's values as defaults.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment } from '../lib/experiment';
import { type ChainCall, ChainCallFailedError, chainHops, chainPayload, describeWeakestLink, type HopSummary, hopColumns, hopShares, hopSummaryColumns, MAX_FAILED_CHAINS_IN_A_ROW, roundMs, summarizeHops } from './_chain';

/** The cold time this experiment waits, when the control plane has none to give (the original's fallback). */
const COLD_TIME = { function: 'function1', defaultSeconds: 1200 } as const;

/** One run of the chain at one pre-warm level. */
interface Group {
  direction: 'forward' | 'reversed';
  chain: readonly string[];
  prewarmLevel: number;
}

const prewarmLevels = z.array(z.number().int().min(0)).max(100);

export default defineExperiment({
  name: 'weakest-link',
  description:
    'Finds which link of a chain of nested calls (function1 → function2 → function3 → monolith) takes most of its time when the links the pre-warm did not call start cold, at pre-warm levels 0–4 and reversed. Port of the original weakest-link.',
  functions: LAB_FUNCTION_NAMES,
  coldTime: COLD_TIME,
  params: z
    .object({
      /** The chain, root first: each function calls the next. */
      chain: z
        .array(z.enum(LAB_FUNCTION_NAMES))
        .min(2)
        .default(['function1', 'function2', 'function3', 'monolith'])
        .refine((chain) => new Set(chain).size === chain.length, 'the functions of a chain must differ (a function calling itself shares its instances with its caller)'),
      /** Busy work each nested hop is asked for, in seconds (the root does none); 0 asks for none. */
      hopThroughputTimeSeconds: z.number().min(0).max(900).default(1),
      /** Pre-warm levels of the chain: at level k its first k functions are called once before it. */
      prewarmLevels: prewarmLevels.default([0, 1, 2, 3, 4]),
      /** Chain calls per pre-warm level. */
      iterations: z.number().int().min(1).max(10_000).default(5),
      /** Pre-warm levels of the reversed chain, run after the others (none: not run). */
      reversedPrewarmLevels: prewarmLevels.default([1]),
      /** One cold time, in experiment seconds: filled in by the control plane, else 1200. */
      coldTimeSeconds: z.number().positive().optional(),
      /** Idle before the first iteration, in experiment seconds (the original had none). */
      initialIdleSeconds: z.number().min(0).default(0),
      /**
       * Make every link cold before each iteration with `bench.forceCold` instead of idling one cold
       * time (local and OpenFaaS scale to zero); each is verified by its next call's `cold` flag.
       * Off by default: the original waited.
       */
      forceCold: z.boolean().default(false),
    })
    .superRefine((params, context) => {
      for (const key of ['prewarmLevels', 'reversedPrewarmLevels'] as const) {
        if (params[key].some((level) => level > params.chain.length)) {
          context.addIssue({ code: 'custom', path: [key], message: `a pre-warm level is at most the chain's length (${params.chain.length})` });
        }
      }
    }),
  quick: {
    // Instances go cold after 1000 s of experiment time (2 s real), below the default cold time
    // of 1200 s, and well above the time four cold pre-warm calls take on a loaded machine (which
    // a pre-warmed function idles before the chain reaches it); 0.1 s of work per hop keeps thirty
    // hops of it short.
    params: { iterations: 2, hopThroughputTimeSeconds: 0.1 },
    timeScale: 0.002,
    platform: { profile: 'lambda', idleTimeoutMs: 2000 },
    expectedDuration: '45s',
  },
  // The root call waits for every nested hop's work.
  longestCallSeconds: (params) => (params.chain.length - 1) * params.hopThroughputTimeSeconds,
  async run(bench, params) {
    const coldTimeSeconds = params.coldTimeSeconds ?? COLD_TIME.defaultSeconds;
    const hopPayload = params.hopThroughputTimeSeconds > 0 ? { throughput_time: params.hopThroughputTimeSeconds } : {};
    const reversed = [...params.chain].reverse();
    const groups: Group[] = [
      ...params.prewarmLevels.map((prewarmLevel) => ({ direction: 'forward' as const, chain: params.chain, prewarmLevel })),
      ...params.reversedPrewarmLevels.map((prewarmLevel) => ({ direction: 'reversed' as const, chain: reversed, prewarmLevel })),
    ];
    const lines: string[] = [];
    let headline: HopSummary[] | undefined;
    let failedInARow = 0;
    let firstIteration = true;
    bench.log(`cold time ${coldTimeSeconds} s${params.forceCold ? ' (forced instead)' : ''}: ${groups.length} pre-warm levels × ${params.iterations} iterations`);
    await bench.sleep(params.initialIdleSeconds * 1000);

    for (const group of groups) {
      const payload = chainPayload(group.chain, hopPayload);
      const calls: ChainCall[] = [];
      for (let iteration = 0; iteration < params.iterations; iteration++) {
        if (params.forceCold) for (const functionName of group.chain) await bench.forceCold(functionName);
        else if (!firstIteration) await bench.sleep(coldTimeSeconds * 1000);
        firstIteration = false;

        const prewarmed: boolean[] = [];
        for (const functionName of group.chain.slice(0, group.prewarmLevel)) {
          const warmup = await bench.invoke(functionName);
          prewarmed.push(warmup.status === 'ok');
          if (warmup.status !== 'ok') bench.log(`pre-warm call to ${functionName} failed (${warmup.status}${warmup.errorType ? ` ${warmup.errorType}` : ''}); the chain runs anyway`);
        }

        const result = await bench.invoke(group.chain[0] as string, payload);
        const call = chainHops(result, group.chain, bench.clockOffset);
        calls.push(call);
        const shares = hopShares(call);
        for (const hop of call.hops) {
          bench.record('weakest_link', {
            direction: group.direction,
            prewarm_level: group.prewarmLevel,
            iteration,
            ...hopColumns(hop, shares[hop.hop] as { share: number | null; dominant: boolean }),
            prewarmed: prewarmed[hop.hop] ?? false,
            expected_cold: hop.hop >= group.prewarmLevel,
            chain_round_trip_ms: roundMs(call.roundTripMs),
            chain_complete: call.complete,
            hop_throughput_time_s: hop.hop === 0 ? 0 : params.hopThroughputTimeSeconds,
          });
        }
        failedInARow = call.complete ? 0 : failedInARow + 1;
        if (!call.complete) {
          const broken = call.hops.find((hop) => hop.status !== 'ok');
          bench.log(`${group.direction} chain at level ${group.prewarmLevel}, iteration ${iteration}: ${broken?.functionName} ${broken?.status}${result.errorType ? ` (${result.errorType})` : ''}`);
        }
        if (failedInARow >= MAX_FAILED_CHAINS_IN_A_ROW) {
          throw new ChainCallFailedError(`${MAX_FAILED_CHAINS_IN_A_ROW} chain calls in a row failed; last: ${result.status} ${result.errorType ?? ''} ${result.errorMessage ?? ''}`.trim());
        }
      }

      const summaries = summarizeHops(calls, group.chain);
      for (const summary of summaries) {
        bench.record('weakest_link_summary', { direction: group.direction, prewarm_level: group.prewarmLevel, chain: group.chain.join(' → '), ...hopSummaryColumns(summary) });
      }
      headline ??= summaries.length ? summaries : undefined;
      const label = `${group.direction === 'reversed' ? 'reversed, ' : ''}level ${group.prewarmLevel}`;
      lines.push(`${label}: ${describeWeakestLink(summaries)}`);
      bench.log(`${group.chain.join(' → ')} at pre-warm level ${group.prewarmLevel}: weakest link ${describeWeakestLink(summaries)}; own time per hop ${summaries.map((summary) => `${summary.functionName} ${Math.round(summary.totalOwnTimeMs / summary.completeCalls)} ms`).join(', ') || 'none'}`);
    }

    const weakest = headline?.find((summary) => summary.weakestLink);
    const sentence = `weakest link of ${params.chain.join(' → ')} by share of the chain's time: ${lines.join('; ')}`.slice(0, 500);
    bench.result(
      weakest
        ? { metric: 'weakest_link_share', value: Math.round(weakest.share * 10_000) / 10_000, unit: 'fraction', function: weakest.functionName, sentence }
        : { metric: 'weakest_link_share', value: null, unit: 'fraction', sentence: `no chain call completed; ${sentence}`.slice(0, 500) },
    );
  },
});
