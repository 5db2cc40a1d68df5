import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AnyRecord, InvocationRecord } from '../lab-functions/core/records';
import type { ExperimentBench, ExperimentResult, InvocationResult } from '../lib/experiment';
import { parseExperimentResult } from '../lib/experiment/result';
import {
  advanceSearch,
  type Attempt,
  countDisagreements,
  InstanceTracker,
  ProbeFailedError,
  phaseName,
  runThresholdSearch,
  type SearchConfig,
  type SearchState,
  startSearch,
  type ThresholdSearchParams,
  thresholdSearchParams,
} from './_cold-threshold-search';
import simpleColdFunctionNested, { measureNested } from './simple-cold-function-nested';
import simpleColdFunctionThreadedTwelve, { measureBatch } from './simple-cold-function-threaded-twelve';

const ORIGINAL: SearchConfig = { stepsSeconds: [300, 60, 20], confirmations: 5 };

/** Every gap probed until the search is done, with "cold" = gap ≥ the idle timeout. */
function searchGaps(idleTimeoutSeconds: number, config: SearchConfig = ORIGINAL): { gaps: number[]; phases: string[]; result: number } {
  let state: SearchState = startSearch(config);
  const gaps: number[] = [];
  const phases: string[] = [];
  while (state.phase !== 'done') {
    gaps.push(state.gapSeconds);
    phases.push(phaseName(state));
    state = advanceSearch(state, state.gapSeconds >= idleTimeoutSeconds, config);
    if (gaps.length > 1000) throw new Error('the search does not end');
  }
  return { gaps, phases, result: state.gapSeconds };
}

describe('Function: advanceSearch', () => {
  it('steps 300 → 60 → 20 s as the original did: back one step and on with the finer one at each cold probe', () => {
    const { gaps, phases, result } = searchGaps(97);
    expect(gaps).toEqual([300, 60, 120, 80, 100, 100, 100, 100, 100, 100, 100]);
    expect(phases).toEqual(['search-1', 'search-2', 'search-2', 'search-3', 'search-3', 'verify', 'verify', 'verify', 'verify', 'verify', 'final']);
    expect(result).toBe(100);
    expect(searchGaps(410).gaps.slice(0, 8)).toEqual([300, 600, 360, 420, 380, 400, 420, 420]);
  });

  it('ends on the first 20 s multiple at or above the idle timeout, whatever it is', () => {
    for (let idle = 1; idle <= 1500; idle += 7) expect(searchGaps(idle).result).toBe(Math.max(20, Math.ceil(idle / 20) * 20));
  });

  it('adds the final step and starts the count again on a warm verify probe, and verifies again after a warm final probe', () => {
    const config: SearchConfig = { stepsSeconds: [300, 60, 20], confirmations: 2 };
    const verdicts = [true, true, true, /* verify */ true, false, true, true, /* final */ false, /* verify */ true, true, /* final */ true];
    let state = startSearch(config);
    const seen: string[] = [];
    for (const cold of verdicts) {
      seen.push(`${phaseName(state)}@${state.gapSeconds}`);
      state = advanceSearch(state, cold, config);
    }
    expect(seen).toEqual(['search-1@300', 'search-2@60', 'search-3@20', 'verify@20', 'verify@20', 'verify@40', 'verify@40', 'final@40', 'verify@60', 'verify@60', 'final@60']);
    expect(state).toMatchObject({ phase: 'done', gapSeconds: 60 });
    expect(advanceSearch(state, false, config)).toBe(state);
  });

  it('works with one step only, and refuses none', () => {
    expect(searchGaps(45, { stepsSeconds: [10], confirmations: 1 })).toMatchObject({ gaps: [10, 20, 30, 40, 50, 50, 50], result: 50 });
    expect(() => startSearch({ stepsSeconds: [], confirmations: 1 })).toThrow(RangeError);
  });
});

describe('Class: InstanceTracker and Function: countDisagreements', () => {
  it('counts instances the previous call did not use, and remembers a trailing batch when there is one', () => {
    const tracker = new InstanceTracker();
    expect(tracker.next({ instances: ['a', 'b'] })).toEqual({ newInstances: 2, previous: [] });
    expect(tracker.next({ instances: ['a', 'c'], trailingInstances: ['d', 'e'] })).toEqual({ newInstances: 1, previous: ['a', 'b'] });
    expect(tracker.next({ instances: ['d', 'e'] })).toEqual({ newInstances: 0, previous: ['d', 'e'] });
  });

  it('counts each method against the threshold separately', () => {
    const verdict = (coldByThreshold: boolean, coldFlag: boolean, instanceChanged: boolean) => ({ coldByThreshold, coldFlag, instanceChanged, newInstances: instanceChanged ? 1 : 0 });
    expect(countDisagreements([verdict(true, true, true), verdict(false, true, true), verdict(false, false, true), verdict(true, false, false)])).toEqual({ withFlag: 2, withInstance: 3 });
  });
});

/** A bench whose sleeps pass instantly on an experiment clock, collecting rows and the result. */
class FakeBench implements ExperimentBench {
  readonly runId = 'run';
  readonly timeScale = 1;
  readonly clockOffset = undefined;
  nowSeconds = 0;
  readonly sleeps: number[] = [];
  readonly rows: Record<string, Record<string, unknown>[]> = {};
  reported: ExperimentResult | undefined;
  readonly forced: string[] = [];
  /** Set by the fake function: forgets its instance, as a scale to zero would. */
  onForceCold: (() => void) | undefined;
  async forceCold(functionName: string): Promise<void> {
    this.forced.push(functionName);
    this.onForceCold?.();
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms / 1000);
    this.nowSeconds += ms / 1000;
  }
  record(table: string, row: Record<string, unknown>): void {
    this.rows[table] ??= [];
    this.rows[table].push(row);
  }
  log(): void {}
  result(result: ExperimentResult): void {
    this.reported = parseExperimentResult(result);
  }
  invoke(): Promise<InvocationResult> {
    throw new Error('not used');
  }
  invokeConcurrently(): Promise<InvocationResult[]> {
    throw new Error('not used');
  }
}

const defaults = (overrides: Partial<ThresholdSearchParams> = {}): ThresholdSearchParams => z.object(thresholdSearchParams({ initialIdleSeconds: 3900, warmCalls: 100 })).parse(overrides);

/** One instance at a time, evicted after `idleTimeoutSeconds` idle; a cold call takes `coldMs`. */
function fakeFunction(bench: FakeBench, idleTimeoutSeconds: number, options: { coldMs?: number | ((idle: number) => number); hopsAt?: (idle: number) => boolean } = {}) {
  let lastCallAt = Number.NEGATIVE_INFINITY;
  let instance = 0;
  let calls = 0;
  bench.onForceCold = () => {
    lastCallAt = Number.NEGATIVE_INFINITY;
  };
  return {
    functionName: 'function3',
    threads: 1,
    get calls() {
      return calls;
    },
    async measure(): Promise<Attempt> {
      calls += 1;
      const idle = bench.nowSeconds - lastCallAt;
      const cold = idle >= idleTimeoutSeconds;
      // A hop: a different, already warm instance (no cold start) serves the call.
      if (cold || options.hopsAt?.(idle)) instance += 1;
      lastCallAt = bench.nowSeconds;
      const coldMs = typeof options.coldMs === 'function' ? options.coldMs(idle) : (options.coldMs ?? 1400);
      return { ok: true, measurement: { latencyMs: cold ? coldMs : 4, coldCount: cold ? 1 : 0, instances: [`i${instance}`], invocationIdentifier: `call-${calls}`, columns: {} } };
    },
  };
}

describe('Function: runThresholdSearch', () => {
  it('with forceCold, forces the baseline’s first call cold instead of idling 3900 s, and finds the same timeout', async () => {
    const idling = new FakeBench();
    await runThresholdSearch(idling, defaults(), fakeFunction(idling, 157));
    const forcing = new FakeBench();
    await runThresholdSearch(forcing, defaults({ forceCold: true }), fakeFunction(forcing, 157));
    expect(forcing.forced).toEqual(['function3']);
    expect(forcing.sleeps[0]).toBe(0);
    expect(forcing.rows.coldstart_baseline).toEqual([expect.objectContaining({ attempt: 0, idle_before_s: 0, forced_cold: true, first_cold_flag: true, accepted: true })]);
    expect(forcing.reported).toMatchObject({ metric: 'idle_timeout', value: idling.reported?.value, granularity: 20 });
    expect(idling.nowSeconds - forcing.nowSeconds).toBe(3900);
  });

  it('finds the idle timeout with the original defaults and stores every probe, its threshold and the agreement of the methods', async () => {
    const bench = new FakeBench();
    await runThresholdSearch(bench, defaults(), fakeFunction(bench, 157));
    expect(bench.reported).toMatchObject({ metric: 'idle_timeout', value: 160, unit: 's', granularity: 20 });
    expect(bench.reported?.sentence).toContain('warm at 140 s');
    expect(bench.reported?.sentence).toContain('disagreed with the threshold on 0, the instance identity on 0');
    expect(bench.sleeps[0]).toBe(3900);
    expect(bench.rows.coldstart_baseline).toEqual([
      expect.objectContaining({ attempt: 0, first_latency_ms: 1400, first_cold_flag: true, first_cold_by_threshold: true, warm_calls: 100, warm_trimmed_mean_ms: 4, threshold_ms: 1000, threshold_by: 'floor', accepted: true }),
    ]);
    const probes = bench.rows.coldstart ?? [];
    expect(probes.map((row) => [row.phase, row.gap_s, row.cold_by_threshold])).toEqual([
      ['search-1', 300, true],
      ['search-2', 60, false],
      ['search-2', 120, false],
      ['search-2', 180, true],
      ['search-3', 140, false],
      ['search-3', 160, true],
      ...Array.from({ length: 5 }, () => ['verify', 160, true]),
      ['final', 160, true],
    ]);
    expect(probes.every((row) => row.threshold_ms === 1000 && row.cold_flag === row.cold_by_threshold && row.instance_changed === row.cold_by_threshold && row.methods_agree === true)).toBe(true);
    expect(probes.filter((row) => row.final === true)).toEqual([expect.objectContaining({ phase: 'final', gap_s: 160, granularity_s: 20 })]);
    expect(bench.rows.coldstart_summary).toEqual([
      expect.objectContaining({ idle_timeout_s: 160, granularity_s: 20, threshold_ms: 1000, probes: 12, threshold_flag_disagreements: 0, threshold_instance_disagreements: 0 }),
    ]);
  });

  it('decides by the threshold alone and counts where the cold flag and the instance identity disagree with it', async () => {
    const bench = new FakeBench();
    // Cold starts after less than 200 s idle are too fast for the threshold; a warm hop to another instance at 60 s.
    const target = fakeFunction(bench, 97, { coldMs: (idle) => (idle < 200 ? 50 : 1400), hopsAt: (idle) => Math.abs(idle - 60) < 1e-9 });
    await runThresholdSearch(bench, defaults({ confirmations: 1 }), target);
    const probes = bench.rows.coldstart ?? [];
    expect(probes.map((row) => [row.gap_s, row.cold_by_threshold, row.cold_flag, row.instance_changed, row.methods_agree])).toEqual([
      [300, true, true, true, true],
      [60, false, false, true, false],
      [120, false, true, true, false],
      [180, false, true, true, false],
      [240, true, true, true, true],
      [200, true, true, true, true],
      [200, true, true, true, true],
      [200, true, true, true, true],
    ]);
    expect(bench.rows.coldstart_summary).toEqual([expect.objectContaining({ idle_timeout_s: 200, probes: 8, threshold_flag_disagreements: 2, threshold_instance_disagreements: 3 })]);
    expect(bench.reported).toMatchObject({ value: 200 });
    expect(bench.reported?.sentence).toContain('of 8 probes the cold flag disagreed with the threshold on 2, the instance identity on 3');
  });

  it('compares a retried baseline’s own first call with its own threshold (the original reused the first one)', async () => {
    const bench = new FakeBench();
    // Baseline 1: first 900 ms against 2 × 500 ms. Baseline 2: first 700 ms against 2 × 400 ms —
    // the original compared 900 ms with 800 ms and went on; here it is not cold. Baseline 3: cold.
    const script = [
      { first: 900, warm: 500 },
      { first: 700, warm: 400 },
      { first: 2000, warm: 3 },
    ];
    let baseline = -1;
    let callInBaseline = 0;
    const warmCalls = 5;
    await runThresholdSearch(bench, defaults({ warmCalls, initialIdleSeconds: 0, maxGapSeconds: 1 }), {
      functionName: 'function3',
      threads: 1,
      async measure() {
        if (callInBaseline === 0) baseline += 1;
        const step = script[baseline] ?? { first: 0, warm: 0 };
        const latencyMs = callInBaseline === 0 ? step.first : step.warm;
        callInBaseline = (callInBaseline + 1) % (warmCalls + 1);
        return { ok: true, measurement: { latencyMs, coldCount: 1, instances: ['x'], invocationIdentifier: null, columns: {} } };
      },
    });
    expect(bench.rows.coldstart_baseline?.map((row) => [row.idle_before_s, row.first_latency_ms, row.threshold_ms, row.accepted])).toEqual([
      [0, 900, 1000, false],
      [2400, 700, 800, false],
      [3600, 2000, 1000, true],
    ]);
    // It went on with the third baseline's threshold (and stopped at maxGapSeconds, with the reason).
    expect(bench.rows.coldstart_summary).toEqual([expect.objectContaining({ idle_timeout_s: null, threshold_ms: 1000, reason: expect.stringContaining('maxGapSeconds') })]);
    expect(bench.reported).toMatchObject({ value: null });
  });

  it('gives up with a null result and the reason when no baseline sees a cold first call', async () => {
    const bench = new FakeBench();
    await runThresholdSearch(bench, defaults({ warmCalls: 3, baselineRetryIdleSeconds: [10, 20] }), fakeFunction(bench, 1e9, { coldMs: 2 }));
    expect(bench.rows.coldstart_baseline?.map((row) => [row.idle_before_s, row.first_cold_flag, row.first_cold_by_threshold])).toEqual([
      [3900, true, false],
      [10, false, false],
      [20, false, false],
    ]);
    expect(bench.rows.coldstart).toBeUndefined();
    expect(bench.reported).toMatchObject({ metric: 'idle_timeout', value: null, unit: 's' });
    expect(bench.reported?.sentence).toMatch(/no baseline/);
  });

  it('repeats a failed probe after the same idle, and ends the run after five failures in a row', async () => {
    const bench = new FakeBench();
    const target = fakeFunction(bench, 97);
    let failures = 0;
    const measure = target.measure;
    await runThresholdSearch(bench, defaults({ initialIdleSeconds: 0, warmCalls: 2, confirmations: 1 }), {
      ...target,
      async measure() {
        // The first probe (at 300 s) fails twice before it answers.
        if (target.calls === 3 && failures < 2) {
          failures += 1;
          return { ok: false, reason: 'throttled TooManyRequestsError' };
        }
        return measure();
      },
    });
    expect(bench.sleeps.slice(0, 6)).toEqual([0, 0, 0, 1, 300, 300]);
    expect(bench.sleeps[6]).toBe(300);
    expect(bench.reported?.value).toBe(100);

    const failing = new FakeBench();
    const run = runThresholdSearch(failing, defaults({ initialIdleSeconds: 0 }), { functionName: 'function3', threads: 1, measure: async () => ({ ok: false, reason: 'error UpstreamError' }) });
    await expect(run).rejects.toThrow(ProbeFailedError);
    expect(failing.sleeps).toEqual([0, 0, 0, 0, 0, 0]); // the initial idle, then five attempts
  });
});

const record = (overrides: Partial<InvocationRecord>): InvocationRecord =>
  ({ identifier: 'function2-x', function_name: 'function2', parent: 'root', instance_identifier: 'i1', cold: false, execution_start: 1000, execution_end: 1200, ...overrides }) as InvocationRecord;

const answer = (root: InvocationRecord | undefined, options: { latencyMs?: number | null; status?: InvocationResult['status']; records?: AnyRecord[]; sendAt?: number } = {}): InvocationResult =>
  ({
    status: options.status ?? 'ok',
    httpStatus: 200,
    latencyMs: options.latencyMs === undefined ? 250 : options.latencyMs,
    root,
    records: options.records ?? (root ? [root] : []),
    errorType: options.status === 'throttled' ? 'TooManyRequestsError' : undefined,
    errorMessage: undefined,
    answer: { attempts: 1, httpStatus: 200, sendAt: options.sendAt ?? 0, firstByteAt: null, endAt: (options.sendAt ?? 0) + (options.latencyMs ?? 250), bodyText: null, classified: { status: 'ok' } },
  }) as InvocationResult;

describe('Function: measureBatch (simple-cold-function-threaded-twelve)', () => {
  it('reduces a batch to its mean latency without execution time, cold count and instances, counting failures', () => {
    const results = [
      answer(record({ instance_identifier: 'a', cold: true, execution_start: 0, execution_end: 200 }), { latencyMs: 1500, sendAt: 10 }),
      answer(record({ instance_identifier: 'b', execution_start: 0, execution_end: 200 }), { latencyMs: 300, sendAt: 12 }),
      answer(undefined, { status: 'throttled', latencyMs: 2, sendAt: 11 }),
    ];
    const attempt = measureBatch(results);
    expect(attempt.ok).toBe(true);
    if (!attempt.ok) return;
    expect(attempt.measurement).toMatchObject({ latencyMs: (1300 + 100) / 2, coldCount: 1, instances: ['a', 'b'], invocationIdentifier: null });
    expect(attempt.measurement.columns).toMatchObject({ ok: 2, failed: 1, throttled: 1, min_latency_ms: 100, max_latency_ms: 1300, mean_round_trip_ms: 900, send_spread_ms: 2, end_spread_ms: 1198 });
  });

  it('is a failed attempt when nothing in the batch answered ok', () => {
    expect(measureBatch([answer(undefined, { status: 'throttled' }), answer(undefined, { status: 'throttled' })])).toEqual({ ok: false, reason: 'no ok answer in a batch of 2 (throttled TooManyRequestsError)' });
  });

  it('has the original’s 12 requests of 0.2 s work as defaults', () => {
    expect(simpleColdFunctionThreadedTwelve.params.parse({})).toMatchObject({ function: 'function2', concurrency: 12, throughputTimeSeconds: 0.2, initialIdleSeconds: 2700, warmCalls: 50 });
  });
});

describe('Function: measureNested (simple-cold-function-nested)', () => {
  const root = record({ identifier: 'function1-r', function_name: 'function1', instance_identifier: 'caller', cold: false });

  it('measures the nested call on the caller’s clock and reports the callee’s flag and instance', () => {
    const other = record({ identifier: 'function3-o', function_name: 'function3', parent: 'function1-r' });
    const callee = record({ identifier: 'function2-c', parent: 'function1-r', instance_identifier: 'callee', cold: true, invocation_start: 5000, invocation_end: 6234.5 });
    const attempt = measureNested(answer(root, { records: [root, other, callee], latencyMs: 1300 }), 'function2');
    expect(attempt).toEqual({
      ok: true,
      measurement: {
        latencyMs: 1234.5,
        coldCount: 1,
        instances: ['callee'],
        invocationIdentifier: 'function2-c',
        columns: { caller_function_name: 'function1', caller_invocation_identifier: 'function1-r', caller_cold_flag: false, caller_instance_identifier: 'caller', round_trip_ms: 1300 },
      },
    });
  });

  it('is a failed attempt for a failed call, a nested error record or a missing nested record', () => {
    expect(measureNested(answer(undefined, { status: 'error' }), 'function2').ok).toBe(false);
    expect(measureNested(answer(root), 'function2')).toEqual({ ok: false, reason: 'the answer has no record of the call to function2' });
    const failed = { identifier: 'error-function2-u', uuid: 'u', function_name: 'function2', parent: 'function1-r', level: 1, invocation_start: 1, invocation_end: 2, http_status: 429, error: { type: 'TooManyRequestsError', message: 'busy' } };
    expect(measureNested(answer(root, { records: [root, failed] }), 'function2')).toEqual({ ok: false, reason: 'the call to function2 failed (429): TooManyRequestsError: busy' });
  });

  it('has the original’s function1 → function2 and 65 min idle as defaults', () => {
    expect(simpleColdFunctionNested.params.parse({})).toMatchObject({ function: 'function1', nestedFunction: 'function2', initialIdleSeconds: 3900, warmCalls: 100, stepsSeconds: [300, 60, 20], confirmations: 5 });
  });
});
