import { describe, expect, it } from 'vitest';
import { labModelBench } from '../test-support/lab-model-bench';
import basicWeakestLink from './basic-weakest-link';

const CHAIN = ['monolith', 'function1', 'function2', 'function3'];

describe('Experiment: basic-weakest-link', () => {
  it('idles one cold time, then calls the chain back to back; the first call is cold in every hop, the rest warm, each group summarised', async () => {
    const { bench, steps, rows, result } = labModelBench({ idleTimeoutMs: 1000 * 1000 });
    await basicWeakestLink.run(bench, basicWeakestLink.params.parse({ calls: 6, coldTimeSeconds: 1300 }));
    expect(steps[0]).toEqual({ sleepMs: 1_300_000 });
    const calls = steps.filter((step) => 'call' in step);
    expect(calls).toEqual(Array.from({ length: 6 }, () => ({ call: { functionName: 'monolith', nested: true } })));

    const hops = rows.basic_weakest_link ?? [];
    expect(hops.map((row) => [row.call, row.hop, row.function_name, row.caller_function_name])).toEqual(
      Array.from({ length: 6 }, (_, call) => CHAIN.map((name, hop) => [call, hop, name, hop ? CHAIN[hop - 1] : 'client'])).flat(),
    );
    expect(hops.filter((row) => row.call === 0).every((row) => row.cold === true && row.cold_hops === CHAIN.join(', '))).toBe(true);
    expect(hops.filter((row) => row.call !== 0).every((row) => row.cold === false && row.cold_hops === 'none')).toBe(true);
    // Per call, the own times add up to the chain's round trip and one hop dominates.
    for (let call = 0; call < 6; call++) {
      const ofCall = hops.filter((row) => row.call === call);
      const ownTotal = ofCall.reduce((total, row) => total + (row.own_time_ms as number), 0);
      expect(Math.abs(ownTotal - (ofCall[0]?.chain_round_trip_ms as number))).toBeLessThan(0.05);
      expect(ofCall.filter((row) => row.dominant === true)).toHaveLength(1);
    }

    const summaries = rows.basic_weakest_link_summary ?? [];
    expect(summaries.map((row) => [row.cold_hops, row.function_name, row.complete_calls])).toEqual([
      ...CHAIN.map((name) => ['none', name, 5]),
      ...CHAIN.map((name) => [CHAIN.join(', '), name, 1]),
    ]);
    const warmWeakest = summaries.find((row) => row.cold_hops === 'none' && row.weakest_link === true);
    expect(result()).toMatchObject({ metric: 'weakest_link_share', unit: 'fraction', function: warmWeakest?.function_name, value: warmWeakest?.share });
    expect(result()?.sentence).toContain('all warm (5 calls)');
    expect(result()?.sentence).toContain(`${CHAIN.join(', ')} cold (1 call)`);
  });

  it('with forceCold, makes every link cold at the start instead of idling', async () => {
    const { bench, steps, rows } = labModelBench({ idleTimeoutMs: 1000 * 1000 });
    await bench.invoke('function1');
    await basicWeakestLink.run(bench, basicWeakestLink.params.parse({ calls: 2, forceCold: true }));
    expect(steps.filter((step) => 'sleepMs' in step)).toEqual([]);
    expect(steps.filter((step) => 'forceCold' in step)).toEqual(CHAIN.map((name) => ({ forceCold: name })));
    expect((rows.basic_weakest_link ?? []).filter((row) => row.call === 0).map((row) => row.cold)).toEqual([true, true, true, true]);
  });
});
