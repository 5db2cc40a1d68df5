import { describe, expect, it } from 'vitest';
import { invocationRow, reportRunOf } from '../../test-support/report-runs';
import type { ResultsStore } from '../results/store';
import { ReportRunNotFoundError } from './errors';
import { loadReportRuns, REPORT_CSS, renderRunSectionHtml } from './run-section';

const probes = [
  { phase: 'search-1', gap_s: 300, new_instance: true, latency_ms: 120 },
  { phase: 'verify', gap_s: 160, new_instance: true, latency_ms: 110 },
];
const calls = [invocationRow({ cold: true, latencyMs: 120 }), invocationRow({ sendAt: 2e12, latencyMs: 5 }), invocationRow({ sendAt: 3e12, latencyMs: 6 })];

describe('Function: renderRunSectionHtml', () => {
  const local = reportRunOf({ experiment: 'coldstart-identifier', run: { platform: 'local', result: { metric: 'idle_timeout', value: 160, unit: 's', sentence: 'function1 goes cold after 160 s idle' } }, invocations: calls, rows: { coldstart: probes } });
  const failed = reportRunOf({
    experiment: 'coldstart-identifier',
    run: {
      platform: 'openfaas',
      status: 'failed',
      reason: 'ProbeFailedError: 5 calls in a row <failed>',
      status_history: [
        { status: 'starting', at: '2026-12-05T10:00:00.000Z' },
        { status: 'running', at: '2026-12-05T10:00:05.000Z' },
        { status: 'failed', at: '2026-12-05T10:00:09.500Z', reason: 'ProbeFailedError: 5 calls in a row <failed>' },
      ],
    },
    invocations: calls,
    rows: { coldstart: probes.slice(0, 1) },
  });
  const html = renderRunSectionHtml([local, failed]);

  it('is a fragment: no document, no script, one section for the experiment', () => {
    expect(html).not.toMatch(/<(html|body|head|script)\b/i);
    expect(html.match(/<section /g)).toHaveLength(1);
    expect(html).toContain('data-experiment="coldstart-identifier" data-kind="cold-start-search"');
    expect(REPORT_CSS).toContain('.fb-report');
  });

  it('carries each chart as inline SVG in a figure that says its kind and its data points', () => {
    const figures = [...html.matchAll(/<figure class="fb-chart" data-chart="([\w-]+)" data-points="(\d+)">([\s\S]*?)<\/figure>/g)];
    expect(figures.map((figure) => figure[1])).toEqual(['search-gap', 'search-latency', 'latency-cdf']);
    for (const [, , points, body] of figures) {
      expect(body).toContain('<svg');
      expect(body).toContain('<figcaption>');
      expect((body?.match(/ data-point="/g) ?? []).length).toBe(Number(points));
    }
    expect(figures[0]?.[2]).toBe('3');
  });

  it('compares the runs side by side, a column each, and shows each status history with the failure’s reason escaped', () => {
    expect(html).toContain(`<th scope="col">${local.label}</th><th scope="col">${failed.label}</th>`);
    expect(html).toContain('<caption>Latency with confidence intervals</caption>');
    expect(html).toContain(`Status history of ${failed.label}`);
    expect(html).toContain('<td>ProbeFailedError: 5 calls in a row &lt;failed&gt;</td>');
    expect(html).not.toContain('<failed>');
    expect(html).toContain('<td>9.5s</td>');
  });

  it('gives runs of different experiments a section each', () => {
    const other = reportRunOf({ experiment: 'dev-experiment', invocations: calls, rows: { dev_checks: [{ feature: 'invoke', outcome: 'ok', detail: 'answered' }] } });
    const mixed = renderRunSectionHtml([local, other]);
    expect([...mixed.matchAll(/data-experiment="([\w-]+)"/g)].map((match) => match[1])).toEqual(['coldstart-identifier', 'dev-experiment']);
    expect(mixed).toContain('<td>ok: answered</td>');
  });
});

describe('Function: loadReportRuns', () => {
  it('names the id the store does not know', async () => {
    const store = { getRun: async () => undefined } as unknown as ResultsStore;
    await expect(loadReportRuns(store, ['abcdef12'])).rejects.toThrow(ReportRunNotFoundError);
    await expect(loadReportRuns(store, ['abcdef12'])).rejects.toThrow('no run abcdef12; see fb runs');
  });
});
