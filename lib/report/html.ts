/**
 * HTML building blocks of the report: escaping, a table, a chart's figure. Everything the report
 * writes into HTML passes through {@link escapeHtml}, except the SVG ECharts rendered (which
 * escapes its own text).
 */
import { type ChartSpec, renderChartSvg } from './charts/chart';
import type { ReportTable } from './tables/report-table';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Escaped, with line breaks kept. */
function cellHtml(text: string): string {
  return escapeHtml(text).replace(/\n/g, '<br>');
}

export function tableHtml(table: ReportTable): string {
  const head = `<thead><tr>${table.headers.map((header) => `<th scope="col">${cellHtml(header)}</th>`).join('')}</tr></thead>`;
  const body = `<tbody>${table.rows.map((row) => `<tr>${row.map((cell, index) => (index === 0 ? `<th scope="row">${cellHtml(cell)}</th>` : `<td>${cellHtml(cell)}</td>`)).join('')}</tr>`).join('\n')}</tbody>`;
  const note = table.note ? `<p class="fb-note">${cellHtml(table.note)}</p>` : '';
  const inner = `<div class="fb-table-scroll"><table>${table.collapsed ? '' : `<caption>${cellHtml(table.title)}</caption>`}${head}${body}</table></div>${note}`;
  return table.collapsed ? `<details class="fb-table"><summary>${cellHtml(table.title)}</summary>${inner}</details>` : `<div class="fb-table">${inner}</div>`;
}

/** The chart as a figure: inline SVG, its kind and number of data points as attributes, a caption. */
export function figureHtml(chart: ChartSpec): string {
  return `<figure class="fb-chart" data-chart="${escapeHtml(chart.kind)}" data-points="${chart.points}">\n${renderChartSvg(chart)}\n<figcaption><strong>${escapeHtml(chart.title)}.</strong> ${escapeHtml(chart.caption)}</figcaption>\n</figure>`;
}
