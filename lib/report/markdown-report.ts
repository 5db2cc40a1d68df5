/**
 * The Markdown report: a summary with the same sections and tables as the HTML report, and each
 * chart as an SVG file beside it (`<name>-charts/…svg`), linked as an image, so the report reads
 * in any Markdown viewer and the charts drop into a paper.
 */
import { type ChartSpec, renderChartSvg } from './charts/chart';
import { KIND_DESCRIPTIONS } from './kinds';
import type { ReportRun } from './report-run';
import { buildSection, groupByExperiment, type ReportSection } from './section';
import type { ReportTable } from './tables/report-table';

export interface MarkdownReport {
  markdown: string;
  /** The chart files to write, relative to the Markdown file's folder. */
  charts: { path: string; svg: string; chart: ChartSpec }[];
}

export interface MarkdownReportOptions {
  /** Folder of the chart files, relative to the Markdown file, e.g. `report-charts`. */
  chartDir: string;
  generatedAt: Date;
  fbVersion: string;
}

export function renderReportMarkdown(runs: readonly ReportRun[], options: MarkdownReportOptions): MarkdownReport {
  const charts: MarkdownReport['charts'] = [];
  const sections = groupByExperiment(runs).map((group) => sectionMarkdown(buildSection(group), options.chartDir, charts));
  const experiments = [...new Set(runs.map((run) => run.run.experiment))];
  const markdown = [
    `# faas-benchmarker report: ${experiments.join(', ')}`,
    '',
    `${runs.length} run${runs.length === 1 ? '' : 's'} · made ${options.generatedAt.toISOString().slice(0, 19).replace('T', ' ')} UTC by fb ${options.fbVersion} · times in UTC; durations in experiment seconds unless marked real`,
    '',
    ...sections,
  ].join('\n');
  return { markdown, charts };
}

function sectionMarkdown(section: ReportSection, chartDir: string, charts: MarkdownReport['charts']): string {
  const lines = [`## ${section.experiment}`, '', `${KIND_DESCRIPTIONS[section.kind]} · ${section.runs.length} run${section.runs.length === 1 ? '' : 's'}`, ''];
  for (const run of section.runs) {
    const reason = run.run.status === 'failed' && run.run.reason ? ` — ${run.run.reason}` : '';
    lines.push(`- **${escapeMarkdown(run.label)}** (${run.run.status}${escapeMarkdown(reason)}): ${escapeMarkdown(run.run.result?.sentence ?? 'no result')}`);
  }
  lines.push('');
  if (section.charts.length) lines.push('### Charts', '');
  for (const chart of section.charts) {
    const path = `${chartDir}/${section.experiment}-${charts.length + 1}-${chart.kind}.svg`;
    charts.push({ path, svg: renderChartSvg(chart), chart });
    lines.push(`![${escapeMarkdown(chart.title)}](${encodeURI(path)})`, '', `*${escapeMarkdown(chart.title)}.* ${escapeMarkdown(chart.caption)} (${chart.points} data points)`, '');
  }
  lines.push('### Comparison', '');
  for (const table of section.comparisonTables) lines.push(...tableMarkdown(table));
  for (const { run, tables } of section.perRunTables) {
    lines.push(`### ${escapeMarkdown(run.label)}`, '');
    for (const table of tables) lines.push(...tableMarkdown(table));
  }
  return lines.join('\n');
}

function tableMarkdown(table: ReportTable): string[] {
  const row = (cells: readonly string[]) => `| ${cells.map(cellMarkdown).join(' | ')} |`;
  return [`**${escapeMarkdown(table.title)}**`, '', row(table.headers), `|${table.headers.map(() => ' --- ').join('|')}|`, ...table.rows.map(row), '', ...(table.note ? [`*${escapeMarkdown(table.note)}*`, ''] : [])];
}

function cellMarkdown(text: string): string {
  return escapeMarkdown(text).replace(/\|/g, '\\|').replace(/\n/g, '<br>') || ' ';
}

/** Characters Markdown would read as markup (emphasis, links, HTML) escaped. */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>])/g, '\\$1');
}
