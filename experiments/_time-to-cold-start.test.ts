import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../lab-functions/core/records';
import type { ExperimentBench, ExperimentResult, InvocationResult } from '../lib/experiment';
import { runTimeToColdStart, type TimeToColdStartRun } from './_time-to-cold-start';

/**
 * A bench over a model platform in virtual time: an instance idle `idleTimeoutSeconds` is gone,
 * a call on a new instance is cold (flag) and takes `coldLatencyMs(n)` for the n-th cold start,
 * a warm call `warmLatencyMs`. Sleeping advances the clock at once.
 */
function modelBench(model: { idleTimeoutSeconds: number; coldLatencyMs: (n: number) => number; warmLatencyMs: number; warmAtStart?: boolean }) {
  let nowMs = 0;
  let instance: { id: string; lastActiveMs: number } | undefined = model.warmAtStart ? { id: 'instance-0', lastActiveMs: 0 } : undefined;
  let forced = 0;
  let coldStarts = 0;
  let calls = 0;
  const rows: Record<string, Record<string, unknown>[]> = {};
  let result: ExperimentResult | undefined;
  const call = (): InvocationResult => {
    calls += 1;
    const cold = !instance || nowMs - instance.lastActiveMs >= model.idleTimeoutSeconds * 1000;
    if (cold) instance = { id: `instance-${++coldStarts}`, lastActiveMs: nowMs };
    const latencyMs = cold ? model.coldLatencyMs(coldStarts) : model.warmLatencyMs;
    const sendAt = nowMs;
    nowMs += latencyMs + 1;
    (instance as { lastActiveMs: number }).lastActiveMs = nowMs;
    const root = { identifier: `call-${calls}`, instance_identifier: (instance as { id: string }).id, cold, execution_start: sendAt + latencyMs } as InvocationRecord;
    return { status: 'ok', httpStatus: 200, latencyMs: latencyMs + 1, root, records: [root], errorType: undefined, errorMessage: undefined, answer: { sendAt } } as unknown as InvocationResult;
  };
  const bench: ExperimentBench = {
    runId: 'model',
    timeScale: 1,
    clockOffset: undefined,
    invoke: async () => call(),
    invokeConcurrently: async (_, n) => Array.from({ length: n }, call),
    sleep: async (ms) => {
      nowMs += ms;
    },
    record: (table, row) => {
      rows[table] ??= [];
      rows[table].push(row);
    },
    log: () => undefined,
    forceCold: async () => {
      forced += 1;
      instance = undefined;
    },
    result: (reported) => {
      result = reported;
    },
  };
  return { bench, rows, result: () => result, coldStarts: () => coldStarts, forced: () => forced, nowMs: () => nowMs };
}

const RUN: TimeToColdStartRun = {
  function: 'function2',
  threads: 1,
  payload: {},
  initialIdleSeconds: 900,
  forceCold: false,
  warmCalls: 5,
  thresholdFactor: 0.9,
  recheckIdleSeconds: [2400, 3600, 4800, 6000, 7200],
  recheckWarmCalls: 10,
  startGapSeconds: 300,
  startStepSeconds: 300,
  stopStepSeconds: 10,
  stopStepGrowth: 1.5,
  confirmations: 5,
  maxDurationHours: 24,
};

describe('Function: runTimeToColdStart', () => {
  it('finds the idle timeout by the threshold and stores one row per probe, the final one with the summary', async () => {
    const model = modelBench({ idleTimeoutSeconds: 136, coldLatencyMs: () => 800, warmLatencyMs: 20 });
    await runTimeToColdStart(model.bench, RUN);
    const probes = model.rows.coldstart ?? [];
    expect(model.rows.coldstart_baseline).toEqual([
      expect.objectContaining({ attempt: 0, idle_before_s: 900, first_latency_ms: 800, warm_mean_ms: 20, threshold_ms: 720, threshold_factor: 0.9, holds: true, first_cold_calls: 1 }),
    ]);
    expect(probes.at(-1)).toMatchObject({ phase: 'final', gap_s: 140.625, granularity_s: 9.375, final: true, cold_by_threshold: true, cold: true, probes: 14, disagreements: 0 });
    expect(probes.filter((row) => row.final)).toHaveLength(1);
    expect(probes.every((row) => row.threshold_ms === 720 && row.threads === 1 && row.new_instance === row.cold)).toBe(true);
    expect(model.result()).toMatchObject({ metric: 'idle_timeout', value: 140.625, unit: 's', granularity: 9.375 });
    expect(model.result()?.sentence).toContain('disagreed with the threshold on 0 of 14 probes');
  });

  it('with forceCold, forces the first call cold instead of idling for it, and finds the same timeout', async () => {
    const idling = modelBench({ idleTimeoutSeconds: 136, coldLatencyMs: () => 800, warmLatencyMs: 20, warmAtStart: true });
    await runTimeToColdStart(idling.bench, RUN);
    const forcing = modelBench({ idleTimeoutSeconds: 136, coldLatencyMs: () => 800, warmLatencyMs: 20, warmAtStart: true });
    await runTimeToColdStart(forcing.bench, { ...RUN, forceCold: true });
    expect(forcing.forced()).toBe(1);
    expect(forcing.rows.coldstart_baseline).toEqual([expect.objectContaining({ attempt: 0, idle_before_s: 0, first_cold_calls: 1, holds: true })]);
    expect(forcing.result()).toMatchObject({ metric: 'idle_timeout', value: idling.result()?.value });
    // The 900 s initial idle is saved, nothing else.
    expect(idling.nowMs() - forcing.nowMs()).toBe(900_000);
  });

  it('counts the probes where the functions’ cold flag and the threshold disagree', async () => {
    // The 3rd cold start is fast (a sandbox the platform had ready): cold by flag and instance, warm by latency.
    const model = modelBench({ idleTimeoutSeconds: 136, coldLatencyMs: (n) => (n === 3 ? 25 : 800), warmLatencyMs: 20 });
    await runTimeToColdStart(model.bench, RUN);
    const probes = model.rows.coldstart ?? [];
    const disagreeing = probes.filter((row) => row.methods_disagree);
    expect(disagreeing).toEqual([expect.objectContaining({ cold: true, new_instance: true, cold_by_threshold: false, latency_ms: 25 })]);
    expect(probes.at(-1)).toMatchObject({ final: true, disagreements: 1, probes: probes.length });
    expect(model.result()?.sentence).toContain(`disagreed with the threshold on 1 of ${probes.length} probes`);
  });

  it('rechecks with a new first call when the warm mean is not below the threshold, as the original meant to', async () => {
    // The first call is barely slower than warm ones (it was not cold enough); the one after 40 minutes is.
    const model = modelBench({ idleTimeoutSeconds: 136, coldLatencyMs: (n) => (n === 1 ? 21 : 800), warmLatencyMs: 20 });
    await runTimeToColdStart(model.bench, RUN);
    expect(model.rows.coldstart_baseline).toEqual([
      expect.objectContaining({ attempt: 0, first_latency_ms: 21, holds: false, warm_calls: 5 }),
      expect.objectContaining({ attempt: 1, idle_before_s: 2400, first_latency_ms: 800, threshold_ms: 720, holds: true, warm_calls: 10 }),
    ]);
    expect(model.result()?.value).toBe(140.625);
  });

  it('ends with no value, its rows kept, when no threshold holds after the last recheck', async () => {
    const model = modelBench({ idleTimeoutSeconds: 136, coldLatencyMs: () => 21, warmLatencyMs: 20 });
    await runTimeToColdStart(model.bench, RUN);
    expect(model.rows.coldstart_baseline?.map((row) => row.holds)).toEqual([false, false, false, false, false, false]);
    expect(model.rows.coldstart).toBeUndefined();
    expect(model.result()).toMatchObject({ metric: 'idle_timeout', value: null });
    expect(model.result()?.sentence).toContain('no usable threshold');
  });

  it('sends batches and judges their mean latency, counting cold calls and new instances per batch', async () => {
    const model = modelBench({ idleTimeoutSeconds: 93, coldLatencyMs: () => 800, warmLatencyMs: 20 });
    await runTimeToColdStart(model.bench, { ...RUN, function: 'function1', threads: 12, stopStepSeconds: 20, payload: { throughput_time: 0.2 } });
    const probes = model.rows.coldstart ?? [];
    // In this model a cold batch is one cold start followed by 11 warm calls, all on the new instance,
    // like the first batch the threshold came from.
    expect(model.rows.coldstart_baseline?.[0]).toMatchObject({ threads: 12, first_latency_ms: (800 + 11 * 20) / 12, first_cold_calls: 1 });
    const coldBatch = probes.find((row) => row.cold === true);
    expect(coldBatch).toMatchObject({ ok_calls: 12, cold_calls: 1, new_instance_calls: 12, latency_ms: (800 + 11 * 20) / 12, cold_by_threshold: true, new_instance: true });
    expect(probes.find((row) => row.cold === false)).toMatchObject({ ok_calls: 12, cold_calls: 0, new_instance_calls: 0, latency_ms: 20, cold_by_threshold: false });
    expect(probes.at(-1)).toMatchObject({ final: true, threads: 12 });
    expect(probes.every((row) => Array.isArray(row.instance_identifiers))).toBe(true);
  });
});
