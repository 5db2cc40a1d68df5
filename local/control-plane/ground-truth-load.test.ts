/**
 * Ground truth for the open-loop load experiments, scenario-pyramid and growing-load-spikes, run
 * end to end the way `fb run --quick` runs them (the RunExperiment state machine on the local
 * interpreter, a local platform per run, the agent as a child process, the real results store):
 * the pyramid's sends keep to their schedule while the platform is made slow, every call it issued
 * reached the platform and is stored (late ones as timeouts), and the spikes' throttle count is
 * exactly what the platform refused.
 *
 * The run's platform is reached by wrapping `startLocalPlatform` (the starter runLocalControlPlane
 * uses): its counters stay readable in memory after the run has stopped it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunInput } from '../../lib/control-plane/run-input';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import type { InvocationRow, RunRow } from '../../lib/results/types';
import type { RunningPlatform } from '../platform/start';
import { runLocalControlPlane } from './run-local';

const startedPlatforms = vi.hoisted(() => [] as RunningPlatform[]);

vi.mock('../platform/start', async (importOriginal) => {
  const original = await importOriginal<typeof import('../platform/start')>();
  return {
    ...original,
    startLocalPlatform: async (options: Parameters<typeof original.startLocalPlatform>[0]) => {
      const running = await original.startLocalPlatform(options);
      startedPlatforms.push(running);
      return running;
    },
  };
});

let dataDir: string;
let store: ResultsStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fb-ground-truth-load-'));
  store = await openResultsStore({ dataDir: join(dataDir, 'pglite') });
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface QuickRun {
  run: RunRow;
  rows: Record<string, Record<string, unknown>[]>;
  invocations: InvocationRow[];
  platform: RunningPlatform;
}

/** One `fb run <experiment> --quick` on the local platform: the run as stored, its rows and invocations, and its platform. */
async function runQuick(input: Omit<RunInput, 'platforms' | 'quick'>): Promise<QuickRun> {
  const before = startedPlatforms.length;
  const { execution, runs } = await runLocalControlPlane({ input: { ...input, platforms: ['local'], quick: true }, store, workDir: join(dataDir, 'runs'), readinessPollMs: 20 });
  const run = runs[0];
  if (!run) throw new Error(`no run stored: ${JSON.stringify(execution)}`);
  expect(startedPlatforms.length).toBe(before + 1);
  return { run, rows: await store.experimentRows(run.id), invocations: await store.invocations(run.id), platform: startedPlatforms[before] as RunningPlatform };
}

/** What the platform itself counted for these functions. */
function platformCounts(platform: RunningPlatform, functions: string[]): { invocations: number; throttled: number } {
  const statuses = functions.map((name) => platform.platform.status(name));
  return { invocations: statuses.reduce((total, s) => total + s.invocationCount, 0), throttled: statuses.reduce((total, s) => total + s.throttledCount, 0) };
}

const sum = (rows: Record<string, unknown>[], column: string) => rows.reduce((total, row) => total + (row[column] as number), 0);

describe('Ground truth on the local platform: open-loop load', () => {
  it('scenario-pyramid keeps its send schedule and issues every step in its slot while every call is slow (cold starts delayed 1 s, every call sleeping 0.5 s)', async () => {
    const initDelayMs = 1000;
    const sleepSeconds = 0.5;
    // OpenFaaS-like: one instance per function takes every call, so the slowness is the platform's, not process start-ups.
    const { run, rows, invocations, platform } = await runQuick({ experiment: 'scenario-pyramid', params: { sleepSeconds }, platformOptions: { profile: 'openfaas', initDelayMs } });
    expect(run.status).toBe('completed');
    const steps = rows.pyramid ?? [];
    // Baseline, 5 … 30 and back down to 5, baseline.
    expect(steps.map((row) => row.invocations_for_increment)).toEqual([20, 5, 10, 15, 20, 25, 30, 25, 20, 15, 10, 5, 20]);
    for (const step of steps) {
      expect(step.planned_calls).toBe(step.invocations_for_increment);
      expect(step.issued_calls).toBe(step.planned_calls);
      expect(step.sent_calls).toBe(step.planned_calls);
      // Sent within the step's own slot: the planned number within 5 %.
      expect(Math.abs((step.sent_in_window_calls as number) - (step.planned_calls as number))).toBeLessThanOrEqual(0.05 * (step.planned_calls as number));
      expect(step.ok).toBe(step.planned_calls);
      // And the platform really was slow: no call answered faster than its sleep.
      expect(step.latency_median_ms as number).toBeGreaterThanOrEqual(sleepSeconds * 1000);
    }
    // The first calls waited for the delayed cold start; meanwhile the sends went on: many calls in flight at once.
    expect(steps[0]?.latency_p99_ms as number).toBeGreaterThanOrEqual(initDelayMs);
    expect(Math.max(...steps.map((step) => step.max_in_flight_calls as number))).toBeGreaterThanOrEqual(15);
    // The schedule held: the median send is less than 5 ms late, over every call of the pyramid.
    const [summary] = rows.pyramid_summary ?? [];
    expect(summary).toMatchObject({ planned_calls: 220, issued_calls: 220, sent_calls: 220, ok: 220, timeouts: 0 });
    expect(summary?.schedule_error_median_ms as number).toBeGreaterThanOrEqual(0);
    expect(summary?.schedule_error_median_ms as number).toBeLessThan(5);
    // Every call issued reached the platform and is stored.
    expect(invocations).toHaveLength(220);
    expect(platformCounts(platform, ['function1', 'function2']).invocations).toBe(220);
    expect(run.result).toMatchObject({ metric: 'ok_fraction', value: 1, unit: 'fraction' });
  }, 90_000);

  it('scenario-pyramid stores a call still unanswered at its step end plus the drain time as a timeout, never losing it', async () => {
    // Every call sleeps 1 s; a call may run 0.2 s past its step's end (steps are 0.5 s of real time): none can make it.
    const drainTimeoutSeconds = 0.2;
    const { run, rows, invocations, platform } = await runQuick({
      experiment: 'scenario-pyramid',
      params: { sleepSeconds: 1, drainTimeoutSeconds, baselineSeconds: 0, pyramids: [{ functions: ['function3'], increment: 5, peak: 10, rampTimeSeconds: 20 }] },
      platformOptions: { profile: 'openfaas' },
    });
    expect(run.status).toBe('completed');
    const steps = (rows.pyramid ?? []).filter((row) => (row.planned_calls as number) > 0);
    expect(steps.map((row) => [row.planned_calls, row.issued_calls, row.timeouts, row.ok])).toEqual([
      [5, 5, 5, 0],
      [10, 10, 10, 0],
      [5, 5, 5, 0],
    ]);
    expect(invocations).toHaveLength(20);
    expect(invocations.every((row) => row.status === 'timeout' && row.error_type === 'ClientTimeout' && row.client_send !== null)).toBe(true);
    // Each ended at its step's end plus the drain time, well before its 1 s answer.
    for (const row of invocations) expect(row.error_message).toMatch(/^no complete answer within \d+ ms$/);
    expect(platformCounts(platform, ['function3']).invocations).toBe(20);
    expect(rows.pyramid_summary?.[0]).toMatchObject({ issued_calls: 20, timeouts: 20, ok: 0 });
  }, 60_000);

  it('growing-load-spikes counts exactly the calls the platform refused with 429 (at most 3 instances for bursts of up to 6)', async () => {
    const { run, rows, invocations, platform } = await runQuick({ experiment: 'growing-load-spikes', platformOptions: { profile: 'lambda', maxInstances: 3 } });
    expect(run.status).toBe('completed');
    const spikes = rows.load_spike ?? [];
    // 2, 4, 6, 6, 4, 2, each twice.
    expect(spikes.map((row) => row.spike_calls)).toEqual([2, 2, 4, 4, 6, 6, 6, 6, 4, 4, 2, 2]);
    const truth = platformCounts(platform, ['function1']);
    const counted = sum(spikes, 'baseline_throttled') + sum(spikes, 'burst_throttled');
    // A burst of 6 on 3 one-call instances has at least 3 refused.
    expect(sum(spikes.filter((row) => row.spike_calls === 6), 'burst_throttled')).toBeGreaterThanOrEqual(4 * 3);
    expect(counted).toBe(truth.throttled);
    expect(run.result).toMatchObject({ metric: 'throttled_calls', value: truth.throttled, unit: 'calls' });
    const stored = invocations.filter((row) => row.status === 'throttled');
    expect(stored).toHaveLength(truth.throttled);
    expect(stored.every((row) => row.http_status === 429 && row.error_type === 'TooManyRequestsError')).toBe(true);
    // Every call issued reached the platform and is stored.
    const issued = sum(spikes, 'baseline_issued_calls') + sum(spikes, 'burst_issued_calls');
    expect(invocations).toHaveLength(issued);
    expect(truth.invocations).toBe(issued);
    for (const row of spikes) expect(row.burst_issued_calls).toBe(row.spike_calls);
  }, 60_000);
});
