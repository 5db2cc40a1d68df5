/**
 * Ground truth for the idle-timeout searches: coldstart-identifier-nested (cold = a new instance)
 * and the original's two binary searches (cold = latency above a threshold), each run end to end
 * the way `fb run --quick` runs it, must recover the local platform's configured idle timeout
 * within its final granularity, for two different timeouts each. The timeouts sit between the
 * searches' grid points (≥ 75 ms of real time above the highest probe gap below them), so that
 * the few milliseconds a request adds to an instance's idle time cannot tip a probe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExperiment } from '../../lib/experiment/registry';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import type { RunRow } from '../../lib/results/types';
import {
  type HalvingSearchOptions,
  type IdleSearchState,
  nextHalvingSearch,
  nextSteppedSearch,
  type SteppedSearchOptions,
  type SteppedSearchState,
  startHalvingSearch,
  startSteppedSearch,
} from '../../lib/stats/idle-search';
import { runLocalControlPlane } from './run-local';

type Row = Record<string, unknown>;

let dataDir: string;
let store: ResultsStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fb-ground-truth-identity-'));
  store = await openResultsStore({ dataDir: join(dataDir, 'pglite') });
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `fb run <experiment> --quick --platform-option idle-timeout=…` on the local platform: the run, its rows, its summary. */
async function runQuick(experiment: string, idleTimeoutMs: number) {
  const { execution, runs } = await runLocalControlPlane({
    input: { experiment, platforms: ['local'], quick: true, platformOptions: { idleTimeoutMs } },
    store,
    workDir: join(dataDir, 'runs'),
    readinessPollMs: 20,
  });
  const run = runs[0] as RunRow;
  if (!run) throw new Error(`no run stored: ${JSON.stringify(execution)}`);
  expect(run.status, run.reason ?? '').toBe('completed');
  const tables = await store.experimentRows(run.id);
  return { run, tables, summary: await store.summarize(run.id) };
}

/** The final row: there is exactly one, it is the last, and it lies within its granularity above the configured timeout. */
function expectFinalWithinGranularity(probes: Row[], idleTimeoutMs: number, timeScale: number, run: RunRow): Row {
  const finals = probes.filter((row) => row.final === true);
  expect(finals).toHaveLength(1);
  const final = finals[0] as Row;
  expect(probes[probes.length - 1]).toBe(final);
  const foundMs = (final.gap_s as number) * 1000 * timeScale;
  const granularityMs = (final.granularity_s as number) * 1000 * timeScale;
  expect(foundMs).toBeGreaterThanOrEqual(idleTimeoutMs);
  expect(foundMs).toBeLessThan(idleTimeoutMs + granularityMs);
  expect(run.result).toMatchObject({ metric: 'idle_timeout', value: final.gap_s, unit: 's', granularity: final.granularity_s });
  expect(run.manifest).toMatchObject({ time_scale: timeScale, platform_settings: { idleTimeoutMs } });
  // The summary counts the probes and where the two cold-start signals disagreed.
  expect(final.probes).toBe(probes.length);
  expect(final.disagreements).toBe(probes.filter((row) => row.methods_disagree === true).length);
  expect(run.result?.sentence).toContain(`on ${final.disagreements} of ${probes.length} probes`);
  return final;
}

/** The probes a search makes against a platform whose idle timeout is `timeoutSeconds`: [phase, gap]. */
function expectedProbes<State extends IdleSearchState>(start: State, next: (state: State, cold: boolean) => State, timeoutSeconds: number, label = (state: State) => state.phase as string) {
  const probes: [string, number][] = [];
  for (let state = start; state.phase !== 'done'; ) {
    probes.push([label(state), state.gapSeconds]);
    state = next(state, state.gapSeconds >= timeoutSeconds);
  }
  return probes;
}

describe('Ground truth on the local platform: idle-timeout searches', () => {
  // One value: coldstart-identifier's gap search is also proven in ground-truth.test.ts (at the
  // quick profile's timeout); here it finds another timeout through a nested call.
  it.each([780])('coldstart-identifier-nested finds an idle timeout of %i ms from changes of instance', async (idleTimeoutMs) => {
    const { timeScale } = findExperiment('coldstart-identifier-nested').quick;
    const { run, tables, summary } = await runQuick('coldstart-identifier-nested', idleTimeoutMs);
    const probes = tables.coldstart ?? [];
    const final = expectFinalWithinGranularity(probes, idleTimeoutMs, timeScale, run);
    expect(final).toMatchObject({ phase: 'final', new_instance: true, function_name: 'function3', via_function: 'function2', granularity_s: 20 });

    // Every decision matched the platform: the probes are exactly those of a search against the true timeout.
    const options = { stepsSeconds: run.params.stepsSeconds, confirmations: run.params.confirmations } as SteppedSearchOptions;
    const expected = expectedProbes<SteppedSearchState>(
      startSteppedSearch(options),
      (state, cold) => nextSteppedSearch(state, cold, options),
      idleTimeoutMs / 1000 / timeScale,
      (state) => (state.phase === 'search' ? `search-${state.stepIndex + 1}` : state.phase),
    );
    expect(probes.map((row) => [row.phase, row.gap_s])).toEqual(expected);

    // Identity and the functions' own flag agree on this platform, and the stored invocations say the same:
    // function3 started once for the first call and once per new-instance probe.
    expect(probes.filter((row) => row.new_instance !== row.cold)).toEqual([]);
    expect(final.disagreements).toBe(0);
    expect(summary.find((s) => s.function_name === 'function3')?.cold).toBe(1 + probes.filter((row) => row.new_instance === true).length);
    // Latency comes from function3's record: a new instance is slower than a warm one.
    const median = (rows: Row[]) => (rows.map((row) => row.latency_ms as number).sort((a, b) => a - b)[Math.floor(rows.length / 2)] as number);
    expect(median(probes.filter((row) => row.new_instance === true))).toBeGreaterThan(median(probes.filter((row) => row.new_instance === false)));
    expect(tables.coldstart_baseline?.[0]).toMatchObject({ first_cold: true, warm_calls: run.params.baselineCalls });
  }, 150_000);

  it.each([
    ['single-function-time-to-cold-start', 750, 'function2', 1],
    ['single-function-time-to-cold-start', 1020, 'function2', 1],
    // One value for the twelve-thread variant of the same binary search (experiments/_time-to-cold-start.ts).
    ['time-to-cold-start-twelve-threads', 1490, 'function1', 12],
  ])('%s finds an idle timeout of %i ms from latency above the threshold', async (experiment, idleTimeoutMs, functionName, threads) => {
    const { timeScale } = findExperiment(experiment).quick;
    const { run, tables, summary } = await runQuick(experiment, idleTimeoutMs);
    const probes = tables.coldstart ?? [];
    const final = expectFinalWithinGranularity(probes, idleTimeoutMs, timeScale, run);
    expect(final).toMatchObject({ phase: 'final', cold_by_threshold: true, function_name: functionName, threads });

    // The threshold is the original's rule over the stored baseline, and every probe was judged by it.
    const baselines = tables.coldstart_baseline ?? [];
    expect(baselines).toHaveLength(1);
    const baseline = baselines[0] as Row;
    expect(baseline).toMatchObject({ holds: true, threshold_factor: run.params.thresholdFactor, warm_calls: run.params.warmCalls, first_cold_calls: 1 });
    expect(baseline.threshold_ms).toBeCloseTo((baseline.first_latency_ms as number) * (baseline.threshold_factor as number), 6);
    expect(baseline.warm_mean_ms as number).toBeLessThan(baseline.threshold_ms as number);
    for (const row of probes) {
      expect(row).toMatchObject({ threshold_ms: baseline.threshold_ms, first_latency_ms: baseline.first_latency_ms, warm_mean_ms: baseline.warm_mean_ms });
      expect(row.cold_by_threshold).toBe((row.latency_ms as number) > (baseline.threshold_ms as number));
      expect(row.ok_calls).toBe(threads);
    }

    // Every decision matched the platform: the probes are exactly those of a search against the true timeout.
    const options = { ...run.params } as unknown as HalvingSearchOptions;
    const expected = expectedProbes(startHalvingSearch(options), (state, cold) => nextHalvingSearch(state, cold, options), idleTimeoutMs / 1000 / timeScale);
    expect(probes.map((row) => [row.phase, row.gap_s])).toEqual(expected);

    // The functions' own flag and their instances agree with the threshold here (a cold start is
    // `initDelayMs` slower), and the stored invocations count one cold start per cold probe plus the first.
    expect(probes.filter((row) => row.cold !== row.cold_by_threshold || row.new_instance !== row.cold_by_threshold)).toEqual([]);
    expect(summary.find((s) => s.function_name === functionName)?.cold).toBe(1 + probes.filter((row) => row.cold === true).length);
  }, 150_000);
});
