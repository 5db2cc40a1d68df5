import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../../test-support/browser';
import { type ModelRunOptions, storeModelRun } from '../../test-support/model-runs';
import { openResultsStore } from '../results/open-store';
import type { ResultsStore } from '../results/store';
import type { ChartKind } from './charts/chart';
import { EXPERIMENT_KINDS, type ReportKind } from './kinds';
import { loadReportRuns } from './load-runs';
import { writeReport } from './write-report';

/**
 * A report over real stored runs — the catalog's experiments run by the real Benchmarker against
 * the in-process model platform (test-support/model-runs.ts) and stored in PGlite — at least one
 * per experiment kind, opened from its file in Chromium with the network off. Parameters keep the
 * functions' own work small: the model runs busy work in this process.
 */
const RUNS: (ModelRunOptions & { charts: ChartKind[] })[] = [
  { experiment: 'linear-invocation', params: { callsPerFunction: 30 }, charts: ['latency-cdf'] },
  { experiment: 'linear-invocation', params: { callsPerFunction: 30 }, platform: { profile: 'openfaas', initDelayMs: 20 }, platformName: 'model-openfaas', charts: ['latency-cdf'] },
  { experiment: 'coldstart-identifier', charts: ['search-gap', 'search-latency', 'latency-cdf'] },
  // Cold starts of 30 ms against a 25 ms threshold floor: the threshold search in milliseconds.
  { experiment: 'simple-cold-function', params: { thresholdFloorMs: 25, thresholdFloorUpToMs: 20, confirmations: 2 }, platform: { initDelayMs: 30 }, charts: ['search-gap', 'search-latency', 'latency-cdf'] },
  { experiment: 'function-lifetime', charts: ['instance-lifetime', 'latency-cdf'] },
  { experiment: 'track-cloudfunctions-lifecycle', params: { throughputTimeSeconds: 0.002, throughputStepSeconds: 0.002, maxThroughputTimeSeconds: 0.01 }, charts: ['instance-lifetime', 'instances-per-batch', 'latency-cdf'] },
  { experiment: 'concurrency-benchmarking', params: { throughputTimeSeconds: 0.002 }, charts: ['concurrency-latency', 'latency-cdf'] },
  { experiment: 'basic-weakest-link', charts: ['chain-hops', 'latency-cdf'] },
  { experiment: 'linear-invocation-nested', params: { callsPerFunction: 20 }, charts: ['chain-hops', 'latency-cdf'] },
  {
    experiment: 'throughput-benchmarking',
    params: { throughputTimesSeconds: [0.005, 0.01, 0.02], callsPerValue: 2, concurrentThroughputTimesSeconds: [0.005], batchesPerValue: 1, matrixSizes: [20, 40], matrixCallsPerSize: 2, concurrentMatrixSizes: [20], matrixBatchesPerSize: 1 },
    charts: ['cpu-share', 'cpu-share', 'latency-cdf'],
  },
  { experiment: 'growing-load-spikes', timeScale: 0.004, charts: ['load-over-time', 'latency-cdf'] },
  { experiment: 'scenario-pyramid', params: { throughputTimeSeconds: 0 }, timeScale: 0.01, charts: ['load-over-time', 'latency-cdf'] },
  { experiment: 'dev-experiment', params: { sleepCheckMs: 1, sleepSeconds: 0.01, concurrentSleepSeconds: 0.02, throttleSleepSeconds: 0.02, throughputTimeSeconds: 0.005 }, charts: ['latency-cdf'] },
];

const dir = mkdtempSync(join(tmpdir(), 'fb-report-kinds-'));
const out = join(dir, 'report.html');
let store: ResultsStore;
let browser: Browser;
let page: Page;
const requested: string[] = [];
const runIds: string[] = [];

beforeAll(async () => {
  store = await openResultsStore({});
  for (const options of RUNS) {
    const run = await storeModelRun(store, options);
    expect({ experiment: run.experiment, status: run.status, reason: run.reason }).toEqual({ experiment: options.experiment, status: 'completed', reason: null });
    runIds.push(run.id);
  }
  writeReport(await loadReportRuns(store, runIds), { format: 'html', out, generatedAt: new Date(), fbVersion: 'test' });
  browser = await launchChromium();
  const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(`file://${out}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the page shows of each chart: its section, kind, stated points and the points its SVG draws. */
async function figuresOnPage(): Promise<{ experiment: string; kind: string; points: number; drawn: number; svgs: number }[]> {
  return page.$$eval('figure[data-chart]', (figures) =>
    figures.map((figure) => ({
      experiment: figure.closest('section')?.getAttribute('data-experiment') ?? '',
      kind: figure.getAttribute('data-chart') ?? '',
      points: Number(figure.getAttribute('data-points')),
      drawn: figure.querySelectorAll('svg [data-point]').length,
      svgs: figure.querySelectorAll('svg').length,
    })),
  );
}

describe('fb report over one run of each experiment kind, in Chromium offline', () => {
  it('has a section per experiment, every kind covered, each chart there with the data points it states drawn', async () => {
    const sections = await page.$$eval('section[data-experiment]', (elements) => elements.map((element) => ({ experiment: element.getAttribute('data-experiment'), kind: element.getAttribute('data-kind') })));
    const experiments = [...new Set(RUNS.map((run) => run.experiment))];
    expect(sections).toEqual(experiments.map((experiment) => ({ experiment, kind: EXPERIMENT_KINDS[experiment] })));
    const kinds = new Set(sections.map((section) => section.kind as ReportKind));
    expect([...kinds].sort()).toEqual(['chain', 'cold-start-search', 'concurrency', 'cpu-share', 'dev-checks', 'instance-lifetime', 'latency-cdf', 'load-over-time']);

    const figures = await figuresOnPage();
    for (const experiment of experiments) {
      const expected = RUNS.find((run) => run.experiment === experiment)?.charts;
      expect({ experiment, charts: figures.filter((figure) => figure.experiment === experiment).map((figure) => figure.kind) }).toEqual({ experiment, charts: expected });
    }
    for (const figure of figures) {
      expect({ ...figure, hasPoints: figure.points > 0 }).toEqual({ ...figure, hasPoints: true, drawn: figure.points, svgs: 1 });
    }
    // Every chart is on screen with a size (rendered, not only in the markup).
    const sizes = await page.$$eval('figure[data-chart] svg', (svgs) => svgs.map((svg) => svg.getBoundingClientRect().width * svg.getBoundingClientRect().height));
    expect(sizes.every((area) => area > 100_000)).toBe(true);

    await screenshot(page, 'report-kinds');
  });

  it('asked for nothing but its own file', () => {
    expect(requested).toEqual([`file://${out}`]);
  });

  it('compares the two linear-invocation runs in one chart and in tables with a column each', async () => {
    const section = page.locator('section[data-experiment="linear-invocation"]');
    const [lambda, openfaas] = runIds.slice(0, 2).map((id) => id.slice(0, 8));
    const legend = (await section.locator('figure[data-chart="latency-cdf"] svg').textContent()) ?? '';
    expect(legend).toContain(`model · `);
    expect(legend).toContain(`${lambda} · warm`);
    expect(legend).toContain(`model-openfaas · `);
    expect(legend).toContain(`${openfaas} · warm`);
    const headers = await section.locator('table').first().locator('thead th').allTextContents();
    expect(headers).toHaveLength(3);
    expect(headers[1]).toContain(lambda);
    expect(headers[2]).toContain(openfaas);
    // The latency table: for each function, the warm median with its interval in each run's column.
    const medians = await section.locator('table', { hasText: 'Latency with confidence intervals' }).locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => [...row.children].map((cell) => cell.textContent ?? '')).filter((cells) => cells[1] === 'warm' && cells[2] === 'median'),
    );
    expect(medians.map((cells) => cells[0])).toEqual(['function1', 'function2', 'function3', 'monolith', 'all functions']);
    for (const cells of medians) {
      expect(cells).toHaveLength(5);
      for (const cell of cells.slice(3)) expect(cell).toMatch(/^\d[\d.]* ms \[\d[\d.]*, \d[\d.]*\]$/);
    }
  });

  it('shows the run manifest with time scale, clock offset and cost, each status history, and dev-experiment’s checks', async () => {
    const coldstart = page.locator('section[data-experiment="coldstart-identifier"]');
    const manifest = (await coldstart.locator('table').first().textContent()) ?? '';
    expect(manifest).toMatch(/time scale\s*0\.01 \(real time = experiment time × this\)/);
    expect(manifest).toMatch(/clock offset\s*functions' clock -?[\d.]+ ± [\d.]+ ms from the client's \(\d+ samples\)/);
    expect(manifest).toMatch(/cost estimate\s*\$0 \(estimate, list prices of \d{4}-\d{2}-\d{2}/);
    expect(manifest).toMatch(/cost inputs\s*prices of/);
    const history = await coldstart.locator('table', { hasText: 'provisioning' }).locator('tbody th').allTextContents();
    expect(history).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
    const checks = await page.locator('section[data-experiment="dev-experiment"] table', { hasText: 'Checks of the Benchmarker features' }).locator('tbody tr').allInnerTexts();
    expect(checks).toHaveLength(12);
    expect(checks.every((row) => /\tok: /.test(row) || /\tskipped: /.test(row))).toBe(true);
  });
});
