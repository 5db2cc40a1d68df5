/**
 * Report runs made in memory for the report's unit tests: a run row, invocation rows and experiment
 * rows given by the test (everything else filled with plain defaults), and the statistics computed
 * from them as the loader does. The charts and tables under test see exactly the data the test
 * wrote, so a test can count what should be plotted.
 */
import { REPORT_ECDF_POINTS } from '../lib/report/load-runs';
import { type ReportRun, runLabel } from '../lib/report/report-run';
import type { InvocationRow, RunRow } from '../lib/results/types';
import { summarizeRunInvocations } from '../lib/stats/run-stats';

let nextRun = 0;

/** An ok root call of `function1` sent at `sendAt` that took `latencyMs`, with whatever else is given. */
export function invocationRow(fields: Partial<InvocationRow> & { sendAt?: number; latencyMs?: number } = {}): InvocationRow {
  const { sendAt = 1_700_000_000_000, latencyMs = 10, ...rest } = fields;
  return {
    run_id: 'run',
    seq: 0,
    batch_id: 'batch',
    batch_size: 1,
    batch_index: 0,
    identifier: `call-${sendAt}-${Math.random()}`,
    root_identifier: null,
    parent: 'root',
    level: 0,
    function_name: 'function1',
    status: 'ok',
    http_status: 200,
    error_type: null,
    error_message: null,
    client_send: sendAt,
    client_first_byte: sendAt + latencyMs,
    client_end: sendAt + latencyMs,
    invocation_start: null,
    invocation_end: null,
    execution_start: sendAt + 1,
    execution_end: sendAt + latencyMs - 1,
    instance_identifier: 'instance-1',
    platform_instance_id: null,
    cold: false,
    instance_invocation_count: 2,
    memory_mb: 128,
    cpu_time_ms: 1,
    function_cores: 1,
    cpu_model: 'model',
    runtime: 'node',
    platform: 'test',
    region: 'here',
    sleep_s: null,
    throughput_time_s: null,
    throughput_ops: null,
    attempts: 1,
    extra: null,
    ...rest,
  };
}

export interface ReportRunFixture {
  experiment: string;
  run?: Partial<RunRow>;
  invocations?: InvocationRow[];
  rows?: Record<string, Record<string, unknown>[]>;
}

export function reportRunOf(fixture: ReportRunFixture): ReportRun {
  nextRun += 1;
  const id = fixture.run?.id ?? `${String(nextRun).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const invocations = (fixture.invocations ?? []).map((row, seq) => ({ ...row, run_id: id, seq }));
  const run: RunRow = {
    id,
    experiment: fixture.experiment,
    platform: 'local',
    client_platform: 'local',
    status: 'completed',
    status_history: [
      { status: 'starting', at: '2026-12-05T10:00:00.000Z' },
      { status: 'completed', at: '2026-12-05T10:01:00.000Z' },
    ],
    reason: null,
    started_at: '2026-12-05T10:00:00.000Z',
    ended_at: '2026-12-05T10:01:00.000Z',
    params: {},
    manifest: { time_scale: 1 },
    execution_id: null,
    invocation_count: invocations.length,
    cost_estimate: null,
    result: null,
    ...fixture.run,
  };
  return { run, label: runLabel(run), invocations, rows: fixture.rows ?? {}, stats: summarizeRunInvocations(invocations, { ecdfMaxPoints: REPORT_ECDF_POINTS }) };
}
