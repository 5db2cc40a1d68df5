/**
 * Writes a report to files: the HTML document, or the Markdown summary with its chart SVGs in a
 * folder beside it (`<out without .md>-charts/`). Returns what it wrote.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { renderReportHtml } from './html-document';
import { renderReportMarkdown } from './markdown-report';
import type { ReportRun } from './report-run';

export const REPORT_FORMATS = ['html', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface WriteReportOptions {
  format: ReportFormat;
  /** The report file. */
  out: string;
  generatedAt: Date;
  fbVersion: string;
}

export interface WrittenReport {
  file: string;
  charts: number;
  /** The chart files of a Markdown report. */
  chartFiles: string[];
}

export function writeReport(runs: readonly ReportRun[], options: WriteReportOptions): WrittenReport {
  mkdirSync(dirname(options.out), { recursive: true });
  if (options.format === 'html') {
    const html = renderReportHtml(runs, options);
    writeFileSync(options.out, html);
    return { file: options.out, charts: (html.match(/<figure class="fb-chart"/g) ?? []).length, chartFiles: [] };
  }
  const chartDir = `${basename(options.out).replace(/\.md$/i, '')}-charts`;
  const report = renderReportMarkdown(runs, { chartDir, generatedAt: options.generatedAt, fbVersion: options.fbVersion });
  const chartFiles = report.charts.map((chart) => join(dirname(options.out), chart.path));
  if (chartFiles.length) mkdirSync(join(dirname(options.out), chartDir), { recursive: true });
  for (const [index, chart] of report.charts.entries()) writeFileSync(chartFiles[index] as string, `<?xml version="1.0" encoding="UTF-8"?>\n${chart.svg}\n`);
  writeFileSync(options.out, report.markdown);
  return { file: options.out, charts: chartFiles.length, chartFiles };
}
