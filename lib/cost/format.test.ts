import { describe, expect, it } from 'vitest';
import { formatBreakdown, formatStoredCost, formatUsd } from './format';
import { priceUsage } from './price-lines';

describe('Function: formatUsd', () => {
  it('shows cents from a dollar, four decimals below, and says when it is less than that', () => {
    expect([0, 12.345, 1, 0.01234, 0.00005].map(formatUsd)).toEqual(['$0', '$12.35', '$1.00', '$0.0123', '< $0.0001']);
  });
});

describe('Function: formatBreakdown and formatStoredCost', () => {
  const estimate = priceUsage('prior', [
    { what: 'client: Azure VM Standard_D2s_v5', quantity: 2, unit: 'hour', price: { azureVmSize: 'Standard_D2s_v5' } },
    { what: 'client: EC2 x9.huge', quantity: 1, unit: 'hour', price: { ec2InstanceType: 'x9.huge' } },
    { what: 'local', quantity: 3, unit: 'request', price: { free: 'runs on this machine' } },
  ]);

  it('lists the total, then each item that costs something or has no price', () => {
    const lines = formatBreakdown('coldstart-identifier on aws-lambda', estimate);
    expect(lines[0]).toMatch(/^coldstart-identifier on aws-lambda: at least \$0\.2300 \(estimate, list prices of \d{4}-\d\d-\d\d; incomplete: client: EC2 x9\.huge not priced/);
    expect(lines.slice(1)).toEqual(['  client: Azure VM Standard_D2s_v5: 2 hours → $0.2300', `  client: EC2 x9.huge: 1 hour → no price (${estimate.items[1]?.note})`]);
  });

  it('reads a stored estimate back from the run, or says why there is none', () => {
    expect(formatStoredCost({ cost_estimate: estimate.usd, manifest: { cost: estimate } })).toContain('at least $0.2300');
    expect(formatStoredCost({ cost_estimate: null, manifest: { cost: { usd: null, error: 'RangeError: x' } } })).toBe('not estimated (RangeError: x)');
    expect(formatStoredCost({ cost_estimate: null, manifest: {} })).toBeUndefined();
  });
});
