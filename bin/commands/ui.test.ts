/**
 * `fb ui` as a user runs it: a real `fb ui` process and a real `fb run` process sharing one
 * working directory's embedded store (lib/results/store-host.ts), watched in Debian's Chromium.
 *
 * - The UI first (it hosts the store), then `fb run` (a client of it): the run appears on the live
 *   page and changes status without a reload, `fb run` exits when it is done, and the UI goes on
 *   serving the run's page and downloads; Ctrl-C stops the UI and releases the store.
 * - `fb run` first (it hosts the store), then the UI (a client) with a page listening: `fb run`
 *   still exits when it is done, and the UI then takes the store over and goes on serving.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium, screenshot } from '../../test-support/browser';

const FB = join(__dirname, '..', 'fb.js');
// Short (about 5 s quick) and calls all four lab functions.
const EXPERIMENT = 'linear-invocation';
const children: ChildProcess[] = [];
const dirs: string[] = [];
let browser: Browser;

interface FbProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startFb(args: string[], cwd: string): FbProcess {
  const env = { ...process.env };
  delete env.FB_DATABASE_URL;
  const child = spawn(process.execPath, [FB, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await sleep(100);
  }
}

/** Resolves with the exit code, or rejects if the process has not exited in time (the pitfall: a run kept waiting). */
function exitWithin(fb: FbProcess, timeoutMs: number, what: string): Promise<number | null> {
  return Promise.race([fb.exited, sleep(timeoutMs).then(() => Promise.reject(new Error(`${what} did not exit within ${timeoutMs} ms\n${fb.output()}`)))]);
}

/** Deadlines for things that take seconds on an idle machine; generous, because CI machines are shared. */
const START_MS = 120_000;
const RUN_MS = 240_000;
const TEST_MS = 480_000;

const uiUrlOf = (ui: FbProcess) => waitFor('fb ui to print its URL', () => ui.output().match(/fb ui: (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1], START_MS, ui.output);

function lockOf(dir: string): { pid: number; port: number } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, '.fb', 'pglite.lock'), 'utf8')) as { pid: number; port: number };
  } catch {
    return undefined;
  }
}

interface ApiRun {
  id: string;
  experiment: string;
  status: string;
  invocation_count: number;
}

async function apiRuns(url: string): Promise<ApiRun[]> {
  const response = await fetch(`${url}api/runs`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { runs: ApiRun[] }).runs;
}

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function newWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fb-ui-test-'));
  dirs.push(dir);
  return dir;
}

// The two cases use separate working directories: they run side by side to keep the file's time down.
describe.concurrent('fb ui with fb run in another process', () => {
  test('the UI hosts the store: a new run appears live and changes status without a reload, fb run exits, the UI keeps serving', async () => {
    const dir = newWorkDir();
    const ui = startFb(['ui', '--port', '0'], dir);
    const url = await uiUrlOf(ui);
    const page: Page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(START_MS);
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.goto(url);
    await expect.poll(() => page.locator('#live-state').getAttribute('data-state'), { timeout: START_MS }).toBe('live');
    expect(await page.locator('.active-runs .empty').textContent()).toBe('Nothing is running.');
    expect(lockOf(dir)?.pid).toBe(ui.child.pid);

    const run = startFb(['run', EXPERIMENT, '--quick'], dir);
    const seen: string[] = [];
    let shotWhileActive: string | undefined;
    const activeRow = page.locator('.active-runs tr[data-run-id]');
    const finishedRow = page.locator(`.recent-runs tr[data-run-id]`);
    const runId = await waitFor(
      'the run to be shown completed',
      async () => {
        const active = await activeRow.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status') ?? ''));
        for (const status of active) if (seen.at(-1) !== status) seen.push(status);
        const finished = await finishedRow.evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-run-id'), row.getAttribute('data-status')]));
        const done = finished.find(([, status]) => status === 'completed' || status === 'failed');
        if (active.length === 1 && !shotWhileActive) shotWhileActive = await screenshot(page, 'fb-ui-live-run');
        return done ? `${done[0]}:${done[1]}` : undefined;
      },
      RUN_MS,
      run.output,
    );
    const [id, finalStatus] = runId.split(':') as [string, string];
    expect(finalStatus, run.output()).toBe('completed');
    // At least one active status was shown before the final one, all in the same document.
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.every((status) => ['starting', 'provisioning', 'running', 'collecting', 'destroying'].includes(status))).toBe(true);
    expect(navigations).toBe(1);
    expect(await exitWithin(run, START_MS, 'fb run')).toBe(0);

    // The run's process has gone; the UI still hosts the store and serves the run.
    const [stored] = (await apiRuns(url)).filter((candidate) => candidate.id === id);
    expect(stored?.invocation_count).toBeGreaterThan(0);
    await page.goto(`${url}runs/${id}`);
    expect(await page.locator('#latency-stats tbody tr[data-group="all"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-function')))).toEqual(['function1', 'function2', 'function3', 'monolith', 'all functions']);
    await screenshot(page, 'fb-ui-run-page');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#downloads a[href$="invocations.csv"]')]);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    expect(csv.split('\r\n').filter((line) => line.startsWith(`${id},`))).toHaveLength(stored?.invocation_count ?? -1);
    await page.close();

    ui.child.kill('SIGINT');
    expect(await exitWithin(ui, START_MS, 'fb ui after Ctrl-C')).toBe(0);
    expect(ui.output()).toContain('stopped');
    expect(existsSync(join(dir, '.fb', 'pglite.lock'))).toBe(false);
  }, TEST_MS);

  test('fb run hosts the store: it still exits while the UI watches, and the UI takes the store over', async () => {
    const dir = newWorkDir();
    const run = startFb(['run', EXPERIMENT, '--quick'], dir);
    await waitFor('fb run to host the store', () => (lockOf(dir)?.pid === run.child.pid && (lockOf(dir)?.port ?? 0) > 0 ? true : undefined), START_MS, run.output);
    const ui = startFb(['ui', '--port', '0'], dir);
    const url = await uiUrlOf(ui);
    const page = await browser.newPage();
    page.setDefaultTimeout(START_MS);
    await page.goto(url);
    await expect.poll(() => page.locator('#live-state').getAttribute('data-state'), { timeout: START_MS }).toBe('live');
    await waitFor('the UI to show the run completed', async () => ((await page.locator('.recent-runs tr[data-status="completed"]').count()) === 1 ? true : undefined), RUN_MS, run.output);
    expect(await exitWithin(run, START_MS, 'fb run (hosting the store while fb ui reads it)')).toBe(0);

    // The host has gone: the UI opens the store itself and goes on serving, live page included.
    const runs = await apiRuns(url);
    expect(runs.map((candidate) => [candidate.experiment, candidate.status])).toEqual([[EXPERIMENT, 'completed']]);
    await waitFor('the UI to host the store', () => (lockOf(dir)?.pid === ui.child.pid ? true : undefined), START_MS, ui.output);
    expect(await page.locator('#live-state').getAttribute('data-state')).toBe('live');
    await page.close();
    ui.child.kill('SIGINT');
    expect(await exitWithin(ui, START_MS, 'fb ui after Ctrl-C')).toBe(0);
  }, TEST_MS);
});
