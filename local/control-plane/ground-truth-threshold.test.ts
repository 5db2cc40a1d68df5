/**
 * Ground truth for the latency-threshold cold-start searches (simple-cold-function and its 12-way
 * and nested variants): run end to end the way `fb run --quick` runs them (the RunExperiment state
 * machine on the local interpreter, a local platform per run with real instances, the agent as a
 * child process, the real results store), each must find the platform's configured idle timeout
 * within its final granularity, for two idle timeouts each, and every threshold decision must match
 * what the platform did.
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
  dataDir = mkdtempSync(join(tmpdir(), 'fb-ground-truth-threshold-'));
  store = await openResultsStore({ dataDir: join(dataDir, 'pglite') });
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

/** One `fb run <experiment> --quick` on the local platform with this idle timeout; the run and its rows. */
async function runQuick(input: Omit<RunInput, 'platforms' | 'quick'>): Promise<{ run: RunRow; rows: Record<string, Row[]> }> {
  const { execution, runs } = await runLocalControlPlane({ input: { ...input, platforms: ['local'], quick: true }, store, workDir: join(dataDir, 'runs'), readinessPollMs: 20 });
  const run = runs[0];
  if (!run) throw new Error(`no run stored: ${JSON.stringify(execution)}`);
  return { run, rows: await store.experimentRows(run.id) };
}

/**
 * Run `name` against a platform whose idle timeout is `idleTimeoutMs` and check what every
 * threshold search must get right; returns the probes and the summary for the variant's own checks.
 */
async function expectIdleTimeoutFound(name: string, idleTimeoutMs: number, params: Record<string, unknown> = {}): Promise<{ probes: Row[]; summary: Row; run: RunRow }> {
  const experiment = findExperiment(name);
  const timeScale = experiment.quick.timeScale;
  const { run, rows } = await runQuick({ experiment: name, params, platformOptions: { idleTimeoutMs } });
  expect(run.status, run.reason ?? '').toBe('completed');
  const probes = rows.coldstart ?? [];
  const finals = probes.filter((row) => row.final === true);
  expect(finals).toHaveLength(1);
  const final = finals[0] as Row;

  // The answer: the first probed gap at or past the idle timeout, within the final step.
  const foundMs = (final.gap_s as number) * 1000 * timeScale;
  const granularityMs = (final.granularity_s as number) * 1000 * timeScale;
  expect(foundMs).toBeGreaterThanOrEqual(idleTimeoutMs);
  expect(foundMs).toBeLessThan(idleTimeoutMs + granularityMs);
  expect(run.result).toMatchObject({ metric: 'idle_timeout', value: final.gap_s, unit: 's', granularity: final.granularity_s });
  expect(run.manifest).toMatchObject({ time_scale: timeScale, quick: true, platform_options: { idleTimeoutMs }, platform_settings: { idleTimeoutMs, initDelayMs: 1100, profile: 'lambda' } });

  // The threshold the original's rule gives warm local calls: its 1.0 s floor, in the baseline and every probe.
  const baselines = rows.coldstart_baseline ?? [];
  expect(baselines.at(-1)).toMatchObject({ accepted: true, first_cold_flag: true, first_cold_by_threshold: true, threshold_ms: 1000, threshold_by: 'floor' });
  expect(baselines.at(-1)?.warm_trimmed_mean_ms).toBeLessThan(220);
  expect(probes.every((row) => row.threshold_ms === 1000)).toBe(true);

  // Every decision was the platform's truth: cold from the idle timeout on, warm before it.
  for (const row of probes) {
    const gapMs = (row.gap_s as number) * 1000 * timeScale;
    expect({ gap_s: row.gap_s, cold_by_threshold: row.cold_by_threshold }).toEqual({ gap_s: row.gap_s, cold_by_threshold: gapMs >= idleTimeoutMs });
  }
  // The search was verified at the answer: the confirmations, then the final probe.
  const confirmations = (run.params as { confirmations: number }).confirmations;
  const verified = probes.filter((row) => row.phase === 'verify' && row.gap_s === final.gap_s && row.cold_by_threshold === true);
  expect(verified.length).toBeGreaterThanOrEqual(confirmations);
  expect(probes.at(-1)).toBe(final);
  expect(final.phase).toBe('final');

  // The summary counts the disagreements the rows show, and the headline says them.
  const summary = (rows.coldstart_summary ?? [])[0] as Row;
  expect(summary).toMatchObject({
    idle_timeout_s: final.gap_s,
    granularity_s: final.granularity_s,
    threshold_ms: 1000,
    probes: probes.length,
    threshold_flag_disagreements: probes.filter((row) => row.cold_by_threshold !== row.cold_flag).length,
    threshold_instance_disagreements: probes.filter((row) => row.cold_by_threshold !== row.instance_changed).length,
  });
  expect(run.result?.sentence).toContain(`of ${probes.length} probes the cold flag disagreed with the threshold on ${summary.threshold_flag_disagreements}, the instance identity on ${summary.threshold_instance_disagreements}`);
  return { probes, summary, run };
}

/** With a cold start over the threshold, a single call's three methods agree on every probe. */
function expectMethodsAgree(probes: Row[], summary: Row): void {
  expect(probes.filter((row) => row.methods_agree !== true)).toEqual([]);
  expect(summary).toMatchObject({ threshold_flag_disagreements: 0, threshold_instance_disagreements: 0 });
}

// Two idle timeouts for the family's plain search (a method tuned to one value would miss the
// other); one for its nested and twelve-thread variants, which run the same search code
// (experiments/_cold-threshold-search.ts) and each take half a minute or more per value.
describe('Ground truth on the local platform: latency-threshold cold-start searches', () => {
  it.each([570, 1170])('simple-cold-function --quick finds an idle timeout of %i ms within the final step', async (idleTimeoutMs) => {
    const { probes, summary } = await expectIdleTimeoutFound('simple-cold-function', idleTimeoutMs);
    expectMethodsAgree(probes, summary);
    expect(probes.every((row) => row.threads === 1 && row.function_name === 'function3' && typeof row.invocation_identifier === 'string')).toBe(true);
    // A cold probe is a real process start plus the 1.1 s init delay; a warm one a few ms.
    for (const row of probes) expect(row.cold_by_threshold ? (row.latency_ms as number) >= 1100 : (row.latency_ms as number) < 500).toBe(true);
  }, 120_000);

  it.each([770])('simple-cold-function-nested --quick finds an idle timeout of %i ms within the final step, timing function2 from function1', async (idleTimeoutMs) => {
    const { probes, summary } = await expectIdleTimeoutFound('simple-cold-function-nested', idleTimeoutMs);
    expectMethodsAgree(probes, summary);
    for (const row of probes) {
      expect(row).toMatchObject({ function_name: 'function2', caller_function_name: 'function1', threads: 1 });
      // The caller is cold exactly when the callee is (same idle timeout); the client's round trip then holds both starts.
      expect(row.caller_cold_flag).toBe(row.cold_flag);
      expect(row.round_trip_ms as number).toBeGreaterThan(row.latency_ms as number);
      if (row.cold_by_threshold) expect(row.round_trip_ms as number).toBeGreaterThanOrEqual(2200);
    }
  }, 120_000);

  // One confirmation and 5 warm batches instead of the quick profile's 2 and 10: a cold batch is twelve process starts, and the test stays under a minute.
  it.each([3170])('simple-cold-function-threaded-twelve --quick finds an idle timeout of %i ms within the final step, 12 instances per batch', async (idleTimeoutMs) => {
    const { probes } = await expectIdleTimeoutFound('simple-cold-function-threaded-twelve', idleTimeoutMs, { confirmations: 1, warmCalls: 5 });
    for (const row of probes) {
      expect(row).toMatchObject({ threads: 12, ok: 12, failed: 0, distinct_instances: 12 });
      // Past the idle timeout every instance is new and cold, and the batch was re-aligned before the next probe.
      if (row.cold_by_threshold) {
        expect(row).toMatchObject({ cold_count: 12, new_instances: 12, cold_flag: true, instance_changed: true });
        expect(row.realign_batches as number).toBeGreaterThanOrEqual(1);
      }
    }
  }, 150_000);
});
