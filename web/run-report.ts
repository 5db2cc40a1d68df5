/**
 * The run page's report section, behind one seam: a {@link RunReportRenderer} turns a run into
 * trusted HTML that the page inserts as is, in one place (`<section id="report">`). The UI's own
 * renderer below shows the run's statistics tables (lib/stats/run-stats.ts) and its experiment
 * rows; the report module's charts replace it by passing another renderer to createUiApp, e.g.
 * `async (store, run) => renderRunSectionHtml(await loadReportRuns(store, [run.id]))` with its CSS
 * in a `<style>` element of the fragment (the page's content security policy allows inline styles
 * and no scripts).
 */
import { loadReportRuns, REPORT_CSS, renderRunChartsHtml } from '../lib/report/run-section';
import type { RunRow } from '../lib/results/types';
import { summarizeRunInvocations } from '../lib/stats/run-stats';
import { renderExperimentRows, renderStatsTables } from './pages/report-tables';
import type { UiResultsStore } from './results-source';

/** HTML for a run's report section; it is inserted unescaped, so it must come from trusted code. */
export type RunReportRenderer = (store: UiResultsStore, run: RunRow) => Promise<string>;

/**
 * The report's charts for the run's experiment kind (lib/report: inline SVG, no script), then
 * statistics with confidence intervals per function and cold/warm, then the experiment rows.
 */
export const renderRunTablesReport: RunReportRenderer = async (store, run) => {
  const [reportRuns, rows] = await Promise.all([loadReportRuns(store, [run.id]), store.experimentRows(run.id)]);
  const stats = summarizeRunInvocations(reportRuns[0]?.invocations ?? []);
  return `<style>${REPORT_CSS}</style>\n${renderRunChartsHtml(reportRuns)}\n${renderStatsTables(stats).value}\n${renderExperimentRows(rows).value}`;
};
