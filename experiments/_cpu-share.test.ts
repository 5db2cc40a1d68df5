import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../lab-functions/core/records';
import type { InvocationResult } from '../lib/experiment';
import { cpuShare, matrixCallRow, medianShare, summarizeShares, throughputCallRow } from './_cpu-share';

/** An answered call whose root record carries `fields`. */
function answered(fields: Partial<InvocationRecord>, status: InvocationResult['status'] = 'ok'): InvocationResult {
  const root = { identifier: 'function1-u', instance_identifier: 'i-1', cold: false, ...fields } as InvocationRecord;
  return {
    status,
    httpStatus: status === 'ok' ? 200 : 429,
    latencyMs: 10,
    root: status === 'ok' ? root : undefined,
    records: status === 'ok' ? [root] : [],
    errorType: status === 'ok' ? undefined : 'TooManyRequestsError',
    errorMessage: undefined,
    answer: { attempts: 1, httpStatus: 200, sendAt: 0, firstByteAt: 5, endAt: 10, bodyText: null, classified: { status } },
  };
}

const sequential = { functionName: 'function1', concurrency: 1, repetition: 0, batchIndex: 0 };

describe('Function: cpuShare', () => {
  it('divides the CPU time of the work by its wall time', () => {
    expect(cpuShare(250, 1000)).toBe(0.25);
    expect(cpuShare(0, 100)).toBe(0);
  });

  it.each([
    [null, 100],
    [50, null],
    [50, 0],
    [undefined, 100],
    [-1, 100],
  ])('is null for CPU %j over wall %j', (cpuMs, wallMs) => {
    expect(cpuShare(cpuMs, wallMs)).toBeNull();
  });
});

describe('Function: throughputCallRow', () => {
  it('stores the work’s own timings, its share and its speed per CPU second', () => {
    const row = throughputCallRow(answered({ throughput_ops: 5000, throughput_cpu_time_ms: 100, throughput_wall_time_ms: 400, cold: true }), { ...sequential, repetition: 2 }, 0.4);
    expect(row).toMatchObject({
      function_name: 'function1',
      concurrency: 1,
      throughput_time_s: 0.4,
      repetition: 2,
      status: 'ok',
      cold: true,
      instance_identifier: 'i-1',
      invocation_identifier: 'function1-u',
      throughput_ops: 5000,
      throughput_cpu_time_ms: 100,
      throughput_wall_time_ms: 400,
      cpu_share_fraction: 0.25,
      ops_per_cpu_s: 50_000,
    });
  });

  it('stores a refused call with its status and no share', () => {
    const row = throughputCallRow(answered({}, 'throttled'), { ...sequential, concurrency: 12, batchIndex: 7 }, 0.1);
    expect(row).toMatchObject({ status: 'throttled', concurrency: 12, batch_index: 7, cpu_share_fraction: null, throughput_cpu_time_ms: null, cold: null });
  });
});

describe('Function: matrixCallRow', () => {
  it('keeps the Monolith table’s fields, its timings named with their units', () => {
    const row = matrixCallRow(
      answered({ identifier: 'monolith-u', function_called: 'matrix_mult', matrix_cpu_time_ms: 30, matrix_wall_time_ms: 40, monolith_result: '123' }),
      { ...sequential, functionName: 'monolith' },
      { sizeN: 140, seed: 3 },
    );
    expect(row).toMatchObject({
      function_name: 'monolith',
      invocation_identifier: 'monolith-u',
      function_called: 'matrix_mult',
      matrix_size_n: 140,
      seed: 3,
      matrix_cpu_time_ms: 30,
      matrix_wall_time_ms: 40,
      cpu_share_fraction: 0.75,
      monolith_result: '123',
    });
  });
});

describe('Function: summarizeShares', () => {
  it('summarises each work value at each concurrency, in the order first called, counting unmeasured calls', () => {
    const call = (throughputTime: number, concurrency: number, cpuMs: number | null) =>
      throughputCallRow(
        cpuMs === null ? answered({}, 'throttled') : answered({ throughput_cpu_time_ms: cpuMs, throughput_wall_time_ms: 100 }),
        { ...sequential, concurrency },
        throughputTime,
      );
    const matrix = matrixCallRow(answered({ matrix_cpu_time_ms: 9, matrix_wall_time_ms: 10 }), { ...sequential, functionName: 'monolith' }, { sizeN: 100, seed: 0 });
    const summary = summarizeShares([call(0.1, 1, 90), call(0.1, 1, 100), call(0.1, 1, 80), call(0.2, 1, 50), call(0.1, 12, 20), call(0.1, 12, null)], [matrix]);
    expect(summary).toEqual([
      expect.objectContaining({ work: 'throughput', concurrency: 1, throughput_time_s: 0.1, matrix_size_n: null, calls: 3, measured_calls: 3, cpu_share_median_fraction: 0.9, cpu_share_min_fraction: 0.8, cpu_share_max_fraction: 1 }),
      expect.objectContaining({ work: 'throughput', concurrency: 1, throughput_time_s: 0.2, calls: 1, cpu_share_median_fraction: 0.5 }),
      expect.objectContaining({ work: 'throughput', concurrency: 12, throughput_time_s: 0.1, calls: 2, measured_calls: 1, cpu_share_median_fraction: 0.2, work_wall_time_median_ms: 100 }),
      expect.objectContaining({ function_name: 'monolith', work: 'matrix_mult', concurrency: 1, throughput_time_s: null, matrix_size_n: 100, cpu_share_median_fraction: 0.9, work_wall_time_median_ms: 10 }),
    ]);
  });

  it('reports no share for a group with no measured call', () => {
    const [row] = summarizeShares([throughputCallRow(answered({}, 'throttled'), sequential, 0.1)], []);
    expect(row).toMatchObject({ calls: 1, measured_calls: 0, cpu_share_median_fraction: null, work_wall_time_median_ms: null });
  });
});

describe('Function: medianShare', () => {
  it('takes the median of the measured shares only', () => {
    expect(medianShare([{ cpu_share_fraction: 0.2 }, { cpu_share_fraction: null }, { cpu_share_fraction: 0.6 }, { cpu_share_fraction: 0.3 }])).toEqual({ median: 0.3, calls: 3 });
    expect(medianShare([{ cpu_share_fraction: null }])).toEqual({ median: null, calls: 0 });
  });
});
