/** dev-experiment's checks: each Benchmarker feature's outcome and what was seen, one column per run. */
import { stringField } from '../row-fields';
import type { ReportRun } from '../report-run';
import type { ReportTable } from './report-table';

export function devChecksTable(runs: readonly ReportRun[]): ReportTable | undefined {
  const features = [...new Set(runs.flatMap((run) => (run.rows.dev_checks ?? []).map((row) => stringField(row, 'feature')).filter((feature): feature is string => feature !== null)))];
  if (!features.length) return undefined;
  return {
    title: 'Checks of the Benchmarker features',
    headers: ['feature', ...runs.map((run) => run.label)],
    rows: features.map((feature) => [
      feature,
      ...runs.map((run) => {
        const row = (run.rows.dev_checks ?? []).find((candidate) => stringField(candidate, 'feature') === feature);
        return row ? `${stringField(row, 'outcome') ?? '?'}: ${stringField(row, 'detail') ?? ''}` : '–';
      }),
    ]),
    note: 'ok: the feature did what it promises; failed: what was wrong; skipped: why the platform could not show it.',
  };
}
