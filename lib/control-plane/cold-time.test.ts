import { describe, expect, it } from 'vitest';
import type { RunRow } from '../results/types';
import { chooseColdTime } from './cold-time';

const need = { function: 'function1', defaultSeconds: 1200 };

function storedRun(id: string, overrides: Partial<RunRow> = {}): RunRow {
  return {
    id,
    experiment: 'coldstart-identifier',
    platform: 'aws-lambda',
    client_platform: 'opposite-cloud',
    status: 'completed',
    status_history: [],
    reason: null,
    started_at: '2026-12-01T10:00:00.000Z',
    ended_at: '2026-12-01T11:00:00.000Z',
    params: { function: 'function1' },
    manifest: { time_scale: 1 },
    execution_id: null,
    invocation_count: 10,
    cost_estimate: null,
    result: { metric: 'idle_timeout', function: 'function1', value: 610, unit: 's', granularity: 10, sentence: 'cold after 610 s' },
    ...overrides,
  };
}

/** A store whose listRuns answers these runs, newest first. */
const storeOf = (runs: RunRow[]) => ({ listRuns: async () => runs });

const thisRun = { id: 'this-run', platform: 'aws-lambda', manifest: { time_scale: 1 }, params: {} };

describe('chooseColdTime', () => {
  it('takes the caller’s coldTimeSeconds over anything stored', async () => {
    const choice = await chooseColdTime(storeOf([storedRun('a')]), need, thisRun, 42);
    expect(choice).toMatchObject({ seconds: 42, source: 'parameter' });
  });

  it('takes the newest completed idle-timeout result for the same platform and function, and names its run', async () => {
    const runs = [
      storedRun('failed', { status: 'failed' }),
      storedRun('other-platform', { platform: 'azure-functions' }),
      storedRun('other-function', { result: { metric: 'idle_timeout', function: 'function3', value: 5, unit: 's', sentence: 'x' } }),
      storedRun('other-metric', { experiment: 'simple-cold-function', result: { metric: 'max_distinct_instances', value: 5, unit: 'instances', sentence: 'x' } }),
      storedRun('other-experiment', { experiment: 'linear-invocation' }),
      storedRun('no-value', { result: { metric: 'idle_timeout', function: 'function1', value: null, unit: 's', sentence: 'x' } }),
      storedRun('newest-fitting', { experiment: 'simple-cold-function', params: {}, result: { metric: 'idle_timeout', function: 'function1', value: 700, unit: 's', sentence: 'x' } }),
      storedRun('older-fitting'),
    ];
    const choice = await chooseColdTime(storeOf(runs), need, thisRun, undefined);
    expect(choice).toMatchObject({ seconds: 700, source: 'run', fromRun: { runId: 'newest-fitting', experiment: 'simple-cold-function', valueSeconds: 700 } });
    expect(choice.description).toContain('simple-cold-function run newest-f');
  });

  it('falls back on the function named in the source run’s parameters', async () => {
    const source = storedRun('params-only', { params: { function: 'function1' }, result: { metric: 'idle_timeout', value: 300, unit: 's', sentence: 'x' } });
    expect(await chooseColdTime(storeOf([source]), need, thisRun, undefined)).toMatchObject({ seconds: 300, source: 'run' });
  });

  it('converts between time scales: 160 experiment seconds at 0.01 are 1.6 real seconds', async () => {
    const quickSource = storedRun('quick', { manifest: { time_scale: 0.01 }, result: { metric: 'idle_timeout', function: 'function1', value: 160, unit: 's', sentence: 'x' } });
    expect(await chooseColdTime(storeOf([quickSource]), need, { ...thisRun, manifest: { time_scale: 1 } }, undefined)).toMatchObject({ seconds: 1.6 });
    expect(await chooseColdTime(storeOf([quickSource]), need, { ...thisRun, manifest: { time_scale: 0.02 } }, undefined)).toMatchObject({ seconds: 80 });
  });

  it('on the local platform, uses only a run whose platform had the same idle timeout', async () => {
    const local = (id: string, idleTimeoutMs: number, value: number) =>
      storedRun(id, { platform: 'local', manifest: { time_scale: 0.01, platform_settings: { idleTimeoutMs } }, result: { metric: 'idle_timeout', function: 'function1', value, unit: 's', sentence: 'x' } });
    const runs = [local('other-timeout', 3000, 310), local('same-timeout', 1550, 160)];
    const localRun = { id: 'this-run', platform: 'local', manifest: { time_scale: 0.01, platform_settings: { idleTimeoutMs: 1550 } }, params: {} };
    expect(await chooseColdTime(storeOf(runs), need, localRun, undefined)).toMatchObject({ seconds: 160, fromRun: { runId: 'same-timeout' } });
    const unmatched = { ...localRun, manifest: { time_scale: 0.01, platform_settings: { idleTimeoutMs: 999 } } };
    expect(await chooseColdTime(storeOf(runs), need, unmatched, undefined)).toMatchObject({ seconds: 1200, source: 'default' });
  });

  it('falls back on the experiment’s default, and says so', async () => {
    const choice = await chooseColdTime(storeOf([]), need, thisRun, undefined);
    expect(choice).toMatchObject({ seconds: 1200, source: 'default' });
    expect(choice.description).toContain("the experiment's default");
  });
});
