/**
 * The experiment's own rows (`experiment_rows`), one table per table name and run, as `fb show`
 * prints them: identifier columns left out, at most {@link ROWS_SHOWN} rows (the note says how
 * many more there are; `fb show --json` has them all). Collapsed in the HTML report.
 */
import { formatValue } from '../format';
import type { ReportRun } from '../report-run';
import type { ReportTable } from './report-table';

export const ROWS_SHOWN = 50;

export function experimentRowTables(run: ReportRun): ReportTable[] {
  return Object.entries(run.rows).map(([table, rows]) => {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((column) => !/identifiers?$/.test(column));
    const shown = rows.slice(0, ROWS_SHOWN);
    return {
      title: `${table} (${rows.length} row${rows.length === 1 ? '' : 's'}) of ${run.label}`,
      headers: columns,
      rows: shown.map((row) => columns.map((column) => formatValue(row[column]))),
      ...(rows.length > shown.length ? { note: `the first ${shown.length} of ${rows.length} rows; fb show ${run.run.id.slice(0, 8)} --json has them all` } : {}),
      collapsed: true,
    };
  });
}
