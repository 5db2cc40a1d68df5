/**
 * The HTML pages: `/` (runs now and recently, from the run-change feed's snapshot so page loads
 * share the feed's reads), `/runs` (the filtered list) and `/runs/:id` (one run, its report
 * section made by the configured RunReportRenderer).
 */
import type { Context, Hono } from 'hono';
import type { UiEnv } from '../hono-env';
import { httpStatusOf, publicMessageOf, RunPageNotFoundError } from '../http-errors';
import type { PageContext } from '../pages/layout';
import { renderNowPage } from '../pages/now-page';
import { renderMessagePage, renderRunPage } from '../pages/run-page';
import { renderRunsPage } from '../pages/runs-page';
import type { UiResultsSource } from '../results-source';
import type { RunChangeFeed } from '../run-feed';
import { InvalidRunFiltersError, parseRunFilters } from '../run-filters';
import type { RunReportRenderer } from '../run-report';

export interface PageRouteOptions {
  results: UiResultsSource;
  feed: RunChangeFeed;
  runReport: RunReportRenderer;
  assetPrefix: string;
  experimentNames: readonly string[];
  now: () => number;
}

export function pageContextOf(c: Context<UiEnv>, assetPrefix: string): PageContext {
  return { assetPrefix, user: c.get('user') };
}

export function registerPageRoutes(app: Hono<UiEnv>, options: PageRouteOptions): void {
  const context = (c: Context<UiEnv>) => pageContextOf(c, options.assetPrefix);

  app.get('/', async (c) => c.html(renderNowPage(context(c), await options.feed.snapshot(), options.now())));

  app.get('/runs', async (c) => {
    const query = c.req.query();
    try {
      const filters = parseRunFilters(query);
      const runs = await options.results.read((store) => store.listRuns(filters.options));
      return c.html(renderRunsPage(context(c), { form: filters.form, runs, experiments: options.experimentNames, nowMs: options.now() }));
    } catch (error) {
      if (!(error instanceof InvalidRunFiltersError)) throw error;
      return c.html(renderRunsPage(context(c), { form: query, runs: null, error: error.message, experiments: options.experimentNames, nowMs: options.now() }), 400);
    }
  });

  app.get('/runs/:id', async (c) => {
    const id = c.req.param('id');
    try {
      const page = await options.results.read(async (store) => {
        const run = await store.getRun(id);
        if (!run) throw new RunPageNotFoundError(`There is no run ${id}.`);
        return { run, reportHtml: await options.runReport(store, run) };
      });
      return c.html(renderRunPage(context(c), { ...page, nowMs: options.now() }));
    } catch (error) {
      const status = httpStatusOf(error);
      if (status !== 400 && status !== 404) throw error;
      return c.html(renderMessagePage(context(c), status === 404 ? 'No such run' : 'Which run?', publicMessageOf(error)), status);
    }
  });
}
