/**
 * The table of runs the live page and the runs list share: experiment, platform, client, status
 * with its history, start, running time and reason. Running times of active runs carry their start
 * in `data-started-at` so web/static/live.js can keep them ticking between updates.
 */
import type { RunRow, StatusChange } from '../../lib/results/types';
import { formatClockUtc, formatRunElapsed, formatTimeUtc, shortRunId } from '../format';
import { html, type SafeHtml } from '../html';

export function statusBadge(status: string): SafeHtml {
  return html`<span class="status status-${status}">${status}</span>`;
}

/** `starting 14:03:07 → provisioning 14:03:08 → …`, each step titled with its full time. */
export function statusHistory(history: readonly StatusChange[]): SafeHtml {
  return html`<ol class="history">${history.map(
    (change) => html`<li class="status-${change.status}" title="${change.at}${change.reason ? ` — ${change.reason}` : ''}">${change.status} <time datetime="${change.at}">${formatClockUtc(change.at)}</time></li>`,
  )}</ol>`;
}

export function runningTime(run: RunRow, nowMs: number): SafeHtml {
  return html`<span class="elapsed" data-started-at="${run.started_at}"${run.ended_at ? html` data-ended-at="${run.ended_at}"` : ''}>${formatRunElapsed(run, nowMs)}</span>`;
}

export function renderRunsTable(runs: readonly RunRow[], nowMs: number, empty: string): SafeHtml {
  if (!runs.length) return html`<p class="empty">${empty}</p>`;
  return html`<table class="runs">
<thead><tr><th>Run</th><th>Experiment</th><th>Platform</th><th>Client</th><th>Status</th><th>History</th><th>Started (UTC)</th><th>Running time</th><th class="num">Invocations</th><th>Reason</th></tr></thead>
<tbody>
${runs.map(
  (run) => html`<tr data-run-id="${run.id}" data-status="${run.status}">
<td><a href="/runs/${encodeURIComponent(run.id)}" title="${run.id}"><code>${shortRunId(run.id)}</code></a></td>
<td>${run.experiment}</td>
<td>${run.platform}</td>
<td>${run.client_platform}</td>
<td>${statusBadge(run.status)}</td>
<td>${statusHistory(run.status_history)}</td>
<td><time datetime="${run.started_at}">${formatTimeUtc(run.started_at)}</time></td>
<td>${runningTime(run, nowMs)}</td>
<td class="num">${run.invocation_count}</td>
<td class="reason">${run.reason ?? ''}</td>
</tr>
`,
)}</tbody>
</table>`;
}
