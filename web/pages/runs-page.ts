/**
 * `/runs`: every stored run, newest first, with a filter form (a plain GET form whose fields are
 * the query parameters web/run-filters.ts validates). A bad filter shows the form again with the
 * message, answered with status 400.
 */
import { PLATFORMS } from '../../lib/platforms/names';
import { type RunRow, RUN_STATUSES } from '../../lib/results/types';
import { html, type SafeHtml } from '../html';
import { DEFAULT_RUNS_LIMIT, type RunFilters } from '../run-filters';
import { renderPage, type PageContext } from './layout';
import { renderRunsTable } from './runs-table';

type FormValues = RunFilters['form'];

function select(name: string, label: string, choices: readonly string[], value: string | undefined): SafeHtml {
  return html`<label>${label} <select name="${name}"><option value="">any</option>${choices.map(
    (choice) => html`<option${choice === value ? html` selected` : ''}>${choice}</option>`,
  )}</select></label>`;
}

function filterForm(form: FormValues, experiments: readonly string[]): SafeHtml {
  return html`<form class="filters" method="get" action="/runs">
<label>Experiment <input name="experiment" list="experiment-names" value="${form.experiment ?? ''}" placeholder="any"></label>
<datalist id="experiment-names">${experiments.map((name) => html`<option value="${name}"></option>`)}</datalist>
${select('platform', 'Platform', PLATFORMS, form.platform)}
${select('status', 'Status', RUN_STATUSES, form.status)}
<label>From <input type="date" name="from" value="${form.from ?? ''}"></label>
<label>To <input type="date" name="to" value="${form.to ?? ''}"></label>
<label>At most <input type="number" name="limit" min="1" max="1000" value="${form.limit ?? String(DEFAULT_RUNS_LIMIT)}"></label>
<button type="submit">Filter</button> <a href="/runs">clear</a>
</form>`;
}

export interface RunsPageData {
  form: FormValues;
  /** Null when the filters were refused (see `error`). */
  runs: readonly RunRow[] | null;
  /** Why the filters were refused. */
  error?: string;
  /** Experiment names to suggest in the form. */
  experiments: readonly string[];
  nowMs: number;
}

export function renderRunsPage(context: PageContext, data: RunsPageData): string {
  const results = data.runs
    ? html`<p class="count" id="runs-count">${data.runs.length} run${data.runs.length === 1 ? '' : 's'}</p>${renderRunsTable(data.runs, data.nowMs, 'No run matches these filters.')}`
    : html`<p class="error" id="filter-error" role="alert">${data.error ?? 'bad filter'}</p>`;
  return renderPage(context, {
    title: 'Runs',
    active: 'runs',
    body: html`<h1>Runs</h1>
${filterForm(data.form, data.experiments)}
${results}`,
  });
}
