import { describe, expect, it } from 'vitest';
import { PriceUnitMismatchError } from './errors';
import { ALWAYS_EXCLUDED, priceUsage } from './price-lines';
import { AZURE_VM_HOURLY, EC2_HOURLY, PRICE_TABLE_DATE, PRICES } from './prices';

describe('Function: priceUsage', () => {
  it('multiplies each quantity by its unit price and sums them', () => {
    const estimate = priceUsage('actual', [
      { what: 'requests', quantity: 2_000_000, unit: 'request', price: { key: 'lambdaRequest' } },
      { what: 'vm', quantity: 1.5, unit: 'hour', price: { azureVmSize: 'Standard_D2s_v5' } },
    ]);
    const vmHourly = AZURE_VM_HOURLY.Standard_D2s_v5?.usd ?? Number.NaN;
    expect(estimate.items.map((item) => item.usd)).toEqual([2_000_000 * PRICES.lambdaRequest.usd, 1.5 * vmHourly]);
    expect(estimate.usd).toBeCloseTo(0.4 + 1.5 * vmHourly, 12);
    expect(estimate).toMatchObject({ schema: 'fb.cost/1', kind: 'actual', complete: true, priceTable: PRICE_TABLE_DATE, regions: { aws: 'eu-west-1', azure: 'westeurope' } });
    expect(estimate.items[0]?.price).toEqual({ listed: PRICES.lambdaRequest.listed, source: PRICES.lambdaRequest.source });
    expect(estimate.excluded).toEqual(ALWAYS_EXCLUDED);
  });

  it('lists free lines at 0 with the reason, and unpriced ones as null, marking the estimate incomplete', () => {
    const estimate = priceUsage('prior', [
      { what: 'local', quantity: 5, unit: 'request', price: { free: 'runs on this machine' } },
      { what: 'client: EC2 m7a.large', quantity: 2, unit: 'hour', price: { ec2InstanceType: 'm7a.large' } },
      { what: 'ip', quantity: 2, unit: 'hour', price: { key: 'awsPublicIpv4Hour' } },
    ]);
    expect(estimate.items[0]).toMatchObject({ unitPriceUsd: 0, usd: 0, note: 'runs on this machine' });
    expect(estimate.items[1]).toMatchObject({ unitPriceUsd: null, usd: null });
    expect(estimate.items[1]?.note).toContain('no price for EC2 m7a.large');
    expect(estimate.usd).toBeCloseTo(2 * PRICES.awsPublicIpv4Hour.usd, 12);
    expect(estimate.complete).toBe(false);
    expect(estimate.notes.join(' ')).toContain('lower bound');
  });

  it('refuses a line whose unit is not its price’s', () => {
    expect(() => priceUsage('actual', [{ what: 'x', quantity: 1, unit: 'hour', price: { key: 'lambdaRequest' } }])).toThrow(PriceUnitMismatchError);
  });
});

describe('The price table', () => {
  it('gives every price a positive amount, a unit, its listed form and an https source', () => {
    for (const price of [...Object.values(PRICES), ...Object.values(EC2_HOURLY), ...Object.values(AZURE_VM_HOURLY)]) {
      expect(price.usd).toBeGreaterThan(0);
      expect(price.unit).not.toBe('');
      expect(price.listed).toMatch(/^\$/);
      expect(price.source).toMatch(/^https:\/\//);
    }
    expect(PRICE_TABLE_DATE).toMatch(/^\d{4}-\d\d-\d\d$/);
  });
});
