/**
 * A run's invocations for download: `/runs/:id/invocations.csv` and `/runs/:id/invocations.arrow`,
 * one row per stored invocation with every column (web/exports/), as attachments.
 */
import type { Context, Hono } from 'hono';
import type { InvocationRow, RunRow } from '../../lib/results/types';
import { invocationsToArrowFile } from '../exports/arrow';
import { invocationsToCsv } from '../exports/csv';
import { invocationsFileName } from '../exports/invocation-columns';
import type { UiEnv } from '../hono-env';
import { RunPageNotFoundError } from '../http-errors';
import type { UiResultsSource } from '../results-source';

async function loadInvocations(results: UiResultsSource, id: string): Promise<{ run: RunRow; rows: InvocationRow[] }> {
  return results.read(async (store) => {
    const run = await store.getRun(id);
    if (!run) throw new RunPageNotFoundError(`no run ${id}`);
    return { run, rows: await store.invocations(run.id) };
  });
}

function attachment(c: Context<UiEnv>, body: string | Uint8Array, contentType: string, fileName: string): Response {
  c.header('Content-Type', contentType);
  c.header('Content-Disposition', `attachment; filename="${fileName}"`);
  return c.body(typeof body === 'string' ? body : new Uint8Array(body));
}

export function registerDownloadRoutes(app: Hono<UiEnv>, results: UiResultsSource): void {
  app.get('/runs/:id/invocations.csv', async (c) => {
    const { run, rows } = await loadInvocations(results, c.req.param('id'));
    return attachment(c, invocationsToCsv(rows), 'text/csv; charset=utf-8', invocationsFileName(run.id, 'csv'));
  });

  app.get('/runs/:id/invocations.arrow', async (c) => {
    const { run, rows } = await loadInvocations(results, c.req.param('id'));
    return attachment(c, invocationsToArrowFile(rows), 'application/vnd.apache.arrow.file', invocationsFileName(run.id, 'arrow'));
  });
}
