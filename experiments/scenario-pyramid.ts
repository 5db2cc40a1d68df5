/**
 * scenario-pyramid: how does a platform handle load that ramps up linearly and then back down?
 *
 * Ported from the original's `scenario-pyramid`: four pyramids, each on a pair of functions taking
 * turns, every call with `throughput_time` 0.05 s, one cold time of idle before each:
 *
 * | pyramid | functions | increment | peak | ramp time |
 * | --- | --- | --- | --- | --- |
 * | 1 | function1, function2 | 5 | 200 | 300 s |
 * | 2 | function2, function3 | 5 | 200 | 180 s |
 * | 3 | function3, function1 | 5 | 200 | 60 s |
 * | 4 | function1, function3 | 10 | 1000 | 600 s |
 *
 * A pyramid is a 60 s baseline (a call every 0.33 s), steps of increment, 2·increment, … peak
 * calls, each in a slot of ramp time / steps, the mirror image back down, and a second baseline;
 * where the calls of a slot would be less than 0.1 s apart they go out in concurrent batches
 * (experiments/_pyramid-plan.ts has the formulas). The load is open loop (lib/experiment/
 * open-loop.ts): every send leaves at its planned time whatever the answers do.
 *
 * One `pyramid` row per step (baselines included), the original's columns with their units —
 * `total_runtime_s` (ramp time), `total_invocations` (the pyramid's ideal count), `total_errors`
 * (calls not ok so far in the run, cumulative), `increment`, `peak_invocations`, `functions`,
 * `increment_runtime_s` (the slot), `sleep_time_s`, `threads_per_invocation`,
 * `invocations_for_increment` — and what the original could not say: `planned_calls`,
 * `issued_calls`, `sent_calls` (on the wire), `sent_in_window_calls` (sent within the step's
 * slot), `ok`/`errors`/`throttled`/`timeouts`, the schedule error (actual − planned send time,
 * real ms) as `schedule_error_median_ms`/`_p99_ms`/`_max_ms`, the scheduler's own `issue_lag_*`,
 * `max_in_flight_calls`, the ok calls' round trip `latency_median_ms`/`latency_p99_ms`,
 * `distinct_instances` and `cold`; plus `pyramid`, `phase`, `step` and `send_interval_s`. One
 * `pyramid_summary` row per pyramid: its planned, issued, sent and ok calls, the other outcomes,
 * the schedule error over all its calls (median, p99, max) and the most calls in flight. The
 * headline is the fraction of all calls answered ok.
 *
 * Changed, and why:
 * - Every call issued is stored. The original polled its futures for 10 s after the last ramp and
 *   dropped those still running; here a call outstanding at the end of its step has until the
 *   step's end plus `drainTimeoutSeconds` (10 s, real time) and is then stored as `timeout`.
 * - The schedule is absolute (sends at slot·j/batches from the step's start) and never waits for a
 *   thread: the original slept between submissions to a 50-thread pool, so its sends drifted by
 *   the submit cost (hence its 0.0016 s allowance, kept only to pick the batch size) and stalled
 *   whenever 50 batches were outstanding. Whether the schedule held is stored per step.
 * - Each step plans exactly its x calls: the last batch of a step carries the remainder. The
 *   original sent k·⌊x/k⌋ (198 of 200 at pyramid 1's peak, 986 of 1000 at pyramid 4's), short of
 *   its own `invocations_for_increment` and ideal count.
 * - Baselines are rows too (`phase` `baseline_before`/`baseline_after`), and open loop like the ramp.
 * - The cold time comes from the control plane (`coldTimeSeconds`) instead of a query that always
 *   failed and fell back to 20 minutes; 1200 s remains the default.
 * - `sleepSeconds` (default none) adds a `sleep` to every call, for making the platform slow.
 * - The batching rule's constants are parameters: a `minSleepSeconds` below the step's gap between
 *   calls (e.g. 0.0005) paces every call on its own instead of in concurrent batches, which the
 *   open-loop scheduler keeps to within about a millisecond at 2,000 calls/s (`npm run bench
 *   open-loop`); a batch's calls leave over its release spread (about 2–4 ms for 200 calls).
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment } from '../lib/experiment';
import { type OpenLoopStepReport, runOpenLoop } from '../lib/experiment/open-loop';
import { percentileCont } from '../lib/stats/summary';
import { rounded, scheduleColumns } from './_open-loop-columns';
import { idealInvocations, type PyramidStep, pyramidSteps } from './_pyramid-plan';

/** The cold time this experiment waits, when the control plane has none to give (the original's fallback). */
const COLD_TIME = { function: 'function1', defaultSeconds: 1200 } as const;

const pyramidSchema = z.object({
  functions: z.array(z.enum(LAB_FUNCTION_NAMES)).min(1),
  increment: z.number().int().min(1).max(100_000),
  peak: z.number().int().min(1).max(100_000),
  rampTimeSeconds: z.number().positive(),
});

export default defineExperiment({
  name: 'scenario-pyramid',
  description:
    'Ramps open-loop load linearly up to a peak and back down on pairs of functions, and stores per step the planned and issued calls, how well the send schedule held and how the calls ended. Port of the original scenario-pyramid.',
  functions: ['function1', 'function2', 'function3'],
  // The original's scenario-pyramid.tfvars: the one experiment whose client needs four cores.
  client: { ec2InstanceType: 'm5.xlarge', azureVmSize: 'Standard_D4_v3' },
  coldTime: COLD_TIME,
  params: z.object({
    pyramids: z
      .array(pyramidSchema)
      .min(1)
      .default([
        { functions: ['function1', 'function2'], increment: 5, peak: 200, rampTimeSeconds: 300 },
        { functions: ['function2', 'function3'], increment: 5, peak: 200, rampTimeSeconds: 180 },
        { functions: ['function3', 'function1'], increment: 5, peak: 200, rampTimeSeconds: 60 },
        { functions: ['function1', 'function3'], increment: 10, peak: 1000, rampTimeSeconds: 600 },
      ]),
    /** Busy work per call, in seconds. */
    throughputTimeSeconds: z.number().min(0).max(900).default(0.05),
    /** A sleep per call, in seconds, on top of the busy work (not in the original). */
    sleepSeconds: z.number().min(0).max(900).optional(),
    /** Length of each baseline, in experiment seconds. */
    baselineSeconds: z.number().min(0).default(60),
    /** Time between two baseline calls, in experiment seconds. */
    baselineIntervalSeconds: z.number().positive().default(0.33),
    /** Below this gap between sends, a step sends concurrent batches instead, in experiment seconds. */
    minSleepSeconds: z.number().positive().default(0.1),
    /** The original's allowance for submitting one call, used in choosing the batch size, in seconds. */
    sendOverheadSeconds: z.number().min(0).default(0.0016),
    /** How long after its step's end a call may still answer before it is stored as a timeout, in real seconds. */
    drainTimeoutSeconds: z.number().min(0).max(3600).default(10),
    /** One cold time, in experiment seconds: filled in by the control plane, else 1200. */
    coldTimeSeconds: z.number().positive().optional(),
    /** Idle before the first pyramid, in experiment seconds. @default one cold time */
    initialIdleSeconds: z.number().min(0).optional(),
  }),
  quick: {
    // One small pyramid at a twentieth of real time: 7.5 s of load, at most 60 calls/s. OpenFaaS-like
    // scaling (many calls per instance): on the Lambda-like profile every overlapping call starts
    // a process, and the local gateway stalls while it spawns them, which a quick run would measure.
    params: {
      pyramids: [{ functions: ['function1', 'function2'], increment: 5, peak: 30, rampTimeSeconds: 60 }],
      throughputTimeSeconds: 0.005,
      baselineSeconds: 20,
      baselineIntervalSeconds: 1,
      initialIdleSeconds: 0,
    },
    timeScale: 0.05,
    platform: { profile: 'openfaas' },
    expectedDuration: '20s',
  },
  longestCallSeconds: (params) => params.throughputTimeSeconds + (params.sleepSeconds ?? 0),
  async run(bench, params) {
    const coldTimeSeconds = params.coldTimeSeconds ?? COLD_TIME.defaultSeconds;
    const payload = { throughput_time: params.throughputTimeSeconds, ...(params.sleepSeconds !== undefined ? { sleep: params.sleepSeconds } : {}) };
    const constants = { minSleepSeconds: params.minSleepSeconds, sendOverheadSeconds: params.sendOverheadSeconds, baselineSeconds: params.baselineSeconds, baselineIntervalSeconds: params.baselineIntervalSeconds };
    const totals = new LoadTotals();
    for (const [pyramid, spec] of params.pyramids.entries()) {
      const pyramidTotals = new LoadTotals();
      await bench.sleep((pyramid === 0 ? (params.initialIdleSeconds ?? coldTimeSeconds) : coldTimeSeconds) * 1000);
      const steps = pyramidSteps(spec, constants, payload);
      const ideal = idealInvocations(spec);
      bench.log(`pyramid ${pyramid + 1} of ${params.pyramids.length}: ${spec.functions.join(', ')}, ${spec.increment} to ${spec.peak} calls per ${rounded(steps[1]?.slotSeconds)} s step, ${ideal} calls in the ramps`);
      await runOpenLoop(bench, steps, {
        drainTimeoutMs: params.drainTimeoutSeconds * 1000,
        onStepSettled: (report) => {
          const step = steps[report.step] as PyramidStep;
          const isPeak = step.phase !== 'baseline_before' && step.phase !== 'baseline_after' && step.invocations === spec.peak;
          totals.add(report, isPeak);
          pyramidTotals.add(report, isPeak);
          bench.record('pyramid', {
            pyramid,
            functions: spec.functions.join(','),
            phase: step.phase,
            step: report.step,
            total_runtime_s: spec.rampTimeSeconds,
            total_invocations: ideal,
            total_errors: totals.notOk,
            increment: spec.increment,
            peak_invocations: spec.peak,
            increment_runtime_s: step.slotSeconds,
            sleep_time_s: step.sleepTimeSeconds,
            send_interval_s: step.sendIntervalSeconds,
            threads_per_invocation: step.batchSize,
            invocations_for_increment: step.invocations,
            ...scheduleColumns(report),
          });
        },
      });
      bench.record('pyramid_summary', { pyramid, functions: spec.functions.join(','), total_invocations: ideal, ...pyramidTotals.columns() });
      bench.log(`pyramid ${pyramid + 1}: ${pyramidTotals.describe()}`);
    }
    bench.result(totals.headline(params.pyramids.length));
  },
});

/** Counts and schedule errors over many steps: a pyramid's, or the whole run's. */
class LoadTotals {
  planned = 0;
  issued = 0;
  sent = 0;
  maxInFlight = 0;
  ok = 0;
  notOk = 0;
  throttled = 0;
  errors = 0;
  timeouts = 0;
  readonly scheduleErrorsMs: number[] = [];
  /** The highest p99 round trip of any peak step. */
  peakP99Ms: number | null = null;

  add(report: OpenLoopStepReport, isPeak: boolean): void {
    this.planned += report.plannedCalls;
    this.issued += report.issuedCalls;
    this.sent += report.sentCalls;
    this.maxInFlight = Math.max(this.maxInFlight, report.maxInFlightCalls);
    this.ok += report.statusCalls.ok;
    this.throttled += report.statusCalls.throttled;
    this.errors += report.statusCalls.error;
    this.timeouts += report.statusCalls.timeout;
    this.notOk = this.issued - this.ok;
    for (const call of report.calls) if (call.result.answer.sendAt !== null) this.scheduleErrorsMs.push(call.result.answer.sendAt - call.plannedAt);
    if (isPeak) {
      const latencies = report.calls.filter((call) => call.result.status === 'ok' && call.result.latencyMs !== null).map((call) => call.result.latencyMs as number);
      if (latencies.length) this.peakP99Ms = Math.max(this.peakP99Ms ?? 0, percentileCont(latencies, 0.99));
    }
  }

  describe(): string {
    return `${this.ok} of ${this.issued} calls ok (${this.throttled} throttled, ${this.errors} errors, ${this.timeouts} timeouts)`;
  }

  /** The `pyramid_summary` columns. */
  columns(): Record<string, number | null> {
    const errors = this.scheduleErrorsMs;
    return {
      planned_calls: this.planned,
      issued_calls: this.issued,
      sent_calls: this.sent,
      ok: this.ok,
      errors: this.errors,
      throttled: this.throttled,
      timeouts: this.timeouts,
      schedule_error_median_ms: errors.length ? rounded(percentileCont(errors, 0.5)) : null,
      schedule_error_p99_ms: errors.length ? rounded(percentileCont(errors, 0.99)) : null,
      schedule_error_max_ms: errors.length ? rounded(errors.reduce((max, value) => Math.max(max, value), Number.NEGATIVE_INFINITY)) : null,
      max_in_flight_calls: this.maxInFlight,
      peak_latency_p99_ms: rounded(this.peakP99Ms),
    };
  }

  headline(pyramids: number) {
    if (!this.issued) return { metric: 'ok_fraction', value: null, unit: 'fraction', sentence: 'no call was issued' };
    const fraction = Math.round((this.ok / this.issued) * 10_000) / 10_000;
    const schedule = this.scheduleErrorsMs.length
      ? `; sends ${rounded(percentileCont(this.scheduleErrorsMs, 0.5))} ms late at the median, ${rounded(percentileCont(this.scheduleErrorsMs, 0.99))} ms at p99`
      : '';
    const peak = this.peakP99Ms !== null ? `; p99 round trip at the peak ${rounded(this.peakP99Ms)} ms` : '';
    return {
      metric: 'ok_fraction',
      value: fraction,
      unit: 'fraction',
      sentence: `${this.ok} of ${this.issued} calls ok over ${pyramids} pyramid${pyramids === 1 ? '' : 's'} (${this.throttled} throttled, ${this.errors} errors, ${this.timeouts} timeouts)${peak}${schedule}`,
    };
  }
}
