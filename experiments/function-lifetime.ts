/**
 * function-lifetime: does the platform recycle an instance that is used continuously, and after
 * how long?
 *
 * Ported from the original's `function-lifetime`: function1; idle one cold time so the first call
 * is cold; warm up with a call every 10 s for 300 s; then one call every probe interval (half the
 * cold time, so the instance never idles long enough to go cold) until the limit of 24 h on the
 * function's clock. The first call that lands on a different instance ends the run with the
 * instance's lifetime and `reclaimed: true`; reaching the limit without one ends it with
 * `reclaimed: false`. One `function_lifetime` row:
 *
 * | column | |
 * | --- | --- |
 * | `function_name` | the function called |
 * | `reclaimed` | the instance was replaced within the limit |
 * | `last_seen_alive_s` | the instance's age, from its own start, at the last call it served |
 * | `first_seen_replaced_s` | its age at the first call that found it replaced (null when not reclaimed) |
 * | `lifetime_s` | the middle of those two, between which it was retired (null when not reclaimed) |
 * | `observed_s` | how long the calls went on, first to last, on the function's clock |
 * | `probe_interval_s`, `cold_time_s`, `limit_s` | the run's settings |
 * | `calls`, `failed_calls` | calls made (warm-up included) and how many of them failed |
 * | `original_instance_identifier` | the instance the first call landed on |
 * | `new_instance_identifier` | the instance that replaced it (null when not reclaimed) |
 * | `new_instance_cold` | whether the replacement's first call was a cold start |
 *
 * All durations are experiment seconds (a quick run's real seconds ÷ its time scale).
 *
 * Changed, and why:
 * - The identifier columns say what they hold. The original wrote the *original* instance's id
 *   into `instance_identifier` and the *new* one into `orig_identifier`, the other way round.
 * - The lifetime is one number of seconds. The original split it into hours, minutes and seconds
 *   with a relativedelta whose day part it ignored, so a lifetime of 25 h read as 1 h.
 * - The lifetime is the instance's own age (from `instance_started_at`), not the time since the
 *   experiment started; the two agree only when the first call is a cold start. It is the middle
 *   of the bracket between the last call the instance served and the first call that found it
 *   replaced, both stored: the original took the bracket's later end, which overstates the
 *   lifetime by half a probe interval on average and always by the replacement's cold start. The
 *   middle is off by at most half the bracket, i.e. about half a probe interval.
 * - The warm-up calls are observations as well: an instance replaced during the warm-up is
 *   reported, not silently taken as "the original". The limit counts from the first call.
 * - Not reclaimed stores `lifetime_s: null` and the headline value is null. The original stored
 *   24:00:00, indistinguishable from a lifetime of exactly 24 h.
 * - A failed call (error, throttle, timeout) is stored and repeated; five in a row end the run with
 *   an error. The original's wrapper retried five times and then exited.
 * - The cold time comes from the control plane (`coldTimeSeconds`: the latest measured idle
 *   timeout for function1 on this platform) instead of a query that always failed and fell back to
 *   20 minutes; 1200 s remains the default. The probe interval and the initial idle can be set.
 * - `forceCold: true` starts on a new instance with `bench.forceCold` instead of the initial idle;
 *   the probe interval, which is what the experiment measures with, stays.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment, forceColdParam, type InvocationResult, startCold } from '../lib/experiment';

export class ProbeFailedError extends Error {
  override name = 'ProbeFailedError';
}

const MAX_FAILED_CALLS_IN_A_ROW = 5;
/** The cold time this experiment waits, when the control plane has none to give (the original's fallback). */
const COLD_TIME = { function: 'function1', defaultSeconds: 1200 } as const;

type OkResult = InvocationResult & { root: NonNullable<InvocationResult['root']> };

export default defineExperiment({
  name: 'function-lifetime',
  description:
    'Finds whether and after how long a continuously used instance is recycled, by calling it every half cold time (up to 24 h) until a call lands on a new instance. Port of the original function-lifetime.',
  functions: ['function1'],
  coldTime: COLD_TIME,
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function1'),
    /** One cold time, in experiment seconds: filled in by the control plane, else 1200. */
    coldTimeSeconds: z.number().positive().optional(),
    /** Idle before the first call, in experiment seconds. @default one cold time */
    initialIdleSeconds: z.number().min(0).optional(),
    /** Make the first probe meet a new instance with `bench.forceCold` instead of the initial idle. */
    forceCold: forceColdParam,
    /** How long the warm-up calls go on, in experiment seconds. */
    warmupSeconds: z.number().min(0).default(300),
    /** Between warm-up calls, in experiment seconds. */
    warmupIntervalSeconds: z.number().positive().default(10),
    /** Between probes, in experiment seconds. @default half the cold time */
    probeIntervalSeconds: z.number().positive().optional(),
    /** Stop after this long without a new instance, in experiment seconds (the original's 24 h). */
    limitSeconds: z.number().positive().default(24 * 3600),
  }),
  quick: {
    // The local platform is fresh, so no initial idle. Instances go cold after 1000 s of
    // experiment time (2 s real: below the default cold time of 1200 s, well above the probe
    // interval of 600 s) and live 5000 s.
    params: { initialIdleSeconds: 0 },
    timeScale: 0.002,
    platform: { profile: 'lambda', idleTimeoutMs: 2000, maxLifetimeMs: 10_000 },
    expectedDuration: '12s',
  },
  async run(bench, params) {
    const functionName = params.function;
    const coldTimeSeconds = params.coldTimeSeconds ?? COLD_TIME.defaultSeconds;
    const probeIntervalSeconds = params.probeIntervalSeconds ?? coldTimeSeconds / 2;
    const toExperimentSeconds = (realMs: number) => realMs / 1000 / bench.timeScale;
    let calls = 0;
    let failedCalls = 0;
    let failuresInARow = 0;

    /** One call that returns a root record, repeating failed calls (each is still stored). */
    const call = async (): Promise<OkResult> => {
      for (;;) {
        const result = await bench.invoke(functionName);
        calls += 1;
        if (result.status === 'ok' && result.root) {
          failuresInARow = 0;
          return result as OkResult;
        }
        failedCalls += 1;
        failuresInARow += 1;
        bench.log(`call failed (${result.status}${result.errorType ? ` ${result.errorType}` : ''}); trying again`);
        if (failuresInARow >= MAX_FAILED_CALLS_IN_A_ROW) {
          throw new ProbeFailedError(`${MAX_FAILED_CALLS_IN_A_ROW} calls in a row to ${functionName} failed; last: ${result.errorType ?? result.status}: ${result.errorMessage ?? ''}`);
        }
      }
    };

    bench.log(`cold time ${coldTimeSeconds} s: probing every ${probeIntervalSeconds} s for up to ${params.limitSeconds} s`);
    await startCold(bench, [functionName], { forceCold: params.forceCold, idleSeconds: params.initialIdleSeconds ?? coldTimeSeconds, why: 'start' });
    const first = await call();
    const original = first.root;
    let lastAlive = first.root;
    let latest = first.root;
    let replacement: OkResult['root'] | undefined;
    /** Since the first call, on the function's clock. */
    const elapsedSeconds = () => toExperimentSeconds(latest.execution_start - original.execution_start);
    /** Record a call; true when it landed on another instance than the first call. */
    const observe = (result: OkResult): boolean => {
      latest = result.root;
      if (result.root.instance_identifier === original.instance_identifier) {
        lastAlive = result.root;
        return false;
      }
      replacement = result.root;
      return true;
    };

    while (elapsedSeconds() < Math.min(params.warmupSeconds, params.limitSeconds)) {
      await bench.sleep(params.warmupIntervalSeconds * 1000);
      if (observe(await call())) break;
    }
    while (!replacement && elapsedSeconds() < params.limitSeconds) {
      await bench.sleep(probeIntervalSeconds * 1000);
      if (observe(await call())) break;
    }

    const ageSeconds = (at: number) => toExperimentSeconds(at - original.instance_started_at);
    const aliveSeconds = ageSeconds(lastAlive.execution_start);
    const replacedSeconds = replacement ? ageSeconds(replacement.execution_start) : undefined;
    const row = {
      function_name: functionName,
      reclaimed: replacedSeconds !== undefined,
      lifetime_s: replacedSeconds !== undefined ? round((aliveSeconds + replacedSeconds) / 2) : null,
      last_seen_alive_s: round(aliveSeconds),
      first_seen_replaced_s: replacedSeconds !== undefined ? round(replacedSeconds) : null,
      observed_s: round(elapsedSeconds()),
      probe_interval_s: probeIntervalSeconds,
      cold_time_s: coldTimeSeconds,
      limit_s: params.limitSeconds,
      calls,
      failed_calls: failedCalls,
      original_instance_identifier: original.instance_identifier,
      new_instance_identifier: replacement?.instance_identifier ?? null,
      new_instance_cold: replacement?.cold ?? null,
    };
    bench.record('function_lifetime', row);
    if (row.lifetime_s !== null && row.first_seen_replaced_s !== null) {
      bench.log(`instance ${original.instance_identifier} served at ${row.last_seen_alive_s} s, replaced by ${row.new_instance_identifier} at ${row.first_seen_replaced_s} s`);
      bench.result({
        metric: 'instance_lifetime',
        value: row.lifetime_s,
        unit: 's',
        granularity: probeIntervalSeconds,
        ci: [row.last_seen_alive_s, row.first_seen_replaced_s],
        sentence: `${functionName}'s instance was recycled after ${row.lifetime_s} s of continuous use (still serving at ${row.last_seen_alive_s} s, replaced at ${row.first_seen_replaced_s} s; a call every ${probeIntervalSeconds} s)`,
      });
    } else {
      bench.log(`instance ${original.instance_identifier} not replaced in ${row.observed_s} s`);
      bench.result({
        metric: 'instance_lifetime',
        value: null,
        unit: 's',
        sentence: `${functionName}'s instance was not recycled in ${row.observed_s} s of continuous use (limit ${params.limitSeconds} s, a call every ${probeIntervalSeconds} s)`,
      });
    }
  },
});

/** To 0.1 s: finer than any probe interval, coarser than the clocks' noise at a quick run's scale. */
function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
