/**
 * linear-invocation-nested: how long does a call from one function to another take inside the
 * platform, warm and after a cold time? Many back-to-back calls of each lab function, each making
 * one nested call to the next.
 *
 * Ported from the original's `linear-invocation-nested`: idle one cold time; then for each function
 * f(i) of function1, function2, function3, monolith: idle one cold time, then 1000 calls of f(i),
 * each with one nested call to f(i+1), wrapping around (the monolith calls function1), every payload
 * otherwise empty. The original's analysis used the nested (level-1) records: the latency of a call
 * made inside the platform.
 *
 * Stores, through `bench.record`:
 * - `linear_invocation_nested`: one row per call — `function_name` (the caller), `nested_function_name`,
 *   `call`, `status` (the client's call), `nested_status`, `nested_latency_ms` (the caller's send →
 *   the callee's start: the callee's `execution_start` − the caller's `invocation_start`, two
 *   instances' clocks), `nested_round_trip_ms` (the caller's timing of the nested call, one clock),
 *   `nested_duration_ms` (the callee's own), `nested_cold` and `cold` (the callee's and the caller's
 *   own flags), `nested_instance_identifier`, `nested_invocation_identifier`, `round_trip_ms` (the
 *   client's);
 * - `linear_invocation_nested_summary`: one row per pair — `calls`, `ok_calls` (the nested call
 *   answered), `nested_cold_calls`, `warm_nested_latency_median_ms`, `warm_nested_latency_p90_ms`,
 *   `warm_nested_round_trip_median_ms` (over the nested calls that were not cold starts) and
 *   `cold_nested_latency_median_ms`.
 * The headline is the median warm nested latency over every pair.
 *
 * Changed, and why:
 * - The nested record is found by what it is (the record whose parent is the root), not by
 *   position: the original took the response map's second key, whichever record that was.
 * - Each call's nested latency and the callee's cold flag are stored as rows beside the generic
 *   invocation rows, and summarised per pair, warm and cold apart.
 * - `forceCold: true` makes both functions of each pair cold before its calls with
 *   `bench.forceCold` (local and OpenFaaS: scale to zero) instead of idling one cold time; the
 *   first call's `cold` flags check it. Off by default: the original waited.
 * - The cold time comes from the control plane (`coldTimeSeconds`: the latest measured idle
 *   timeout for function1 on this platform) instead of a query that always failed and fell back to
 *   20 minutes; 1200 s remains the default.
 * - A failed call is stored and counted, not repeated; five in a row end the run with an error.
 *   The original's wrapper repeated a failed call up to five times, then ended the run.
 * - The functions, their order and the calls per function are parameters with the original's
 *   values as defaults.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment } from '../lib/experiment';
import { percentileCont } from '../lib/stats/summary';
import { ChainCallFailedError, chainHops, chainPayload, type Hop, MAX_FAILED_CHAINS_IN_A_ROW, roundMs } from './_chain';

/** The cold time this experiment waits, when the control plane has none to give (the original's fallback). */
const COLD_TIME = { function: 'function1', defaultSeconds: 1200 } as const;

export default defineExperiment({
  name: 'linear-invocation-nested',
  description:
    'Calls each lab function 1000 times back to back, each call making one nested call to the next function, for the latency of calls made inside the platform. Port of the original linear-invocation-nested.',
  functions: LAB_FUNCTION_NAMES,
  coldTime: COLD_TIME,
  params: z.object({
    /** The functions in calling order; each calls the next, the last calls the first. */
    functions: z
      .array(z.enum(LAB_FUNCTION_NAMES))
      .min(2)
      .default([...LAB_FUNCTION_NAMES])
      .refine((functions) => new Set(functions).size === functions.length, 'the functions must differ (a function calling itself shares its instances with its caller)'),
    /** Sequential calls of each function. */
    callsPerFunction: z.number().int().positive().max(1_000_000).default(1000),
    /** One cold time, in experiment seconds: filled in by the control plane, else 1200. */
    coldTimeSeconds: z.number().positive().optional(),
    /** Idle before the first function's own cold time, in experiment seconds. @default one cold time */
    initialIdleSeconds: z.number().min(0).optional(),
    /**
     * Make both functions of each pair cold before its calls with `bench.forceCold` instead of
     * idling one cold time (local and OpenFaaS scale to zero); verified by the next call's `cold`
     * flag. Off by default: the original waited.
     */
    forceCold: z.boolean().default(false),
  }),
  quick: {
    // Instances go cold after 1000 s of experiment time (1 s real), below the default cold time
    // of 1200 s; the local platform is fresh, so no initial idle.
    params: { callsPerFunction: 25, initialIdleSeconds: 0 },
    timeScale: 0.001,
    platform: { profile: 'lambda', idleTimeoutMs: 1000 },
    expectedDuration: '20s',
  },
  async run(bench, params) {
    const coldTimeSeconds = params.coldTimeSeconds ?? COLD_TIME.defaultSeconds;
    const functions = params.functions;
    bench.log(`cold time ${coldTimeSeconds} s${params.forceCold ? ' (forced instead)' : ''}: ${params.callsPerFunction} calls per function`);
    if (!params.forceCold) await bench.sleep((params.initialIdleSeconds ?? coldTimeSeconds) * 1000);

    const warmLatenciesMs: number[] = [];
    const medians: string[] = [];
    let failedInARow = 0;
    for (const [index, functionName] of functions.entries()) {
      const nestedFunctionName = functions[(index + 1) % functions.length] as string;
      const pair = [functionName, nestedFunctionName];
      if (params.forceCold) for (const name of pair) await bench.forceCold(name);
      else await bench.sleep(coldTimeSeconds * 1000);

      const payload = chainPayload(pair);
      const nestedCalls: Hop[] = [];
      for (let call = 0; call < params.callsPerFunction; call++) {
        const result = await bench.invoke(functionName, payload);
        const { hops, complete } = chainHops(result, pair, bench.clockOffset);
        const [caller, nested] = hops as [Hop, Hop];
        nestedCalls.push(nested);
        bench.record('linear_invocation_nested', {
          function_name: functionName,
          nested_function_name: nestedFunctionName,
          call,
          status: caller.status,
          nested_status: nested.status,
          nested_latency_ms: roundMs(nested.startLatencyMs),
          nested_round_trip_ms: roundMs(nested.roundTripMs),
          nested_duration_ms: roundMs(nested.durationMs),
          nested_cold: nested.cold,
          cold: caller.cold,
          nested_instance_identifier: nested.instanceIdentifier,
          nested_invocation_identifier: nested.identifier,
          round_trip_ms: roundMs(caller.roundTripMs),
        });
        failedInARow = complete ? 0 : failedInARow + 1;
        if (failedInARow >= MAX_FAILED_CHAINS_IN_A_ROW) {
          const broken = hops.find((hop) => hop.status !== 'ok');
          throw new ChainCallFailedError(`${MAX_FAILED_CHAINS_IN_A_ROW} calls of ${functionName} → ${nestedFunctionName} in a row failed; last: ${broken?.functionName} ${broken?.status} ${result.errorType ?? ''}`.trim());
        }
      }

      const answered = nestedCalls.filter((hop) => hop.status === 'ok' && hop.startLatencyMs !== null && hop.roundTripMs !== null);
      const warm = answered.filter((hop) => hop.cold === false);
      const cold = answered.filter((hop) => hop.cold === true);
      const warmLatencies = warm.map((hop) => hop.startLatencyMs as number);
      warmLatenciesMs.push(...warmLatencies);
      const summary = {
        function_name: functionName,
        nested_function_name: nestedFunctionName,
        calls: params.callsPerFunction,
        ok_calls: answered.length,
        nested_cold_calls: cold.length,
        warm_nested_latency_median_ms: quantileMs(warmLatencies, 0.5),
        warm_nested_latency_p90_ms: quantileMs(warmLatencies, 0.9),
        warm_nested_round_trip_median_ms: quantileMs(
          warm.map((hop) => hop.roundTripMs as number),
          0.5,
        ),
        cold_nested_latency_median_ms: quantileMs(
          cold.map((hop) => hop.startLatencyMs as number),
          0.5,
        ),
      };
      bench.record('linear_invocation_nested_summary', summary);
      if (summary.warm_nested_latency_median_ms !== null) medians.push(`${functionName} → ${nestedFunctionName} ${summary.warm_nested_latency_median_ms} ms`);
      bench.log(
        `${functionName} → ${nestedFunctionName}: ${summary.ok_calls} of ${summary.calls} nested calls answered, ${summary.nested_cold_calls} cold; warm nested latency median ${summary.warm_nested_latency_median_ms ?? '–'} ms, p90 ${summary.warm_nested_latency_p90_ms ?? '–'} ms`,
      );
    }

    const median = quantileMs(warmLatenciesMs, 0.5);
    bench.result({
      metric: 'nested_latency_median',
      value: median,
      unit: 'ms',
      sentence:
        median === null
          ? 'no warm nested call was answered'
          : `median warm nested latency (caller's send → callee's start, inside the platform) ${median} ms over ${warmLatenciesMs.length} calls (${medians.join(', ')})`.slice(0, 500),
    });
  },
});

/** A quantile to 0.01 ms; null for no values. */
function quantileMs(values: number[], p: number): number | null {
  return values.length ? roundMs(percentileCont(values, p)) : null;
}
