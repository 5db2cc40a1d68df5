/**
 * Aurora bulk import through S3 (aurora-import.ts, SqlResultsStore.importRunResultsFromS3):
 * staging is checked against a mocked S3 client (keys, content type, COPY TEXT bodies that decode
 * back to the rows); the import SQL runs on in-memory PGlite, where stand-ins play Aurora's
 * extension: `aws_commons.create_s3_uri` and an `aws_s3.table_import_from_s3` that reads the
 * object from a `fake_s3_objects` table and loads it as COPY TEXT would (fields split on tabs,
 * `\N` as NULL, backslash escapes read by an E'' literal, each value cast to its column's type).
 * The staged bodies captured from the mock are what the stand-in imports, so the round trip is
 * end to end: rows → TSV → import → the same rows read back. The same import also runs through
 * the Data API executor against the fake Data API (test-support/fake-data-api.ts), as in AWS.
 */
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { PutObjectCommand, type PutObjectCommandInput, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AURORA_STAND_INS, auroraStoreOnFake } from '../../test-support/aurora-stand-ins';
import { type FakeDataApi, startFakeDataApi } from '../../test-support/fake-data-api';
import { RunNotFoundError } from '../results/errors';
import { openResultsStore } from '../results/open-store';
import type { SqlExecutor, SqlQueryable } from '../results/sql-executor';
import { EXPERIMENT_ROW_COPY_COLUMNS, INVOCATION_COPY_COLUMNS, SqlResultsStore } from '../results/sql-store';
import { invocationRow, newRun, newRunId } from '../results/store.contract';
import type { ExperimentRow, InvocationRow } from '../results/types';
import { stagingTableName } from '../results/s3-import';
import { importStagedRunResults, type StagedRunResults, stageRunResultsForImport, TSV_CONTENT_TYPE } from './aurora-import';
import { ImportTransientError } from './results-transfer';

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

const BUCKET = 'results-bucket';
const REGION = 'eu-west-1';

function rowsOf(runId: string): { invocations: InvocationRow[]; experimentRows: ExperimentRow[] } {
  return {
    invocations: [
      invocationRow(runId, 0, { cold: true, client_send: 1.5, extra: { note: 'tab\there, quote \' and "x", back\\slash' } }),
      invocationRow(runId, 1, { status: 'error', error_message: 'line one\nline two\r\n\\N is not null', memory_mb: -0, cpu_time_ms: 5e-324 }),
      invocationRow(runId, 2, { function_name: 'function2', cold: false, platform: 'aws', region: REGION }),
    ],
    experimentRows: [
      { run_id: runId, table_name: 'latencies', seq: 0, data: { p50: 12.5, label: 'a\tb' } },
      { run_id: runId, table_name: 'latencies', seq: 1, data: { p50: null, list: [1, 2, 3] } },
    ],
  };
}

/** COPY TEXT → rows of field strings (null for `\N`), undoing the encoder's escapes. */
function decodeCopyText(text: string, columns: readonly { name: string }[]): Record<string, string | null>[] {
  const unescapeField = (field: string) => field.replace(/\\([\\tnr])/g, (_, ch: string) => ({ '\\': '\\', t: '\t', n: '\n', r: '\r' })[ch] as string);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields = line.split('\t');
      expect(fields).toHaveLength(columns.length);
      return Object.fromEntries(columns.map((column, i) => [column.name, fields[i] === '\\N' ? null : unescapeField(fields[i] as string)]));
    });
}

/** Stage with the mocked S3 and return what was uploaded, by key. */
async function stage(runId: string, rows: ReturnType<typeof rowsOf>): Promise<{ staged: StagedRunResults; bodies: Map<string, PutObjectCommandInput> }> {
  s3Mock.on(PutObjectCommand).resolves({});
  const staged = await stageRunResultsForImport(new S3Client({ region: REGION }), { bucket: BUCKET, runId, ...rows });
  const bodies = new Map(s3Mock.commandCalls(PutObjectCommand).map((call) => [call.args[0].input.Key as string, call.args[0].input]));
  s3Mock.reset();
  return { staged, bodies };
}

describe('stageRunResultsForImport', () => {
  it('uploads both row sets as COPY TEXT under raw/<runId>/ and returns keys and counts', async () => {
    const runId = 'run-1';
    const rows = rowsOf(runId);
    const { staged, bodies } = await stage(runId, rows);
    expect(staged).toEqual({
      bucket: BUCKET,
      runId,
      invocationsKey: 'raw/run-1/invocations.tsv',
      invocationCount: 3,
      experimentRowsKey: 'raw/run-1/experiment_rows.tsv',
      experimentRowCount: 2,
    });
    expect([...bodies.keys()].sort()).toEqual(['raw/run-1/experiment_rows.tsv', 'raw/run-1/invocations.tsv']);
    for (const input of bodies.values()) {
      expect(input.Bucket).toBe(BUCKET);
      expect(input.ContentType).toBe(TSV_CONTENT_TYPE);
      expect(input.ContentType).toBe('text/tab-separated-values');
    }

    const invocations = decodeCopyText(bodies.get(staged.invocationsKey)?.Body as string, INVOCATION_COPY_COLUMNS);
    expect(invocations).toHaveLength(3);
    expect(invocations.map((row) => [row.run_id, row.seq, row.function_name, row.status, row.cold])).toEqual([
      [runId, '0', 'function1', 'ok', 't'],
      [runId, '1', 'function1', 'error', null],
      [runId, '2', 'function2', 'ok', 'f'],
    ]);
    expect(invocations[1]?.error_message).toBe('line one\nline two\r\n\\N is not null');
    expect(invocations[1]?.memory_mb).toBe('-0');
    expect(invocations[0]?.root_identifier).toBeNull();
    expect(JSON.parse(invocations[0]?.extra as string)).toEqual(rows.invocations[0]?.extra);

    const experimentRows = decodeCopyText(bodies.get(staged.experimentRowsKey)?.Body as string, EXPERIMENT_ROW_COPY_COLUMNS);
    expect(experimentRows.map((row) => ({ ...row, data: JSON.parse(row.data as string) }))).toEqual(
      rows.experimentRows.map((row) => ({ ...row, seq: String(row.seq) })),
    );
  });

  it('uploads empty files for a run without rows, and refuses rows of another run before uploading', async () => {
    const { staged, bodies } = await stage('empty', { invocations: [], experimentRows: [] });
    expect(staged.invocationCount).toBe(0);
    expect(staged.experimentRowCount).toBe(0);
    expect([...bodies.values()].map((input) => input.Body)).toEqual(['', '']);

    s3Mock.on(PutObjectCommand).resolves({});
    const rows = rowsOf('run-a');
    await expect(
      stageRunResultsForImport(new S3Client({ region: REGION }), { bucket: BUCKET, runId: 'run-b', ...rows }),
    ).rejects.toThrow(RangeError);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('turns a throttled or failing upload into ImportTransientError (CollectResults retries it), and passes refusals on', async () => {
    const s3Error = (name: string, status: number) => new S3ServiceException({ name, message: `${name} from S3`, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
    const rows = rowsOf('run-1');
    s3Mock.on(PutObjectCommand).rejects(s3Error('SlowDown', 503));
    const error = await stageRunResultsForImport(new S3Client({ region: REGION }), { bucket: BUCKET, runId: 'run-1', ...rows }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportTransientError);
    expect((error as Error).message).toMatch(/^could not stage run run-1's results in s3:\/\/[^ ]+\/raw\/run-1\/: SlowDown: SlowDown from S3$/);
    s3Mock.reset();
    s3Mock.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(stageRunResultsForImport(new S3Client({ region: REGION }), { bucket: BUCKET, runId: 'run-1', ...rows })).rejects.toMatchObject({ name: 'AccessDenied' });
    s3Mock.reset();
  });
});

/** The executor with every statement text recorded, inside transactions too. */
function recording(executor: SqlExecutor, statements: string[]): SqlExecutor {
  const wrap = (target: SqlQueryable): SqlQueryable => ({
    query: (sql, params) => {
      statements.push(sql);
      return target.query(sql, params);
    },
    copyFrom: (table, columns, text) => target.copyFrom(table, columns, text),
  });
  return {
    ...wrap(executor),
    kind: executor.kind,
    location: executor.location,
    transaction: (fn) => executor.transaction((tx) => fn(wrap(tx))),
    close: () => executor.close(),
  };
}

describe('importStagedRunResults on PGlite with stand-ins for aws_s3', () => {
  let base: SqlResultsStore;
  let store: SqlResultsStore;
  const statements: string[] = [];

  beforeAll(async () => {
    base = await openResultsStore();
    for (const statement of AURORA_STAND_INS) await base.executor.query(statement);
    store = new SqlResultsStore(recording(base.executor, statements));
  });
  afterAll(async () => {
    await base?.close();
  });

  /** Stage with the mock, then put the uploaded bodies where the stand-in reads them. */
  async function stageIntoFakeS3(runId: string, rows: ReturnType<typeof rowsOf>): Promise<StagedRunResults> {
    const { staged, bodies } = await stage(runId, rows);
    for (const [key, input] of bodies) {
      await base.executor.query(
        `insert into fake_s3_objects (bucket, key, region, body) values ($1, $2, $3, $4)
         on conflict (bucket, key) do update set body = excluded.body`,
        [BUCKET, key, REGION, input.Body as string],
      );
    }
    return staged;
  }

  it('replaces the run’s rows with the staged files, idempotently, and sets invocation_count', async () => {
    const runId = newRunId('aurora-import');
    await store.createRun(newRun(runId));
    const rows = rowsOf(runId);
    const staged = await stageIntoFakeS3(runId, rows);
    // Rows already there (an earlier, partial collection) are replaced, not appended to.
    await store.insertInvocations([invocationRow(runId, 0), invocationRow(runId, 7)]);

    statements.length = 0;
    await importStagedRunResults(store, { ...staged, region: REGION });
    await importStagedRunResults(store, { ...staged, region: REGION });

    expect(await store.invocations(runId)).toEqual(rows.invocations);
    expect(await store.experimentRows(runId)).toEqual({ latencies: rows.experimentRows.map((row) => row.data) });
    expect((await store.getRun(runId))?.invocation_count).toBe(3);

    const imports = statements.filter((sql) => sql.includes('select aws_s3.table_import_from_s3('));
    expect(imports).toHaveLength(4);
    const columns = INVOCATION_COPY_COLUMNS.map((column) => column.name).join(',');
    expect(columns.split(',')).toHaveLength(37);
    // Each file is loaded into the run's staging table of its table, then swapped in.
    expect(imports[0]).toBe(
      `select aws_s3.table_import_from_s3('${stagingTableName('invocations', runId)}', '${columns}', '(format text)', aws_commons.create_s3_uri($1, $2, $3))`,
    );
    expect(imports[1]).toContain(`aws_s3.table_import_from_s3('${stagingTableName('experiment_rows', runId)}', 'run_id,table_name,seq,data', '(format text)'`);
    expect(stagingTableName('invocations', runId)).toMatch(/^fb_import_invocations_[0-9a-f]{16}$/);
    expect(statements).toContain(`insert into invocations (${columns.split(',').join(', ')}) select ${columns.split(',').join(', ')} from ${stagingTableName('invocations', runId)} where run_id = $1`);
    // The staging tables are gone once the rows are in.
    const { rows: left } = await base.executor.query(`select tablename from pg_tables where tablename like 'fb_import_%'`);
    expect(left).toEqual([]);
    // The stand-in function exists, so the extension is not created (PGlite has none to create).
    expect(statements.some((sql) => /create extension/i.test(sql))).toBe(false);
    expect(statements.some((sql) => /for update/.test(sql))).toBe(true);
  });

  it('skips a file with no rows, and clears the run when both are empty', async () => {
    const runId = newRunId('aurora-import-empty');
    await store.createRun(newRun(runId));
    const rows = rowsOf(runId);
    const staged = await stageIntoFakeS3(runId, { invocations: rows.invocations, experimentRows: [] });
    await store.insertExperimentRows(rows.experimentRows);

    statements.length = 0;
    await importStagedRunResults(store, { ...staged, region: REGION });
    expect(statements.filter((sql) => sql.includes('select aws_s3.table_import_from_s3('))).toHaveLength(1);
    expect(await store.experimentRows(runId)).toEqual({});
    expect(await store.invocations(runId)).toHaveLength(3);

    const emptied = await stageIntoFakeS3(runId, { invocations: [], experimentRows: [] });
    statements.length = 0;
    await importStagedRunResults(store, { ...emptied, region: REGION });
    expect(statements.filter((sql) => sql.includes('select aws_s3.table_import_from_s3('))).toHaveLength(0);
    expect(await store.invocations(runId)).toEqual([]);
    expect((await store.getRun(runId))?.invocation_count).toBe(0);
  });

  it('raises RunNotFoundError for an unknown run', async () => {
    const runId = newRunId('aurora-import-missing');
    const staged = await stageIntoFakeS3(runId, rowsOf(runId));
    await expect(importStagedRunResults(store, { ...staged, region: REGION })).rejects.toThrow(RunNotFoundError);
    expect(await store.invocations(runId)).toEqual([]);
  });

  it('rolls everything back when the file does not hold the expected rows, or the import fails', async () => {
    const runId = newRunId('aurora-import-mismatch');
    await store.createRun(newRun(runId));
    const rows = rowsOf(runId);
    const staged = await stageIntoFakeS3(runId, rows);
    await store.insertInvocations([invocationRow(runId, 9)]);

    await expect(importStagedRunResults(store, { ...staged, invocationCount: 5, region: REGION })).rejects.toThrow(/gave 3 invocation rows of the run, expected 5/);
    await expect(importStagedRunResults(store, { ...staged, invocationsKey: `raw/${runId}/missing.tsv`, region: REGION })).rejects.toThrow(/no object/);
    expect((await store.invocations(runId)).map((row) => row.seq)).toEqual([9]);
    expect((await store.getRun(runId))?.invocation_count).toBe(1);
    await expect(importStagedRunResults(store, { ...staged, invocationCount: -1, region: REGION })).rejects.toThrow(RangeError);
  });
});

describe('importStagedRunResults through the RDS Data API (fake on PGlite)', () => {
  let fake: FakeDataApi | undefined;
  let client: RDSDataClient | undefined;

  afterAll(async () => {
    client?.destroy();
    await fake?.close();
  });

  it('loads each file by an autocommitted statement allowed to outlive its call, with :p1..:p3, and imports the rows', async () => {
    fake = await startFakeDataApi();
    const opened = await auroraStoreOnFake(fake, REGION);
    client = opened.client;
    const store = opened.store;
    const runId = newRunId('aurora-import-data-api');
    await store.createRun(newRun(runId));
    const rows = rowsOf(runId);
    const { staged, bodies } = await stage(runId, rows);
    for (const [key, input] of bodies) {
      await fake.db.query('insert into fake_s3_objects (bucket, key, region, body) values ($1, $2, $3, $4)', [BUCKET, key, REGION, input.Body as string]);
    }

    const from = fake.requests.length;
    await importStagedRunResults(store, { ...staged, region: REGION });
    await importStagedRunResults(store, { ...staged, region: REGION });
    expect(await store.invocations(runId)).toEqual(rows.invocations);
    expect((await store.getRun(runId))?.invocation_count).toBe(3);

    const imports = fake.requests.slice(from).filter((request) => request.sql?.includes('select aws_s3.table_import_from_s3('));
    expect(imports).toHaveLength(4);
    for (const request of imports) {
      // Autocommitted, and allowed to run on past the 45 s call limit.
      expect(request.operation).toBe('Execute');
      expect(request.transactionId).toBeUndefined();
      expect(request.continueAfterTimeout).toBe(true);
      expect(request.parameterCount).toBe(3);
      expect(request.sql).toMatch(/'\(format text\)', aws_commons\.create_s3_uri\(:p1, :p2, :p3\)\)$/);
    }
    await expect(importStagedRunResults(store, { ...staged, runId: 'no-such-run', region: REGION })).rejects.toThrow(RunNotFoundError);
    expect(fake.openTransactions()).toBe(0);
    expect(fake.requests.slice(from).some((request) => request.error === 'StatementTimeoutException')).toBe(false);
  });
});
