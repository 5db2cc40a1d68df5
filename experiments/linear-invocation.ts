/**
 * linear-invocation: warm-latency distributions and the occasional cold start, from many
 * back-to-back calls to each lab function in turn.
 *
 * Ported from the original's `linear-invocation` (1000 sequential calls each to function1,
 * function2, function3 and monolith, in that order, no arguments, no sleeps, after one "coldtime"
 * of idle). Changed, and why:
 * - The initial idle is a parameter (`initialIdleSeconds`). The original meant to wait one measured
 *   cold-start delay but, because its SQL for that delay always failed, always waited its 20-minute
 *   fallback; 1200 s is kept as the default so full runs behave as the original's did.
 * - Cold starts are the functions' own `cold` flag, not a latency heuristic.
 * - Every answer is stored as it arrives, errors and throttles included; the original kept
 *   everything in memory until the end and dropped failed calls into a separate table.
 * - `forceCold: true` starts every function cold with `bench.forceCold` instead of the initial idle.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, forceColdParam, startCold } from '../lib/experiment';
import { percentileCont } from '../lib/stats/summary';

export default defineExperiment({
  name: 'linear-invocation',
  description:
    'Calls each lab function many times back to back, for warm-latency distributions and the occasional cold start. Port of the original linear-invocation.',
  functions: LAB_FUNCTION_NAMES,
  params: z.object({
    /** Sequential calls to each function. */
    callsPerFunction: z.number().int().positive().max(1_000_000).default(1000),
    /** The functions, in calling order. */
    functions: z.array(z.enum(LAB_FUNCTION_NAMES)).min(1).default([...LAB_FUNCTION_NAMES]),
    /** Idle time before the first call, in experiment seconds, so the run starts cold. */
    initialIdleSeconds: z.number().min(0).default(1200),
    /** Make each function’s first call cold with `bench.forceCold` instead of the initial idle (which serves only that). */
    forceCold: forceColdParam,
  }),
  quick: { params: { callsPerFunction: 25, initialIdleSeconds: 0 }, timeScale: 0.01, expectedDuration: '15s' },
  async run(bench, params) {
    await startCold(bench, params.functions, { forceCold: params.forceCold, idleSeconds: params.initialIdleSeconds, why: 'start' });
    const warmLatenciesMs: number[] = [];
    const medians: string[] = [];
    for (const functionName of params.functions) {
      let cold = 0;
      let failed = 0;
      const functionLatenciesMs: number[] = [];
      for (let call = 0; call < params.callsPerFunction; call++) {
        const result = await bench.invoke(functionName);
        if (result.root?.cold) cold += 1;
        if (result.status !== 'ok') failed += 1;
        else if (result.root && !result.root.cold && result.latencyMs !== null) functionLatenciesMs.push(result.latencyMs);
      }
      warmLatenciesMs.push(...functionLatenciesMs);
      if (functionLatenciesMs.length) medians.push(`${functionName} ${round(percentileCont(functionLatenciesMs, 0.5))} ms`);
      bench.log(`${functionName}: ${params.callsPerFunction} calls, ${cold} cold, ${failed} not ok`);
    }
    const median = warmLatenciesMs.length ? round(percentileCont(warmLatenciesMs, 0.5)) : null;
    bench.result({
      metric: 'warm_round_trip_median',
      value: median,
      unit: 'ms',
      sentence: median === null ? 'no warm call succeeded' : `median warm round trip ${median} ms over ${warmLatenciesMs.length} calls (${medians.join(', ')})`,
    });
  },
});

/** Milliseconds to two decimals. */
function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
