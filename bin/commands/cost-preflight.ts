/**
 * Before `fb run` starts anything: the prior cost estimate (lib/cost/prior) of each run it would
 * start, one per experiment and platform, printed for cloud runs and held against `--budget`
 * (their sum).
 */
import type { Experiment } from '../../lib/experiment/define';
import { resolveParams } from '../../lib/experiment/params';
import { checkBudget, type PlannedRunCost } from '../../lib/cost/budget';
import { formatBreakdown, formatTotal, formatUsd } from '../../lib/cost/format';
import { priorEstimate } from '../../lib/cost/prior/prior-estimate';
import type { CostEstimate } from '../../lib/cost/types';

export interface PlannedRun extends PlannedRunCost {
  estimate: CostEstimate;
}

/** The prior estimate of each experiment on each platform (one run per pair), as the named control plane would run it. */
export async function plannedRunCosts(
  experiments: readonly Experiment[],
  options: { platforms: readonly string[]; quick: boolean; paramOverrides: Record<string, unknown>; platformOptions?: Record<string, unknown>; controlPlane: 'local' | 'deployed' },
): Promise<PlannedRun[]> {
  const planned: PlannedRun[] = [];
  for (const experiment of experiments) {
    const params = resolveParams(experiment, { quick: options.quick, overrides: options.paramOverrides });
    for (const platform of options.platforms) {
      const estimate = await priorEstimate({ experiment, params, quick: options.quick, platform, platformOptions: options.platformOptions ?? {}, controlPlane: options.controlPlane });
      planned.push({ label: `${experiment.name} on ${platform}`, estimate });
    }
  }
  return planned;
}

/** Refuse before anything starts when `--budget` is given and the estimates exceed it (BudgetExceededError). */
export function enforceBudget(planned: readonly PlannedRun[], budgetUsd: number | undefined): void {
  if (budgetUsd !== undefined) checkBudget(planned, budgetUsd);
}

/** The estimates, one breakdown per run, on stderr (stdout stays for results). */
export function printPlannedCosts(planned: readonly PlannedRun[]): void {
  for (const run of planned) for (const line of formatBreakdown(`estimated cost of ${run.label}`, run.estimate)) console.error(line);
}

/** One line per run and their sum, on stderr: for many runs at once (`fb run --all`). */
export function printPlannedTotals(planned: readonly PlannedRun[]): void {
  for (const run of planned) console.error(`estimated cost of ${run.label}: ${formatTotal(run.estimate)}`);
  const complete = planned.every((run) => run.estimate.complete);
  const total = planned.reduce((sum, run) => sum + run.estimate.usd, 0);
  if (planned.length > 1) console.error(`estimated cost of all ${planned.length} runs: ${complete ? '' : 'at least '}${formatUsd(total)}`);
}
