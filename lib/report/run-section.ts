/**
 * The report's section for the runs of one experiment as an HTML fragment (no <html> or <body>):
 * a heading, each run's result, the charts of the experiment's kind as inline SVG, the comparison
 * tables (a column per run) and each run's status history and experiment rows. `fb report` builds
 * its document from it (./html-document.ts); the web UI's run page shows it as it is, with
 * {@link REPORT_CSS}. Runs of several experiments get one section each.
 */
import { escapeHtml, figureHtml, tableHtml } from './html';
import { KIND_DESCRIPTIONS } from './kinds';
import type { ReportRun } from './report-run';
import { buildSection, groupByExperiment, type ReportSection } from './section';

export { REPORT_CSS } from './css';
export { loadReportRuns } from './load-runs';
export type { ReportRun } from './report-run';

/** The fragment for `runs` (normally of one experiment): one `.fb-report` block, one section per experiment. */
export function renderRunSectionHtml(runs: readonly ReportRun[]): string {
  return `<div class="fb-report">\n${groupByExperiment(runs)
    .map((group) => sectionHtml(buildSection(group)))
    .join('\n')}\n</div>`;
}

/**
 * Only the charts of the runs' sections (one `.fb-report` block of figures), for a page that
 * shows the tables its own way (the web UI's run page).
 */
export function renderRunChartsHtml(runs: readonly ReportRun[]): string {
  const figures = groupByExperiment(runs).flatMap((group) => buildSection(group).charts.map(figureHtml));
  return `<div class="fb-report">\n${figures.length ? `<h2>Charts</h2>\n${figures.join('\n')}` : '<p>No charts: the run has no data to plot yet.</p>'}\n</div>`;
}

/** The anchor of an experiment's section. */
export function sectionAnchor(experiment: string): string {
  return `experiment-${experiment}`;
}

function sectionHtml(section: ReportSection): string {
  const runCount = `${section.runs.length} run${section.runs.length === 1 ? '' : 's'}`;
  const results = section.runs
    .map((run) => {
      const status = `<span class="fb-status-${escapeHtml(run.run.status)}">${escapeHtml(run.run.status)}</span>`;
      const result = run.run.result ? escapeHtml(run.run.result.sentence) : 'no result';
      const reason = run.run.status === 'failed' && run.run.reason ? ` — ${escapeHtml(run.run.reason)}` : '';
      return `<li data-run-id="${escapeHtml(run.run.id)}"><strong>${escapeHtml(run.label)}</strong> (${status}${reason}): ${result}</li>`;
    })
    .join('\n');
  const charts = section.charts.length ? `<h3>Charts</h3>\n${section.charts.map(figureHtml).join('\n')}` : '';
  const perRun = section.perRunTables.map(({ run, tables }) => `<h3>${escapeHtml(run.label)}</h3>\n${tables.map(tableHtml).join('\n')}`).join('\n');
  return [
    `<section class="fb-report-section" id="${escapeHtml(sectionAnchor(section.experiment))}" data-experiment="${escapeHtml(section.experiment)}" data-kind="${section.kind}">`,
    `<h2>${escapeHtml(section.experiment)}</h2>`,
    `<p class="fb-kind">${escapeHtml(KIND_DESCRIPTIONS[section.kind])} · ${runCount}</p>`,
    `<ul class="fb-results">\n${results}\n</ul>`,
    charts,
    `<h3>Comparison</h3>\n${section.comparisonTables.map(tableHtml).join('\n')}`,
    perRun,
    '</section>',
  ]
    .filter(Boolean)
    .join('\n');
}
