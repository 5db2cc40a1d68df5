/**
 * `fb run --budget <usd>`: hold the prior estimates of everything a command would start against
 * a budget, before anything starts. Pure.
 */
import { BudgetExceededError, InvalidBudgetError } from './errors';
import { formatUsd } from './format';
import type { CostEstimate } from './types';

/** One run the command would start, and its prior estimate. */
export interface PlannedRunCost {
  /** e.g. "coldstart-identifier on aws-lambda". */
  label: string;
  estimate: Pick<CostEstimate, 'usd' | 'complete' | 'items' | 'notes'>;
}

/** Parse `--budget`: a non-negative number of USD. */
export function parseBudgetUsd(text: string): number {
  const usd = Number(text.trim().replace(/^\$/, ''));
  if (text.trim() === '' || !Number.isFinite(usd) || usd < 0) throw new InvalidBudgetError(`--budget must be a non-negative number of USD, got "${text}"`);
  return usd;
}

/**
 * Refuse (BudgetExceededError, one line) when the planned runs together are estimated above the
 * budget, or when an estimate is incomplete and so cannot be held to it.
 */
export function checkBudget(planned: readonly PlannedRunCost[], budgetUsd: number): void {
  const incomplete = planned.filter((run) => !run.estimate.complete);
  if (incomplete.length) {
    const why = incomplete.map((run) => {
      const unpriced = run.estimate.items.filter((item) => item.usd === null).map((item) => item.what);
      return unpriced.length ? `${run.label}: no price for ${unpriced.join(', ')} (lib/cost/prices.ts)` : `${run.label}: ${run.estimate.notes.find((note) => note.startsWith('incomplete: ')) ?? 'a lower bound'}`;
    });
    throw new BudgetExceededError(`cannot hold to --budget ${formatUsd(budgetUsd)}: ${why.join('; ')}; nothing was started`);
  }
  const total = planned.reduce((sum, run) => sum + run.estimate.usd, 0);
  if (total <= budgetUsd) return;
  const parts = planned.map((run) => `${run.label} ${formatUsd(run.estimate.usd)}`).join(', ');
  throw new BudgetExceededError(`estimated cost ${formatUsd(total)} (${parts}) exceeds --budget ${formatUsd(budgetUsd)}; nothing was started`);
}
