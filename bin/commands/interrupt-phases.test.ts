/**
 * Ctrl-C at each phase of a local `fb run` (bin/commands/interrupt.test.ts covers the agent's
 * phase, a second Ctrl-C and SIGKILL while the agent runs): before the run is stored, while its
 * platform is being provisioned, while its results are collected and while it is torn down. In
 * each the run ends `failed` (`RunAborted: the run was interrupted`), no process fb started is
 * left, no plan file either, and the next `fb runs` finds nothing abandoned. And SIGKILL while
 * provisioning: the next command fails the run, and nothing is left.
 *
 * Each phase is hit by waiting for its line on fb's stderr (`<experiment>: <status> after …`,
 * printed as the status is stored) and checked to be the phase the run was in when signalled: the
 * next phase's line had not been printed yet.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../lib/results/types';
import { FB, fbEnv, runFb } from '../../test-support/cli';
import { stillRunning, watchTree } from '../../test-support/process-tree';

const dirs: string[] = [];
const started: ChildProcess[] = [];
afterAll(() => {
  // Only a failed case leaves its fb running; it would write into the folder being removed.
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** Generous: on a busy machine a quick run takes many times its 3 to 10 s. */
const PHASE_WAIT_MS = 240_000;
const CASE_TIMEOUT_MS = 300_000;

/** fb in its own scratch working directory. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fb-interrupt-phase-'));
  dirs.push(dir);
  return dir;
}

const INTERRUPTED = /^RunAborted: the run was interrupted$/;

interface RunningFb {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
  /** Resolves with stderr once `pattern` is in it; rejects after `withinMs` or when fb exits first. */
  waitFor(pattern: RegExp, withinMs?: number): Promise<string>;
  /** Every process seen below fb so far; stops watching. */
  tree(): number[];
}

/** `fb run linear-invocation --quick` with `args`, watched: its stderr and its process tree. */
function startRun(cwd: string, args: readonly string[] = []): RunningFb {
  const child = spawn(process.execPath, [FB, 'run', 'linear-invocation', '--quick', ...args], { cwd, env: fbEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stderr = '';
  // Checked as each chunk arrives: the phases hit last a few hundred ms, the signal must not lag.
  const waiting = new Set<() => void>();
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const check of waiting) check();
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const watch = watchTree(child.pid as number);
  let done = false;
  void exited.then(() => {
    done = true;
    watch.stop();
    for (const check of waiting) check();
  });
  return {
    child,
    exited,
    stderr: () => stderr,
    waitFor: (pattern, withinMs = PHASE_WAIT_MS) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => check(true), withinMs);
        const check = (timedOut = false) => {
          if (!pattern.test(stderr) && !done && !timedOut) return;
          waiting.delete(check);
          clearTimeout(timer);
          if (pattern.test(stderr)) resolve(stderr);
          else reject(new Error(`fb did not print ${pattern} (${done ? 'it exited' : `within ${withinMs} ms`}):\n${stderr}`));
        };
        waiting.add(check);
        check();
      }),
    tree: () => watch.stop(),
  };
}

/** The status line `fb run` prints when the run enters `status`. */
const entered = (status: string) => new RegExp(`^linear-invocation: ${status} after`, 'm');

/** The next fb command, `fb runs --json` (it fails abandoned runs first): what it said on stderr, and the one run it lists. */
async function nextRuns(cwd: string): Promise<{ stderr: string; run: RunRow }> {
  const listed = await runFb(cwd, ['runs', '--json']);
  expect(listed.code).toBe(0);
  const runs = JSON.parse(listed.stdout) as RunRow[];
  expect(runs).toHaveLength(1);
  return { stderr: listed.stderr, run: runs[0] as RunRow };
}

const planFiles = (cwd: string) => {
  const dir = join(cwd, '.fb', 'runs');
  return existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.plan.json')) : [];
};

/**
 * After fb exited: none of its processes running, no plan file, and the next fb command finds
 * nothing abandoned; resolves with the run as it lists it.
 */
async function leftClean(cwd: string, run: RunningFb): Promise<RunRow> {
  expect(await stillRunning(run.tree(), 10_000)).toEqual([]);
  expect(planFiles(cwd)).toEqual([]);
  const next = await nextRuns(cwd);
  expect(next.stderr).not.toMatch(/abandoned/);
  return next.run;
}

const statuses = (run: RunRow) => run.status_history.map((change) => change.status);

describe.concurrent('CLI: Ctrl-C at each phase of fb run', () => {
  it('as the execution starts, before the run is stored: it is stored, provisions nothing, starts no agent, and ends failed (interrupted)', async () => {
    const cwd = scratch();
    const run = startRun(cwd);
    const atSignal = await run.waitFor(/^linear-invocation: starting a RunExperiment execution/m);
    run.child.kill('SIGINT');
    expect(atSignal).not.toMatch(entered('starting')); // no run stored yet
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('interrupted: stopping the run and tearing it down');
    const stored = await leftClean(cwd, run);
    expect(stored).toMatchObject({ status: 'failed', reason: expect.stringMatching(INTERRUPTED) });
    expect(statuses(stored)).toEqual(expect.arrayContaining(['starting', 'destroying']));
    expect(statuses(stored)).not.toContain('provisioning');
  }, CASE_TIMEOUT_MS);

  it('while provisioning: the platform made is torn down, no agent starts, the run ends failed (interrupted)', async () => {
    const cwd = scratch();
    const run = startRun(cwd);
    const atSignal = await run.waitFor(entered('provisioning'));
    run.child.kill('SIGINT');
    expect(atSignal).not.toMatch(entered('running'));
    expect(await run.exited).toBe(1);
    const stored = await leftClean(cwd, run);
    expect(stored).toMatchObject({ status: 'failed', reason: expect.stringMatching(INTERRUPTED) });
    expect(statuses(stored)).toEqual(expect.arrayContaining(['provisioning', 'destroying']));
    expect(statuses(stored)).not.toContain('running');
  }, CASE_TIMEOUT_MS);

  it('while collecting: the results are still stored, then the run is torn down and ends failed (interrupted)', async () => {
    const cwd = scratch();
    // 2000 rows: their import takes a few hundred ms, a window the signal can hit.
    const run = startRun(cwd, ['--param', 'callsPerFunction=500']);
    const atSignal = await run.waitFor(entered('collecting'));
    run.child.kill('SIGINT');
    expect(atSignal).not.toMatch(entered('destroying'));
    expect(await run.exited).toBe(1);
    const stored = await leftClean(cwd, run);
    expect(stored).toMatchObject({ status: 'failed', reason: expect.stringMatching(INTERRUPTED) });
    expect(statuses(stored)).toEqual(expect.arrayContaining(['running', 'collecting', 'destroying']));
    expect(stored.invocation_count).toBe(4 * 500);
  }, CASE_TIMEOUT_MS);

  it('while tearing down: the teardown finishes and the run ends failed (interrupted), its rows kept', async () => {
    const cwd = scratch();
    const run = startRun(cwd);
    const atSignal = await run.waitFor(entered('destroying'));
    run.child.kill('SIGINT');
    expect(atSignal).not.toMatch(entered('(completed|failed)'));
    expect(await run.exited).toBe(1);
    const stored = await leftClean(cwd, run);
    expect(stored).toMatchObject({ status: 'failed', reason: expect.stringMatching(INTERRUPTED) });
    expect(stored.invocation_count).toBe(4 * 25); // the quick profile's calls
  }, CASE_TIMEOUT_MS);

  it('SIGKILL while provisioning: nothing fb started is left, and the next command fails the run as abandoned', async () => {
    const cwd = scratch();
    const run = startRun(cwd);
    const atSignal = await run.waitFor(entered('provisioning'));
    run.child.kill('SIGKILL');
    expect(atSignal).not.toMatch(entered('running'));
    await run.exited;
    expect(await stillRunning(run.tree(), 15_000)).toEqual([]);
    const next = await nextRuns(cwd);
    expect(next.stderr).toMatch(/was abandoned \(its fb process is gone\): marked failed, its plan removed/);
    expect(next.run).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^abandoned: process \d+ on .* is gone$/) });
    expect(planFiles(cwd)).toEqual([]);
    // Found once: the command after that has nothing left to clean up.
    expect((await nextRuns(cwd)).stderr).not.toMatch(/abandoned/);
  }, CASE_TIMEOUT_MS);
});
