/**
 * `fb run --all` end to end on this machine, over a small suite the test chooses (real
 * experiments with small parameters, one of them made to fail): real RunExperiment executions,
 * each with its own local platform and agent, sharing one results store. The store's own run
 * times are the judge of how many ran at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import type { RunRow } from '../../lib/results/types';
import { Command } from 'commander';
import { registerExperimentCommands } from './experiments';
import { runSuite, type SuiteIo } from './run-all';
import type { SuiteJob } from './suite-local';

let cwd: string;
let store: ResultsStore;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'fb-run-all-'));
  store = await openResultsStore({ dataDir: join(cwd, 'pglite') });
});

afterAll(async () => {
  await store?.close();
  rmSync(cwd, { recursive: true, force: true });
});

/** A stream that keeps what is written, as a pipe (not a terminal) would get it. */
function captured(): SuiteIo['stdout'] & { text: () => string } {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    isTTY: false,
    text: () => text,
  };
}

/** The most runs whose [started_at, ended_at] overlap at one moment. */
function mostAtOnce(runs: readonly RunRow[]): number {
  const edges = runs.flatMap((run) => [
    { at: Date.parse(run.started_at), step: 1 },
    { at: Date.parse(run.ended_at ?? run.started_at), step: -1 },
  ]);
  // At a tie an end comes first: a run that ended as another started did not overlap it.
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) {
    now += edge.step;
    most = Math.max(most, now);
  }
  return most;
}

const SMALL_SUITE: SuiteJob[] = [
  { experiment: 'linear-invocation', params: { callsPerFunction: 3, functions: ['function1', 'function2'] } },
  // Made to fail: its first search step (300 s) is already beyond the largest gap it may try.
  { experiment: 'coldstart-identifier', params: { baselineCalls: 2, maxGapSeconds: 1 } },
  { experiment: 'concurrency-benchmarking', params: { concurrency: [2, 3], repetitions: 1, gapsSeconds: [1] } },
];

describe('fb run --all (runSuite) on the local platform', () => {
  it('runs at most K at once, keeps going past a failed run, exits 1, and closes with every run’s status and result', async () => {
    const stdout = captured();
    const stderr = captured();
    const { outcomes, exitCode } = await runSuite(
      { jobs: SMALL_SUITE, platform: 'local', quick: true, parallel: 2, platformOptions: { local: {}, client: {} } },
      { stdout, stderr, env: {}, cwd, store, readinessPollMs: 20, callsPollMs: 200, plainIntervalMs: 2000 },
    );

    expect(exitCode).toBe(1);
    expect(outcomes.map((outcome) => [outcome.experiment, outcome.status])).toEqual([
      ['linear-invocation', 'completed'],
      ['coldstart-identifier', 'failed'],
      ['concurrency-benchmarking', 'completed'],
    ]);

    // Every run as stored: one per experiment, the failed one failed for the reason it was made to.
    const runs = (await store.listRuns({ limit: 100 })).filter((run) => outcomes.some((outcome) => outcome.runId === run.id));
    expect(runs).toHaveLength(3);
    const stored = (experiment: string) => runs.find((run) => run.experiment === experiment) as RunRow;
    expect(stored('coldstart-identifier')).toMatchObject({ status: 'failed', reason: expect.stringContaining('SearchLimitError') });
    expect(stored('linear-invocation').status).toBe('completed');
    expect(stored('concurrency-benchmarking').status).toBe('completed');

    // At most two at once, and two did run at once (the third waited for a slot).
    expect(mostAtOnce(runs)).toBe(2);
    const third = stored('concurrency-benchmarking');
    const firstEnd = Math.min(...[stored('linear-invocation'), stored('coldstart-identifier')].map((run) => Date.parse(run.ended_at ?? '')));
    expect(Date.parse(third.started_at)).toBeGreaterThanOrEqual(firstEnd);

    // The calls counted while running are the root-level calls stored (a failed run's rows are not
    // imported: its count is what its algorithm made, the first call and two baseline calls).
    for (const outcome of outcomes.filter((outcome) => outcome.status === 'completed')) {
      const roots = (await store.invocations(outcome.runId as string)).filter((row) => row.level === 0);
      expect({ experiment: outcome.experiment, calls: outcome.calls }).toEqual({ experiment: outcome.experiment, calls: roots.length });
    }
    expect(outcomes.map((outcome) => outcome.calls)).toEqual([6, 3, 5]);

    // The closing table: one line per experiment with its status, run, and stored result or reason.
    const table = stdout.text();
    for (const run of runs) {
      const line = table.split('\n').find((row) => row.startsWith(run.experiment)) ?? '';
      expect(line).toContain(run.status);
      expect(line).toContain(run.id.slice(0, 8));
      if (run.status === 'completed') expect(line).toContain(run.result?.sentence.slice(0, 40));
      else expect(line).toContain('SearchLimitError');
    }
    expect(table).toContain('2 of 3 runs completed: 1 failed (coldstart-identifier)');
    // Not a terminal: plain lines, no cursor movement; each run's start and end once.
    const progress = stderr.text();
    expect(progress).not.toContain('\x1b[');
    expect(progress.match(/^▸ /gm)).toHaveLength(3);
    expect(progress).toMatch(/^✗ coldstart-identifier failed after .*SearchLimitError/m);
    expect(progress).toMatch(/^3\/3 done \(1 failed\), 0 running · \d+ calls/m);
  }, 90_000);

  it('on interrupt starts no more runs and aborts the running one, which tears down', async () => {
    const controller = new AbortController();
    const jobs: SuiteJob[] = [
      // Long enough to be interrupted while its agent runs.
      { experiment: 'linear-invocation', params: { callsPerFunction: 20_000, functions: ['function1'] } },
      { experiment: 'concurrency-benchmarking', params: { concurrency: [2], repetitions: 1, gapsSeconds: [1] } },
    ];
    const stdout = captured();
    const stderr = captured();
    const suite = runSuite(
      { jobs, platform: 'local', quick: true, parallel: 1, platformOptions: { local: {}, client: {} } },
      { stdout, stderr, env: {}, cwd, store, readinessPollMs: 20, callsPollMs: 100, signal: controller.signal },
    );
    // Interrupt once the first run's agent is calling.
    const deadline = Date.now() + 60_000;
    let running: RunRow | undefined;
    while (!running && Date.now() < deadline) {
      running = (await store.listRuns({ running: true })).find((run) => run.experiment === 'linear-invocation' && run.status === 'running');
      if (!running) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(running).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort();
    const { outcomes, exitCode } = await suite;

    expect(exitCode).toBe(1);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'not started']);
    expect(outcomes[0]?.reason).toMatch(/RunAborted|interrupted/);
    const aborted = await store.getRun(running?.id as string);
    expect(aborted?.status).toBe('failed');
    // It tore down as after any failure, and kept what it had collected.
    expect(aborted?.status_history.map((change) => change.status)).toEqual(expect.arrayContaining(['running', 'destroying', 'failed']));
    expect((await store.listRuns({ limit: 100 })).filter((run) => run.experiment === 'concurrency-benchmarking' && Date.parse(run.started_at) > Date.parse(aborted?.started_at ?? ''))).toEqual([]);
    expect(stdout.text()).toMatch(/concurrency-benchmarking\s+not started/);
    expect(stdout.text()).toContain('0 of 2 runs completed: 1 failed (linear-invocation), 1 not started');
    // The display's last word agrees: nothing waits any more.
    expect(stderr.text()).toMatch(/^1\/2 done \(1 failed\), 0 running, 1 not started · /m);
  }, 90_000);
});

describe('CLI: fb run --all, --parallel', () => {
  /** `fb …` through the CLI's own commands, in this process: resolves with the error it ends with. */
  const fbError = async (args: string[]): Promise<string> => {
    const program = new Command('fb');
    registerExperimentCommands(program);
    for (const command of [program, ...program.commands]) command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    try {
      await program.parseAsync(['node', 'fb', ...args]);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    return 'no error';
  };

  it.each([
    [['run', '--all', 'linear-invocation'], '--all runs every experiment'],
    [['run'], 'name an experiment to run'],
    [['run', '--all', '--parallel', '0'], "option '--parallel <k>' argument '0' is invalid. must be a positive integer"],
    [['run', '--all', '--param', 'calls=3'], 'not with --all'],
    [['run', '--all', '--platform-option', 'client-vm-size=Standard_D4_v3'], 'client sizes apply to the cloud platforms'],
    [['run', '--all', '--platform', 'aws-lambda'], 'no deployment configured for aws-lambda'],
    [['run', '--all', '--platform', 'aws-lambda', '--platform-option', 'client-instance-type=m5 xlarge'], '--platform-option client-instance-type: "m5 xlarge" is not a size'],
  ])('refuses %j before anything runs', async (args, message) => {
    const before = (await store.listRuns({ limit: 1000 })).length;
    const saved = process.env.FB_STATE_MACHINE_ARN;
    delete process.env.FB_STATE_MACHINE_ARN;
    try {
      expect(await fbError(args)).toContain(message);
    } finally {
      if (saved !== undefined) process.env.FB_STATE_MACHINE_ARN = saved;
    }
    expect((await store.listRuns({ limit: 1000 })).length).toBe(before);
  });
});
