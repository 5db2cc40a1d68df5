/**
 * `/runs/:id`: one run. The header (experiment, platform, client, status with its history, reason,
 * times, duration, invocations, cost, headline result), the downloads, then the report section —
 * `reportHtml`, the one place where the report's charts and tables go (web/run-report.ts) — and
 * the parameters and manifest. While the run is active its status badge carries
 * `data-live-run-status`, so web/static/live.js updates it from the run-change feed.
 */
import { formatStoredCost } from '../../lib/cost/format';
import type { ExperimentResult } from '../../lib/experiment/result';
import { FINAL_RUN_STATUSES, type RunRow } from '../../lib/results/types';
import { formatRunElapsed, formatTimeUtc } from '../format';
import { html, type SafeHtml, trustedHtml } from '../html';
import { renderPage, type PageContext } from './layout';
import { statusBadge } from './runs-table';

export interface RunPageData {
  run: RunRow;
  /** The report section's HTML (trusted: made by a RunReportRenderer). */
  reportHtml: string;
  nowMs: number;
}

function resultText(result: ExperimentResult): string {
  const value = result.value === null ? 'no value' : `${result.metric} = ${result.value} ${result.unit}`;
  const resolution = result.granularity !== undefined ? ` ± ${result.granularity} ${result.unit}` : '';
  const ci = result.ci ? `, CI [${result.ci[0]}, ${result.ci[1]}] ${result.unit}` : '';
  return `${result.sentence} (${value}${resolution}${ci})`;
}

function historyTable(run: RunRow): SafeHtml {
  const start = Date.parse(run.started_at);
  return html`<table class="history-table" id="status-history">
<thead><tr><th>Status</th><th>At (UTC)</th><th class="num">After start</th><th>Reason</th></tr></thead>
<tbody>${run.status_history.map(
    (change) =>
      html`<tr class="status-${change.status}"><td>${statusBadge(change.status)}</td><td><time datetime="${change.at}">${formatTimeUtc(change.at)}</time></td><td class="num">${((Date.parse(change.at) - start) / 1000).toFixed(1)} s</td><td>${change.reason ?? ''}</td></tr>`,
  )}</tbody>
</table>`;
}

export function renderRunPage(context: PageContext, data: RunPageData): string {
  const { run } = data;
  const id = encodeURIComponent(run.id);
  const cost = formatStoredCost(run);
  const body = html`<h1>${run.experiment} <small>on ${run.platform}</small></h1>
<p class="run-id"><code>${run.id}</code></p>
${run.reason ? html`<p class="reason-box${run.status === 'failed' ? ' failed' : ''}" id="run-reason">${run.reason}</p>` : ''}
<dl class="run-header" id="run-header">
<dt>Status</dt><dd>${
    FINAL_RUN_STATUSES.includes(run.status)
      ? statusBadge(run.status)
      : html`<span data-live-run-status="${run.id}">${statusBadge(run.status)}</span> <span class="note" id="live-run-note" hidden>changed since this page loaded: <a href="/runs/${id}">reload</a> for its latest results</span>`
  }</dd>
<dt>Experiment</dt><dd>${run.experiment}</dd>
<dt>Platform</dt><dd>${run.platform}</dd>
<dt>Client</dt><dd>${run.client_platform}</dd>
<dt>Started (UTC)</dt><dd><time datetime="${run.started_at}">${formatTimeUtc(run.started_at)}</time></dd>
<dt>Ended (UTC)</dt><dd>${run.ended_at ? html`<time datetime="${run.ended_at}">${formatTimeUtc(run.ended_at)}</time>` : 'not yet'}</dd>
<dt>Duration</dt><dd><span class="elapsed" data-started-at="${run.started_at}"${run.ended_at ? html` data-ended-at="${run.ended_at}"` : ''}>${formatRunElapsed(run, data.nowMs)}</span></dd>
<dt>Invocations</dt><dd>${run.invocation_count}</dd>
<dt>Cost</dt><dd>${cost ?? 'not estimated yet'}</dd>
${run.execution_id ? html`<dt>Execution</dt><dd><code>${run.execution_id}</code></dd>` : ''}
${run.result ? html`<dt>Result</dt><dd id="run-result">${resultText(run.result)}</dd>` : ''}
</dl>
<h2>Status history</h2>
${historyTable(run)}
<h2>Downloads</h2>
<ul class="downloads" id="downloads">
<li><a href="/runs/${id}/invocations.csv" download>invocations.csv</a> — one row per stored invocation (${run.invocation_count})</li>
<li><a href="/runs/${id}/invocations.arrow" download>invocations.arrow</a> — the same rows as an Apache Arrow IPC file</li>
<li><a href="/api/runs/${id}">JSON</a> — the run, its per-function summary, statistics and experiment rows</li>
</ul>
<section class="report" id="report">
${trustedHtml(data.reportHtml)}
</section>
<h2>Parameters</h2>
<pre class="json" id="run-params">${JSON.stringify(run.params, null, 2)}</pre>
<details><summary>Manifest</summary><pre class="json">${JSON.stringify(run.manifest, null, 2)}</pre></details>`;
  return renderPage(context, { title: `${run.experiment} ${run.id.slice(0, 8)}`, body });
}

export function renderMessagePage(context: PageContext, title: string, message: string): string {
  return renderPage(context, { title, body: html`<h1>${title}</h1><p class="error" role="alert">${message}</p><p><a href="/runs">All runs</a></p>` });
}
