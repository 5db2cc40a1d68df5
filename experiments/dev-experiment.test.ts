/**
 * dev-experiment over a model bench: a faithful one passes every check; a bench broken in one
 * feature fails the run with DevCheckFailedError naming that feature, and only that one, after
 * every check has been stored. (The real Benchmarker on the local platform is the ground truth:
 * local/control-plane/ground-truth-dev-experiment.test.ts.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { AnyRecord, InvocationRecord } from '../lab-functions/core/records';
import type { ExperimentBench, ExperimentResult, InvocationResult } from '../lib/experiment';
import { parseExperimentResult } from '../lib/experiment/result';
import { resolveParams } from '../lib/experiment/params';
import devExperiment from './dev-experiment';

interface NestedItem {
  function_name: string;
  invoke_payload?: Payload;
}
interface Payload {
  sleep?: number;
  throughput_time?: number;
  run_function?: string;
  args?: number;
  invoke_nested?: NestedItem[];
}

/** What a model bench may get wrong, one feature at a time. */
interface Faults {
  sleepIgnored?: boolean;
  sentOneByOne?: boolean;
  nestedUnderRoot?: boolean;
  monolithSilent?: boolean;
  invalidInputServed?: boolean;
  throttledWithoutReason?: boolean;
  neverThrottles?: boolean;
  forceColdIgnored?: boolean;
  sleepsNoTime?: boolean;
  clockOffsetOff?: boolean;
  anyTableName?: boolean;
  logThrows?: boolean;
  anyResult?: boolean;
}

/**
 * A platform in virtual time behind the ExperimentBench interface: one instance per function
 * until forced cold; at most `capacity` calls of a batch served, the rest throttled (HTTP 429);
 * answers take their work plus 2 ms. Sleep is real (scaled), so the sleep check measures it.
 */
function modelBench(faults: Faults = {}, capacity = 8) {
  let now = 1_000_000;
  let counter = 0;
  let calls = 0;
  const instances = new Map<string, string>();
  const rows: Record<string, Record<string, unknown>[]> = {};
  let reported: ExperimentResult | undefined;

  const record = (fn: string, payload: Payload, parent: string, level: number, startAt: number): AnyRecord[] => {
    let cold = false;
    if (!instances.has(fn)) {
      instances.set(fn, `${fn}-instance-${++counter}`);
      cold = true;
    }
    const identifier = `${fn}-${++counter}`;
    const workMs = (faults.sleepIgnored ? 0 : (payload.sleep ?? 0) * 1000) + (payload.throughput_time ?? 0) * 1000;
    const own: InvocationRecord = {
      identifier,
      function_name: fn,
      parent,
      level,
      instance_identifier: instances.get(fn) as string,
      cold,
      execution_start: startAt,
      execution_end: startAt + workMs + 0.5,
      ...(payload.sleep !== undefined ? { sleep: payload.sleep } : {}),
      ...(payload.throughput_time !== undefined ? { throughput_time: payload.throughput_time, throughput_ops: 1000, throughput_wall_time_ms: payload.throughput_time * 1000 } : {}),
      ...(payload.run_function && !faults.monolithSilent
        ? { function_called: payload.run_function === 'random' ? 'fib' : payload.run_function, function_argument: payload.args, monolith_result: '42', matrix_cpu_time_ms: 3, matrix_wall_time_ms: 4 }
        : {}),
    } as InvocationRecord;
    const records: AnyRecord[] = [own];
    let at = own.execution_end;
    for (const item of payload.invoke_nested ?? []) {
      const nested = record(item.function_name, item.invoke_payload ?? {}, faults.nestedUnderRoot ? 'root' : identifier, level + 1, at + 1);
      const callee = nested[0] as InvocationRecord;
      Object.assign(callee, { invocation_start: at, invocation_end: callee.execution_end + 1, http_status: 200 });
      at = callee.execution_end + 1;
      records.push(...nested);
    }
    own.execution_end = at;
    return records;
  };

  const answer = (fn: string, payload: Payload, sendAt: number, throttled: boolean): InvocationResult => {
    calls += 1;
    const failure = (httpStatus: number, status: 'error' | 'throttled', errorType: string | undefined, errorMessage: string) =>
      ({ status, httpStatus, latencyMs: 2, root: undefined, records: [], errorType, errorMessage, answer: { sendAt, endAt: sendAt + 2 } }) as unknown as InvocationResult;
    if (throttled) return failure(429, 'throttled', faults.throttledWithoutReason ? undefined : 'TooManyRequestsError', 'Rate exceeded');
    if ((payload.sleep ?? 0) < 0 && !faults.invalidInputServed) return failure(400, 'error', 'InvalidInputError', 'sleep: must be ≥ 0');
    const records = record(fn, payload, 'root', 0, sendAt + 1);
    const root = records[0] as InvocationRecord;
    const endAt = root.execution_end + 1;
    return { status: 'ok', httpStatus: 200, latencyMs: endAt - sendAt, root, records, errorType: undefined, errorMessage: undefined, answer: { sendAt, endAt } } as unknown as InvocationResult;
  };

  const bench: ExperimentBench = {
    runId: 'model',
    timeScale: 0.001,
    get clockOffset() {
      return calls ? { offsetMs: faults.clockOffsetOff ? 50 : 0, errorMs: 1, samples: calls } : undefined;
    },
    invoke: async (fn, payload = {}) => {
      const result = answer(fn, payload as Payload, now, false);
      now = (result.answer.endAt ?? now) + 1;
      return result;
    },
    invokeConcurrently: async (fn, n, payload = {}) => {
      const results: InvocationResult[] = [];
      const sendAt = now;
      for (let index = 0; index < n; index++) {
        const throttled = !faults.neverThrottles && index >= capacity;
        const result = answer(fn, payload as Payload, faults.sentOneByOne ? now : sendAt, throttled);
        // Each call's own instance: concurrent calls do not share one.
        instances.delete(fn);
        if (faults.sentOneByOne) now = (result.answer.endAt ?? now) + 1;
        results.push(result);
      }
      now = Math.max(now, ...results.map((result) => result.answer.endAt ?? now)) + 1;
      return results;
    },
    forceCold: async (fn) => {
      if (!faults.forceColdIgnored) instances.delete(fn);
    },
    sleep: async (ms) => {
      if (!faults.sleepsNoTime) await sleep(ms * 0.001);
    },
    record: (table, row) => {
      if (!faults.anyTableName && !/^[a-z][a-z0-9_]*$/.test(table)) throw new RangeError(`table name "${table}" must be snake_case`);
      rows[table] ??= [];
      rows[table].push(row);
    },
    log: () => {
      if (faults.logThrows) throw new Error('log is broken');
    },
    result: (result) => {
      reported = faults.anyResult ? result : parseExperimentResult(result);
    },
  };
  return { bench, rows, reported: () => reported };
}

const params = (overrides: Record<string, unknown> = {}) => resolveParams(devExperiment as never, { quick: true, overrides }) as never;

describe('Experiment: dev-experiment', () => {
  it('passes every check on a bench that keeps its promises, storing one row per feature and the count as its result', async () => {
    const model = modelBench();
    await devExperiment.run(model.bench, params());
    const checks = model.rows.dev_checks ?? [];
    expect(checks.map((row) => [row.feature, row.outcome])).toEqual(
      ['invoke', 'invokeConcurrently', 'nested', 'monolith', 'error', 'throttled', 'forceCold', 'sleep', 'clockOffset', 'record', 'log', 'result'].map((feature) => [feature, 'ok']),
    );
    expect(checks.every((row) => typeof row.check_ms === 'number' && typeof row.detail === 'string')).toBe(true);
    expect(model.rows.dev_record_check).toHaveLength(1);
    expect(model.reported()).toMatchObject({ metric: 'features_checked', value: 12, unit: 'features', sentence: 'all 12 Benchmarker features checked behaved' });
  });

  it.each<[string, Faults, string]>([
    ['invoke', { sleepIgnored: true }, 'a 0.2 s sleep ran'],
    ['invokeConcurrently', { sentOneByOne: true }, 'was sent'],
    ['nested', { nestedUnderRoot: true }, "parent root is not the record one level up"],
    ['monolith', { monolithSilent: true }, 'monolith ran undefined'],
    ['error', { invalidInputServed: true }, 'an invalid input was answered ok'],
    ['throttled', { throttledWithoutReason: true }, 'a throttled answer has no reason'],
    ['throttled', { neverThrottles: true }, 'none of 12 concurrent calls to function3 was throttled'],
    ['forceCold', { forceColdIgnored: true }, 'the call after forceCold was warm'],
    ['sleep', { sleepsNoTime: true }, 'ended after'],
    ['clockOffset', { clockOffsetOff: true }, 'outside its'],
    ['record', { anyTableName: true }, 'a table name that is not snake_case was accepted'],
    ['log', { logThrows: true }, 'threw Error: log is broken'],
    ['result', { anyResult: true }, 'an invalid result was not refused'],
  ])('fails the run naming %s, and only it, when that feature misbehaves (%j)', async (feature, faults, detail) => {
    const model = modelBench(faults);
    const run = devExperiment.run(model.bench, params());
    await expect(run).rejects.toMatchObject({ name: 'DevCheckFailedError' });
    await run.catch((error: Error) => {
      expect(error.message).toMatch(new RegExp(`^1 of 12 features misbehaved: ${feature} \\(`));
      expect(error.message).toContain(detail);
    });
    const checks = model.rows.dev_checks ?? [];
    expect(checks).toHaveLength(12);
    expect(checks.filter((row) => row.outcome !== 'ok').map((row) => row.feature)).toEqual([feature]);
    // No headline: the run failed.
    expect(model.reported()?.metric).not.toBe('features_checked');
  });

  it('skips, not fails, the throttle check where throttling is not required and none happened', async () => {
    const model = modelBench({ neverThrottles: true });
    await devExperiment.run(model.bench, params({ requireThrottled: false }));
    expect((model.rows.dev_checks ?? []).find((row) => row.feature === 'throttled')).toMatchObject({ outcome: 'skipped' });
    expect(model.reported()).toMatchObject({ value: 11, sentence: expect.stringContaining('skipped throttled (the platform refused none of 12 concurrent calls') });
  });
});
