/**
 * `/`: the runs now and recently. The part inside `#live-runs` is {@link renderLiveRuns}, which the
 * server also sends over `/api/events` whenever the run-change feed sees a change; the browser
 * swaps it in without reloading (web/static/live.js).
 */
import type { RunsSnapshot } from '../run-feed';
import { html, type SafeHtml } from '../html';
import { renderPage, type PageContext } from './layout';
import { renderRunsTable } from './runs-table';

/** The live fragment: active runs, then the recent ones that are over. */
export function renderLiveRuns(snapshot: RunsSnapshot, nowMs: number): SafeHtml {
  const activeIds = new Set(snapshot.active.map((run) => run.id));
  const finished = snapshot.recent.filter((run) => !activeIds.has(run.id));
  return html`<section class="active-runs">
<h2>Running now <span class="count">${snapshot.active.length}</span></h2>
${renderRunsTable(snapshot.active, nowMs, 'Nothing is running.')}
</section>
<section class="recent-runs">
<h2>Recently finished</h2>
${renderRunsTable(finished, nowMs, 'No finished runs yet: try  npx fb run coldstart-identifier --quick')}
<p class="more"><a href="/runs">All runs, with filters →</a></p>
</section>`;
}

export function renderNowPage(context: PageContext, snapshot: RunsSnapshot, nowMs: number): string {
  return renderPage(context, {
    title: 'Now',
    active: 'now',
    body: html`<h1>Runs now and recently</h1>
<p class="live-state" id="live-state" data-state="connecting" role="status">connecting…</p>
<div id="live-runs" data-events="/api/events" data-version="${snapshot.version}">
${renderLiveRuns(snapshot, nowMs)}
</div>`,
  });
}
