/**
 * Interrupting `fb run` on the embedded default, as a user does: Ctrl-C once (the run stops, is
 * torn down and ends failed), Ctrl-C twice and SIGKILL (fb dies at once; its agent and its
 * platform's instances stop by themselves, and the next fb command marks the run failed, removes
 * its plan with the callback secret, and keeps the rows the agent had written). Each case checks
 * that none of fb's processes is left, from the process tree taken while the run was running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../lib/results/types';
import { FB, fbEnv, runFb } from '../../test-support/cli';
import { descendants, stillRunning } from '../../test-support/process-tree';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});


/** fb in its own scratch working directory. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fb-interrupt-'));
  dirs.push(dir);
  return dir;
}

const fb = (cwd: string, args: string[]) => runFb(cwd, args);

/** A long local run (far longer than any test waits), started; resolves once its agent is calling. */
async function longRun(cwd: string): Promise<{ child: ChildProcess; exited: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [FB, 'run', 'linear-invocation', '--quick', '--param', 'callsPerFunction=1000000'], { cwd, env: fbEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const deadline = Date.now() + 90_000;
  // Running, and the agent has written rows (its results file is flushed about once a second).
  while (!/^linear-invocation: running after/m.test(stderr) || !hasRows(cwd)) {
    if (Date.now() > deadline) throw new Error(`the run did not start calling within 90 s:\n${stderr}`);
    await sleep(200);
  }
  return { child, exited, stderr: () => stderr };
}

function hasRows(cwd: string): boolean {
  const dir = join(cwd, '.fb', 'runs');
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((file) => file.endsWith('.results.ndjson') && readFileSync(join(dir, file), 'utf8').split('\n').length > 3);
}

async function onlyRun(cwd: string): Promise<RunRow> {
  const listed = await fb(cwd, ['runs', '--json']);
  const runs = JSON.parse(listed.stdout) as RunRow[];
  expect(runs).toHaveLength(1);
  return runs[0] as RunRow;
}

async function storedRows(cwd: string, runId: string): Promise<number> {
  const shown = await fb(cwd, ['show', runId, '--json']);
  return (JSON.parse(shown.stdout) as { summary: { invocations: number } }).summary.invocations;
}

// The three cases in parallel, each in its own working directory: a run takes a while to get going.
describe.concurrent('CLI: interrupting fb run', () => {
  it('Ctrl-C once stops the run, tears it down and ends it failed (interrupted), keeping its rows; nothing is left', async () => {
    const cwd = scratch();
    const run = await longRun(cwd);
    const tree = descendants(run.child.pid as number);
    expect(tree.length).toBeGreaterThanOrEqual(2); // the agent and the platform's instances
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.stderr()).toContain('interrupted: stopping the run and tearing it down');
    expect(await stillRunning(tree, 10_000)).toEqual([]);
    const stored = await onlyRun(cwd);
    expect(stored).toMatchObject({ status: 'failed', reason: expect.stringMatching(/interrupted/) });
    expect(stored.status_history.map((change) => change.status)).toContain('destroying');
    expect(existsSync(join(cwd, '.fb', 'runs', `${stored.id}.plan.json`))).toBe(false);
    expect(await storedRows(cwd, stored.id)).toBeGreaterThan(0);
  }, 180_000);

  it('Ctrl-C twice quits at once (exit 130); its agent and instances stop with it; the run ends failed, its plan removed, its rows kept', async () => {
    const cwd = scratch();
    const run = await longRun(cwd);
    const tree = descendants(run.child.pid as number);
    expect(tree.length).toBeGreaterThanOrEqual(2);
    run.child.kill('SIGINT');
    setTimeout(() => run.child.kill('SIGINT'), 50);
    expect(await run.exited).toBe(130);
    expect(await stillRunning(tree, 15_000)).toEqual([]);
    await fb(cwd, ['runs']);
    const stored = await onlyRun(cwd);
    // Interrupted, if the teardown won the race with the second Ctrl-C; abandoned (found by `fb runs`) otherwise.
    expect(stored).toMatchObject({ status: 'failed', reason: expect.stringMatching(/interrupted|^abandoned: process \d+ on .* is gone$/) });
    expect(stored.manifest.partial_results).toBeDefined();
    expect(readdirSync(join(cwd, '.fb', 'runs')).filter((file) => file.endsWith('.plan.json'))).toEqual([]);
    expect(await storedRows(cwd, stored.id)).toBeGreaterThan(0);
  }, 180_000);

  it('SIGKILL kills fb at once; its agent and instances stop with it, and the next command fails the run, removes its plan and keeps its rows', async () => {
    const cwd = scratch();
    const run = await longRun(cwd);
    const tree = descendants(run.child.pid as number);
    expect(tree.length).toBeGreaterThanOrEqual(2);
    const planFiles = () => readdirSync(join(cwd, '.fb', 'runs')).filter((file) => file.endsWith('.plan.json'));
    expect(planFiles()).toHaveLength(1);
    run.child.kill('SIGKILL');
    await run.exited;
    // The agent exits within 5 s of losing its lifeline, the instances at once.
    expect(await stillRunning(tree, 15_000)).toEqual([]);
    const listed = await fb(cwd, ['runs']);
    expect(listed.stderr).toMatch(/was abandoned \(its fb process is gone\): marked failed, its plan removed, the rows its agent wrote kept/);
    const stored = await onlyRun(cwd);
    expect(stored).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^abandoned: process \d+ on .* is gone$/) });
    expect(stored.manifest.partial_results).toMatchObject({ abandoned: true });
    expect(planFiles()).toEqual([]);
    expect(await storedRows(cwd, stored.id)).toBeGreaterThan(0);
  }, 180_000);
});
