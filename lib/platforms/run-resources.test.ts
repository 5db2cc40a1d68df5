import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsRunTagsOf, RUN_EXECUTION_TIMEOUT_SECONDS, runExpiryOf, runLabelsOf, runTagsOf } from './run-resources';

describe.concurrent('run resource tags', () => {
  it('keeps the execution timeout equal to the state machine definition’s', () => {
    const asl = JSON.parse(readFileSync(join(__dirname, '..', '..', 'state-machines', 'run-experiment.asl.json'), 'utf8')) as { TimeoutSeconds?: number };
    expect(asl.TimeoutSeconds).toBe(RUN_EXECUTION_TIMEOUT_SECONDS);
  });

  it('expires a resource 48 h (the execution timeout) plus 6 h after it is made', () => {
    expect(runExpiryOf(Date.parse('2026-01-31T23:30:00.000Z')).toISOString()).toBe('2026-02-03T05:30:00.000Z');
  });

  it('tags with the run id and the ISO expiry, as a map and as AWS tags, and labels with epoch seconds (2026-11-29T16:00:00Z, rounded down)', () => {
    const now = Date.parse('2026-11-27T10:00:00.250Z');
    expect(runTagsOf('run-1', now)).toEqual({ 'faas-benchmarker:run': 'run-1', 'faas-benchmarker:expires': '2026-11-29T16:00:00.250Z' });
    expect(awsRunTagsOf('run-1', now)).toEqual([
      { Key: 'faas-benchmarker:run', Value: 'run-1' },
      { Key: 'faas-benchmarker:expires', Value: '2026-11-29T16:00:00.250Z' },
    ]);
    expect(runLabelsOf('run-1', now)).toEqual({ 'faas-benchmarker/run': 'run-1', 'faas-benchmarker/expires': '1795968000' });
  });
});
