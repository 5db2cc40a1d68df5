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

describe('Function: estimateRunCost, azure-functions by plan', () => {
  // Execution intervals, ms from t0, per function and instance. Instance a runs two overlapping
  // calls ([0, 300] and [100, 1500]: one activity period of 1500 ms), then 50 ms alone, then
  // 1234 ms alone; instance b one call of 500 ms beside a; function2 (nested) one of 1200.5 ms on
  // instance c. A client-side failure never ran.
  const t0 = 1_700_000_000_000;
  const executions: { fn: string; instance: string; from: number; to: number }[] = [
    { fn: 'function1', instance: 'a', from: 0, to: 300 },
    { fn: 'function1', instance: 'a', from: 100, to: 1500 },
    { fn: 'function1', instance: 'a', from: 5000, to: 5050 },
    { fn: 'function1', instance: 'a', from: 9000, to: 10_234 },
    { fn: 'function1', instance: 'b', from: 200, to: 700 },
    { fn: 'function2', instance: 'c', from: 120, to: 1320.5 },
  ];
  const rowsAt = (memoryMb: number | null) => [
    ...executions.map(({ fn, instance, from, to }) => ({
      function_name: fn,
      level: fn === 'function1' ? 0 : 1,
      http_status: fn === 'function1' ? 200 : null,
      instance_identifier: instance,
      memory_mb: memoryMb,
      execution_start: t0 + from,
      execution_end: t0 + to,
    })),
    { function_name: 'function1', status: 'error' as const, http_status: null },
  ];
  /** A finished azure-functions run with these rows and this manifest entry. */
  async function azureRun(manifest: Record<string, unknown>, memoryMb: number | null) {
    const runId = await storedRun('azure-functions', [['provisioning', 0], ['running', 600], ['collecting', 1200]], rowsAt(memoryMb));
    if (Object.keys(manifest).length) await store.mergeRunManifest(runId, manifest);
    return estimateRunCost(store, { runId, platform: 'azure-functions', platformOptions: {}, client: { kind: 'ec2', createdAt: new Date(T0).toISOString() }, agent: undefined, controlPlane: 'deployed', heartbeatIntervalMs: 60_000, now: new Date(T0 + 1_500_000) });
  }
  const item = (estimate: Awaited<ReturnType<typeof estimateRunCost>>, what: string) => {
    const found = estimate.items.find((entry) => entry.what === what);
    if (!found) throw new Error(`no item "${what}" in ${estimate.items.map((entry) => entry.what).join(', ')}`);
    return found;
  };
  const flexSettings = (memoryMb: number) => ({ platform_options: {}, platform_settings: { azureFunctionsPlan: 'flex-consumption', memoryMb, timeoutSeconds: 30 } });
  const FLEX_TIME = 'Azure Functions instance time (Flex Consumption, on demand)';
  const FLEX_EXECUTIONS = 'Azure Functions executions (Flex Consumption, on demand)';

  it('bills Flex Consumption by instance memory for the time each instance executed: overlapping calls once, each period at least 1 s in 100 ms steps', async () => {
    const estimate = await azureRun(flexSettings(2048), 2048);
    // The activity periods by hand, and Flex's rule for each: at least 1000 ms, else rounded up to 100 ms.
    const periodsMs = [1500, 50, 1234, 500, 1200.5];
    const billedMs = periodsMs.map((ms) => Math.max(1000, Math.ceil(ms / 100) * 100));
    expect(billedMs).toEqual([1500, 1000, 1300, 1000, 1300]);
    const gbSeconds = (billedMs.reduce((total, ms) => total + ms, 0) / 1000) * 2;
    const time = item(estimate, FLEX_TIME);
    expect(time.quantity).toBeCloseTo(gbSeconds, 12);
    expect(time.unitPriceUsd).toBe(0.000026);
    expect(time.usd).toBeCloseTo(gbSeconds * 0.000026, 15);
    expect(time.note).toContain('6 executions on 3 instances, overlapping ones joined into 5 activity periods');
    const calls = item(estimate, FLEX_EXECUTIONS);
    expect(calls).toMatchObject({ quantity: 6, unitPriceUsd: 0.4 / 1e6 });
    expect(calls.usd).toBeCloseTo(6 * 0.4e-6, 18);
    // Not the Consumption lines.
    expect(estimate.items.map((entry) => entry.what)).not.toContain('Azure Functions execution time');
    expect(estimate.items.map((entry) => entry.what)).not.toContain('Azure Functions executions');
    expect(estimate.inputs).toMatchObject({ azureHosting: { plan: 'flex-consumption', instanceMemoryMb: 2048 } });
  });

  it('bills 4096 MB instances twice what 2048 MB ones cost for the same rows', async () => {
    const small = await azureRun(flexSettings(2048), null);
    const large = await azureRun(flexSettings(4096), null);
    expect(item(small, FLEX_TIME).quantity).toBeCloseTo(6.1 * 2, 12);
    expect(item(large, FLEX_TIME).usd).toBeCloseTo(2 * (item(small, FLEX_TIME).usd ?? Number.NaN), 15);
    expect(item(large, FLEX_EXECUTIONS).usd).toBe(item(small, FLEX_EXECUTIONS).usd);
  });

  it('bills Consumption as before: each execution at least 100 ms at the 1.5 GB limit, at the Consumption prices; a run that recorded no plan is Consumption', async () => {
    const consumption = await azureRun({ platform_settings: { azureFunctionsPlan: 'consumption', memoryMb: 1536, timeoutSeconds: 30 } }, 1536);
    // Each execution on its own, at least 100 ms, rounded up to 1 ms; no joining of overlaps.
    const billedMs = executions.map(({ from, to }) => Math.max(100, Math.ceil(to - from)));
    const gbSeconds = (billedMs.reduce((total, ms) => total + ms, 0) / 1000) * 1.5;
    const time = item(consumption, 'Azure Functions execution time');
    expect(time.quantity).toBeCloseTo(gbSeconds, 12);
    expect(time.unitPriceUsd).toBe(0.000016);
    expect(item(consumption, 'Azure Functions executions')).toMatchObject({ quantity: 6, unitPriceUsd: 0.2 / 1e6 });
    expect(consumption.items.some((entry) => entry.what.includes('Flex Consumption'))).toBe(false);

    // Before the Flex Consumption plan, runs recorded no plan: the same rows, the same bill.
    const old = await azureRun({}, 1536);
    expect(old.items).toEqual(consumption.items);
    expect(old.inputs).toMatchObject({ azureHosting: { plan: 'consumption', instanceMemoryMb: 1536 } });
  });
});

