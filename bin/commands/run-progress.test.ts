/**
 * `fb run`'s progress around a real local control-plane run (local platform, agent child
 * process), drawn on a fake terminal: the bar with its ETA redrawn in place, each phase the step
 * code records and each agent line printed once above it, the calls read from the agent's results
 * file, and a final line that says the run is done. The plain (non-terminal) rendering of the same
 * view is tested in lib/suite/progress-display.test.ts and in `fb run`'s CLI test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveParams } from '../../lib/experiment/params';
import { findExperiment } from '../../lib/experiment/registry';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import { expectedRunOf } from '../../lib/suite/expected-run';
import { runLocalControlPlane } from '../../local/control-plane/run-local';
import { withRunProgress } from './run-progress';

const ESC = '\x1b';
/** A redraw's prefix: cursor up n lines, erase to the end of the screen. */
const REDRAW = new RegExp(`${ESC}\\[\\d+F${ESC}\\[0J`, 'g');
let workDir: string;
let store: ResultsStore;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'fb-run-progress-'));
  store = await openResultsStore();
});

afterAll(async () => {
  await store?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('withRunProgress around a local run', () => {
  it('draws a bar with an ETA on a terminal, phases and agent lines above it, and counts the calls', async () => {
    const writes: string[] = [];
    const terminal = { isTTY: true, columns: 140, write: (text: string) => writes.push(text) };
    const experiment = findExperiment('linear-invocation');
    const overrides = { callsPerFunction: 40, functions: ['function1', 'function2'] };
    const expected = await expectedRunOf({ experiment, params: resolveParams(experiment, { quick: true, overrides }), quick: true, platform: 'local' });
    expect(expected.expectedMs).toBe(15_000);

    const outcome = await withRunProgress({ experiment: experiment.name, platforms: [{ platform: 'local', expected }], store, workDir }, { stream: terminal, redrawIntervalMs: 50, callsPollMs: 50 }, (hooks) =>
      runLocalControlPlane({
        input: { experiment: experiment.name, platforms: ['local'], params: overrides, quick: true },
        store: hooks.store,
        workDir,
        onAgentOutput: hooks.onAgentOutput,
        readinessPollMs: 20,
      }),
    );
    expect(outcome.execution.status).toBe('SUCCEEDED');
    const runId = outcome.runs[0]?.id as string;
    const screen = writes.join('');

    // Permanent lines: every phase in order, then the agent's lines, each once.
    const permanent = writes.map((write) => write.replace(REDRAW, '')).filter((write) => !write.startsWith('linear-invocation '));
    const phases = permanent.filter((line) => line.startsWith('linear-invocation: ')).map((line) => /^linear-invocation: (\w+) after /.exec(line)?.[1]);
    expect(phases).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
    expect(permanent.filter((line) => line === `  [${runId.slice(0, 8)}] function1: 40 calls, 1 cold, 0 not ok\n`)).toHaveLength(1);

    // The live line: redrawn in place (up one line, erase), with a bar, the phase and an ETA.
    const redraws = writes.filter((write) => write.startsWith(`${ESC}[1F${ESC}[0Jlinear-invocation `));
    expect(redraws.length).toBeGreaterThan(3);
    expect(screen).toMatch(/linear-invocation running {2}\[█*░+\] +\d+% {2}[\d.]+s elapsed · \d+ calls · ETA [\d.]+s\n/);
    // The calls are read from the agent's results file: all 80 by the end.
    expect(writes.at(-1)?.startsWith(`${ESC}[1F${ESC}[0J`)).toBe(true);
    expect(writes.at(-1)?.replace(REDRAW, '')).toMatch(/^linear-invocation completed {2}\[█+\] 100% {2}[\d.]+s elapsed · 80 calls · done\n$/);
    // Every line drawn fits the terminal.
    for (const line of screen.replace(REDRAW, '').split('\n')) expect(line.length).toBeLessThan(140);
  }, 120_000);
});
