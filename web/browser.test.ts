/**
 * The UI in Debian's Chromium (playwright-core), served by @hono/node-server on 127.0.0.1 over a
 * seeded in-memory store: the live page lists the runs and follows a new run through its statuses
 * without a reload, the runs page filters, the run page shows its tables, the downloads read back.
 * Every request the browser makes is checked to stay on the UI's own origin (nothing from a CDN).
 * Screenshots of each page go to test-output/screenshots/. (The same against a real `fb ui` and a
 * real `fb run` in another process: bin/commands/ui.test.ts.)
 */
import { latencyMsOf } from '../lib/stats/invocation-latency';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { tableFromIPC } from 'apache-arrow';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openResultsStore } from '../lib/results/open-store';
import type { SqlResultsStore } from '../lib/results/sql-store';
import { launchChromium, screenshot } from '../test-support/browser';
import { SEED_FAILURE_REASON, type SeededRuns, seedUiRuns } from '../test-support/ui-seed';
import { createUiApp } from './app';
import { storeSource } from './results-source';
import { createPollingRunFeed, type RunChangeFeed } from './run-feed';
import { STATIC_DIR } from './static-dir';

let store: SqlResultsStore;
let seeded: SeededRuns;
let feed: RunChangeFeed;
let server: ReturnType<typeof serve>;
let origin: string;
let browser: Browser;
let context: BrowserContext;
const foreignRequests: string[] = [];

beforeAll(async () => {
  [store, browser] = await Promise.all([openResultsStore(), launchChromium()]);
  seeded = await seedUiRuns(store);
  feed = createPollingRunFeed({ source: storeSource(store), intervalMs: 200 });
  let port = 0;
  const app = createUiApp({ results: storeSource(store), feed, auth: { mode: 'none', allowedHosts: () => [`127.0.0.1:${port}`] }, staticDir: STATIC_DIR, experimentNames: ['coldstart-identifier', 'dev-experiment'], log: () => undefined });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  await context.route('**/*', (route) => {
    if (new URL(route.request().url()).origin === origin) return route.continue();
    foreignRequests.push(route.request().url());
    return route.abort();
  });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  feed?.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await store?.close();
  expect(foreignRequests).toEqual([]);
});

/** Count the page's navigations, so a test can prove that an update came without a reload. */
function trackNavigations(page: Page): () => number {
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  return () => navigations;
}

describe('in Chromium', () => {
  test('the live page lists the runs and follows a new run through its statuses without reloading', async () => {
    const page = await context.newPage();
    const navigations = trackNavigations(page);
    await page.goto(`${origin}/`);
    await expect.poll(() => page.locator('#live-state').getAttribute('data-state')).toBe('live');
    expect(await page.locator(`.active-runs tr[data-run-id="${seeded.running}"]`).count()).toBe(1);
    expect(await page.locator(`.recent-runs tr[data-run-id="${seeded.failed}"] td.reason`).textContent()).toBe(SEED_FAILURE_REASON);
    expect(await page.locator(`.recent-runs tr[data-run-id="${seeded.completed}"] ol.history li`).count()).toBe(6);
    await screenshot(page, 'ui-now');
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: 'yes' }));

    const id = `live-${Date.now()}`;
    await store.createRun({ id, experiment: 'linear-invocation', platform: 'local', client_platform: 'local', params: {}, manifest: {} });
    const row = page.locator(`.active-runs tr[data-run-id="${id}"]`);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('starting');
    await store.setRunStatus(id, 'running');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => row.locator('ol.history li').count()).toBe(2);
    await screenshot(page, 'ui-now-live-run');
    await store.setRunStatus(id, 'failed', 'stopped by the test');
    const finished = page.locator(`.recent-runs tr[data-run-id="${id}"]`);
    await expect.poll(() => finished.getAttribute('data-status'), { timeout: 10_000 }).toBe('failed');
    expect(await row.count()).toBe(0);
    expect(await finished.locator('td.reason').textContent()).toBe('stopped by the test');
    expect(navigations()).toBe(1);
    expect(await page.evaluate(() => (globalThis as { sameDocument?: string }).sameDocument)).toBe('yes');
    await page.close();
  });

  test("an active run's page follows its status live", async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/runs/${seeded.running}`);
    const badge = page.locator(`[data-live-run-status="${seeded.running}"] .status`);
    expect(await badge.textContent()).toBe('running');
    expect(await page.locator('#live-run-note').isHidden()).toBe(true);
    await store.setRunStatus(seeded.running, 'collecting');
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('collecting');
    expect(await page.locator('#live-run-note').isVisible()).toBe(true);
    await screenshot(page, 'ui-run-page-live');
    // A finished run's page does not listen.
    await page.goto(`${origin}/runs/${seeded.completed}`);
    expect(await page.locator('[data-live-run-status]').count()).toBe(0);
    await page.close();
  });

  test('the runs page filters through its form, and shows a bad filter as an error', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/runs`);
    expect(await page.locator('table.runs tbody tr').count()).toBeGreaterThanOrEqual(3);
    await page.selectOption('select[name="status"]', 'failed');
    await page.selectOption('select[name="platform"]', 'openfaas');
    await Promise.all([page.waitForURL(/status=failed/), page.click('form.filters button[type="submit"]')]);
    expect(new URL(page.url()).searchParams.get('platform')).toBe('openfaas');
    expect(await page.locator('table.runs tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id')))).toEqual([seeded.failed]);
    await screenshot(page, 'ui-runs-filtered');
    const bad = await page.goto(`${origin}/runs?from=yesterday`);
    expect(bad?.status()).toBe(400);
    expect(await page.locator('#filter-error').textContent()).toContain('from: must be a day');
    await page.close();
  });

  test('the run page shows its header, statistics tables and experiment rows, and its downloads read back', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/runs/${seeded.completed}`);
    expect(await page.locator('h1').textContent()).toBe('coldstart-identifier on local');
    expect(await page.locator('#status-history tbody tr').count()).toBe(6);
    expect(await page.locator('#latency-stats tbody tr').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-function')}/${row.getAttribute('data-group')}`))).toEqual(
      ['function1', 'function2', 'function3', 'all functions'].flatMap((fn) => [`${fn}/all`, `${fn}/cold`, `${fn}/warm`]),
    );
    expect(await page.locator('#cold-frequency tbody tr').count()).toBe(4);
    expect(await page.locator('table.rows[data-table="idle_search"] tbody tr').count()).toBe(2);
    // The report's charts (lib/report), server-rendered SVG: the latency CDF of the run's calls, each
    // stated data point drawn as a mark, with the points of cold and warm calls as stored.
    const charts = await page.locator('figure[data-chart]').evaluateAll((figures) =>
      figures.map((figure) => ({ chart: figure.getAttribute('data-chart'), points: Number(figure.getAttribute('data-points')), drawn: figure.querySelectorAll('svg [data-point]').length })),
    );
    expect(charts.map((chart) => chart.chart)).toContain('latency-cdf');
    for (const chart of charts) {
      expect(chart.points, String(chart.chart)).toBeGreaterThan(0);
      expect(chart.drawn, String(chart.chart)).toBe(chart.points);
    }
    // One corner per distinct latency, per cold and warm (the seeded runs are far below the 200-point cap).
    const corners = (cold: boolean) => new Set(seeded.invocations.filter((row) => row.status === 'ok' && row.cold === cold).map((row) => latencyMsOf(row))).size;
    expect(charts.find((chart) => chart.chart === 'latency-cdf')?.points).toBe(corners(true) + corners(false));
    await screenshot(page, 'ui-run-page');

    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#downloads a[href$="invocations.csv"]')]);
    expect(csv.suggestedFilename()).toBe(`${seeded.completed}-invocations.csv`);
    const csvText = readFileSync((await csv.path()) as string, 'utf8');
    // Quoted fields may hold line breaks (one error message does): count the rows by their run id.
    expect(csvText.split('\r\n').filter((line) => line.startsWith(`${seeded.completed},`))).toHaveLength(seeded.invocations.length);

    const [arrow] = await Promise.all([page.waitForEvent('download'), page.click('#downloads a[href$="invocations.arrow"]')]);
    const table = tableFromIPC(readFileSync((await arrow.path()) as string));
    expect(table.numRows).toBe(seeded.invocations.length);
    expect(table.getChild('seq')?.toArray()).toEqual(Int32Array.from(seeded.invocations.map((row) => row.seq)));
    await page.close();
  });
});
