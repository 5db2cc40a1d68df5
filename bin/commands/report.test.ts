import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFb } from '../../test-support/cli';

const cwd = mkdtempSync(join(tmpdir(), 'fb-report-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Run `fb …` in a scratch working directory (its own .fb/ store). */
const fb = (args: string[]) => runFb(cwd, args);

let runId = '';

beforeAll(async () => {
  // The quick run with a shorter search (two steps, two confirmations) than its defaults: the same
  // experiment on the local platform, a real run stored in .fb/, in about half the time.
  const run = await fb(['run', 'coldstart-identifier', '--quick', '--param', 'stepsSeconds=[100,30]', '--param', 'confirmations=2']);
  expect(run.stderr).toContain('coldstart-identifier: starting a RunExperiment execution on the local control plane (quick)');
  expect(run.code).toBe(0);
  runId = run.stdout.match(/coldstart-identifier: completed \(run ([0-9a-f-]{36})\)/)?.[1] ?? '';
  expect(runId).not.toBe('');
}, 120_000);

describe('CLI: fb report', () => {
  it('writes an HTML report of the latest coldstart-identifier run whose charts show that run, and the same as Markdown with its charts beside it', async () => {
    const out = join(cwd, 'out', 'r.html');
    const name = 'summary';
    const markdownOut = join(cwd, 'md', `${name}.md`);
    const [report, markdownReport] = await Promise.all([fb(['report', '--experiment', 'coldstart-identifier', '--latest', '--out', out]), fb(['report', runId.slice(0, 8), '--out', markdownOut])]);
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    expect(report.stdout.trim()).toBe(`wrote ${out}: 1 run of coldstart-identifier, 3 charts`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`data-run-id="${runId}"`);
    const trace = html.match(/<figure class="fb-chart" data-chart="search-gap" data-points="(\d+)">([\s\S]*?)<\/figure>/);
    const points = Number(trace?.[1]);
    // Every probe of the search is a point, drawn: the stored `coldstart` rows but the closing one.
    const rows = Number(html.match(/coldstart \((\d+) rows\)/)?.[1]);
    expect(points).toBeGreaterThanOrEqual(4);
    expect(points).toBe(rows - 1);
    expect(trace?.[2]?.match(/ data-point="/g)).toHaveLength(points);
    expect(trace?.[2]).toMatch(/verified: \d+ s/);

    expect(markdownReport.code).toBe(0);
    const markdown = readFileSync(markdownOut, 'utf8');
    const charts = readdirSync(join(cwd, 'md', 'summary-charts'));
    expect(charts.sort()).toEqual(['coldstart-identifier-1-search-gap.svg', 'coldstart-identifier-2-search-latency.svg', 'coldstart-identifier-3-latency-cdf.svg']);
    for (const chart of charts) expect(markdown).toContain(`(summary-charts/${chart})`);
    expect(markdown).toContain(runId.slice(0, 8));
  }, 60_000);

  it('answers a wrong request with a one-line error and writes nothing', async () => {
    // The other refusals are checked where they are made (lib/report/select-runs.test.ts).
    const cases: [string[], string][] = [
      [['report', 'ffffffff'], 'fb: no run ffffffff; see fb runs'],
      [['report', runId, '--format', 'pdf'], 'fb: --format must be html or md, got pdf'],
      [['report', runId, '--experiment', 'coldstart-identifier'], 'fb: give run ids or --experiment, not both'],
    ];
    const results = await Promise.all(cases.map(([args]) => fb([...args, '--out', join(cwd, 'refused', 'r.html')])));
    for (const [index, result] of results.entries()) {
      const [args, message] = cases[index] as [string[], string];
      expect({ args, code: result.code, stderr: result.stderr.trim() }).toEqual({ args, code: 1, stderr: message });
    }
    expect(existsSync(join(cwd, 'refused'))).toBe(false);
  }, 60_000);
});
