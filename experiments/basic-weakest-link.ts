/**
 * basic-weakest-link: which link of a chain of nested calls takes most of its time, over many
 * calls in a row — the first after a cold time, the rest warm unless the platform replaced an
 * instance on the way?
 *
 * Ported from the original's `basic-weakest-link` (its newest experiment): idle one cold time, then
 * 1000 back-to-back calls of the chain monolith → function1 → function2 → function3, every
 * payload empty (no work besides the nested call), no sleeps.
 *
 * Stores, through `bench.record`:
 * - `basic_weakest_link`: one row per hop of every chain call — `call`, `hop` (0 = root),
 *   `function_name`, `caller_function_name` (`client` for the root), `status`, `cold` (the
 *   function's own flag), `instance_identifier`, `invocation_identifier`, `round_trip_ms` (the
 *   caller's timing of the call: the client's for the root, the calling function's for a nested
 *   hop), `start_latency_ms` (caller's send → the function's start; the root's corrected by the
 *   run's clock offset, ± `start_latency_error_ms`), `duration_ms` (the function's own),
 *   `own_time_ms` (its round trip minus that of the hop it called), `own_share` (of the chain's
 *   round trip), `dominant` (largest own time of this call), `cold_hops` (which hops of this call
 *   were cold: `none`, or their functions), `chain_round_trip_ms`, `chain_complete`;
 * - `basic_weakest_link_summary`: per group of calls with the same cold hops (`cold_hops`) and
 *   per hop, over the complete calls: `complete_calls`, `cold_calls`, `dominant_calls`,
 *   `total_own_time_ms`, `mean_own_time_ms`, `share` of the group's total chain time and
 *   `weakest_link` (the hop with the largest total).
 * The log and the result's sentence name the weakest link of each group (the all-warm calls, the
 * first call's cold chain, any call the platform made cold on the way); the headline is the share
 * the weakest link took of the all-warm calls' time.
 *
 * Changed, and why:
 * - Each hop's time is attributed to it: the original stored only the generic invocation rows and
 *   left the split to analysis. Nested hops are timed by their callers, so the client's path
 *   enters only the root's own time. There are no pre-warm levels here, so the calls are grouped
 *   by which of their hops were cold.
 * - `forceCold: true` makes every link cold at the start with `bench.forceCold` (local and
 *   OpenFaaS: scale to zero) instead of idling one cold time; the first call's `cold` flags check
 *   it. Off by default: the original waited.
 * - The cold time comes from the control plane (`coldTimeSeconds`: the latest measured idle
 *   timeout for function1 on this platform) instead of a query that always failed and fell back to
 *   20 minutes; 1200 s remains the default.
 * - A failed chain call is stored and counted, not repeated; five in a row end the run with an
 *   error. The original's wrapper repeated a failed call up to five times, then ended the run.
 * - The chain and the number of calls are parameters with the original's values as defaults.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment } from '../lib/experiment';
import { type ChainCall, ChainCallFailedError, chainHops, chainPayload, describeWeakestLink, hopColumns, hopShares, hopSummaryColumns, MAX_FAILED_CHAINS_IN_A_ROW, roundMs, summarizeHops } from './_chain';

/** The cold time this experiment waits, when the control plane has none to give (the original's fallback). */
const COLD_TIME = { function: 'function1', defaultSeconds: 1200 } as const;
/** The group of calls none of whose hops was cold. */
const ALL_WARM = 'none';

export default defineExperiment({
  name: 'basic-weakest-link',
  description:
    'Calls the chain monolith → function1 → function2 → function3 1000 times in a row after a cold time and finds which link takes most of its time, cold and warm. Port of the original basic-weakest-link.',
  functions: LAB_FUNCTION_NAMES,
  coldTime: COLD_TIME,
  params: z.object({
    /** The chain, root first: each function calls the next. */
    chain: z
      .array(z.enum(LAB_FUNCTION_NAMES))
      .min(2)
      .default(['monolith', 'function1', 'function2', 'function3'])
      .refine((chain) => new Set(chain).size === chain.length, 'the functions of a chain must differ (a function calling itself shares its instances with its caller)'),
    /** Chain calls, back to back. */
    calls: z.number().int().min(1).max(1_000_000).default(1000),
    /** One cold time, in experiment seconds: filled in by the control plane, else 1200. */
    coldTimeSeconds: z.number().positive().optional(),
    /** Idle before the first call, in experiment seconds. @default one cold time */
    initialIdleSeconds: z.number().min(0).optional(),
    /**
     * Make every link cold at the start with `bench.forceCold` instead of idling (local and
     * OpenFaaS scale to zero); verified by the first call's `cold` flags. Off by default: the
     * original waited.
     */
    forceCold: z.boolean().default(false),
  }),
  quick: {
    // The local platform is fresh, so its first call is cold without idling.
    params: { calls: 50, initialIdleSeconds: 0 },
    timeScale: 0.001,
    platform: { profile: 'lambda', idleTimeoutMs: 1000 },
    expectedDuration: '10s',
  },
  async run(bench, params) {
    const coldTimeSeconds = params.coldTimeSeconds ?? COLD_TIME.defaultSeconds;
    const payload = chainPayload(params.chain);
    if (params.forceCold) for (const functionName of params.chain) await bench.forceCold(functionName);
    else await bench.sleep((params.initialIdleSeconds ?? coldTimeSeconds) * 1000);

    const groups = new Map<string, ChainCall[]>();
    let failedInARow = 0;
    for (let index = 0; index < params.calls; index++) {
      const result = await bench.invoke(params.chain[0] as string, payload);
      const call = chainHops(result, params.chain, bench.clockOffset);
      const coldHops = call.hops.filter((hop) => hop.cold === true).map((hop) => hop.functionName);
      const group = coldHops.length ? coldHops.join(', ') : ALL_WARM;
      const shares = hopShares(call);
      for (const hop of call.hops) {
        bench.record('basic_weakest_link', {
          call: index,
          ...hopColumns(hop, shares[hop.hop] as { share: number | null; dominant: boolean }),
          cold_hops: group,
          chain_round_trip_ms: roundMs(call.roundTripMs),
          chain_complete: call.complete,
        });
      }
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group)?.push(call);
      failedInARow = call.complete ? 0 : failedInARow + 1;
      if (!call.complete) {
        const broken = call.hops.find((hop) => hop.status !== 'ok');
        bench.log(`call ${index}: ${broken?.functionName} ${broken?.status}${result.errorType ? ` (${result.errorType})` : ''}`);
      }
      if (failedInARow >= MAX_FAILED_CHAINS_IN_A_ROW) {
        throw new ChainCallFailedError(`${MAX_FAILED_CHAINS_IN_A_ROW} chain calls in a row failed; last: ${result.status} ${result.errorType ?? ''} ${result.errorMessage ?? ''}`.trim());
      }
    }

    const lines: string[] = [];
    // The all-warm group first, then the others by how many calls they hold.
    const ordered = [...groups.entries()].sort(([a, callsA], [b, callsB]) => Number(b === ALL_WARM) - Number(a === ALL_WARM) || callsB.length - callsA.length);
    let warmWeakest: { functionName: string; share: number } | undefined;
    for (const [group, calls] of ordered) {
      const summaries = summarizeHops(calls, params.chain);
      for (const summary of summaries) bench.record('basic_weakest_link_summary', { cold_hops: group, chain: params.chain.join(' → '), ...hopSummaryColumns(summary) });
      const label = group === ALL_WARM ? `all warm (${calls.length} calls)` : `${group} cold (${calls.length} call${calls.length === 1 ? '' : 's'})`;
      lines.push(`${label}: ${describeWeakestLink(summaries)}`);
      if (group === ALL_WARM) warmWeakest = summaries.find((summary) => summary.weakestLink);
      bench.log(`${label}: weakest link ${describeWeakestLink(summaries)}; own time per hop ${summaries.map((summary) => `${summary.functionName} ${Math.round((summary.totalOwnTimeMs / summary.completeCalls) * 100) / 100} ms`).join(', ') || 'none'}`);
    }

    const sentence = `weakest link of ${params.chain.join(' → ')} by share of the chain's time: ${lines.join('; ')}`.slice(0, 500);
    bench.result(
      warmWeakest
        ? { metric: 'weakest_link_share', value: Math.round(warmWeakest.share * 10_000) / 10_000, unit: 'fraction', function: warmWeakest.functionName, sentence }
        : { metric: 'weakest_link_share', value: null, unit: 'fraction', sentence: `no all-warm chain call completed; ${sentence}`.slice(0, 500) },
    );
  },
});
