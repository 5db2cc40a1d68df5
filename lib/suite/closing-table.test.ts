import { describe, expect, it } from 'vitest';
import { closingSummary, formatClosingTable } from './closing-table';
import type { SuiteOutcome } from './outcome';

const OUTCOMES: SuiteOutcome[] = [
  {
    experiment: 'coldstart-identifier',
    status: 'completed',
    runId: 'a1e09018-599d-46dc-8ab3-40dab03d1570',
    durationMs: 31_200,
    calls: 34,
    result: { metric: 'idle_timeout', value: 160, unit: 's', sentence: 'cold after 160 s idle (warm at 150 s)' },
  },
  { experiment: 'growing-load-spikes', status: 'failed', runId: 'b2f1c3d4-0000-4000-8000-000000000000', durationMs: 4_000, calls: 3, reason: `AgentFailedError: SearchLimitError: ${'x'.repeat(300)}` },
  { experiment: 'weakest-link', status: 'completed', runId: 'c3c3c3c3-0000-4000-8000-000000000000', resultNote: "in the deployment's results database" },
  { experiment: 'dev-experiment', status: 'not started', reason: 'interrupted before it started' },
];

describe('Function: formatClosingTable', () => {
  const lines = formatClosingTable(OUTCOMES).split('\n');
  const row = (experiment: string) => lines.find((line) => line.startsWith(`${experiment} `)) ?? '';

  it('has one row per experiment with its status, run, duration, calls and result', () => {
    expect(lines[0]).toMatch(/^experiment\s+status\s+run\s+duration\s+calls\s+result$/);
    expect(lines).toHaveLength(2 + OUTCOMES.length);
    expect(row('coldstart-identifier')).toMatch(/completed\s+a1e09018\s+31\.2s\s+34\s+cold after 160 s idle \(warm at 150 s\) \(160 s\)$/);
  });

  it('shows why a run failed, cut to one readable line, and what is known of the others', () => {
    expect(row('growing-load-spikes')).toMatch(/failed\s+b2f1c3d4\s+4\.0s\s+3\s+AgentFailedError: SearchLimitError: x+…$/);
    expect(row('growing-load-spikes').length).toBeLessThan(260);
    expect(row('weakest-link')).toMatch(/completed\s+c3c3c3c3\s+-\s+-\s+in the deployment's results database$/);
    expect(row('dev-experiment')).toMatch(/not started\s+-\s+-\s+-\s+interrupted before it started$/);
  });
});

describe('Function: closingSummary', () => {
  it('counts the completed runs, names the failed ones and counts those never started', () => {
    expect(closingSummary(OUTCOMES)).toBe('2 of 4 runs completed: 1 failed (growing-load-spikes), 1 not started');
    expect(closingSummary(OUTCOMES.filter((outcome) => outcome.status !== 'not started'))).toBe('2 of 3 runs completed: 1 failed (growing-load-spikes)');
    expect(closingSummary(OUTCOMES.filter((outcome) => outcome.status === 'completed'))).toBe('all 2 runs completed');
  });
});
