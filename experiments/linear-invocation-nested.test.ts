import { describe, expect, it } from 'vitest';
import { labModelBench } from '../test-support/lab-model-bench';
import linearInvocationNested from './linear-invocation-nested';

const PAIRS = [
  ['function1', 'function2'],
  ['function2', 'function3'],
  ['function3', 'monolith'],
  ['monolith', 'function1'],
];

describe('Experiment: linear-invocation-nested', () => {
  it('calls each function with one nested call to the next, wrapping around, after one cold time each; one row per call with the nested latency', async () => {
    const { bench, steps, rows, result } = labModelBench({ idleTimeoutMs: 1000 * 1000 });
    await linearInvocationNested.run(bench, linearInvocationNested.params.parse({ callsPerFunction: 3, coldTimeSeconds: 1100 }));
    // The initial idle, then one cold time before each function.
    expect(steps.filter((step) => 'sleepMs' in step)).toEqual(Array.from({ length: 5 }, () => ({ sleepMs: 1_100_000 })));

    const calls = rows.linear_invocation_nested ?? [];
    expect(calls.map((row) => [row.function_name, row.nested_function_name, row.call])).toEqual(PAIRS.flatMap(([caller, callee]) => [0, 1, 2].map((call) => [caller, callee, call])));
    // After each cold time both functions start cold; then they are warm.
    expect(calls.map((row) => [row.cold, row.nested_cold])).toEqual(PAIRS.flatMap(() => [[true, true], [false, false], [false, false]]));
    for (const row of calls) {
      expect(row).toMatchObject({ status: 'ok', nested_status: 'ok' });
      expect(row.nested_latency_ms as number).toBeGreaterThanOrEqual(0);
      expect(row.nested_round_trip_ms as number).toBeGreaterThanOrEqual(row.nested_latency_ms as number);
      expect(row.round_trip_ms as number).toBeGreaterThanOrEqual(row.nested_round_trip_ms as number);
    }

    const summaries = rows.linear_invocation_nested_summary ?? [];
    expect(summaries.map((row) => [row.function_name, row.nested_function_name, row.calls, row.ok_calls, row.nested_cold_calls])).toEqual(PAIRS.map(([caller, callee]) => [caller, callee, 3, 3, 1]));
    expect(summaries.every((row) => row.warm_nested_latency_median_ms !== null && row.cold_nested_latency_median_ms !== null)).toBe(true);
    expect(result()).toMatchObject({ metric: 'nested_latency_median', unit: 'ms' });
    expect(result()?.value).toBeGreaterThanOrEqual(0);
    expect(result()?.sentence).toContain('over 8 calls');
  });

  it('with forceCold, makes both functions of each pair cold instead of idling', async () => {
    const { bench, steps, rows } = labModelBench({ idleTimeoutMs: 1000 * 1000 });
    await linearInvocationNested.run(bench, linearInvocationNested.params.parse({ callsPerFunction: 2, forceCold: true, functions: ['function1', 'function3'] }));
    expect(steps.filter((step) => 'sleepMs' in step)).toEqual([]);
    expect(steps.filter((step) => 'forceCold' in step)).toEqual(['function1', 'function3', 'function3', 'function1'].map((name) => ({ forceCold: name })));
    expect((rows.linear_invocation_nested ?? []).map((row) => [row.function_name, row.cold, row.nested_cold])).toEqual([
      ['function1', true, true],
      ['function1', false, false],
      ['function3', true, true],
      ['function3', false, false],
    ]);
  });
});
