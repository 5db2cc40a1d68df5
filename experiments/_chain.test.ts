import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../lab-functions/core/records';
import type { InvocationResult } from '../lib/experiment';
import { labModelBench } from '../test-support/lab-model-bench';
import { type ChainCall, chainHops, chainPayload, dominantHopIndex, type Hop, hopShares, summarizeHops } from './_chain';

const CHAIN = ['function1', 'function2', 'function3', 'monolith'] as const;

/** A chain call with made-up round trips per hop (root first), every hop ok, and the given cold flags. */
function syntheticCall(roundTripsMs: number[], cold: boolean[] = []): ChainCall {
  const hops: Hop[] = roundTripsMs.map((roundTripMs, hop) => ({
    hop,
    functionName: CHAIN[hop] as string,
    callerFunctionName: hop ? (CHAIN[hop - 1] as string) : null,
    status: 'ok',
    cold: cold[hop] ?? false,
    instanceIdentifier: `i-${hop}`,
    identifier: `id-${hop}`,
    roundTripMs,
    startLatencyMs: 1,
    startLatencyErrorMs: null,
    durationMs: roundTripMs - 1,
    ownTimeMs: roundTripMs - (roundTripsMs[hop + 1] ?? 0),
  }));
  return { hops, complete: true, roundTripMs: roundTripsMs[0] as number };
}

describe('Function: chainPayload', () => {
  it('nests each function under its caller with the hop payload, the root asking only for the call', () => {
    expect(chainPayload(['monolith', 'function1', 'function2'], { throughput_time: 1 })).toEqual({
      invoke_nested: [
        {
          function_name: 'function1',
          invoke_payload: { throughput_time: 1, invoke_nested: [{ function_name: 'function2', invoke_payload: { throughput_time: 1 } }] },
        },
      ],
    });
    expect(chainPayload(['function1', 'function2'])).toEqual({ invoke_nested: [{ function_name: 'function2', invoke_payload: {} }] });
  });

  it('refuses a chain of one function', () => {
    expect(() => chainPayload(['function1'])).toThrow(RangeError);
  });
});

describe('Function: chainHops', () => {
  it('follows the real lab functions’ records hop by hop, each timed by its caller, own times adding up to the round trip', async () => {
    const { bench } = labModelBench({ idleTimeoutMs: 60_000 });
    const result = await bench.invoke('function1', chainPayload(CHAIN));
    const call = chainHops(result, CHAIN, bench.clockOffset);
    expect(call.complete).toBe(true);
    expect(call.hops.map((hop) => [hop.hop, hop.functionName, hop.callerFunctionName, hop.status, hop.cold])).toEqual([
      [0, 'function1', null, 'ok', true],
      [1, 'function2', 'function1', 'ok', true],
      [2, 'function3', 'function2', 'ok', true],
      [3, 'monolith', 'function3', 'ok', true],
    ]);
    // Each nested hop's round trip is its caller's timing of the call, and its record is the caller's child.
    for (const hop of call.hops.slice(1)) {
      const record = result.records.find((candidate) => candidate.identifier === hop.identifier) as InvocationRecord;
      expect(record.level).toBe(hop.hop);
      expect(hop.roundTripMs).toBeCloseTo((record.invocation_end as number) - (record.invocation_start as number), 9);
      expect(hop.startLatencyMs).toBeCloseTo(record.execution_start - (record.invocation_start as number), 9);
      expect(hop.startLatencyErrorMs).toBeNull();
    }
    expect(call.hops[0]?.roundTripMs).toBe(result.latencyMs);
    expect(call.hops[0]?.startLatencyErrorMs).toBe(0);
    const ownTotal = call.hops.reduce((total, hop) => total + (hop.ownTimeMs as number), 0);
    expect(ownTotal).toBeCloseTo(result.latencyMs as number, 6);
    expect(call.hops.every((hop) => (hop.ownTimeMs as number) >= 0)).toBe(true);
    expect(call.hops[3]?.ownTimeMs).toBe(call.hops[3]?.roundTripMs);

    // A second call finds every instance warm.
    const warm = chainHops(await bench.invoke('function1', chainPayload(CHAIN)), CHAIN, bench.clockOffset);
    expect(warm.hops.map((hop) => hop.cold)).toEqual([false, false, false, false]);
  });

  it('stops at a hop whose call failed: it keeps the caller’s timing, the hops after it are missing', async () => {
    const { bench } = labModelBench({ idleTimeoutMs: 60_000 });
    // function2 asks an unknown function for the next hop: the lab function writes an error record for that call.
    const payload = { invoke_nested: [{ function_name: 'function2', invoke_payload: { invoke_nested: [{ function_name: 'nosuch', invoke_payload: {} }] } }] };
    const result = await bench.invoke('function1', payload);
    const call = chainHops(result, ['function1', 'function2', 'function3', 'monolith'], undefined);
    expect(call.complete).toBe(false);
    expect(call.hops.map((hop) => hop.status)).toEqual(['ok', 'ok', 'error', 'missing']);
    const failed = call.hops[2] as Hop;
    expect(failed.roundTripMs).not.toBeNull();
    expect(failed.ownTimeMs).toBe(failed.roundTripMs);
    expect(failed.cold).toBeNull();
    expect(call.hops[3]).toMatchObject({ roundTripMs: null, ownTimeMs: null, identifier: null });
    // No clock estimate: the root's cross-clock latency is unknown rather than guessed.
    expect(call.hops[0]?.startLatencyMs).toBeNull();
    expect(dominantHopIndex(call)).toBeUndefined();
  });

  it('keeps a root that brought no records as a failed hop with the client’s timing', () => {
    const result = { status: 'throttled', httpStatus: 429, latencyMs: 3, root: undefined, records: [], errorType: 'TooManyRequestsError', errorMessage: 'busy', answer: { sendAt: 1, endAt: 4 } } as unknown as InvocationResult;
    const call = chainHops(result, CHAIN, undefined);
    expect(call.hops.map((hop) => hop.status)).toEqual(['throttled', 'missing', 'missing', 'missing']);
    expect(call.hops[0]).toMatchObject({ roundTripMs: 3, ownTimeMs: 3 });
  });
});

describe('Attribution of a chain’s time', () => {
  it('marks the hop with the largest own time of each call, and its share of the round trip', () => {
    // Round trips 1000, 900, 300, 200 → own times 100, 600, 100, 200.
    const call = syntheticCall([1000, 900, 300, 200], [false, true, false, false]);
    expect(dominantHopIndex(call)).toBe(1);
    expect(hopShares(call)).toEqual([
      { share: 0.1, dominant: false },
      { share: 0.6, dominant: true },
      { share: 0.1, dominant: false },
      { share: 0.2, dominant: false },
    ]);
  });

  it('sums own times over a group’s complete calls and names the hop with the largest total as the weakest link', () => {
    const calls = [
      syntheticCall([1000, 900, 300, 200], [false, true, false, false]),
      syntheticCall([1000, 400, 300, 200], [true, false, false, false]),
      { ...syntheticCall([5000, 10, 5, 1]), complete: false },
    ];
    const summaries = summarizeHops(calls, CHAIN);
    expect(summaries.map((summary) => [summary.functionName, summary.completeCalls, summary.coldCalls, summary.dominantCalls, summary.totalOwnTimeMs, summary.share, summary.weakestLink])).toEqual([
      ['function1', 2, 1, 1, 700, 0.35, true],
      ['function2', 2, 1, 1, 700, 0.35, false],
      ['function3', 2, 0, 0, 200, 0.1, false],
      ['monolith', 2, 0, 0, 400, 0.2, false],
    ]);
    expect(summarizeHops([{ ...syntheticCall([10, 5, 2, 1]), complete: false }], CHAIN)).toEqual([]);
  });
});
