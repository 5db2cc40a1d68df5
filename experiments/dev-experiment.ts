/**
 * dev-experiment: does every feature of the Benchmarker do what it promises, on this platform?
 *
 * The original's `dev-experiment` held tests of the framework — sequential calls with no
 * arguments, sleep, throughput and one- and two-level nesting with two siblings at level 2;
 * concurrent calls on 1, 2, 3 and 7 threads; the monolith's `random`, `matrix_mult` and named
 * features; the database helpers — but every call of them was commented out, so running it did
 * nothing. This one runs and judges each feature (experiments/_dev-checks.ts):
 *
 * | feature | call | must hold |
 * | --- | --- | --- |
 * | `invoke` | plain, `sleep`, `throughput_time` | ok root record of the function at level 0; the sleep and the work took as long as asked; the round trip contains the execution |
 * | `invokeConcurrently` | batches of 1, 2, 3, 7 sleeping calls | as many results as calls, distinct records, every request sent before the first answer |
 * | `nested` | function1 → function2 → (function3, monolith) | four records, each under its caller one level up, timed by it |
 * | `monolith` | `matrix_mult`, `random` | the feature ran, with its timings and result |
 * | `error` | `sleep: -1` | HTTP 400 `InvalidInputError` naming the field, no records |
 * | `throttled` | more concurrent sleeping calls than the platform allows | every call served or throttled, throttled ones with a reason and no records |
 * | `forceCold` | call, force, call | the next call is cold on a new instance |
 * | `sleep` | `bench.sleep` | real time = experiment time × time scale (never early) |
 * | `clockOffset` | after the calls | an estimate with its bound; every corrected start inside its call's round trip |
 * | `record` | a row, a bad table name | the row queued; the name refused |
 * | `log` | a string and an object | logged |
 * | `result` | an invalid result | refused with InvalidExperimentResultError |
 *
 * Stores one `dev_checks` row per feature (`feature`, `outcome` ok/failed/skipped, `detail`,
 * `check_ms`) and the record check's row (`dev_record_check`). The result is how many features
 * were checked and behaved. Any failed check fails the run with DevCheckFailedError naming it,
 * after every check has run and been stored.
 *
 * Changed, and why:
 * - It runs (the original's calls were all commented out) and judges each answer instead of
 *   printing it.
 * - The database-helper tests became the `record` check: experiments store rows only through
 *   `bench.record`, and what reaches the store is checked by the tests that run it.
 * - New checks for what the original framework lacked: throttled and error answers, forced cold
 *   starts, the clock offset and the time scale.
 * - Throttling is required only when `requireThrottled` is set (the quick profile sets it, with a
 *   local platform of 8 instances per function): a cloud account's limits are far above what a
 *   self-test should send, so there an unthrottled batch skips the check instead of failing it.
 *   A platform that cannot force a cold start skips `forceCold` the same way.
 * - The parsed-versus-deferred ("futures") comparison across five benchmarkers and the 100-call
 *   latency distribution are left out: the Benchmarker has one way to call, and
 *   linear-invocation measures latency distributions.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, type ExperimentBench, type InvocationResult } from '../lib/experiment';
import { DEV_CHECKS, type DevCheckOutcome, runDevCheck } from './_dev-checks';

/** A feature of the Benchmarker did not do what it promises. */
export class DevCheckFailedError extends Error {
  override name = 'DevCheckFailedError';
}

export default defineExperiment({
  name: 'dev-experiment',
  description: 'Checks that every Benchmarker feature does what it promises on the platform: calls, batches, nesting, errors, throttles, forced cold starts, sleep, clock offset, rows, logs and results.',
  functions: LAB_FUNCTION_NAMES,
  params: z.object({
    /** The function the single and concurrent calls go to. */
    function: z.enum(LAB_FUNCTION_NAMES).default('function1'),
    /** The `sleep` of the sleeping call, in seconds. */
    sleepSeconds: z.number().min(0).max(10).default(0.2),
    /** The `throughput_time` of the working call, in seconds. */
    throughputTimeSeconds: z.number().min(0).max(10).default(0.1),
    /** Batch sizes of the concurrent calls (the original's thread counts). */
    concurrencies: z.array(z.number().int().min(1).max(100)).min(1).default([1, 2, 3, 7]),
    /** How long each concurrent call sleeps, in seconds, so that a batch overlaps. */
    concurrentSleepSeconds: z.number().min(0).max(10).default(0.3),
    /** `args` of the monolith's matrix_mult (n × n). */
    matrixSize: z.number().int().min(1).max(600).default(50),
    /** The function the throttling batch goes to. */
    throttleFunction: z.enum(LAB_FUNCTION_NAMES).default('function3'),
    /** Calls in the throttling batch: more than the platform runs at once. */
    throttleConcurrency: z.number().int().min(2).max(1000).default(12),
    /** How long each call of the throttling batch sleeps, in seconds, so the batch overlaps. */
    throttleSleepSeconds: z.number().min(0).max(10).default(0.5),
    /** Fail (not skip) the throttle check when no call of the batch is throttled. */
    requireThrottled: z.boolean().default(false),
    /** Experiment time slept by the sleep check, in ms. */
    sleepCheckMs: z.number().int().min(1).max(600_000).default(10_000),
  }),
  quick: {
    params: { requireThrottled: true },
    timeScale: 0.01,
    // 8 instances per function: the batch of 12 is throttled, the batches of up to 7 are not.
    platform: { profile: 'lambda', maxInstances: 8 },
    expectedDuration: '15s',
  },
  async run(bench, params) {
    const seen: InvocationResult[] = [];
    const outcomes: (DevCheckOutcome & { feature: string })[] = [];
    for (const [feature, check] of DEV_CHECKS) {
      const started = performance.now();
      const outcome = await runDevCheck(check, bench, params, seen);
      bench.record('dev_checks', { feature, outcome: outcome.outcome, detail: outcome.detail, check_ms: Math.round((performance.now() - started) * 100) / 100 });
      tell(bench, `${outcome.outcome.padEnd(7)} ${feature}: ${outcome.detail}`);
      outcomes.push({ feature, ...outcome });
    }
    const failed = outcomes.filter((outcome) => outcome.outcome === 'failed');
    const skipped = outcomes.filter((outcome) => outcome.outcome === 'skipped');
    const checked = outcomes.length - skipped.length;
    if (failed.length) {
      throw new DevCheckFailedError(`${failed.length} of ${checked} features misbehaved: ${failed.map((outcome) => `${outcome.feature} (${outcome.detail})`).join('; ')}`);
    }
    bench.result({
      metric: 'features_checked',
      value: checked,
      unit: 'features',
      sentence: `all ${checked} Benchmarker features checked behaved${skipped.length ? `; skipped ${skipped.map((outcome) => `${outcome.feature} (${outcome.detail})`).join(', ')}` : ''}`,
    });
  },
});

/** A progress line; a broken `log` is the log check's finding, not a reason to stop checking the rest. */
function tell(bench: Pick<ExperimentBench, 'log'>, line: string): void {
  try {
    bench.log(line);
  } catch {
    // Reported by the log check.
  }
}
