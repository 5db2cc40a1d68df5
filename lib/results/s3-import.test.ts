/**
 * Imports from S3 that outlive the Data API's call limit (s3-import.ts), against the fake Data API
 * made to exceed it: the fake's statement limit is cut to a fraction of a second and the S3 load
 * is made to take longer, so the call gives up while the load runs on, as a large run's import
 * would on Aurora after 45 s. The import SQL runs on PGlite behind the fake, with stand-ins for
 * Aurora's aws_s3 objects (test-support/aurora-stand-ins.ts) reading objects from a table.
 */
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, describe, expect, it } from 'vitest';
import { AURORA_STAND_INS, auroraStoreOnFake } from '../../test-support/aurora-stand-ins';
import { type FakeDataApi, startFakeDataApi } from '../../test-support/fake-data-api';
import { encodeCopyChunks } from './copy-encoder';
import { type DataApiExecutor, DataApiStatementTimeoutError } from './data-api-executor';
import { ImportStillRunningError, StatementStillRunningError } from './errors';
import { openResultsStore } from './open-store';
import { stagingTableName } from './s3-import';
import type { SqlExecutor, SqlQueryable } from './sql-executor';
import { EXPERIMENT_ROW_COPY_COLUMNS, INVOCATION_COPY_COLUMNS, SqlResultsStore } from './sql-store';
import { invocationRow, newRun, newRunId } from './store.contract';
import type { ExperimentRow, InvocationRow } from './types';

const BUCKET = 'results-bucket';
const REGION = 'eu-west-1';
const STATEMENT_LIMIT_MS = 150;
const IMPORT_SQL = 'select aws_s3.table_import_from_s3(';

interface Setup {
  fake: FakeDataApi;
  client: RDSDataClient;
  store: SqlResultsStore;
  /** How long the emulated S3 load takes now, ms (the limit is STATEMENT_LIMIT_MS). */
  loadMs: { value: number };
}

let setup: Setup | undefined;
afterAll(async () => {
  setup?.client.destroy();
  await setup?.fake.close();
});

/** The one fake of this file (started once: PGlite and the migrations take seconds), its load time set to `loadMs`. */
async function startSetup(loadMs: number): Promise<Setup> {
  if (setup) {
    await Promise.all(setup.fake.continued.map((statement) => statement.outcome));
    setup.loadMs.value = loadMs;
    return setup;
  }
  const load = { value: loadMs };
  const fake = await startFakeDataApi({
    statementTimeoutMs: STATEMENT_LIMIT_MS,
    statementDurationMs: (sql) => (sql.includes(IMPORT_SQL) ? load.value : 0),
  });
  const { client, store } = await auroraStoreOnFake(fake, REGION);
  setup = { fake, client, store, loadMs: load };
  return setup;
}

function rowsOf(runId: string, invocationCount: number): { invocations: InvocationRow[]; experimentRows: ExperimentRow[] } {
  return {
    invocations: Array.from({ length: invocationCount }, (_, seq) => invocationRow(runId, seq, { cold: seq === 0 })),
    experimentRows: [{ run_id: runId, table_name: 'latencies', seq: 0, data: { p50: 12.5 } }],
  };
}

/** Put the run's files where the stand-in reads them, and return what the import needs. */
async function putFiles(fake: FakeDataApi, runId: string, rows: ReturnType<typeof rowsOf>) {
  const files = {
    bucket: BUCKET,
    region: REGION,
    invocationsKey: `raw/${runId}/invocations.tsv`,
    invocationCount: rows.invocations.length,
    experimentRowsKey: `raw/${runId}/experiment_rows.tsv`,
    experimentRowCount: rows.experimentRows.length,
  };
  for (const [key, body] of [
    [files.invocationsKey, [...encodeCopyChunks(rows.invocations, INVOCATION_COPY_COLUMNS)].join('')],
    [files.experimentRowsKey, [...encodeCopyChunks(rows.experimentRows, EXPERIMENT_ROW_COPY_COLUMNS)].join('')],
  ] as const) {
    await fake.db.query(
      `insert into fake_s3_objects (bucket, key, region, body) values ($1, $2, $3, $4)
       on conflict (bucket, key) do update set body = excluded.body`,
      [BUCKET, key, REGION, body],
    );
  }
  return files;
}

/** Give the run these invocation rows first (by a quick import: the Data API has no COPY). */
async function seedInvocations(target: Setup, runId: string, seqs: readonly number[]): Promise<void> {
  const loadMs = target.loadMs.value;
  target.loadMs.value = 0;
  const files = await putFiles(target.fake, runId, { invocations: seqs.map((seq) => invocationRow(runId, seq)), experimentRows: [] });
  await target.store.importRunResultsFromS3(runId, files);
  target.loadMs.value = loadMs;
}

const importRequests = (fake: FakeDataApi, from = 0) => fake.requests.slice(from).filter((request) => request.sql?.includes(IMPORT_SQL));

async function stagingTables(fake: FakeDataApi): Promise<string[]> {
  const { rows } = await fake.db.query<{ tablename: string }>(`select tablename from pg_tables where tablename like 'fb_import_%' order by tablename`);
  return rows.map((row) => row.tablename);
}

describe('importRunResultsFromS3 through the Data API when a load outlives the call limit', () => {
  it('lets the load run on past the limit and stores every row once it has committed', async () => {
    const target = await startSetup(STATEMENT_LIMIT_MS * 4);
    const { fake, store } = target;
    const runId = newRunId('s3-import-long');
    await store.createRun(newRun(runId));
    await seedInvocations(target, runId, [0, 40]);
    const rows = rowsOf(runId, 25);
    const files = await putFiles(fake, runId, rows);
    const from = fake.requests.length;
    const continuedFrom = fake.continued.length;

    await store.importRunResultsFromS3(runId, files, { pollIntervalMs: 20, waitMs: 10_000 });

    expect(await store.invocations(runId)).toEqual(rows.invocations);
    expect(await store.experimentRows(runId)).toEqual({ latencies: [{ p50: 12.5 }] });
    expect((await store.getRun(runId))?.invocation_count).toBe(25);
    // Both loads were cut off by the limit, ran on, and succeeded; nothing was loaded twice.
    const loads = importRequests(fake, from);
    expect(loads.map((request) => [request.continueAfterTimeout, request.error])).toEqual([
      [true, 'StatementTimeoutException'],
      [true, 'StatementTimeoutException'],
    ]);
    expect(await Promise.all(fake.continued.slice(continuedFrom).map((statement) => statement.outcome))).toEqual([{ ok: true }, { ok: true }]);
    expect(await stagingTables(fake)).toEqual([]);
  });

  it('raises ImportStillRunningError when the wait ends first, keeps the old rows, and a retry finishes without loading again', async () => {
    const target = await startSetup(STATEMENT_LIMIT_MS * 6);
    const { fake, store } = target;
    const runId = newRunId('s3-import-retry');
    await store.createRun(newRun(runId));
    await seedInvocations(target, runId, [3]);
    const rows = rowsOf(runId, 10);
    const files = await putFiles(fake, runId, rows);

    const error = await store.importRunResultsFromS3(runId, files, { pollIntervalMs: 20, waitMs: 100 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportStillRunningError);
    expect(error).toMatchObject({ name: 'ImportStillRunningError', runId, table: 'invocations' });
    expect((error as Error).message).toMatch(/had not finished after \d+ s of waiting; it runs on in the database/);
    expect((await store.invocations(runId)).map((row) => row.seq)).toEqual([3]);
    // The staging table is kept for the retry.
    expect(await stagingTables(fake)).toEqual([stagingTableName('invocations', runId)]);

    await Promise.all(fake.continued.map((statement) => statement.outcome));
    const from = fake.requests.length;
    target.loadMs.value = 0;
    await store.importRunResultsFromS3(runId, files, { pollIntervalMs: 20, waitMs: 10_000 });
    expect(await store.invocations(runId)).toEqual(rows.invocations);
    expect((await store.getRun(runId))?.invocation_count).toBe(10);
    // Only the experiment rows' file is loaded now: the invocations were already staged.
    expect(importRequests(fake, from).map((request) => request.sql?.includes(stagingTableName('experiment_rows', runId)))).toEqual([true]);
  });

  it('loads again when the load that outlived its call failed, and stores the rows', async () => {
    const { fake, store } = await startSetup(STATEMENT_LIMIT_MS * 3);
    const runId = newRunId('s3-import-dead');
    await store.createRun(newRun(runId));
    const rows = rowsOf(runId, 5);
    const files = await putFiles(fake, runId, rows);
    const missing = { ...files, invocationsKey: `raw/${runId}/not-yet.tsv` };
    const continuedFrom = fake.continued.length;

    await expect(store.importRunResultsFromS3(runId, missing, { pollIntervalMs: 20, waitMs: STATEMENT_LIMIT_MS * 6 })).rejects.toThrow(ImportStillRunningError);
    const outcomes = await Promise.all(fake.continued.slice(continuedFrom).map((statement) => statement.outcome));
    expect(outcomes).toEqual([{ ok: false, error: expect.stringMatching(/no object s3:\/\/results-bucket\/raw\/.*\/not-yet\.tsv/) }]);

    await store.importRunResultsFromS3(runId, files, { pollIntervalMs: 20, waitMs: 10_000 });
    expect(await store.invocations(runId)).toEqual(rows.invocations);
    expect(await stagingTables(fake)).toEqual([]);
  });

  it('maps the limit to StatementStillRunningError for queryOutlivingCall, and cancels a plain query inside a transaction', async () => {
    const { fake, store } = await startSetup(STATEMENT_LIMIT_MS * 2);
    const executor = store.executor as DataApiExecutor;
    const continuedFrom = fake.continued.length;
    const slow = `${IMPORT_SQL}'nothing', '', '(format text)', aws_commons.create_s3_uri('b', 'k', 'r'))`;
    await expect(executor.queryOutlivingCall(slow)).rejects.toThrow(StatementStillRunningError);
    await expect(executor.query(slow)).rejects.toThrow(DataApiStatementTimeoutError);
    // Cancelled inside a transaction, PostgreSQL aborts it: the commit fails and nothing is kept.
    const runId = newRunId('s3-import-cancelled');
    await store.createRun(newRun(runId));
    await expect(
      executor.transaction(async (tx) => {
        await tx.query('update runs set invocation_count = 7 where id = $1', [runId]);
        await tx.query(slow).catch(() => {});
      }),
    ).rejects.toThrow(/current transaction is aborted/);
    expect((await store.getRun(runId))?.invocation_count).toBe(0);
    expect(fake.continued.slice(continuedFrom).map((statement) => statement.sql)).toEqual([slow]);
  });
});

describe('importRunResultsFromS3 when an earlier attempt’s load still holds the staging table', () => {
  it('waits for that load instead of loading again', async () => {
    const base = await openResultsStore();
    try {
      for (const statement of AURORA_STAND_INS) await base.executor.query(statement);
      const runId = newRunId('s3-import-locked');
      await base.createRun(newRun(runId));
      const rows = rowsOf(runId, 4);
      const staging = stagingTableName('invocations', runId);
      const text = [...encodeCopyChunks(rows.invocations, INVOCATION_COPY_COLUMNS)].join('');
      const columns = INVOCATION_COPY_COLUMNS.map((column) => column.name).join(',');
      // The earlier attempt created the table and its load is still running: dropping the table
      // waits for the load's lock until lock_timeout (55P03), as on Aurora; it commits 150 ms later.
      await base.executor.query(`create table ${staging} as select ${columns} from invocations with no data`);
      await base.executor.query(`insert into fake_s3_objects (bucket, key, region, body) values ($1, $2, $3, $4)`, [BUCKET, 'earlier.tsv', REGION, text]);
      const committed = new Promise((resolve) => setTimeout(resolve, 150)).then(() =>
        base.executor.query(`select aws_s3.table_import_from_s3('${staging}', '${columns}', '(format text)', aws_commons.create_s3_uri($1, $2, $3))`, [BUCKET, 'earlier.tsv', REGION]),
      );
      const sent: string[] = [];
      const store = new SqlResultsStore(lockedWhileLoading(base.executor, staging, sent));
      const files = {
        bucket: BUCKET,
        region: REGION,
        invocationsKey: `raw/${runId}/invocations.tsv`,
        invocationCount: 4,
        experimentRowsKey: `raw/${runId}/experiment_rows.tsv`,
        experimentRowCount: 0,
      };

      await store.importRunResultsFromS3(runId, files, { pollIntervalMs: 20, waitMs: 10_000 });
      await committed;
      expect(await base.invocations(runId)).toEqual(rows.invocations);
      expect(sent.some((sql) => sql.includes(IMPORT_SQL))).toBe(false);
      expect(sent).toContain(`set local lock_timeout = '5000ms'`);
    } finally {
      await base.close();
    }
  });
});

/** The executor, with `drop table <staging>` in a transaction refused as lock_timeout refuses it while the table is empty. */
function lockedWhileLoading(executor: SqlExecutor, staging: string, sent: string[]): SqlExecutor {
  const wrap = (target: SqlQueryable, inTransaction: boolean): SqlQueryable => ({
    async query<T>(sql: string, params?: readonly unknown[]) {
      sent.push(sql);
      if (inTransaction && sql === `drop table if exists ${staging}`) {
        const { rows } = await target.query<{ n: number }>(`select count(*)::int as n from ${staging}`);
        if (rows[0]?.n === 0) throw Object.assign(new Error(`canceling statement due to lock timeout`), { code: '55P03' });
      }
      return target.query<T>(sql, params);
    },
    copyFrom: (table, columns, text) => target.copyFrom(table, columns, text),
  });
  return {
    ...wrap(executor, false),
    kind: executor.kind,
    location: executor.location,
    transaction: (fn) => executor.transaction((tx) => fn(wrap(tx, true))),
    close: () => executor.close(),
  };
}
