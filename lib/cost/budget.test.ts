import { describe, expect, it } from 'vitest';
import { checkBudget, parseBudgetUsd } from './budget';
import { BudgetExceededError, InvalidBudgetError } from './errors';

const run = (label: string, usd: number, complete = true) => ({
  label,
  estimate: { usd, complete, notes: [], items: complete ? [] : [{ what: 'client: EC2 x9.huge', quantity: 1, unit: 'hour', unitPriceUsd: null, usd: null }] },
});

describe('Function: checkBudget', () => {
  it('lets through what fits, the runs added together', () => {
    expect(() => checkBudget([run('a', 0.2), run('b', 0.3)], 0.5)).not.toThrow();
    expect(() => checkBudget([], 0)).not.toThrow();
    expect(() => checkBudget([run('local', 0)], 0)).not.toThrow();
  });

  it('refuses in one line naming each run when the sum is over', () => {
    expect(() => checkBudget([run('a on aws-lambda', 0.2), run('b on aws-lambda', 0.3)], 0.4)).toThrow(
      new BudgetExceededError('estimated cost $0.5000 (a on aws-lambda $0.2000, b on aws-lambda $0.3000) exceeds --budget $0.4000; nothing was started'),
    );
  });

  it('refuses an incomplete estimate, which could be anything above its total', () => {
    expect(() => checkBudget([run('a', 0.01, false)], 100)).toThrow(/cannot hold to --budget \$100\.00: a: no price for client: EC2 x9\.huge/);
    const cutShort = { label: 'scenario-pyramid on aws-lambda', estimate: { usd: 0.01, complete: false, items: [], notes: ['incomplete: the dry run stopped at 15000 ms of dry-run time, so the total is a lower bound'] } };
    expect(() => checkBudget([cutShort], 100)).toThrow('cannot hold to --budget $100.00: scenario-pyramid on aws-lambda: incomplete: the dry run stopped at 15000 ms of dry-run time, so the total is a lower bound; nothing was started');
  });
});

describe('Function: parseBudgetUsd', () => {
  it('reads dollars, with or without the sign, and refuses anything else', () => {
    expect(parseBudgetUsd('0.0001')).toBe(0.0001);
    expect(parseBudgetUsd('$5')).toBe(5);
    for (const bad of ['', 'cheap', '-1', 'Infinity']) expect(() => parseBudgetUsd(bad)).toThrow(InvalidBudgetError);
  });
});
