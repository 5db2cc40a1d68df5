import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { invocationRow, reportRunOf } from '../../test-support/report-runs';
import { countTaggedPoints } from '../../test-support/chart-checks';
import { writeReport } from './write-report';

const dir = mkdtempSync(join(tmpdir(), 'fb-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runs = [
  reportRunOf({
    experiment: 'concurrency-benchmarking',
    invocations: [invocationRow({ batch_size: 2, latencyMs: 8 }), invocationRow({ batch_size: 2, latencyMs: 9, sendAt: 2e12 }), invocationRow({ batch_size: 4, latencyMs: 12, cold: true, sendAt: 3e12 })],
  }),
  reportRunOf({ experiment: 'linear-invocation', run: { platform: 'openfaas' }, invocations: [invocationRow({ latencyMs: 3 }), invocationRow({ latencyMs: 4, sendAt: 2e12 })] }),
];
const options = { generatedAt: new Date('2026-12-06T12:00:00Z'), fbVersion: '0.1.0' };

describe('Function: writeReport', () => {
  it('writes Markdown with every chart as an SVG file beside it, linked, drawing the points it plots', () => {
    const name = 'summary';
    const out = join(dir, 'md', `${name}.md`);
    const written = writeReport(runs, { ...options, format: 'md', out });
    const markdown = readFileSync(out, 'utf8');
    const links = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1] as string);
    expect(links).toEqual(['summary-charts/concurrency-benchmarking-1-concurrency-latency.svg', 'summary-charts/concurrency-benchmarking-2-latency-cdf.svg', 'summary-charts/linear-invocation-3-latency-cdf.svg']);
    expect(readdirSync(join(dir, 'md', 'summary-charts')).sort()).toEqual(links.map((link) => link.split('/')[1]).sort());
    expect(written).toMatchObject({ file: out, charts: 3 });
    for (const link of links) {
      const svg = readFileSync(join(dir, 'md', link), 'utf8');
      expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
      const stated = Number(markdown.match(new RegExp(`\\(${link.replace(/[.]/g, '\\.')}\\)\\n\\n.*\\((\\d+) data points\\)`))?.[1]);
      expect(countTaggedPoints(svg)).toBe(stated);
      expect(stated).toBeGreaterThan(0);
    }
    expect(markdown).toContain('## concurrency-benchmarking');
    expect(markdown).toContain('## linear-invocation');
    expect(markdown).toMatch(/\| function1 \| all \| calls \| 3 \(3 ok\) \|/);
  });

  it('writes one HTML file that needs nothing else: no script, no link, no external address', () => {
    const out = join(dir, 'report.html');
    const written = writeReport(runs, { ...options, format: 'html', out });
    const html = readFileSync(out, 'utf8');
    expect(written).toMatchObject({ file: out, charts: 3, chartFiles: [] });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\((?!#)/i);
    expect(html.match(/(src|href)="(?!#)[^"]*"/g)).toBeNull();
    expect(html.match(/https?:\/\/(?!www\.w3\.org\/)/g)).toBeNull();
    expect(html).toContain('<a href="#experiment-linear-invocation">');
    expect(existsSync(join(dir, 'report-charts'))).toBe(false);
  });
});
