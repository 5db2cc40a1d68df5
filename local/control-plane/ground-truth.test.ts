/**
 * Ground truth: experiments run end to end the way `fb run` runs them (the RunExperiment state
 * machine on the local interpreter, a local platform per run with real instances, the agent as a
 * child process, the real results store) must recover the platform's configured behaviour.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunInput } from '../../lib/control-plane/run-input';
import { findExperiment } from '../../lib/experiment/registry';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import type { RunRow } from '../../lib/results/types';
import { runLocalControlPlane } from './run-local';

let dataDir: string;
let store: ResultsStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fb-ground-truth-'));
  store = await openResultsStore({ dataDir: join(dataDir, 'pglite') });
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** One `fb run <experiment> --quick` on the local platform; the run as stored and its per-function summary. */
async function runQuick(input: Omit<RunInput, 'platforms' | 'quick'>): Promise<{ run: RunRow; summary: Awaited<ReturnType<ResultsStore['summarize']>> }> {
  const { execution, runs } = await runLocalControlPlane({ input: { ...input, platforms: ['local'], quick: true }, store, workDir: join(dataDir, 'runs'), readinessPollMs: 20 });
  const run = runs[0];
  if (!run) throw new Error(`no run stored: ${JSON.stringify(execution)}`);
  return { run, summary: await store.summarize(run.id) };
}

describe('Ground truth on the local platform', () => {
  // One search serves two checks: it finds the idle timeout, and an experiment that waits one cold
  // time takes its result (before it, nothing stored fits: the default; after it, the search's).
  it('coldstart-identifier --quick finds the idle timeout within the final search granularity, and an experiment that waits one cold time then takes that result, converted to its time scale', async () => {
    const experiment = findExperiment('coldstart-identifier');
    const idleTimeoutMs = 1230;
    const lifetime = { experiment: 'function-lifetime', params: { warmupSeconds: 0, limitSeconds: 20 }, platformOptions: { idleTimeoutMs } };
    const before = await runQuick(lifetime);
    expect(before.run.manifest.cold_time).toMatchObject({ source: 'default', seconds: 1200, function: 'function1' });

    const { run } = await runQuick({ experiment: experiment.name, platformOptions: { idleTimeoutMs } });
    expect(run.status).toBe('completed');
    const rows = (await store.experimentRows(run.id)).coldstart ?? [];
    const final = rows.find((row) => row.final === true);
    expect(final).toBeDefined();
    const timeScale = experiment.quick.timeScale;
    const foundMs = (final?.gap_s as number) * 1000 * timeScale;
    const granularityMs = (final?.granularity_s as number) * 1000 * timeScale;
    expect(foundMs).toBeGreaterThanOrEqual(idleTimeoutMs);
    expect(foundMs).toBeLessThan(idleTimeoutMs + granularityMs);
    // The run's headline result says the same, in experiment seconds.
    expect(run.result).toMatchObject({ metric: 'idle_timeout', value: final?.gap_s, unit: 's', granularity: final?.granularity_s, function: 'function1' });
    // The manifest says how to repeat it: the time scale and the platform settings in force.
    expect(run.manifest).toMatchObject({ time_scale: timeScale, quick: true, platform_options: { idleTimeoutMs }, platform_settings: { idleTimeoutMs, profile: 'lambda' } });
    expect(run.manifest.commit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    // Every probe is stored, and the verified ones all landed on new instances.
    expect(rows.filter((row) => row.phase === 'verify' && row.gap_s === final?.gap_s && row.new_instance === true).length).toBeGreaterThanOrEqual(5);

    const after = await runQuick(lifetime);
    const foundSeconds = run.result?.value as number;
    const lifetimeScale = findExperiment('function-lifetime').quick.timeScale;
    expect(after.run.manifest.cold_time).toMatchObject({
      source: 'run',
      function: 'function1',
      seconds: expect.closeTo((foundSeconds * timeScale) / lifetimeScale, 3),
      fromRun: { runId: run.id, experiment: 'coldstart-identifier', valueSeconds: foundSeconds, timeScale },
    });
  }, 240_000);

  it('concurrency-benchmarking sees N instances for N concurrent calls on the Lambda-like profile, and stores 429s', async () => {
    const { run, summary } = await runQuick({
      experiment: 'concurrency-benchmarking',
      params: { concurrency: [4, 8], repetitions: 1, gapsSeconds: [10] },
      platformOptions: { profile: 'lambda', maxInstances: 6 },
    });
    expect(run.status).toBe('completed');
    const batches = (await store.experimentRows(run.id)).cc_bench ?? [];
    expect(batches.map((row) => [row.concurrency, row.ok, row.throttled, row.distinct_instances])).toEqual([
      [4, 4, 0, 4],
      [8, 6, 2, 6],
    ]);
    const invocations = await store.invocations(run.id);
    expect(invocations).toHaveLength(12);
    expect(invocations.filter((row) => row.status === 'throttled').map((row) => [row.http_status, row.error_type])).toEqual([
      [429, 'TooManyRequestsError'],
      [429, 'TooManyRequestsError'],
    ]);
    expect(summary.find((s) => s.function_name === 'function3')).toMatchObject({ invocations: 12, throttled: 2, errors: 0, cold: 6 });
    expect(run.result).toMatchObject({ metric: 'max_distinct_instances', value: 6, unit: 'instances' });
  }, 120_000);

  it.each([-250, 250])('estimates a function clock skewed by %i ms within its error bound, and corrects the latencies that cross the clocks', async (clockSkewMs) => {
    const { run } = await runQuick({
      experiment: 'concurrency-benchmarking',
      params: { concurrency: [2, 4], repetitions: 2, gapsSeconds: [1] },
      platformOptions: { profile: 'lambda', clockSkewMs },
    });
    expect(run.status).toBe('completed');
    const clock = run.manifest.clock as { offset_ms: number; error_ms: number; samples: number };
    expect(clock.samples).toBeGreaterThanOrEqual(10);
    // Both clocks are this machine's; the only offset is the configured skew (±1 ms for the clocks' own reading).
    expect(Math.abs(clock.offset_ms - clockSkewMs)).toBeLessThanOrEqual(clock.error_ms + 1);
    const batches = (await store.experimentRows(run.id)).cc_bench ?? [];
    expect(batches.length).toBe(4);
    // Corrected, send → start is a latency: not negative beyond its error bound.
    for (const batch of batches) expect(batch.avg_latency_ms as number).toBeGreaterThanOrEqual(-(batch.latency_error_ms as number));
    // Every call's send → start, corrected by the run's offset, is a latency within the bound too.
    const roots = (await store.invocations(run.id)).filter((row) => row.status === 'ok' && row.level === 0 && row.client_send !== null && row.execution_start !== null);
    expect(roots.length).toBeGreaterThanOrEqual(10);
    for (const row of roots) expect((row.execution_start as number) - clock.offset_ms - (row.client_send as number)).toBeGreaterThanOrEqual(-clock.error_ms);
  }, 120_000);


  it('linear-invocation stores every invocation, with exactly one cold start per instance', async () => {
    const callsPerFunction = 12;
    const { run } = await runQuick({ experiment: 'linear-invocation', params: { callsPerFunction } });
    expect(run.status).toBe('completed');
    const invocations = await store.invocations(run.id);
    expect(invocations).toHaveLength(4 * callsPerFunction);
    expect(invocations.every((row) => row.status === 'ok')).toBe(true);
    expect(invocations.map((row) => row.seq)).toEqual(invocations.map((_, index) => index));
    const coldPerInstance = new Map<string, number>();
    for (const row of invocations) coldPerInstance.set(row.instance_identifier as string, (coldPerInstance.get(row.instance_identifier as string) ?? 0) + (row.cold ? 1 : 0));
    expect([...coldPerInstance.values()].every((count) => count === 1)).toBe(true);
    expect(run.status_history.map((change) => change.status)).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
    expect(run.result).toMatchObject({ metric: 'warm_round_trip_median', unit: 'ms', value: expect.any(Number) });
    expect(run.result?.value).toBeGreaterThan(0);
  }, 120_000);
});
