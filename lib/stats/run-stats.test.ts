import { describe, expect, it } from 'vitest';
import type { InvocationRow } from '../results/types';
import { clopperPearsonCi } from './proportion-ci';
import { quantileCi } from './quantile-ci';
import { summarizeRunInvocations } from './run-stats';
import { percentileCont, trimmedMean } from './summary';

type Row = Parameters<typeof summarizeRunInvocations>[0][number];

/** A root call that took `latencyMs` on the client. */
function root(functionName: string, latencyMs: number, cold: boolean | null, status: InvocationRow['status'] = 'ok'): Row {
  return { function_name: functionName, status, cold, client_send: 1000, client_end: 1000 + latencyMs, invocation_start: null, invocation_end: null };
}

describe('Function: summarizeRunInvocations', () => {
  // function1: 3 cold calls (~500 ms) and 60 warm ones (10…69 ms), a throttle and an error without records.
  const warm = Array.from({ length: 60 }, (_, i) => root('function1', 10 + i, false));
  const cold = [root('function1', 480, true), root('function1', 500, true), root('function1', 520, true)];
  const failures = [root('function1', 3, null, 'throttled'), { ...root('function1', 0, null, 'error'), client_send: null, client_end: null }];
  // function2: nested calls, timed by their caller.
  const nested: Row[] = [10, 20, 30].map((ms) => ({ function_name: 'function2', status: 'ok', cold: false, client_send: null, client_end: null, invocation_start: 5, invocation_end: 5 + ms }));
  const rows = [...warm, ...cold, ...failures, ...nested];

  it('summarises each function and each cold/warm group with the statistics of lib/stats', () => {
    const stats = summarizeRunInvocations(rows);
    expect(stats).toMatchObject({ schema: 'fb.run-stats/1', confidence: 0.95, trim_fraction: 0.2, cold_frequency_method: 'clopper-pearson' });
    expect(stats.functions.map((f) => f.function_name)).toEqual(['function1', 'function2']);
    const f1 = stats.functions[0];
    if (!f1) throw new Error('no function1');
    expect(f1.all.counts).toEqual({ invocations: 65, ok: 63, errors: 1, timeouts: 0, throttled: 1 });
    expect(f1.no_cold_flag).toBe(2);
    expect(f1.cold.counts.invocations).toBe(3);
    expect(f1.warm.latency).toMatchObject({ n: 60, min_ms: 10, max_ms: 69, trimmed_mean_ms: trimmedMean(warm.map((r) => (r.client_end as number) - 1000)) });
    const allLatencies = [...warm, ...cold].map((r) => (r.client_end as number) - 1000);
    const ci = quantileCi(allLatencies, 0.5);
    if ('tooFew' in ci) throw new Error('unexpected');
    expect(f1.all.latency.median).toEqual({ p: 0.5, value_ms: percentileCont(allLatencies, 0.5), ci: { lower_ms: ci.lower, upper_ms: ci.upper, lower_rank: ci.lowerRank, upper_rank: ci.upperRank, coverage: ci.coverage } });
    expect(f1.cold_frequency).toEqual(clopperPearsonCi(3, 63));
    // Nested calls are timed by the caller.
    expect(stats.functions[1]?.all.latency).toMatchObject({ n: 3, min_ms: 10, max_ms: 30, median: { value_ms: 20 } });
    expect(stats.total.all.counts.invocations).toBe(rows.length);
    expect(stats.total.cold_frequency).toEqual(clopperPearsonCi(3, 66));
  });

  it('says why an interval is missing instead of giving one that is not', () => {
    const f1 = summarizeRunInvocations(rows).functions[0];
    expect(f1?.cold.latency.median).toMatchObject({ value_ms: 500, ci: null, ci_note: 'n = 3 is too few for a 95 % interval of the median (needs n ≥ 6)' });
    expect(f1?.all.latency.p99).toMatchObject({ ci: null, ci_note: 'n = 63 is too few for a 95 % interval of p99 (needs n ≥ 368)' });
    expect(f1?.all.latency.p90.ci).not.toBeNull();
  });

  it('adds empirical CDFs when asked, and is empty but well-formed for no rows', () => {
    const withCdf = summarizeRunInvocations(rows, { ecdfMaxPoints: 8, coldFrequencyMethod: 'wilson', confidence: 0.9 });
    expect(withCdf.functions[0]?.warm.latency.ecdf?.length).toBeLessThanOrEqual(8);
    expect(withCdf.functions[0]?.warm.latency.ecdf?.at(-1)).toEqual({ x: 69, p: 1 });
    expect(withCdf.functions[0]?.cold_frequency).toMatchObject({ method: 'wilson', confidence: 0.9 });
    expect(summarizeRunInvocations(rows).functions[0]?.all.latency).not.toHaveProperty('ecdf');
    const empty = summarizeRunInvocations([]);
    expect(empty.functions).toEqual([]);
    expect(empty.total).toMatchObject({ cold_frequency: null, all: { counts: { invocations: 0 }, latency: { n: 0, median: { value_ms: null, ci: null } } } });
  });
});
