/** The parameters each run ran with (after defaults and overrides), one row per parameter, one column per run. */
import { formatValue } from '../format';
import type { ReportRun } from '../report-run';
import type { ReportTable } from './report-table';

export function runParamsTable(runs: readonly ReportRun[]): ReportTable | undefined {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.run.params)))].sort();
  if (!names.length) return undefined;
  return {
    title: 'Parameters',
    headers: ['parameter', ...runs.map((run) => run.label)],
    rows: names.map((name) => [name, ...runs.map((run) => (Object.hasOwn(run.run.params, name) ? formatValue(run.run.params[name]) : '–'))]),
    note: 'As the run used them: the experiment’s defaults, then the quick profile’s, then --param. Durations in experiment seconds unless the name says otherwise.',
  };
}
