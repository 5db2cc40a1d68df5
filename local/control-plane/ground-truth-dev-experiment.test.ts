/**
 * Ground truth for dev-experiment: run as `fb run dev-experiment --quick` runs it (the state
 * machine on the local interpreter, a local platform with real instances, the agent as a child
 * process, the real store), every Benchmarker feature passes its check on a platform whose
 * settings the test chooses — a function clock 250 ms ahead, 8 instances per function — and the
 * store agrees with what the checks saw. On a platform that refuses nothing, the run that
 * requires throttling fails, naming that check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import { runLocalControlPlane } from './run-local';

let dataDir: string;
let store: ResultsStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fb-ground-truth-dev-'));
  store = await openResultsStore({ dataDir: join(dataDir, 'pglite') });
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function runDevExperiment(platformOptions: Record<string, unknown>) {
  const lines: string[] = [];
  const { runs } = await runLocalControlPlane({
    input: { experiment: 'dev-experiment', platforms: ['local'], quick: true, platformOptions },
    store,
    workDir: join(dataDir, 'runs'),
    readinessPollMs: 20,
    onAgentOutput: (_runId, line) => lines.push(line),
  });
  const run = runs[0];
  if (!run) throw new Error('no run stored');
  return { run, lines };
}

describe('Ground truth: dev-experiment', () => {
  it('checks all 12 features on the local platform, and the store holds what the checks saw', async () => {
    const maxInstances = 8;
    const clockSkewMs = 250;
    const { run, lines } = await runDevExperiment({ maxInstances, clockSkewMs });
    expect({ status: run.status, reason: run.reason }).toEqual({ status: 'completed', reason: null });
    expect(run.result).toMatchObject({ metric: 'features_checked', value: 12, unit: 'features' });

    const rows = await store.experimentRows(run.id);
    const checks = rows.dev_checks ?? [];
    expect(checks.map((row) => row.outcome)).toEqual(Array(12).fill('ok'));
    // record: the row reached the store; log: the line reached the agent's output.
    expect(rows.dev_record_check).toEqual([expect.objectContaining({ note: 'a row of the record check' })]);
    expect(lines).toContain('dev-experiment log check: {"feature":"log","parts":2}');

    // throttled: the platform refused at least the calls beyond its instances, and the store has
    // exactly the throttled answers the check counted, each a 429 without records.
    const counted = /^(\d+) of 12 concurrent calls throttled/.exec(String(checks.find((row) => row.feature === 'throttled')?.detail));
    const throttledRows = (await store.invocations(run.id)).filter((row) => row.status === 'throttled');
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(12 - maxInstances);
    expect(throttledRows).toHaveLength(Number(counted?.[1]));
    expect(throttledRows.every((row) => row.function_name === 'function3' && row.http_status === 429)).toBe(true);

    // clockOffset: the estimate found the skew the platform was given, within its own bound.
    const clock = run.manifest.clock as { offset_ms: number; error_ms: number };
    expect(Math.abs(clock.offset_ms - clockSkewMs)).toBeLessThanOrEqual(clock.error_ms + 1);
    // forceCold: counted by the Benchmarker, never contradicted.
    expect(run.manifest.forced_cold).toEqual({ forced: 1, mismatches: 0 });
  }, 90_000);

  it('fails the run, naming the throttle check, when the platform refuses no call', async () => {
    const { run } = await runDevExperiment({ maxInstances: 1000 });
    expect(run.status).toBe('failed');
    expect(run.reason).toContain('DevCheckFailedError: 1 of 12 features misbehaved: throttled (none of 12 concurrent calls to function3 was throttled, though the run required it)');
  }, 90_000);
});
