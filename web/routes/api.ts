/**
 * The JSON API for scripts: `/api/runs` (the runs list with the same filters as `/runs`) and
 * `/api/runs/:id` (a run, its per-function summary, its statistics and its experiment rows — what
 * `fb show --json` prints).
 */
import type { Hono } from 'hono';
import { summarizeRunInvocations } from '../../lib/stats/run-stats';
import type { UiEnv } from '../hono-env';
import { RunPageNotFoundError } from '../http-errors';
import type { UiResultsSource } from '../results-source';
import { parseRunFilters } from '../run-filters';

export function registerApiRoutes(app: Hono<UiEnv>, results: UiResultsSource): void {
  app.get('/api/runs', async (c) => {
    const filters = parseRunFilters(c.req.query());
    const runs = await results.read((store) => store.listRuns(filters.options));
    return c.json({ filters: filters.options, runs });
  });

  app.get('/api/runs/:id', async (c) => {
    const answer = await results.read(async (store) => {
      const run = await store.getRun(c.req.param('id'));
      if (!run) throw new RunPageNotFoundError(`no run ${c.req.param('id')}`);
      const [summary, rows, invocations] = await Promise.all([store.summarize(run.id), store.experimentRows(run.id), store.invocations(run.id)]);
      return { run, summary, stats: summarizeRunInvocations(invocations), rows };
    });
    return c.json(answer);
  });
}
