/**
 * The ResultsStore contract, as vitest suites registered against any SQL driver: each *-store
 * test file calls {@link describeStoreContract} with a way to open its database, so PGlite and
 * PostgreSQL and the Data API are held to exactly the same behaviour.
 *
 * One store is opened per suite and shared by its tests (PGlite takes seconds to start); every
 * test makes its own runs with random ids, so tests never depend on each other's rows. The
 * persistence test closes and reopens the database, so it stays last.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyEncodingError, DEFAULT_ROWS_PER_CHUNK } from './copy-encoder';
import { AmbiguousRunPrefixError, DuplicateRowsError, InvalidRunStatusError, RunNotFoundError } from './errors';
import { MIGRATIONS } from './migrations';
import { SqlResultsStore } from './sql-store';
import type { ExperimentRow, InvocationRow, NewRun, RunStatus } from './types';

export interface StoreContractTarget {
  /** Open and migrate the target database: the same database on every call. */
  open(): Promise<SqlResultsStore>;
}

const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A fresh run id with a recognisable tag. */
export const newRunId = (tag: string) => `${tag}-${randomUUID()}`;

export function newRun(id: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id,
    experiment: 'cold-start',
    platform: 'local',
    client_platform: 'local',
    params: { concurrency: 4, functions: ['function1'], nested: { depth: 2 } },
    manifest: { digest: 'sha256:abc', seed: 42, note: 'quotes " and \\ backslash' },
    ...overrides,
  };
}

/** A root invocation row with every optional field null; override what the test needs. */
export function invocationRow(runId: string, seq: number, overrides: Partial<InvocationRow> = {}): InvocationRow {
  return {
    run_id: runId,
    seq,
    batch_id: `batch-${Math.floor(seq / 10)}`,
    batch_size: 10,
    batch_index: seq % 10,
    identifier: `id-${seq}`,
    root_identifier: null,
    parent: null,
    level: 0,
    function_name: 'function1',
    status: 'ok',
    http_status: 200,
    error_type: null,
    error_message: null,
    client_send: null,
    client_first_byte: null,
    client_end: null,
    invocation_start: null,
    invocation_end: null,
    execution_start: null,
    execution_end: null,
    instance_identifier: null,
    platform_instance_id: null,
    cold: null,
    instance_invocation_count: null,
    memory_mb: null,
    cpu_time_ms: null,
    function_cores: null,
    cpu_model: null,
    runtime: null,
    platform: null,
    region: null,
    sleep_s: null,
    throughput_time_s: null,
    throughput_ops: null,
    attempts: 1,
    extra: null,
    ...overrides,
  };
}

/** Strings that break naive CSV/TEXT encoders. */
const NASTY_STRINGS = [
  '',
  ' ',
  'plain',
  'tab\there',
  'new\nline',
  'cr\rand crlf\r\n',
  'back\\slash',
  '\\',
  'trailing\\',
  '\\N',
  '\\.',
  '\\t not a tab',
  'NULL',
  'null',
  '"double" and \'single\' quotes',
  'comma,separated,"quoted, too"',
  'control \u0001\u0008\u001f\u007f',
  'é ü ß 日本語 한국어 العربية',
  'emoji 😀 👩‍👩‍👧 🏳️‍🌈',
  'combining e\u0301 and \u2028\u2029 separators',
  '{"looks": "like json", "n": 1}',
  '\t\n\\\r mixed \\\n',
  `long ${'x\\y\t'.repeat(20_000)}`,
];

const NASTY_DOUBLES = [
  0,
  -0,
  0.1 + 0.2,
  1_700_000_000_000.123,
  Number.MIN_VALUE,
  2.2250738585072014e-308,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1e21,
  -1.5e-7,
  Number.MAX_SAFE_INTEGER,
];

const NASTY_JSON: (Record<string, unknown> | null)[] = [
  null,
  {},
  { message: 'say "hi"\n\tbye\\', path: 'C:\\Users\\fb', unicode: '日本 😀 é', empty: '' },
  { nested: { deeper: { list: [1, 'two', null, true, false, { three: 3 }] } }, tiny: 5e-324, huge: 1.7976931348623157e308 },
  { 'key with "quotes"': 1, 'key\\with\\backslashes': 2, 'key\nwith newline': 3, '': 'empty key' },
  { monolith_result: 'x'.repeat(10_000), numbers: [0.1, 1e-7, 123456789.12345679, -42] },
];

function nastyRows(runId: string): InvocationRow[] {
  return NASTY_STRINGS.map((text, seq) => {
    const double = (offset: number) => NASTY_DOUBLES[(seq + offset) % NASTY_DOUBLES.length] as number;
    return invocationRow(runId, seq, {
      batch_id: text,
      identifier: `${seq}:${text}`,
      root_identifier: seq % 2 ? text : null,
      parent: seq % 3 ? null : text,
      level: seq % 4,
      function_name: `fn-${text.slice(0, 20)}`,
      status: (['ok', 'error', 'timeout', 'throttled'] as const)[seq % 4] ?? 'ok',
      http_status: seq % 5 ? 200 + seq : null,
      error_type: seq % 2 ? null : text,
      error_message: text,
      client_send: double(0),
      client_first_byte: double(1),
      client_end: seq % 3 ? double(2) : null,
      invocation_start: double(3),
      invocation_end: double(4),
      execution_start: double(5),
      execution_end: double(6),
      instance_identifier: text,
      platform_instance_id: seq % 2 ? text : null,
      cold: [true, false, null][seq % 3] ?? null,
      instance_invocation_count: seq % 2 ? 2_147_483_647 : -2_147_483_648,
      memory_mb: 1769.5,
      cpu_time_ms: double(7),
      function_cores: 0.25,
      cpu_model: text,
      runtime: 'node20',
      platform: 'local',
      region: text,
      sleep_s: double(8),
      throughput_time_s: double(9),
      throughput_ops: double(10),
      attempts: seq + 1,
      extra: NASTY_JSON[seq % NASTY_JSON.length] ?? null,
    });
  });
}

export function describeStoreContract(name: string, target: StoreContractTarget): void {
  describe(`ResultsStore contract (${name})`, () => {
    let store: SqlResultsStore;

    beforeAll(async () => {
      store = await target.open();
    });

    afterAll(async () => {
      await store?.close();
    });

    const createRun = async (tag: string, overrides: Partial<NewRun> = {}) => store.createRun(newRun(newRunId(tag), overrides));

    describe('migrations', () => {
      it('are all applied on open, and migrating again changes nothing', async () => {
        const before = await store.appliedMigrations();
        expect(before.map((row) => [row.version, row.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
        await store.migrate();
        await store.migrate();
        expect(await store.appliedMigrations()).toEqual(before);
      });
    });

    describe('runs', () => {
      it('createRun stores a starting run and returns it as getRun does', async () => {
        const id = newRunId('create');
        const created = await store.createRun(newRun(id, { execution_id: 'arn:exec:1' }));
        expect(created).toMatchObject({
          id,
          experiment: 'cold-start',
          platform: 'local',
          client_platform: 'local',
          status: 'starting',
          reason: null,
          ended_at: null,
          execution_id: 'arn:exec:1',
          invocation_count: 0,
          cost_estimate: null,
          result: null,
          params: newRun(id).params,
          manifest: newRun(id).manifest,
        });
        expect(created.started_at).toMatch(ISO);
        expect(created.status_history).toEqual([{ status: 'starting', at: created.started_at }]);
        expect(await store.getRun(id)).toEqual(created);
      });

      it('createRun refuses an id that exists', async () => {
        const run = await createRun('dup-run');
        await expect(store.createRun(newRun(run.id))).rejects.toBeInstanceOf(DuplicateRowsError);
      });

      it('getRun finds by full id or a unique prefix of at least 6 characters', async () => {
        const run = await createRun('prefix');
        const unique = run.id.slice(0, 'prefix-'.length + 8);
        expect((await store.getRun(run.id))?.id).toBe(run.id);
        expect((await store.getRun(unique))?.id).toBe(run.id);
        expect(await store.getRun(`${run.id}-more`)).toBeUndefined();
        expect(await store.getRun(newRunId('unknown'))).toBeUndefined();
        // Too short to be a prefix, even though it matches.
        const short = await createRun('s');
        expect(await store.getRun(short.id.slice(0, 5))).toBeUndefined();
        expect((await store.getRun(short.id.slice(0, 6)))?.id).toBe(short.id);
      });

      it('getRun refuses an ambiguous prefix, naming the candidates', async () => {
        const base = newRunId('ambiguous');
        const a = await store.createRun(newRun(`${base}-a`));
        const b = await store.createRun(newRun(`${base}-b`));
        const error = await store.getRun(base).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AmbiguousRunPrefixError);
        expect(error).toMatchObject({ prefix: base, candidates: [a.id, b.id], more: false });
        expect((error as Error).message).toContain(a.id);
        expect((error as Error).message).toContain(b.id);
      });

      it('setRunStatus appends to the history, sets the reason, and ends the run on a final status', async () => {
        const run = await createRun('status');
        await store.setRunStatus(run.id, 'running');
        let stored = await store.getRun(run.id);
        expect(stored).toMatchObject({ status: 'running', reason: null, ended_at: null });
        expect(stored?.status_history.map((change) => change.status)).toEqual(['starting', 'running']);
        expect(stored?.status_history[1]).toEqual({ status: 'running', at: expect.stringMatching(ISO) });

        await store.setRunStatus(run.id, 'failed', 'platform vanished: "x", \\ y\nz');
        stored = await store.getRun(run.id);
        expect(stored).toMatchObject({ status: 'failed', reason: 'platform vanished: "x", \\ y\nz' });
        expect(stored?.status_history).toHaveLength(3);
        expect(stored?.status_history[2]).toEqual({ status: 'failed', at: stored?.ended_at, reason: 'platform vanished: "x", \\ y\nz' });
        expect(stored?.ended_at).toMatch(ISO);
        expect(Date.parse(stored?.ended_at ?? '')).toBeGreaterThanOrEqual(Date.parse(run.started_at));
      });

      it('setRunStatus sets ended_at on completed, and keeps an earlier reason when given none', async () => {
        const run = await createRun('complete');
        await store.setRunStatus(run.id, 'collecting', 'draining');
        await store.setRunStatus(run.id, 'completed');
        const stored = await store.getRun(run.id);
        expect(stored).toMatchObject({ status: 'completed', reason: 'draining' });
        expect(stored?.ended_at).toMatch(ISO);
        expect(stored?.status_history.map((change) => change.status)).toEqual(['starting', 'collecting', 'completed']);
      });

      it('setRunResult stores the headline result (a later one replaces it); mergeRunManifest adds and replaces keys', async () => {
        const run = await createRun('result');
        const first = { metric: 'idle_timeout', value: 160, unit: 's', granularity: 10, sentence: 'cold after 160 s idle "quoted" \\ ok' };
        await store.setRunResult(run.id, first);
        expect((await store.getRun(run.id))?.result).toEqual(first);
        const second = { metric: 'idle_timeout', value: null, unit: 's', ci: [1.5, 2.25] as [number, number], sentence: 'no stable result' };
        await store.setRunResult(run.id, second);
        expect((await store.getRun(run.id))?.result).toEqual(second);

        await store.mergeRunManifest(run.id, { time_scale: 0.01, platform_settings: { idleTimeoutMs: 1550 } });
        await store.mergeRunManifest(run.id, { time_scale: 1 });
        expect((await store.getRun(run.id))?.manifest).toEqual({ ...newRun(run.id).manifest, time_scale: 1, platform_settings: { idleTimeoutMs: 1550 } });

        const missing = newRunId('missing');
        await expect(store.setRunResult(missing, first)).rejects.toThrow(RunNotFoundError);
        await expect(store.mergeRunManifest(missing, {})).rejects.toThrow(RunNotFoundError);
      });

      it('setRunCost stores the total in cost_estimate and the estimate under the manifest\'s cost, keeping its other keys', async () => {
        const run = await createRun('cost');
        expect((await store.getRun(run.id))?.cost_estimate).toBeNull();
        const estimate = { schema: 'fb.cost/1', usd: 0.0123, items: [{ what: 'AWS Lambda requests "x"', quantity: 3, unit: 'request', unitPriceUsd: 2e-7, usd: 6e-7 }], notes: ['a \\ note'] };
        await store.setRunCost(run.id, 0.0123, estimate);
        await store.setRunCost(run.id, 0.5, { ...estimate, usd: 0.5 });
        const stored = await store.getRun(run.id);
        expect(stored?.cost_estimate).toBeCloseTo(0.5, 12);
        expect(stored?.manifest).toEqual({ ...newRun(run.id).manifest, cost: { ...estimate, usd: 0.5 } });
        await expect(store.setRunCost(newRunId('missing'), 0, {})).rejects.toThrow(RunNotFoundError);
        await expect(store.setRunCost(run.id, Number.NaN, {})).rejects.toThrow(RangeError);
      });

      it('setRunStatus refuses an unknown run and an unknown status', async () => {
        const missing = newRunId('missing');
        await expect(store.setRunStatus(missing, 'running')).rejects.toThrow(RunNotFoundError);
        await expect(store.setRunStatus(missing, 'running')).rejects.toMatchObject({ runId: missing });
        const run = await createRun('bad-status');
        await expect(store.setRunStatus(run.id, 'paused' as RunStatus)).rejects.toBeInstanceOf(InvalidRunStatusError);
        expect((await store.getRun(run.id))?.status).toBe('starting');
      });

      it('listRuns lists newest first, honours limit, and filters running runs', async () => {
        const tag = newRunId('list');
        const ids: string[] = [];
        for (const suffix of ['1', '2', '3', '4']) {
          ids.push((await store.createRun(newRun(`${tag}-${suffix}`))).id);
          await sleepMs(3);
        }
        const [first, second, third, fourth] = ids as [string, string, string, string];
        await store.setRunStatus(second, 'completed');
        await store.setRunStatus(third, 'failed', 'boom');
        await store.setRunStatus(fourth, 'running');

        const all = await store.listRuns();
        const ours = (runs: { id: string }[]) => runs.map((run) => run.id).filter((id) => id.startsWith(tag));
        expect(ours(all)).toEqual([fourth, third, second, first]);
        for (let i = 1; i < all.length; i++) {
          expect(Date.parse((all[i - 1] as { started_at: string }).started_at)).toBeGreaterThanOrEqual(Date.parse((all[i] as { started_at: string }).started_at));
        }

        const running = await store.listRuns({ running: true });
        expect(ours(running)).toEqual([fourth, first]);
        expect(running.every((run) => run.status !== 'completed' && run.status !== 'failed')).toBe(true);

        expect((await store.listRuns({ limit: 2 })).map((run) => run.id)).toEqual(all.slice(0, 2).map((run) => run.id));
        expect(await store.listRuns({ limit: 0 })).toEqual([]);
        expect((await store.listRuns({ running: true, limit: 1 })).map((run) => run.id)).toEqual(running.slice(0, 1).map((run) => run.id));
        await expect(store.listRuns({ limit: -1 })).rejects.toThrow(/limit/);
      });

      it('listRuns filters by experiment, platform, status and start time, all together', async () => {
        const tag = newRunId('filter');
        const experiment = `${tag}-exp`;
        const a = (await store.createRun(newRun(`${tag}-a`, { experiment, platform: 'local' }))).id;
        await sleepMs(5);
        const b = (await store.createRun(newRun(`${tag}-b`, { experiment, platform: 'openfaas' }))).id;
        await sleepMs(5);
        const c = (await store.createRun(newRun(`${tag}-c`, { experiment: `${tag}-other`, platform: 'local' }))).id;
        await store.setRunStatus(a, 'failed', 'boom');
        const [runA, runB] = [await store.getRun(a), await store.getRun(b)];
        const ids = (runs: { id: string }[]) => runs.map((run) => run.id);

        expect(ids(await store.listRuns({ experiment }))).toEqual([b, a]);
        expect(ids(await store.listRuns({ experiment, platform: 'local' }))).toEqual([a]);
        expect(ids(await store.listRuns({ experiment, status: 'failed' }))).toEqual([a]);
        expect(ids(await store.listRuns({ experiment, running: true }))).toEqual([b]);
        expect(ids(await store.listRuns({ experiment: `${tag}-other`, platform: 'openfaas' }))).toEqual([]);
        expect(ids(await store.listRuns({ experiment, limit: 1 }))).toEqual([b]);
        expect(ids(await store.listRuns({ platform: 'local', status: 'starting', limit: 1000 }))).toContain(c);
        // startedFrom is inclusive, startedBefore exclusive.
        expect(ids(await store.listRuns({ experiment, startedFrom: runB?.started_at }))).toEqual([b]);
        expect(ids(await store.listRuns({ experiment, startedBefore: runB?.started_at }))).toEqual([a]);
        expect(ids(await store.listRuns({ experiment, startedFrom: runA?.started_at, startedBefore: runB?.started_at }))).toEqual([a]);
        expect(await store.listRuns({ experiment, startedFrom: '2999-01-01' })).toEqual([]);
        await expect(store.listRuns({ status: 'paused' as RunStatus })).rejects.toBeInstanceOf(InvalidRunStatusError);
        await expect(store.listRuns({ startedFrom: 'yesterday' })).rejects.toThrow(/ISO 8601/);
      });
    });

    describe('invocations', () => {
      it('round-trip exactly through COPY: nasty strings, nulls, extreme doubles, jsonb', async () => {
        const run = await createRun('copy');
        const rows = nastyRows(run.id);
        await store.insertInvocations(rows);
        const stored = await store.invocations(run.id);
        expect(stored).toHaveLength(rows.length);
        for (const [index, row] of stored.entries()) expect(row, `row ${index}`).toEqual(rows[index]);
        // -0 and 5e-324 survive as such.
        expect(Object.is(stored[1]?.client_send, -0)).toBe(true);
        expect(stored.some((row) => row.client_send === Number.MIN_VALUE)).toBe(true);
        expect((await store.getRun(run.id))?.invocation_count).toBe(rows.length);
      });

      it('insertInvocations with no rows is a no-op', async () => {
        await store.insertInvocations([]);
        const run = await createRun('empty');
        await store.insertInvocations([]);
        expect(await store.invocations(run.id)).toEqual([]);
        expect((await store.getRun(run.id))?.invocation_count).toBe(0);
      });

      it('keeps invocation_count equal to the stored rows across batches and runs', async () => {
        const a = await createRun('count-a');
        const b = await createRun('count-b');
        await store.insertInvocations([invocationRow(a.id, 0), invocationRow(a.id, 1), invocationRow(b.id, 0)]);
        await store.insertInvocations([invocationRow(a.id, 2)]);
        expect((await store.getRun(a.id))?.invocation_count).toBe(3);
        expect((await store.getRun(b.id))?.invocation_count).toBe(1);
      });

      it('a duplicate (run_id, seq) fails with DuplicateRowsError and stores nothing of its batch', async () => {
        const run = await createRun('dup');
        await store.insertInvocations([invocationRow(run.id, 0), invocationRow(run.id, 1)]);
        const again = store.insertInvocations([invocationRow(run.id, 2), invocationRow(run.id, 1, { identifier: 'other' })]);
        await expect(again).rejects.toBeInstanceOf(DuplicateRowsError);
        await expect(store.insertInvocations([invocationRow(run.id, 1)])).rejects.toThrow(/invocations: rows already stored .*\(run_id, seq\)=.*1\)/);
        // A duplicate within one batch too.
        await expect(store.insertInvocations([invocationRow(run.id, 5), invocationRow(run.id, 5)])).rejects.toBeInstanceOf(DuplicateRowsError);
        expect((await store.invocations(run.id)).map((row) => [row.seq, row.identifier])).toEqual([
          [0, 'id-0'],
          [1, 'id-1'],
        ]);
        expect((await store.getRun(run.id))?.invocation_count).toBe(2);
        // The store is still usable after the failed COPYs.
        await store.insertInvocations([invocationRow(run.id, 2)]);
        expect((await store.getRun(run.id))?.invocation_count).toBe(3);
      });

      it('rows of an unknown run fail with RunNotFoundError', async () => {
        const missing = newRunId('nobody');
        await expect(store.insertInvocations([invocationRow(missing, 0)])).rejects.toMatchObject({ name: 'RunNotFoundError', runId: missing });
      });

      it('a value that cannot be stored fails before anything of the batch is stored', async () => {
        const run = await createRun('nan');
        const rows = [invocationRow(run.id, 0), invocationRow(run.id, 1, { client_end: Number.NaN })];
        await expect(store.insertInvocations(rows)).rejects.toBeInstanceOf(CopyEncodingError);
        await expect(store.insertInvocations(rows)).rejects.toThrow(/row 1, column client_end/);
        await expect(store.insertInvocations([invocationRow(run.id, 0, { error_message: 'nul \0' })])).rejects.toThrow(/NUL/);
        expect(await store.invocations(run.id)).toEqual([]);
        expect((await store.getRun(run.id))?.invocation_count).toBe(0);
        await store.insertInvocations([invocationRow(run.id, 0)]);
        expect((await store.getRun(run.id))?.invocation_count).toBe(1);
      });

      it('stores a batch larger than one COPY chunk', async () => {
        const run = await createRun('large');
        // 2.5 default chunks (DEFAULT_ROWS_PER_CHUNK rows each).
        const total = Math.round(DEFAULT_ROWS_PER_CHUNK * 2.5);
        const rows = Array.from({ length: total }, (_, seq) =>
          invocationRow(run.id, seq, { client_send: 1_700_000_000_000 + seq, client_end: 1_700_000_000_000 + seq + 12.5, cold: seq % 100 === 0 }),
        );
        await store.insertInvocations(rows);
        expect((await store.getRun(run.id))?.invocation_count).toBe(total);
        const { rows: stats } = await store.executor.query<{ n: number; first: number; last: number }>(
          'select count(*)::int as n, min(seq) as first, max(seq) as last from invocations where run_id = $1',
          [run.id],
        );
        expect(stats).toEqual([{ n: total, first: 0, last: total - 1 }]);
        expect(await store.summarize(run.id)).toEqual([
          expect.objectContaining({ function_name: 'function1', invocations: total, cold: total / 100, latency_p50_ms: 12.5, latency_p99_ms: 12.5 }),
        ]);
      });

      it('splits a batch into COPY chunks on row boundaries', async () => {
        // A second store over the same connection, with tiny chunks (not closed: it shares the executor).
        const chunky = new SqlResultsStore(store.executor, { copyChunkRows: 3 });
        const run = await chunky.createRun(newRun(newRunId('chunks')));
        const rows = nastyRows(run.id);
        await chunky.insertInvocations(rows);
        expect(await store.invocations(run.id)).toEqual(rows);
        expect((await store.getRun(run.id))?.invocation_count).toBe(rows.length);
      });

      it('deleting a run deletes its rows (ON DELETE CASCADE)', async () => {
        const run = await createRun('cascade');
        await store.insertInvocations([invocationRow(run.id, 0)]);
        await store.insertExperimentRows([{ run_id: run.id, table_name: 't', seq: 0, data: {} }]);
        await store.executor.query('delete from runs where id = $1', [run.id]);
        expect(await store.invocations(run.id)).toEqual([]);
        expect(await store.experimentRows(run.id)).toEqual({});
      });
    });

    describe('exclusive runs and result imports', () => {
      it('createRun with exclusive refuses a second active run of the same experiment and platform', async () => {
        const experiment = `exclusive-${randomUUID()}`;
        const first = newRunId('excl');
        await store.createRun(newRun(first, { experiment }), { exclusive: true });
        // Concurrent attempts: exactly none may pass while the first is active.
        const attempts = await Promise.allSettled([1, 2, 3].map(() => store.createRun(newRun(newRunId('excl'), { experiment }), { exclusive: true })));
        expect(attempts.map((attempt) => attempt.status)).toEqual(['rejected', 'rejected', 'rejected']);
        expect((attempts[0] as PromiseRejectedResult).reason).toMatchObject({ name: 'ExperimentAlreadyRunningError', activeRunId: first });
        // Another platform, or the same once the first has ended, is fine.
        await store.createRun(newRun(newRunId('excl'), { experiment, platform: 'openfaas' }), { exclusive: true });
        await store.setRunStatus(first, 'failed', 'test');
        await expect(store.createRun(newRun(newRunId('excl'), { experiment }), { exclusive: true })).resolves.toMatchObject({ status: 'starting' });
      });

      it('importRunResults replaces a run\'s rows, so importing twice stores them once', async () => {
        const runId = newRunId('import');
        await store.createRun(newRun(runId));
        const invocations = [invocationRow(runId, 0), invocationRow(runId, 1), invocationRow(runId, 2)];
        const rows: ExperimentRow[] = [{ run_id: runId, table_name: 'probe', seq: 0, data: { gap_s: 300 } }];
        await store.importRunResults(runId, invocations, rows);
        await store.importRunResults(runId, invocations, rows);
        expect((await store.invocations(runId)).map((row) => row.seq)).toEqual([0, 1, 2]);
        expect(await store.experimentRows(runId)).toEqual({ probe: [{ gap_s: 300 }] });
        expect((await store.getRun(runId))?.invocation_count).toBe(3);
        await expect(store.importRunResults(newRunId('missing'), [], [])).rejects.toThrow(RunNotFoundError);
      });
    });

    describe('summarize', () => {
      it('counts per function and takes latency percentiles (percentile_cont) over ok rows', async () => {
        const run = await createRun('summary');
        const t = 1_700_000_000_000.25;
        let seq = 0;
        const root = (fn: string, status: InvocationRow['status'], latency: number | null, cold: boolean | null) =>
          invocationRow(run.id, seq++, { function_name: fn, status, cold, client_send: t + seq, client_end: latency === null ? null : t + seq + latency });
        const nested = (fn: string, latency: number) =>
          invocationRow(run.id, seq++, { function_name: fn, level: 1, invocation_start: t + seq, invocation_end: t + seq + latency });
        await store.insertInvocations([
          // alpha: ok latencies 40, 10, 30, 20; the error, throttled and timeout rows are counted but not in the percentiles.
          root('alpha', 'ok', 40, true),
          root('alpha', 'ok', 10, true),
          root('alpha', 'ok', 30, false),
          root('alpha', 'ok', 20, null),
          root('alpha', 'error', 1000, false),
          root('alpha', 'throttled', 5, null),
          root('alpha', 'timeout', 9999, null),
          // beta: nested calls (the caller's timing) 5 and 15, a root whose client_end is missing so its
          // caller timing (25) is used, and an ok row with no timing at all (counted, no latency).
          nested('beta', 15),
          nested('beta', 5),
          invocationRow(run.id, seq++, { function_name: 'beta', client_send: t, client_end: null, invocation_start: t, invocation_end: t + 25 }),
          invocationRow(run.id, seq++, { function_name: 'beta' }),
          // gamma: errors only.
          root('gamma', 'error', 3, true),
          root('gamma', 'error', 4, null),
        ]);
        const summary = await store.summarize(run.id);
        expect(summary.map((row) => row.function_name)).toEqual(['alpha', 'beta', 'gamma']);
        const [alpha, beta, gamma] = summary;
        // percentile_cont(p) over n sorted values: position 1 + p(n − 1), interpolated linearly.
        // alpha [10, 20, 30, 40]: p50 → 2.5 → 25; p90 → 3.7 → 37; p99 → 3.97 → 39.7.
        expect(alpha).toMatchObject({ invocations: 7, errors: 1, throttled: 1, timeouts: 1, cold: 2 });
        expect(alpha?.latency_p50_ms).toBeCloseTo(25, 9);
        expect(alpha?.latency_p90_ms).toBeCloseTo(37, 9);
        expect(alpha?.latency_p99_ms).toBeCloseTo(39.7, 9);
        // beta [5, 15, 25]: p50 → 2 → 15; p90 → 2.8 → 23; p99 → 2.98 → 24.8.
        expect(beta).toMatchObject({ invocations: 4, errors: 0, throttled: 0, timeouts: 0, cold: 0 });
        expect(beta?.latency_p50_ms).toBeCloseTo(15, 9);
        expect(beta?.latency_p90_ms).toBeCloseTo(23, 9);
        expect(beta?.latency_p99_ms).toBeCloseTo(24.8, 9);
        expect(gamma).toEqual({
          function_name: 'gamma',
          invocations: 2,
          errors: 2,
          throttled: 0,
          timeouts: 0,
          cold: 1,
          latency_p50_ms: null,
          latency_p90_ms: null,
          latency_p99_ms: null,
        });
      });

      it('is empty for a run without invocations', async () => {
        const run = await createRun('no-summary');
        expect(await store.summarize(run.id)).toEqual([]);
      });
    });

    describe('invocationUsage', () => {
      it('groups by function, memory and root, counting and summing execution times rounded as asked', async () => {
        const run = await createRun('usage');
        const t = 1_700_000_000_000.5;
        let seq = 0;
        const executed = (fn: string, level: number, ms: number, memory: number | null, cold: boolean) =>
          invocationRow(run.id, seq++, { function_name: fn, level, memory_mb: memory, cold, execution_start: t, execution_end: t + ms, http_status: level === 0 ? 200 : null });
        await store.insertInvocations([
          executed('f1', 0, 0.2, 1024, true),
          executed('f1', 0, 10.5, 1024, false),
          executed('f1', 0, 250, 1024, false),
          executed('f1', 1, 3, 1024, false),
          executed('f1', 0, 7, 2048, true),
          // Throttled by the platform: answered, never ran. A client-side failure: neither.
          invocationRow(run.id, seq++, { function_name: 'f1', status: 'throttled', http_status: 429, memory_mb: 1024 }),
          invocationRow(run.id, seq++, { function_name: 'f2', status: 'error', http_status: null }),
        ]);
        const byMs = await store.invocationUsage(run.id, { roundUpToMs: 1, minimumMs: 1 });
        expect(byMs).toEqual([
          { function_name: 'f1', memory_mb: 1024, root: true, invocations: 4, executed: 3, answered: 4, cold: 1, billed_ms: 1 + 11 + 250 },
          { function_name: 'f1', memory_mb: 1024, root: false, invocations: 1, executed: 1, answered: 0, cold: 0, billed_ms: 3 },
          { function_name: 'f1', memory_mb: 2048, root: true, invocations: 1, executed: 1, answered: 1, cold: 1, billed_ms: 7 },
          { function_name: 'f2', memory_mb: null, root: true, invocations: 1, executed: 0, answered: 0, cold: 0, billed_ms: 0 },
        ]);
        // Azure's rule: at least 100 ms per execution.
        const azure = await store.invocationUsage(run.id, { roundUpToMs: 1, minimumMs: 100 });
        expect(azure.map((group) => group.billed_ms)).toEqual([100 + 100 + 250, 100, 100, 0]);
        expect(await store.invocationUsage(newRunId('none'), { roundUpToMs: 1, minimumMs: 0 })).toEqual([]);
        await expect(store.invocationUsage(run.id, { roundUpToMs: 0, minimumMs: 0 })).rejects.toThrow(RangeError);
      });
    });

    describe('instanceActivity', () => {
      it('joins the executions of each instance that overlap or touch into periods, rounds each period, and groups per function and memory', async () => {
        const run = await createRun('activity');
        const t = 1_700_000_000_000.25;
        let seq = 0;
        const executed = (fn: string, instance: string | null, startMs: number, endMs: number, memory: number | null = 2048) =>
          invocationRow(run.id, seq++, { function_name: fn, level: fn === 'f1' ? 0 : 1, memory_mb: memory, instance_identifier: instance, execution_start: t + startMs, execution_end: t + endMs });
        await store.insertInvocations([
          // Instance a: [0, 300] and [100, 1500] overlap, [1500, 1600] touches them: one period of 1600 ms.
          executed('f1', 'a', 100, 1500),
          executed('f1', 'a', 0, 300),
          executed('f1', 'a', 1500, 1600),
          // …then 50 ms alone, later: a second period.
          executed('f1', 'a', 5000, 5050),
          // Instance b, the same function, at the same time as a: its own period.
          executed('f1', 'b', 200, 700),
          // A row that names no instance is a period of its own.
          executed('f1', null, 0, 10),
          // Another function on its own instance, and a row of f1 at another memory.
          executed('f2', 'c', 120, 1320.5),
          executed('f1', 'd', 0, 40, 4096),
          // Never executed (a client-side failure): no period.
          invocationRow(run.id, seq++, { function_name: 'f1', status: 'error', http_status: null, instance_identifier: 'a' }),
        ]);
        const exact = await store.instanceActivity(run.id, { roundUpToMs: 1, minimumMs: 0 });
        expect(exact).toEqual([
          { function_name: 'f1', memory_mb: 2048, instances: 3, periods: 4, billed_ms: 1600 + 50 + 500 + 10 },
          { function_name: 'f1', memory_mb: 4096, instances: 1, periods: 1, billed_ms: 40 },
          { function_name: 'f2', memory_mb: 2048, instances: 1, periods: 1, billed_ms: 1201 },
        ]);
        // Flex Consumption's rule: each period at least 1 s, rounded up to 100 ms.
        const flex = await store.instanceActivity(run.id, { roundUpToMs: 100, minimumMs: 1000 });
        expect(flex.map((group) => group.billed_ms)).toEqual([1600 + 1000 + 1000 + 1000, 1000, 1300]);
        expect(await store.instanceActivity(newRunId('none'), { roundUpToMs: 1, minimumMs: 0 })).toEqual([]);
        await expect(store.instanceActivity(run.id, { roundUpToMs: 0, minimumMs: 0 })).rejects.toThrow(RangeError);
      });
    });

    describe('experiment rows', () => {
      it('come back grouped by table name, each in seq order, jsonb intact', async () => {
        const run = await createRun('experiment');
        const row = (table_name: string, seq: number, data: Record<string, unknown>): ExperimentRow => ({ run_id: run.id, table_name, seq, data });
        await store.insertExperimentRows([
          row('sizes', 2, { size: 3, note: 'tab\tnewline\n' }),
          row('sizes', 0, { size: 1, note: 'quote " backslash \\' }),
          row('cold starts', 1, { ms: 5e-324, list: [1, 'two', null] }),
          row('sizes', 1, { size: 2, unicode: '日本 😀' }),
          row('cold starts', 0, { ms: 1.7976931348623157e308, nested: { ok: true } }),
        ]);
        await store.insertExperimentRows([]);
        expect(await store.experimentRows(run.id)).toEqual({
          'cold starts': [{ ms: 1.7976931348623157e308, nested: { ok: true } }, { ms: 5e-324, list: [1, 'two', null] }],
          sizes: [
            { size: 1, note: 'quote " backslash \\' },
            { size: 2, unicode: '日本 😀' },
            { size: 3, note: 'tab\tnewline\n' },
          ],
        });
        await expect(store.insertExperimentRows([row('sizes', 1, {})])).rejects.toBeInstanceOf(DuplicateRowsError);
        expect(await store.experimentRows(newRunId('none'))).toEqual({});
      });
    });

    describe('persistence', () => {
      it('keeps everything when the database is closed and opened again', async () => {
        const run = await createRun('persist');
        await store.setRunStatus(run.id, 'completed', 'done');
        const rows = nastyRows(run.id).slice(0, 5);
        await store.insertInvocations(rows);
        await store.insertExperimentRows([{ run_id: run.id, table_name: 't', seq: 0, data: { a: 1 } }]);
        const before = await store.getRun(run.id);

        await store.close();
        store = await target.open();

        expect(await store.getRun(run.id)).toEqual(before);
        expect(await store.invocations(run.id)).toEqual(rows);
        expect(await store.experimentRows(run.id)).toEqual({ t: [{ a: 1 }] });
        expect((await store.appliedMigrations()).length).toBe(MIGRATIONS.length);
      });
    });
  });
}
