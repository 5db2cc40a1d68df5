import { describe, expect, it } from 'vitest';
import { priceUsage } from './price-lines';
import { readStoredCost } from './stored-cost';

describe('Function: readStoredCost', () => {
  it('reads back an estimate as stored, a reason for none, or nothing', () => {
    const estimate = priceUsage('actual', [{ what: 'local', quantity: 1, unit: 'request', price: { free: 'runs on this machine' } }], { inputs: { a: 1 } });
    // Through JSON, as the database returns it.
    expect(readStoredCost({ manifest: JSON.parse(JSON.stringify({ cost: estimate })) })).toEqual({ estimate });
    expect(readStoredCost({ manifest: { cost: { usd: null, error: 'RangeError: x' } } })).toEqual({ error: 'RangeError: x' });
    expect(readStoredCost({ manifest: {} })).toBeUndefined();
  });

  it('refuses a manifest entry of another shape instead of rendering it', () => {
    const stored = readStoredCost({ manifest: { cost: { usd: 3 } } });
    expect(stored && 'error' in stored && stored.error).toMatch(/does not have the fb\.cost\/1 shape/);
  });
});
