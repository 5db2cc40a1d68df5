import { describe, expect, it } from 'vitest';
import { resolveParams } from '../experiment/params';
import { findExperiment } from '../experiment/registry';
import { expectedRunOf } from './expected-run';

describe('Function: expectedRunOf', () => {
  const linear = findExperiment('linear-invocation');

  it("takes the quick profile's expected duration with --quick", async () => {
    const params = resolveParams(linear, { quick: true, overrides: {} });
    expect(await expectedRunOf({ experiment: linear, params, quick: true, platform: 'local' })).toEqual({ expectedMs: 15_000, expectedCalls: undefined, lowerBound: false, source: 'quick profile' });
  });

  it("takes an experiment's own expectedDuration for a full run", async () => {
    const declared = { ...linear, expectedDuration: '2h 30m' };
    const params = resolveParams(linear, { quick: false, overrides: {} });
    expect(await expectedRunOf({ experiment: declared, params, quick: false, platform: 'local' })).toMatchObject({ expectedMs: 9_000_000, source: 'experiment' });
  });

  it('dry-runs a full run otherwise: the calls it will make, and a duration that grows with them', async () => {
    const few = await expectedRunOf({ experiment: linear, params: resolveParams(linear, { quick: false, overrides: { callsPerFunction: 10, functions: ['function1', 'function2'] } }), quick: false, platform: 'local' });
    const many = await expectedRunOf({ experiment: linear, params: resolveParams(linear, { quick: false, overrides: { callsPerFunction: 1000, functions: ['function1', 'function2'] } }), quick: false, platform: 'local' });
    expect(few).toMatchObject({ expectedCalls: 20, lowerBound: false, source: 'dry run' });
    expect(many).toMatchObject({ expectedCalls: 2000, lowerBound: false, source: 'dry run' });
    expect(many.expectedMs ?? 0).toBeGreaterThan(few.expectedMs ?? Number.POSITIVE_INFINITY);
  });

  it('is unknown, never wrong, when the experiment fails its dry run or the platform has no model', async () => {
    const failing = { ...linear, run: () => Promise.reject(new Error('no')) };
    const params = resolveParams(linear, { quick: false, overrides: {} });
    const unknown = { expectedMs: undefined, expectedCalls: undefined, lowerBound: false, source: 'unknown' };
    expect(await expectedRunOf({ experiment: failing, params, quick: false, platform: 'local' })).toEqual(unknown);
    expect(await expectedRunOf({ experiment: linear, params, quick: false, platform: 'no-such-platform' })).toEqual(unknown);
  });

  it('gives a floor when the dry run is cut short (open-loop load runs on real timers)', async () => {
    const pyramid = findExperiment('scenario-pyramid');
    const expected = await expectedRunOf({ experiment: pyramid, params: resolveParams(pyramid, { quick: false, overrides: {} }), quick: false, platform: 'local', maxRealMs: 200 });
    expect(expected).toMatchObject({ lowerBound: true, source: 'dry run' });
    expect(expected.expectedMs).toBeGreaterThan(0);
  });
});
