/**
 * The closing output of `fb run` on the local control plane: per run its status and id, headline
 * result, cost and summary table, named by platform when the execution covered several; then one
 * line comparing the platforms' headline results.
 */
import { formatStoredCost } from '../../lib/cost/format';
import type { FunctionSummary, RunRow } from '../../lib/results/types';
import { formatResult, printSummary } from './runs';
import { runLabel } from './run-platforms';

/** One run of an execution, as stored, with its per-function summary. */
export interface RunResult {
  run: RunRow | undefined;
  summary: FunctionSummary[];
}

/** Print one run's outcome on stdout; `several`: the execution covered several platforms. */
export function printOutcome(result: RunResult, several: boolean): void {
  if (!result.run) return;
  console.log(`\n${runLabel(result.run.experiment, result.run.platform, several)}: ${result.run.status} (run ${result.run.id})`);
  if (result.run.result) console.log(`result: ${formatResult(result.run.result)}`);
  const cost = formatStoredCost(result.run);
  if (cost) console.log(`cost: ${cost}`);
  printSummary(result.summary);
}

/**
 * One line comparing the headline results of an execution's runs on different platforms, when at
 * least two have a value of the same metric and unit:
 * `warm_round_trip_median by platform: local 1.2 ms · openfaas 3.4 ms (openfaas 2.83× local)`.
 */
export function compareHeadlines(runs: readonly Pick<RunRow, 'platform' | 'result'>[]): string | undefined {
  const valued = runs.filter((run) => run.result && run.result.value !== null);
  const first = valued[0]?.result;
  if (!first) return undefined;
  const comparable = valued.filter((run) => run.result?.metric === first.metric && run.result.unit === first.unit);
  if (comparable.length < 2 || new Set(comparable.map((run) => run.platform)).size < 2) return undefined;
  const values = comparable.map((run) => ({ platform: run.platform, value: run.result?.value as number }));
  const parts = values.map(({ platform, value }) => `${platform} ${round(value)} ${first.unit}`).join(' · ');
  const sorted = [...values].sort((a, b) => a.value - b.value);
  const lowest = sorted[0];
  const highest = sorted.at(-1);
  const ratio = lowest && highest && lowest.value > 0 && highest.value !== lowest.value ? ` (${highest.platform} ${round(highest.value / lowest.value)}× ${lowest.platform})` : '';
  return `${first.metric} by platform: ${parts}${ratio}`;
}

/** Three significant digits at most, no trailing zeros. */
function round(value: number): string {
  return String(Number(value.toPrecision(3)));
}
