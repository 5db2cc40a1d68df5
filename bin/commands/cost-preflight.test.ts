import { afterEach, describe, expect, it, vi } from 'vitest';
import { findExperiment } from '../../lib/experiment/registry';
import { BudgetExceededError } from '../../lib/cost/errors';
import { enforceBudget, plannedRunCosts, printPlannedCosts, printPlannedTotals } from './cost-preflight';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Function: plannedRunCosts, printPlannedCosts and enforceBudget', () => {
  it('estimates each experiment with its parameters as the run would resolve them, and prints a breakdown per run on stderr', async () => {
    const experiments = [findExperiment('linear-invocation'), findExperiment('coldstart-identifier')];
    const planned = await plannedRunCosts(experiments, { platforms: ['azure-functions'], quick: false, paramOverrides: {}, controlPlane: 'deployed' });
    expect(planned.map((run) => run.label)).toEqual(['linear-invocation on azure-functions', 'coldstart-identifier on azure-functions']);
    expect(planned.every((run) => run.estimate.kind === 'prior' && run.estimate.usd > 0 && run.estimate.complete)).toBe(true);
    // Overrides reach the dry run: fewer calls, fewer requests.
    const [fewer] = await plannedRunCosts([findExperiment('linear-invocation')], { platforms: ['azure-functions'], quick: false, paramOverrides: { callsPerFunction: 10 }, controlPlane: 'deployed' });
    const executions = (run: typeof fewer) => run?.estimate.items.find((item) => item.what === 'Azure Functions executions (Flex Consumption, on demand)')?.quantity;
    expect(executions(fewer)).toBeLessThan(executions(planned[0]) ?? 0);

    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void printed.push(line));
    printPlannedCosts(planned);
    expect(printed[0]).toMatch(/^estimated cost of linear-invocation on azure-functions: \$\d+\.\d{4} \(estimate, list prices of /);
    expect(printed).toContainEqual(expect.stringMatching(/^ {2}client: EC2 c5\.large: [\d.]+ hours → \$/));

    printed.length = 0;
    printPlannedTotals(planned);
    expect(printed).toEqual([
      expect.stringMatching(/^estimated cost of linear-invocation on azure-functions: \$/),
      expect.stringMatching(/^estimated cost of coldstart-identifier on azure-functions: \$/),
      `estimated cost of all 2 runs: $${((planned[0]?.estimate.usd ?? 0) + (planned[1]?.estimate.usd ?? 0)).toFixed(4)}`,
    ]);

    expect(() => enforceBudget(planned, undefined)).not.toThrow();
    expect(() => enforceBudget(planned, 1000)).not.toThrow();
    expect(() => enforceBudget(planned, 0.01)).toThrow(BudgetExceededError);
  });

  it('plans one run per experiment and platform, and holds their sum against the budget', async () => {
    const experiment = findExperiment('linear-invocation');
    const alone = (platform: string) => plannedRunCosts([experiment], { platforms: [platform], quick: false, paramOverrides: {}, controlPlane: 'deployed' }).then((planned) => planned[0]);
    const [lambda, azure] = await Promise.all([alone('aws-lambda'), alone('azure-functions')]);
    const both = await plannedRunCosts([experiment], { platforms: ['aws-lambda', 'azure-functions'], quick: false, paramOverrides: {}, controlPlane: 'deployed' });
    expect(both.map((run) => run.label)).toEqual(['linear-invocation on aws-lambda', 'linear-invocation on azure-functions']);
    expect(both.map((run) => run.estimate.usd)).toEqual([lambda?.estimate.usd, azure?.estimate.usd]);
    const sum = (lambda?.estimate.usd ?? 0) + (azure?.estimate.usd ?? 0);
    expect(lambda?.estimate.usd).toBeGreaterThan(0);
    expect(azure?.estimate.usd).toBeGreaterThan(0);
    // The budget holds the runs together: just above their sum passes, just below is refused.
    expect(() => enforceBudget(both, sum * 1.01)).not.toThrow();
    expect(() => enforceBudget(both, sum * 0.99)).toThrow(/linear-invocation on aws-lambda \$[\d.]+, linear-invocation on azure-functions \$[\d.]+\) exceeds --budget/);
  });
});
