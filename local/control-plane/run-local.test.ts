import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE_FILE } from '../../lib/agent/bundle';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import { isAlive } from '../../test-support/platform';
import { runPrefixOf } from '../../lib/platforms/run-resources';
import { startLocalPlatform } from '../platform/start';
import { runLocalControlPlane } from './run-local';

let workDir: string;
let store: ResultsStore;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'fb-control-plane-'));
  store = await openResultsStore({ dataDir: join(workDir, 'pglite') });
});

afterAll(async () => {
  await store?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** This process's children that are agents or function instances (the ones a run may leave behind). */
function runChildren(pattern = /agent\.js|dist\/functions/): number[] {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && Number(match[2]) === process.pid && pattern.test(match[3] ?? ''))
    .map((match) => Number(match[1]));
}

describe('RunExperiment through the local state machine', () => {
  it('runs linear-invocation end to end with every status transition, imports the results, and leaves no process', async () => {
    const lines: string[] = [];
    const { execution, runs } = await runLocalControlPlane({
      input: { experiment: 'linear-invocation', platforms: ['local'], params: { callsPerFunction: 3 }, quick: true },
      store,
      workDir,
      onAgentOutput: (_runId, line) => lines.push(line),
      readinessPollMs: 20,
    });
    expect(execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run?.status_history.map((change) => change.status)).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
    expect(run?.execution_id).toMatch(/^arn:aws:states:local:/);
    const invocations = await store.invocations(run?.id as string);
    expect(invocations).toHaveLength(12);
    expect(run?.invocation_count).toBe(12);
    expect(lines.some((line) => line.includes('function1: 3 calls'))).toBe(true);
    expect(runChildren().filter(isAlive)).toEqual([]);
    // The results file stays (raw data); the plan with the callback secret does not.
    expect(existsSync(join(workDir, `${run?.id}.results.ndjson`))).toBe(true);
    expect(existsSync(join(workDir, `${run?.id}.plan.json`))).toBe(false);
  }, 120_000);

  it('runs the agent bundle client machines download (one file, plain node) just as well', async () => {
    const lines: string[] = [];
    const { execution, runs } = await runLocalControlPlane({
      input: { experiment: 'linear-invocation', platforms: ['local'], params: { callsPerFunction: 2 }, quick: true },
      store,
      workDir,
      readinessPollMs: 20,
      agentEntry: AGENT_BUNDLE_FILE,
      onAgentOutput: (_runId, line) => lines.push(line),
    });
    expect(execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(await store.invocations(runs[0]?.id as string)).toHaveLength(8);
    expect(lines.some((line) => line.includes('function1: 2 calls'))).toBe(true);
  }, 120_000);

  it('a failing agent still tears down, and the run ends failed with the agent’s reason', async () => {
    const { execution, runs } = await runLocalControlPlane({
      input: { experiment: 'coldstart-identifier', platforms: ['local'], params: { maxGapSeconds: 1, baselineCalls: 2 }, quick: true },
      store,
      workDir,
      readinessPollMs: 20,
    });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RunFailed' });
    const run = runs[0];
    expect(run?.status).toBe('failed');
    expect(run?.reason).toMatch(/AgentFailedError: SearchLimitError: idle gap 300 s exceeds maxGapSeconds 1 s/);
    expect(run?.status_history.map((change) => change.status)).toEqual(['starting', 'provisioning', 'running', 'destroying', 'failed']);
    // The calls made before the failure are kept (the baseline's 1 + 2 and the first probe), and the manifest says they are partial.
    const stored = await store.invocations(run?.id as string);
    expect(stored.length).toBeGreaterThanOrEqual(3);
    expect(run?.manifest.partial_results).toEqual({ invocations: stored.length, experiment_rows: expect.any(Number) });
  }, 120_000);

  it('an agent that stops sending heartbeats (frozen with SIGSTOP) times out; Teardown kills it and nothing is left', async () => {
    let frozen: number[] = [];
    const { execution, runs } = await runLocalControlPlane({
      input: { experiment: 'coldstart-identifier', platforms: ['local'], params: { baselineCalls: 2 }, quick: true },
      store,
      workDir,
      readinessPollMs: 20,
      // Long enough for a loaded machine to start the agent (tsx), which sends a heartbeat as it starts.
      heartbeatTimeoutMs: 8000,
      onAgentOutput: () => {
        if (frozen.length) return;
        frozen = runChildren(/agent\.js/).filter((pid) => isAlive(pid));
        for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      },
    });
    expect(frozen.length).toBeGreaterThan(0);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RunFailed' });
    expect(runs[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('States.HeartbeatTimeout') });
    expect(runs[0]?.status_history.map((change) => change.status)).toEqual(['starting', 'provisioning', 'running', 'destroying', 'failed']);
    expect(frozen.filter(isAlive)).toEqual([]);
    expect(runChildren().filter(isAlive)).toEqual([]);
  }, 120_000);

  it('provisioning that fails still tears down and ends the run failed with the reason', async () => {
    const { execution, runs } = await runLocalControlPlane({
      input: { experiment: 'linear-invocation', platforms: ['local'], params: { callsPerFunction: 1 }, quick: true, platformOptions: { maxInstances: 0 } },
      store,
      workDir,
      readinessPollMs: 20,
    });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RunFailed' });
    expect(runs[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('InvalidPlatformOptionsError: maxInstances') });
    expect(runs[0]?.status_history.map((change) => change.status)).toEqual(['starting', 'provisioning', 'destroying', 'failed']);
    expect(runChildren().filter(isAlive)).toEqual([]);
  }, 60_000);

  it('refuses a second concurrent run of the same experiment on the same platform', async () => {
    const input = { experiment: 'linear-invocation', platforms: ['local'], params: { callsPerFunction: 2 }, quick: true };
    const [first, second] = await Promise.all([
      runLocalControlPlane({ input, store, workDir, readinessPollMs: 20 }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => runLocalControlPlane({ input, store, workDir, readinessPollMs: 20 })),
    ]);
    const outcomes = [first.execution, second.execution];
    expect(outcomes.filter((execution) => execution.status === 'SUCCEEDED')).toHaveLength(1);
    expect(outcomes.find((execution) => execution.status === 'FAILED')).toMatchObject({ error: 'ExperimentAlreadyRunningError' });
  }, 120_000);

  it('deploys per-run functions to an OpenFaaS gateway, runs against them, and removes them', async () => {
    // The local platform speaks the OpenFaaS gateway API: here it stands in for a gateway in a cluster.
    const gateway = await startLocalPlatform({ port: 0, deployLabFunctions: false });
    try {
      const { execution, runs } = await runLocalControlPlane({
        input: { experiment: 'linear-invocation', platforms: ['openfaas'], params: { callsPerFunction: 2 }, quick: true },
        store,
        workDir,
        readinessPollMs: 20,
        openfaas: { gatewayUrl: gateway.url, basicAuth: gateway.credentials },
      });
      expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      const run = runs[0];
      expect(run).toMatchObject({ platform: 'openfaas', status: 'completed' });
      const invocations = await store.invocations(run?.id as string);
      expect(invocations.map((row) => row.function_name).sort()).toEqual(['function1', 'function1', 'function2', 'function2', 'function3', 'function3', 'monolith', 'monolith']);
      const events = gateway.platform.events.since(0);
      const prefix = runPrefixOf(run?.id as string);
      expect(events.filter((event) => event.type === 'function-deployed').map((event) => event.function).sort()).toEqual(['function1', 'function2', 'function3', 'monolith'].map((name) => `${prefix}${name}`));
      expect(events.filter((event) => event.type === 'function-removed')).toHaveLength(4);
      expect(gateway.platform.list()).toEqual([]);
    } finally {
      await gateway.stop();
    }
  }, 120_000);

  it('refuses a platform this control plane cannot provision', async () => {
    const { execution, runs } = await runLocalControlPlane({ input: { experiment: 'linear-invocation', platforms: ['openfaas'] }, store, workDir });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(runs).toEqual([]);
  }, 60_000);

  it('an unknown experiment fails validation before anything is written', async () => {
    const before = (await store.listRuns()).length;
    const { execution, runs } = await runLocalControlPlane({ input: { experiment: 'no-such', platforms: ['local'] }, store, workDir });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(runs).toEqual([]);
    expect((await store.listRuns()).length).toBe(before);
  }, 60_000);
});
