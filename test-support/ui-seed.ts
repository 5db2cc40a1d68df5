/**
 * A results store seeded for the web UI's tests, through the ResultsStore API only: a completed
 * coldstart-identifier run with invocations on two functions (cold and warm, a nested call, an
 * error whose message holds a comma, a quote and a line break, `extra` JSON), experiment rows, a
 * headline result and a cost estimate; a failed concurrency-benchmarking run on openfaas with a
 * reason; and a dev-experiment run still running.
 */
import { randomUUID } from 'node:crypto';
import { COST_SCHEMA, type CostEstimate } from '../lib/cost/types';
import type { ResultsStore } from '../lib/results/store';
import type { InvocationRow } from '../lib/results/types';

export interface SeededRuns {
  completed: string;
  failed: string;
  running: string;
  /** The completed run's invocations as stored. */
  invocations: InvocationRow[];
}

export const SEED_FAILURE_REASON = 'Provisioning failed: the gateway refused the deployment (HTTP 502)';
export const SEED_ERROR_MESSAGE = 'bad input, "quoted"\nsecond line';

/** A root call (level 0) of `functionName` at `startMs`, answered in `latencyMs`. */
function rootRow(runId: string, seq: number, functionName: string, startMs: number, latencyMs: number, cold: boolean): InvocationRow {
  return {
    run_id: runId,
    seq,
    batch_id: `batch-${seq}`,
    batch_size: 1,
    batch_index: 0,
    identifier: `${functionName}-${seq}`,
    root_identifier: `${functionName}-${seq}`,
    parent: null,
    level: 0,
    function_name: functionName,
    status: 'ok',
    http_status: 200,
    error_type: null,
    error_message: null,
    client_send: startMs,
    client_first_byte: startMs + latencyMs * 0.9,
    client_end: startMs + latencyMs,
    invocation_start: null,
    invocation_end: null,
    execution_start: startMs + 0.25,
    execution_end: startMs + latencyMs - 0.5,
    instance_identifier: `${functionName}-instance-${cold ? seq : 0}`,
    platform_instance_id: null,
    cold,
    instance_invocation_count: cold ? 1 : seq + 1,
    memory_mb: 128,
    cpu_time_ms: 1.125,
    function_cores: 2,
    cpu_model: 'test cpu',
    runtime: 'node 20',
    platform: 'local',
    region: null,
    sleep_s: 0,
    throughput_time_s: null,
    throughput_ops: null,
    attempts: 1,
    extra: null,
  };
}

export function seedInvocations(runId: string): InvocationRow[] {
  const rows: InvocationRow[] = [];
  const base = 1_765_000_000_000.125;
  for (let i = 0; i < 40; i++) {
    const functionName = i % 2 ? 'function2' : 'function1';
    const cold = i < 2 || i === 20;
    rows.push(rootRow(runId, rows.length, functionName, base + i * 1000, cold ? 150 + i : 4 + (i % 7) * 0.5, cold));
  }
  const parent = rows[0] as InvocationRow;
  rows.push({
    ...rootRow(runId, rows.length, 'function3', base + 10, 3.5, true),
    identifier: 'function3-nested',
    root_identifier: parent.identifier,
    parent: parent.identifier,
    level: 1,
    batch_id: parent.batch_id,
    client_send: null,
    client_first_byte: null,
    client_end: null,
    invocation_start: base + 10,
    invocation_end: base + 13.5,
    extra: { monolith: { feature: 'matrix', n: 3 }, note: 'nested' },
  });
  rows.push({
    ...rootRow(runId, rows.length, 'function1', base + 50_000, 2, false),
    status: 'error',
    http_status: 400,
    error_type: 'BadRequest',
    error_message: SEED_ERROR_MESSAGE,
    cold: null,
    execution_start: null,
    execution_end: null,
    instance_identifier: null,
    cpu_time_ms: null,
  });
  return rows;
}

function costEstimate(usd: number): CostEstimate {
  return {
    schema: COST_SCHEMA,
    kind: 'actual',
    usd,
    complete: true,
    items: [{ what: 'function requests', quantity: 42, unit: 'request', unitPriceUsd: 0, usd }],
    priceTable: '2026-12-05',
    regions: { aws: 'eu-west-1', azure: 'westeurope' },
    notes: ['embedded default: nothing here is billed'],
    excluded: [],
    inputs: {},
  };
}

export async function seedUiRuns(store: ResultsStore): Promise<SeededRuns> {
  const [completed, failed, running] = [randomUUID(), randomUUID(), randomUUID()];
  await store.createRun({ id: completed, experiment: 'coldstart-identifier', platform: 'local', client_platform: 'local', params: { quick: true, step_s: 10 }, manifest: { time_scale: 0.01 } });
  for (const status of ['provisioning', 'running', 'collecting', 'destroying'] as const) await store.setRunStatus(completed, status);
  const invocations = seedInvocations(completed);
  await store.importRunResults(completed, invocations, [
    { run_id: completed, table_name: 'idle_search', seq: 0, data: { idle_s: 150, new_instance: false } },
    { run_id: completed, table_name: 'idle_search', seq: 1, data: { idle_s: 160, new_instance: true } },
  ]);
  await store.setRunResult(completed, { metric: 'idle_timeout', value: 160, unit: 's', granularity: 10, sentence: 'cold after 160 s idle (warm at 150 s)' });
  await store.setRunCost(completed, 0, costEstimate(0) as unknown as Record<string, unknown>);
  await store.setRunStatus(completed, 'completed');

  await store.createRun({ id: failed, experiment: 'concurrency-benchmarking', platform: 'openfaas', client_platform: 'local', params: {}, manifest: {} });
  await store.setRunStatus(failed, 'provisioning');
  await store.setRunStatus(failed, 'failed', SEED_FAILURE_REASON);

  await store.createRun({ id: running, experiment: 'dev-experiment', platform: 'local', client_platform: 'local', params: {}, manifest: {} });
  await store.setRunStatus(running, 'running');
  return { completed, failed, running, invocations };
}
