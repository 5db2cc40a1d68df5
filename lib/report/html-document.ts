/**
 * The HTML report: one self-contained document (inline CSS, charts as inline SVG, no script, no
 * font or anything else to fetch), so it opens offline, from a file, and can be mailed or archived
 * as it is. A header says what it covers, a list of contents links each experiment's section.
 */
import { REPORT_CSS } from './css';
import { escapeHtml } from './html';
import type { ReportRun } from './report-run';
import { renderRunSectionHtml, sectionAnchor } from './run-section';
import { groupByExperiment } from './section';

export interface ReportDocumentOptions {
  /** When the report was made, for its header. */
  generatedAt: Date;
  /** The fb version that made it. */
  fbVersion: string;
}

export function renderReportHtml(runs: readonly ReportRun[], options: ReportDocumentOptions): string {
  const groups = groupByExperiment(runs);
  const experiments = groups.map((group) => group[0]?.run.experiment ?? '');
  const title = `faas-benchmarker report: ${experiments.join(', ')}`;
  const contents = groups.length > 1 ? `<nav><ul>${groups.map((group) => `<li><a href="#${escapeHtml(sectionAnchor(group[0]?.run.experiment ?? ''))}">${escapeHtml(group[0]?.run.experiment ?? '')}</a> (${group.length} run${group.length === 1 ? '' : 's'})</li>`).join('')}</ul></nav>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="faas-benchmarker ${escapeHtml(options.fbVersion)}">
<title>${escapeHtml(title)}</title>
<style>
body { margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem 3rem; background: #f7f8fa; }
header.fb-report h1 { font-size: 1.7rem; margin: 0.5rem 0 0.2rem; }
header.fb-report p { margin: 0.2rem 0; color: #5b6070; }
${REPORT_CSS}
</style>
</head>
<body>
<header class="fb-report">
<h1>${escapeHtml(title)}</h1>
<p>${runs.length} run${runs.length === 1 ? '' : 's'} · made ${escapeHtml(options.generatedAt.toISOString().slice(0, 19).replace('T', ' '))} UTC by fb ${escapeHtml(options.fbVersion)} · times in UTC; durations in experiment seconds unless marked real</p>
${contents}
</header>
${renderRunSectionHtml(runs)}
</body>
</html>
`;
}
