/**
 * track-cloudfunctions-lifecycle: how many instances serve N concurrent requests, and when the
 * number of concurrent requests shrinks, does the platform route them to the same instances?
 *
 * Ported from the original's `track-cloudfunctions-lifecycle`: function2 with `throughput_time`
 * 0.2 s; idle one cold time; then for N = 10, 20, 40, 80, one cold time apart:
 * - an initial batch of N concurrent calls, repeated with `throughput_time` 0.1 s longer (up to
 *   1.0 s) until every call ran on an instance of its own; its instances are "the original set",
 *   and its `throughput_time` is kept for this N;
 * - the step-down: n = N, 0.9N, …, 0.1N, each 5 times: sleep 30 s, send n concurrent calls.
 *
 * One `function_lifecycle` row per batch:
 *
 * | column | |
 * | --- | --- |
 * | `function_name`, `phase` (`initial` or `step-down`), `attempt` (initial), `step`, `repetition` (step-down) | which batch |
 * | `original_concurrency` | N (the original's `numb_invocations_orig`) |
 * | `concurrency` | n, the calls in this batch (the original's misspelled `numb_invokations`) |
 * | `throughput_time_s` | busy work per call, in seconds |
 * | `ok`, `errors`, `throttled`, `timeouts` | calls by outcome |
 * | `error_fraction` | calls not ok ÷ n (the original's `error_dist`) |
 * | `unique_instances` | distinct instances the ok calls ran on |
 * | `calls_per_instance` | ok calls ÷ unique instances (the original's `distribution`) |
 * | `all_unique` | every one of the n calls ran, each on an instance of its own |
 * | `cold` | calls that were their instance's first |
 * | `original_set` | this initial batch's instances are the original set (its last attempt) |
 * | `reused_instances` | instances of the original set in this batch (step-down; new) |
 * | `new_instances` | instances not in the original set (step-down; the original's `diff_from_orig`) |
 * | `reused_identifiers` | those of the original set, sorted (step-down; the original's CSV `repeats_from_orig`) |
 * | `identifiers` | every distinct instance, sorted (the original's CSV `identifiers`) |
 *
 * Changed, and why:
 * - The initial batch stops as soon as every call has an instance of its own. The original's test
 *   compared a count with a set, was always false, and so always repeated the batch until
 *   `throughput_time` reached 1.0 s, which it then kept. Every attempt is stored.
 * - Misspelled and abbreviated column names are replaced by the names above, and the id lists
 *   are JSON arrays rather than comma-separated strings (capped at 7000 characters there).
 * - `calls_per_instance` divides the ok calls, not n: failed calls ran on no instance.
 *   Throttles and timeouts are counted apart from errors.
 * - A batch is released together over pre-opened connections (the original started requests one
 *   after another).
 * - The cold time comes from the control plane (`coldTimeSeconds`: the latest measured idle
 *   timeout for function2 on this platform) instead of a query that always failed and fell back to
 *   20 minutes; 1200 s remains the default. The step count, repetitions and sleep are parameters.
 * - `forceCold: true` starts each level with no instance by `bench.forceCold` instead of idling one
 *   cold time (the initial idle and the idle between levels served only that); the steps' own
 *   sleeps stay.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, forceColdParam, type InvocationResult, startCold } from '../lib/experiment';

/** The cold time this experiment waits, when the control plane has none to give (the original's fallback). */
const COLD_TIME = { function: 'function2', defaultSeconds: 1200 } as const;

export default defineExperiment({
  name: 'track-cloudfunctions-lifecycle',
  description:
    'Sends N = 10 to 80 concurrent calls, then steps down to 0.1N, and records how many instances served each batch and how many of them were the first batch’s. Port of the original track-cloudfunctions-lifecycle.',
  functions: ['function2'],
  coldTime: COLD_TIME,
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function2'),
    /** One cold time, in experiment seconds: filled in by the control plane, else 1200. */
    coldTimeSeconds: z.number().positive().optional(),
    /** Idle before the first batch, in experiment seconds. @default one cold time */
    initialIdleSeconds: z.number().min(0).optional(),
    /** Start every level with no instance by `bench.forceCold` instead of idling one cold time. */
    forceCold: forceColdParam,
    /** The values of N, in order; one cold time apart. */
    concurrency: z.array(z.number().int().min(1).max(1000)).min(1).default([10, 20, 40, 80]),
    /** Busy work per call of the first initial batch, in seconds. */
    throughputTimeSeconds: z.number().min(0).max(900).default(0.2),
    /** Added to it for each repeat of the initial batch, in seconds. */
    throughputStepSeconds: z.number().positive().default(0.1),
    /** No repeat of the initial batch goes beyond this, in seconds. */
    maxThroughputTimeSeconds: z.number().min(0).max(900).default(1),
    /** Step-down steps: n = N, N − N/steps, …, N/steps. */
    steps: z.number().int().min(1).default(10),
    /** Batches per step. */
    repetitions: z.number().int().min(1).default(5),
    /** Sleep before each step-down batch, in experiment seconds. */
    stepSleepSeconds: z.number().min(0).default(30),
  }),
  quick: {
    // The local platform is fresh, so no initial idle. Instances go cold after 1000 s of
    // experiment time (2.5 s real): below the default cold time of 1200 s between values of N,
    // far above the 30 s step-down sleep, and above the few real seconds that N cold starts at
    // once can take on two cores (a quick run scales sleeps, not start-up times).
    params: { concurrency: [4, 8], steps: 4, repetitions: 2, throughputTimeSeconds: 0.05, initialIdleSeconds: 0 },
    timeScale: 0.0025,
    platform: { profile: 'lambda', idleTimeoutMs: 2500 },
    expectedDuration: '15s',
  },
  async run(bench, params) {
    const functionName = params.function;
    const coldTimeSeconds = params.coldTimeSeconds ?? COLD_TIME.defaultSeconds;
    const reuse: { n: number; reused: number; instances: number }[] = [];
    await startCold(bench, [functionName], { forceCold: params.forceCold, idleSeconds: params.initialIdleSeconds ?? coldTimeSeconds, why: 'start' });

    for (const [index, originalConcurrency] of params.concurrency.entries()) {
      if (index > 0) await startCold(bench, [functionName], { forceCold: params.forceCold, idleSeconds: coldTimeSeconds });
      const context = { functionName, originalConcurrency };

      let throughputTimeSeconds = params.throughputTimeSeconds;
      let originalSet: Set<string>;
      for (let attempt = 0; ; attempt++) {
        const results = await bench.invokeConcurrently(functionName, originalConcurrency, { throughput_time: throughputTimeSeconds });
        const next = roundSeconds(throughputTimeSeconds + params.throughputStepSeconds);
        const row = lifecycleRow(results, { ...context, phase: 'initial', throughputTimeSeconds });
        const last = row.all_unique || next > params.maxThroughputTimeSeconds;
        bench.record('function_lifecycle', { ...row, attempt, original_set: last });
        bench.log(`N=${originalConcurrency} initial #${attempt + 1} at ${throughputTimeSeconds} s: ${row.unique_instances} instances for ${row.ok} ok calls`);
        if (last) {
          originalSet = new Set(row.identifiers);
          break;
        }
        throughputTimeSeconds = next;
      }

      for (let step = 0; step < params.steps; step++) {
        const n = Math.max(1, Math.round((originalConcurrency * (params.steps - step)) / params.steps));
        for (let repetition = 0; repetition < params.repetitions; repetition++) {
          await bench.sleep(params.stepSleepSeconds * 1000);
          const results = await bench.invokeConcurrently(functionName, n, { throughput_time: throughputTimeSeconds });
          const row = lifecycleRow(results, { ...context, phase: 'step-down', throughputTimeSeconds }, originalSet);
          bench.record('function_lifecycle', { ...row, step, repetition });
          reuse.push({ n, reused: row.reused_instances ?? 0, instances: row.unique_instances });
        }
      }
      const own = reuse.slice(-params.steps * params.repetitions);
      bench.log(
        `N=${originalConcurrency}: ${originalSet.size} instances first; step-down batches ran on ${sum(own.map((r) => r.reused))} reused and ${sum(own.map((r) => r.instances - r.reused))} new instances`,
      );
    }

    const instances = sum(reuse.map((r) => r.instances));
    const reused = sum(reuse.map((r) => r.reused));
    const fraction = instances ? Math.round((reused / instances) * 1000) / 1000 : null;
    bench.result({
      metric: 'instance_reuse_fraction',
      value: fraction,
      unit: 'fraction',
      sentence:
        fraction === null
          ? 'no step-down batch ran on any instance'
          : `${Math.round((fraction ?? 0) * 100)}% of the instances serving the step-down batches of ${functionName} (${reused} of ${instances}) were from the first batch of their N (N = ${params.concurrency.join(', ')})`,
    });
  },
});

interface RowContext {
  functionName: string;
  originalConcurrency: number;
  phase: 'initial' | 'step-down';
  throughputTimeSeconds: number;
}

/** One `function_lifecycle` row for a batch; reuse is counted against `originalSet` when given. */
export function lifecycleRow(results: InvocationResult[], context: RowContext, originalSet?: ReadonlySet<string>) {
  const roots = results.filter((result) => result.status === 'ok' && result.root).map((result) => result.root as NonNullable<InvocationResult['root']>);
  const identifiers = [...new Set(roots.map((root) => root.instance_identifier))].sort();
  const reused = originalSet ? identifiers.filter((identifier) => originalSet.has(identifier)) : undefined;
  const n = results.length;
  return {
    function_name: context.functionName,
    phase: context.phase,
    original_concurrency: context.originalConcurrency,
    concurrency: n,
    throughput_time_s: context.throughputTimeSeconds,
    ok: roots.length,
    errors: results.filter((result) => result.status === 'error').length,
    throttled: results.filter((result) => result.status === 'throttled').length,
    timeouts: results.filter((result) => result.status === 'timeout').length,
    error_fraction: n ? (n - roots.length) / n : 0,
    unique_instances: identifiers.length,
    calls_per_instance: identifiers.length ? roots.length / identifiers.length : null,
    all_unique: roots.length === n && identifiers.length === n,
    cold: roots.filter((root) => root.cold).length,
    reused_instances: reused ? reused.length : null,
    new_instances: reused ? identifiers.length - reused.length : null,
    reused_identifiers: reused ?? null,
    identifiers,
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Sums of 0.1 s steps without floating-point residue (0.2 + 0.1 = 0.3, not 0.30000000000000004). */
function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
