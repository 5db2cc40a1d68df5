/**
 * growing-load-spikes: how does a platform react to bursts of growing size on top of steady
 * background load?
 *
 * Ported from the original's `growing-load-spikes`: function1 with `throughput_time` 0.1 s; spike
 * sizes 8, 16, …, 264 and back down 264, …, 8 (66 spikes; the original's description said "by 16
 * until 128", its code did this); for each spike, twice, a 30 s baseline of calls 0.3 s apart
 * followed by one burst of that many concurrent calls. No idle first (the original read its cold
 * time and did not use it). About 66 minutes of baselines and 17,952 burst calls.
 *
 * The load is open loop (lib/experiment/open-loop.ts): every call leaves at its planned time,
 * whatever the answers do. One `load_spike` row per baseline-and-burst (the original stored only
 * its generic tables): `spike` (its index), `phase` (`up`/`down`), `repetition`, `spike_calls`,
 * `baseline_s`, `baseline_interval_s`, and for each part (`baseline_`, `burst_`) the planned,
 * issued and sent calls, `ok`/`errors`/`throttled`/`timeouts`, the schedule error (actual −
 * planned send time, real ms: median, p99, max), the scheduler's own issue lag, the calls in
 * flight, the ok calls' round trip (median, p99), `distinct_instances` and `cold`; and
 * `burst_release_spread_ms` (last − first send of the burst). The headline is the number of calls
 * the platform throttled, with the largest spike it served without refusing one.
 *
 * Changed, and why:
 * - Open loop throughout. The original's baseline was a loop of call-then-sleep (a slow answer
 *   stretched it, so the background load dropped exactly when the platform struggled) and it waited
 *   for every answer of a burst before the next baseline began. Here the baseline sends every
 *   0.3 s on an absolute schedule and the next baseline starts the moment the burst is released.
 * - Every call is stored, throttles and timeouts included: a call still outstanding
 *   `drainTimeoutSeconds` (10 s, real time) after its part ended is stored as `timeout`.
 * - A burst is released together over pre-opened connections (the original started its requests
 *   one after another, each behind a blocking NTP query); its release spread is stored.
 * - Spike sizes, repetitions and timings are parameters.
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import { defineExperiment } from '../lib/experiment';
import { type OpenLoopStep, type OpenLoopStepReport, runOpenLoop } from '../lib/experiment/open-loop';
import { percentileCont } from '../lib/stats/summary';
import { rounded, scheduleColumns } from './_open-loop-columns';

export default defineExperiment({
  name: 'growing-load-spikes',
  description:
    'Sends open-loop background load with bursts of 8 to 264 concurrent calls and back down, and stores per burst its throttles, errors, latency and instances, and how well the send schedule held. Port of the original growing-load-spikes.',
  functions: ['function1'],
  params: z.object({
    function: z.enum(LAB_FUNCTION_NAMES).default('function1'),
    /** Busy work per call, in seconds. */
    throughputTimeSeconds: z.number().min(0).max(900).default(0.1),
    /** The first (and last) spike's size; spikes grow by `spikeStep` up to `largestSpike`, then shrink back. */
    smallestSpike: z.number().int().min(1).max(10_000).default(8),
    spikeStep: z.number().int().min(1).max(10_000).default(8),
    largestSpike: z.number().int().min(1).max(10_000).default(264),
    /** Baseline-and-burst rounds per spike size. */
    repetitions: z.number().int().min(1).max(100).default(2),
    /** Length of each baseline, in experiment seconds. */
    baselineSeconds: z.number().min(0).default(30),
    /** Time between two baseline calls, in experiment seconds. */
    baselineIntervalSeconds: z.number().positive().default(0.3),
    /** How long after its part ends a call may still answer before it is stored as a timeout, in real seconds. */
    drainTimeoutSeconds: z.number().min(0).max(3600).default(10),
  }),
  quick: {
    // Spikes of 2, 4, 6 and back, twice each, at a fiftieth of real time: 7.2 s of load.
    params: { throughputTimeSeconds: 0.01, smallestSpike: 2, spikeStep: 2, largestSpike: 6, baselineIntervalSeconds: 3 },
    timeScale: 0.02,
    platform: { profile: 'lambda' },
    expectedDuration: '20s',
  },
  async run(bench, params) {
    const sizes = spikeSizes(params.smallestSpike, params.spikeStep, params.largestSpike);
    const payload = { throughput_time: params.throughputTimeSeconds };
    const rounds = sizes.flatMap((size, spike) => Array.from({ length: params.repetitions }, (_, repetition) => ({ spike, repetition, size, phase: spike < sizes.length / 2 ? 'up' : 'down' })));
    const baselineSends = baselineOffsetsMs(params.baselineSeconds, params.baselineIntervalSeconds).map((offsetMs) => ({ offsetMs, functionName: params.function, payload }));
    // Each round: its baseline, then (a step of length 0) its burst; the next baseline starts at the burst.
    const steps: OpenLoopStep[] = rounds.flatMap((round) => [
      { durationMs: params.baselineSeconds * 1000, sends: baselineSends },
      { durationMs: 0, sends: [{ offsetMs: 0, functionName: params.function, payload, calls: round.size }] },
    ]);
    bench.log(`${rounds.length} baselines and bursts of ${sizes[0]} to ${params.largestSpike} calls, ${steps.reduce((total, step) => total + step.sends.reduce((calls, send) => calls + (send.calls ?? 1), 0), 0)} calls in all`);
    const totals = { issued: 0, throttled: 0, burstThrottled: 0, largestServed: null as number | null, largestP99Ms: null as number | null };
    let baseline: OpenLoopStepReport | undefined;
    await runOpenLoop(bench, steps, {
      drainTimeoutMs: params.drainTimeoutSeconds * 1000,
      onStepSettled: (report) => {
        totals.issued += report.issuedCalls;
        totals.throttled += report.statusCalls.throttled;
        if (report.step % 2 === 0) {
          baseline = report;
          return;
        }
        const round = rounds[(report.step - 1) / 2] as (typeof rounds)[number];
        const burst = report;
        totals.burstThrottled += burst.statusCalls.throttled;
        if (burst.statusCalls.ok === burst.plannedCalls) totals.largestServed = Math.max(totals.largestServed ?? 0, round.size);
        if (round.size === params.largestSpike) totals.largestP99Ms = Math.max(totals.largestP99Ms ?? 0, p99LatencyMs(burst) ?? 0);
        bench.record('load_spike', {
          spike: round.spike,
          phase: round.phase,
          repetition: round.repetition,
          spike_calls: round.size,
          baseline_s: params.baselineSeconds,
          baseline_interval_s: params.baselineIntervalSeconds,
          ...(baseline ? scheduleColumns(baseline, 'baseline_') : {}),
          ...scheduleColumns(burst, 'burst_'),
          burst_release_spread_ms: releaseSpreadMs(burst),
        });
        bench.log(`spike ${round.size} (${round.phase}, #${round.repetition + 1}): ${burst.statusCalls.ok} ok, ${burst.statusCalls.throttled} throttled, ${burst.statusCalls.error} errors, ${burst.statusCalls.timeout} timeouts`);
      },
    });
    const served = totals.largestServed === null ? 'no burst was served in full' : `the largest burst served in full had ${totals.largestServed} calls`;
    const p99 = totals.largestP99Ms === null ? '' : `; p99 round trip of the ${params.largestSpike}-call bursts ${rounded(totals.largestP99Ms)} ms`;
    bench.result({
      metric: 'throttled_calls',
      value: totals.throttled,
      unit: 'calls',
      function: params.function,
      sentence: `${totals.throttled} of ${totals.issued} calls throttled (${totals.burstThrottled} of them in bursts); ${served}${p99}`,
    });
  },
});

/** smallest, smallest + step, … up to largest, then the same back down (the largest twice, as the original). */
export function spikeSizes(smallest: number, step: number, largest: number): number[] {
  const up: number[] = [];
  for (let size = smallest; size <= largest; size += step) up.push(size);
  return [...up, ...[...up].reverse()];
}

/** A call every `intervalSeconds` from 0 while inside the baseline, as offsets in ms. */
function baselineOffsetsMs(baselineSeconds: number, intervalSeconds: number): number[] {
  const count = baselineSeconds > 0 ? Math.ceil(baselineSeconds / intervalSeconds - 1e-9) : 0;
  return Array.from({ length: count }, (_, j) => j * intervalSeconds * 1000);
}

/** Last − first send of a burst's calls, in ms; null if fewer than one was sent. */
function releaseSpreadMs(report: OpenLoopStepReport): number | null {
  const sends = report.calls.map((call) => call.result.answer.sendAt).filter((at): at is number => at !== null);
  if (!sends.length) return null;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const at of sends) {
    first = Math.min(first, at);
    last = Math.max(last, at);
  }
  return rounded(last - first);
}

function p99LatencyMs(report: OpenLoopStepReport): number | null {
  const latencies = report.calls.filter((call) => call.result.status === 'ok' && call.result.latencyMs !== null).map((call) => call.result.latencyMs as number);
  return latencies.length ? percentileCont(latencies, 0.99) : null;
}
