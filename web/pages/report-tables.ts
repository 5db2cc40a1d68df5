/**
 * The UI's own report tables for a run: per function, the latency quantiles with their
 * distribution-free confidence intervals, mean and trimmed mean, split cold/warm, the call counts
 * and the cold-start frequency with its interval; then each experiment table as stored.
 */
import type { GroupStats, QuantileEstimate, RunStats } from '../../lib/stats/run-stats';
import { formatMs, formatPercent } from '../format';
import { html, type SafeHtml } from '../html';

/** Experiment rows shown per table; the rest are in `/api/runs/:id`. */
export const EXPERIMENT_ROWS_SHOWN = 500;

function quantileCell(estimate: QuantileEstimate): SafeHtml {
  const ci = estimate.ci ? html`<span class="ci">[${formatMs(estimate.ci.lower_ms)}, ${formatMs(estimate.ci.upper_ms)}]</span>` : html`<span class="ci none" title="${estimate.ci_note ?? ''}">no CI</span>`;
  return html`<td class="num">${formatMs(estimate.value_ms)} ${ci}</td>`;
}

function groupRow(functionName: string, group: string, stats: GroupStats): SafeHtml {
  const { counts, latency } = stats;
  return html`<tr data-function="${functionName}" data-group="${group}">
<td>${functionName}</td><td>${group}</td>
<td class="num">${counts.invocations}</td><td class="num">${counts.ok}</td><td class="num">${counts.errors}</td><td class="num">${counts.timeouts}</td><td class="num">${counts.throttled}</td>
<td class="num">${latency.n}</td>
${quantileCell(latency.median)}${quantileCell(latency.p90)}${quantileCell(latency.p99)}
<td class="num">${formatMs(latency.mean_ms)}</td><td class="num">${formatMs(latency.trimmed_mean_ms)}</td>
</tr>`;
}

export function renderStatsTables(stats: RunStats): SafeHtml {
  const confidence = formatPercent(stats.confidence);
  if (!stats.functions.length) return html`<section class="stats"><h2>Latency</h2><p class="empty">This run has no invocations (yet).</p></section>`;
  const functions = [...stats.functions, { function_name: 'all functions', ...stats.total }];
  return html`<section class="stats">
<h2>Latency per function, cold and warm</h2>
<p class="note">Latency of ok calls in ms: the client's round trip for root calls, the caller's timing for nested ones. Brackets: ${confidence} distribution-free confidence interval of the quantile. Trimmed mean drops the lowest and highest ${formatPercent(stats.trim_fraction)}.</p>
<table class="stats-table" id="latency-stats">
<thead><tr><th>Function</th><th>Calls</th><th class="num">Invocations</th><th class="num">ok</th><th class="num">Errors</th><th class="num">Timeouts</th><th class="num">Throttled</th><th class="num">n</th><th class="num">Median</th><th class="num">p90</th><th class="num">p99</th><th class="num">Mean</th><th class="num">Trimmed mean</th></tr></thead>
<tbody>
${functions.map((fn) => [groupRow(fn.function_name, 'all', fn.all), groupRow(fn.function_name, 'cold', fn.cold), groupRow(fn.function_name, 'warm', fn.warm)])}
</tbody>
</table>
<h2>Cold starts</h2>
<table class="stats-table" id="cold-frequency">
<thead><tr><th>Function</th><th class="num">Cold</th><th class="num">Of calls with a cold flag</th><th class="num">Frequency</th><th>${confidence} interval (${stats.cold_frequency_method})</th><th class="num">No flag</th></tr></thead>
<tbody>
${functions.map((fn) => {
  const frequency = fn.cold_frequency;
  return html`<tr data-function="${fn.function_name}"><td>${fn.function_name}</td>${
    frequency
      ? html`<td class="num">${frequency.k}</td><td class="num">${frequency.n}</td><td class="num">${formatPercent(frequency.rate)}</td><td>[${formatPercent(frequency.lower)}, ${formatPercent(frequency.upper)}]</td>`
      : html`<td class="num">–</td><td class="num">0</td><td class="num">–</td><td>–</td>`
  }<td class="num">${fn.no_cold_flag}</td></tr>`;
})}
</tbody>
</table>
</section>`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function renderExperimentRows(tables: Record<string, Record<string, unknown>[]>): SafeHtml {
  const names = Object.keys(tables);
  if (!names.length) return html``;
  return html`<section class="experiment-rows">
<h2>Experiment rows</h2>
${names.map((name) => {
  const rows = tables[name] ?? [];
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const shown = rows.slice(0, EXPERIMENT_ROWS_SHOWN);
  return html`<h3>${name} <span class="count">${rows.length} row${rows.length === 1 ? '' : 's'}</span></h3>
<div class="scroll"><table class="rows" data-table="${name}">
<thead><tr>${columns.map((column) => html`<th>${column}</th>`)}</tr></thead>
<tbody>${shown.map((row) => html`<tr>${columns.map((column) => html`<td>${cellText(row[column])}</td>`)}</tr>`)}</tbody>
</table></div>
${rows.length > shown.length ? html`<p class="note">First ${shown.length} of ${rows.length} rows; all of them are in <code>/api/runs/:id</code>.</p>` : ''}`;
})}
</section>`;
}
