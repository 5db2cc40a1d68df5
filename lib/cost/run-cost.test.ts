import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteExecutor } from '../results/pglite-executor';
import { SqlResultsStore } from '../results/sql-store';
import { invocationRow, newRun, newRunId } from '../results/store.contract';
import type { RunStatus } from '../results/types';
import { estimateRunCost, runFactsOf } from './run-cost';
import { readinessWaitSeconds } from './state-transitions';

const T0 = Date.parse('2026-12-05T10:00:00.000Z');
let clockMs = T0;
let store: SqlResultsStore;

beforeAll(async () => {
  store = new SqlResultsStore(await PgliteExecutor.open(), { now: () => new Date(clockMs) });
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
});

/** A stored run whose statuses changed at these offsets from T0 (s), with these invocations. */
async function storedRun(platform: string, statuses: [RunStatus, number][], rows: Parameters<typeof invocationRow>[2][]): Promise<string> {
  const id = newRunId('cost');
  clockMs = T0;
  await store.createRun(newRun(id, { platform }));
  for (const [status, atSeconds] of statuses) {
    clockMs = T0 + atSeconds * 1000;
    await store.setRunStatus(id, status);
  }
  await store.insertInvocations(rows.map((row, seq) => invocationRow(id, seq, row)));
  return id;
}

const WAIT_S = readinessWaitSeconds('functions');

describe('Function: runFactsOf', () => {
  it('reads the client time from its creation, the agent time and readiness polls from the status history, durations rounded as Lambda bills', async () => {
    // Provisioning at 10 s, client created at 100 s, agent from 400 s to 3 400 s, run ends at 3 600 s.
    const runId = await storedRun('aws-lambda', [['provisioning', 10], ['running', 400], ['collecting', 3400], ['destroying', 3500]], [
      { execution_start: 0, execution_end: 10.2, memory_mb: 1024, cold: true, http_status: 200 },
      { execution_start: 0, execution_end: 3, memory_mb: 1024, cold: false, http_status: 200 },
    ]);
    const facts = await runFactsOf(store, {
      runId,
      platform: 'aws-lambda',
      platformOptions: { clientVmSize: 'Standard_D4s_v5' },
      client: { kind: 'azure-vm', createdAt: new Date(T0 + 100_000).toISOString(), ready: true },
      agent: { resultsLocation: 's3://b/k', invocations: 2, experimentRows: 5 },
      controlPlane: 'deployed',
      heartbeatIntervalMs: 60_000,
      now: new Date(T0 + 3_600_000),
    });
    expect(facts).toMatchObject({
      platform: 'aws-lambda',
      controlPlane: 'deployed',
      client: { kind: 'azure-vm', size: 'Standard_D4s_v5', seconds: 3500 },
      agentSeconds: 3000,
      readinessPolls: { functions: Math.ceil(90 / WAIT_S), client: Math.ceil(300 / WAIT_S) },
      resultRows: 7,
    });
    expect(facts.invocations).toEqual([{ function_name: 'function1', memory_mb: 1024, root: true, invocations: 2, executed: 2, answered: 2, cold: 1, billed_ms: 11 + 3 }]);
  });

  it('prices the client ProvisionClient recorded in the manifest, over the run’s options and the experiment’s declaration', async () => {
    const runId = await storedRun('azure-functions', [['provisioning', 0]], []);
    await store.mergeRunManifest(runId, { client: { kind: 'ec2', instance_type: 'm5.xlarge', chosen_by: 'experiment' } });
    const facts = await runFactsOf(store, { runId, platform: 'azure-functions', platformOptions: {}, clientNeed: { ec2InstanceType: 'c5.xlarge' }, client: { kind: 'ec2', createdAt: new Date(T0).toISOString() }, agent: undefined, controlPlane: 'deployed', heartbeatIntervalMs: 60_000, now: new Date(T0 + 3_600_000) });
    expect(facts.client).toEqual({ kind: 'ec2', size: 'm5.xlarge', seconds: 3600 });
    const declared = await runFactsOf(store, { runId: await storedRun('azure-functions', [], []), platform: 'azure-functions', platformOptions: {}, clientNeed: { ec2InstanceType: 'c5.xlarge' }, client: { kind: 'ec2' }, agent: undefined, controlPlane: 'deployed', heartbeatIntervalMs: 60_000, now: new Date(T0) });
    expect(declared.client.size).toBe('c5.xlarge');
  });

  it('counts this machine for the whole run, and polls once when the history does not say', async () => {
    const runId = await storedRun('local', [], []);
    const facts = await runFactsOf(store, { runId, platform: 'local', platformOptions: {}, client: { kind: 'local-process', ready: true }, agent: undefined, controlPlane: 'local', heartbeatIntervalMs: 1000, now: new Date(T0 + 90_000) });
    expect(facts).toMatchObject({ client: { kind: 'local', size: null, seconds: 90 }, agentSeconds: 0, readinessPolls: { functions: 1, client: 1 }, resultRows: 0, invocations: [] });
  });
});

describe('Function: estimateRunCost', () => {
  it('prices an Azure Functions run at the 100 ms minimum, and a local run at 0 with a note', async () => {
    const runId = await storedRun('azure-functions', [['provisioning', 0], ['running', 600], ['collecting', 1200]], [{ execution_start: 0, execution_end: 20, memory_mb: 1536, http_status: 200 }]);
    const azure = await estimateRunCost(store, { runId, platform: 'azure-functions', platformOptions: {}, client: { kind: 'ec2', createdAt: new Date(T0 + 300_000).toISOString() }, agent: undefined, controlPlane: 'deployed', heartbeatIntervalMs: 60_000, now: new Date(T0 + 1_500_000) });
    expect(azure.items.find((item) => item.what === 'Azure Functions execution time')?.quantity).toBeCloseTo(0.1 * 1.5, 12);
    expect(azure.items.find((item) => item.what === 'client: EC2 c5.large')?.quantity).toBeCloseTo(1200 / 3600, 12);
    expect(azure).toMatchObject({ kind: 'actual', complete: true });
    expect(azure.usd).toBeGreaterThan(0);

    const localRun = await storedRun('local', [['provisioning', 0]], [{ execution_start: 0, execution_end: 5 }]);
    const local = await estimateRunCost(store, { runId: localRun, platform: 'local', platformOptions: {}, client: undefined, agent: undefined, controlPlane: 'local', heartbeatIntervalMs: 1000, now: new Date(T0 + 10_000) });
    expect(local).toMatchObject({ usd: 0, complete: true });
    expect(local.items.every((item) => item.usd === 0)).toBe(true);
    expect(local.notes[0]).toContain('nothing here is billed');
  });
});
