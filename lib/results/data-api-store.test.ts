/**
 * The results store over the RDS Data API: the shared store contract run through a real
 * `@aws-sdk/client-rds-data` client against the local fake Data API (test-support/fake-data-api.ts,
 * PGlite behind HTTP), plus what only DataApiExecutor does: the exact commands it sends
 * (asserted with aws-sdk-client-mock), `$n` → `:pn`, transactions, its refusal of `copyFrom`
 * (the Data API has no COPY), and the mapping of Data API errors.
 *
 * The contract seeds its data with the store's bulk writers (COPY). Over the Data API those rows
 * reach Aurora through the S3 import instead (`aws_s3.table_import_from_s3`,
 * lib/control-plane/aurora-import.ts), so the contract runs on {@link S3ImportStandInExecutor}:
 * every statement through the real DataApiExecutor, bulk loads straight into the fake's PGlite.
 *
 * One fake (one PGlite, ~3 s to start) serves the whole file; tests use their own tables or runs.
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDataApi, startFakeDataApi } from '../../test-support/fake-data-api';
import {
  DataApiBulkLoadUnsupportedError,
  DataApiExecutor,
  type DataApiExecutorOptions,
  DataApiStatementTimeoutError,
  DataApiUnavailableError,
  parseServiceMessage,
  toNamedParameters,
} from './data-api-executor';
import { DuplicateRowsError, ResultsStoreError, ResultsStoreUnavailableError } from './errors';
import { type CopyText, copyChunks, copyStatement, type SqlExecutor, type SqlQueryable } from './sql-executor';
import { SqlResultsStore } from './sql-store';
import { describeStoreContract, invocationRow, newRun, newRunId } from './store.contract';

const TARGET = {
  resourceArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:fb-results',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fb-results-AbCdEf',
  database: 'postgres',
};

let fake: FakeDataApi | undefined;
const clients: RDSDataClient[] = [];

beforeAll(async () => {
  fake = await startFakeDataApi();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await fake?.close();
});

const theFake = (): FakeDataApi => {
  if (!fake) throw new Error('fake Data API not started');
  return fake;
};

/** A client for the fake, destroyed after the file. */
function fakeClient(): RDSDataClient {
  const client = new RDSDataClient({
    endpoint: theFake().url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    // Errors are asserted one call at a time: no SDK retries of 5xx answers.
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

const executorOnFake = (options: Partial<DataApiExecutorOptions> = {}) => new DataApiExecutor({ client: fakeClient(), ...TARGET, ...options });

/** Requests the fake received from index `from` on. */
const requestsSince = (from: number) => theFake().requests.slice(from);

/**
 * What the store runs on in these tests: statements, transactions and their errors go through the
 * real DataApiExecutor (the real client, over HTTP, to the fake), but `copyFrom` loads the COPY
 * text directly into the PGlite behind the fake. That stands in for `aws_s3.table_import_from_s3`,
 * which is how a run's rows really reach Aurora (lib/control-plane/aurora-import.ts): the Data API
 * has no COPY, and DataApiExecutor.copyFrom refuses. The load runs inside a Data API transaction
 * (the store's own, or one opened for the call): BeginTransaction holds the fake's one PGlite
 * connection, so the COPY is part of that transaction, committed or rolled back with it, as the S3
 * import is part of the store's transaction in AWS.
 */
class S3ImportStandInExecutor implements SqlExecutor {
  readonly kind = 'data-api' as const;
  readonly location: string;

  constructor(
    private readonly dataApi: DataApiExecutor,
    private readonly db: PGlite,
  ) {
    this.location = dataApi.location;
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }> {
    return this.dataApi.query<T>(sql, params);
  }

  copyFrom(table: string, columns: readonly string[], text: CopyText): Promise<void> {
    return this.transaction((tx) => tx.copyFrom(table, columns, text));
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.dataApi.transaction((tx) =>
      fn({
        query: <R>(sql: string, params?: readonly unknown[]) => tx.query<R>(sql, params),
        copyFrom: (table, columns, text) => this.load(table, columns, text),
      }),
    );
  }

  close(): Promise<void> {
    return this.dataApi.close();
  }

  /** COPY from a blob, as PgliteExecutor does; only ever called inside a Data API transaction. */
  private async load(table: string, columns: readonly string[], text: CopyText): Promise<void> {
    const blob = new Blob(Array.from(copyChunks(text)));
    if (blob.size === 0) return;
    await this.db.query(copyStatement(table, columns, `'/dev/blob'`), [], { blob });
  }
}

const storeExecutorOver = (executor: DataApiExecutor) => new S3ImportStandInExecutor(executor, theFake().db);

describeStoreContract('RDS Data API (fake on PGlite; bulk rows loaded as the S3 import would)', {
  open: async () => {
    const store = new SqlResultsStore(storeExecutorOver(executorOnFake()));
    await store.migrate();
    return store;
  },
});

describe('DataApiExecutor: commands sent (aws-sdk-client-mock)', () => {
  const mocked = () => {
    const client = new RDSDataClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    clients.push(client);
    const mock = mockClient(client);
    return { mock, executor: new DataApiExecutor({ client, ...TARGET }) };
  };

  it('translates $n to :pn and types each parameter', async () => {
    const { mock, executor } = mocked();
    mock.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 1 });
    await executor.query(
      `update t set a = $2, b = $3, c = $4, d = $5, e = $6::text::jsonb, f = $7, g = $8, h = $9 where id = $1 and note <> '$1 :x' -- $2\n`,
      ['id-1', 'text', 42, 0.5, true, '{"k":1}', null, { nested: [1, 'two'] }, -7],
    );
    const calls = mock.commandCalls(ExecuteStatementCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      ...TARGET,
      sql: `update t set a = :p2, b = :p3, c = :p4, d = :p5, e = :p6::text::jsonb, f = :p7, g = :p8, h = :p9 where id = :p1 and note <> '$1 :x' -- $2\n`,
      parameters: [
        { name: 'p1', value: { stringValue: 'id-1' } },
        { name: 'p2', value: { stringValue: 'text' } },
        { name: 'p3', value: { longValue: 42 } },
        { name: 'p4', value: { doubleValue: 0.5 } },
        { name: 'p5', value: { booleanValue: true } },
        { name: 'p6', value: { stringValue: '{"k":1}' } },
        { name: 'p7', value: { isNull: true } },
        { name: 'p8', value: { stringValue: '{"nested":[1,"two"]}' }, typeHint: 'JSON' },
        { name: 'p9', value: { longValue: -7 } },
      ],
      includeResultMetadata: true,
    });
  });

  it('sends numbers beyond safe integers as doubles, Dates with typeHint TIMESTAMP, and no parameters when there are none', async () => {
    const { mock, executor } = mocked();
    mock.on(ExecuteStatementCommand).resolves({});
    await executor.query('select $1, $2, $3, $4', [2 ** 53, 1e21, -0.25, new Date('2024-02-29T23:59:58.123Z')]);
    await executor.query('select 1');
    const [first, second] = mock.commandCalls(ExecuteStatementCommand);
    expect(first?.args[0].input.parameters).toEqual([
      { name: 'p1', value: { doubleValue: 2 ** 53 } },
      { name: 'p2', value: { doubleValue: 1e21 } },
      { name: 'p3', value: { doubleValue: -0.25 } },
      { name: 'p4', value: { stringValue: '2024-02-29 23:59:58.123' }, typeHint: 'TIMESTAMP' },
    ]);
    expect(second?.args[0].input).toEqual({ ...TARGET, sql: 'select 1', includeResultMetadata: true });
  });

  it("passes sql-store's timestamps and jsonb as strings cast in SQL (no typeHint), its limit as longValue", async () => {
    const { mock, executor } = mocked();
    const now = new Date('2025-01-02T03:04:05.678Z');
    const store = new SqlResultsStore(executor, { now: () => now });
    mock
      .on(ExecuteStatementCommand)
      .resolves({ records: [[{ stringValue: 'run-1' }]], columnMetadata: [{ name: 'id', label: 'id', typeName: 'text' }] });
    await store.setRunStatus('run-1', 'failed', 'boom');
    mock.on(ExecuteStatementCommand).resolves({ records: [], columnMetadata: [] });
    await store.listRuns({ limit: 5 });
    const [update, list] = mock.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input);
    expect(update?.sql).toContain('status_history = status_history || :p3::text::jsonb');
    expect(update?.sql).toContain('ended_at = case when :p5 then :p6::text::timestamptz else ended_at end');
    expect(update?.parameters).toEqual([
      { name: 'p1', value: { stringValue: 'run-1' } },
      { name: 'p2', value: { stringValue: 'failed' } },
      { name: 'p3', value: { stringValue: JSON.stringify([{ status: 'failed', at: now.toISOString(), reason: 'boom' }]) } },
      { name: 'p4', value: { stringValue: 'boom' } },
      { name: 'p5', value: { booleanValue: true } },
      { name: 'p6', value: { stringValue: '2025-01-02T03:04:05.678Z' } },
    ]);
    expect(update?.transactionId).toBeUndefined();
    expect(list?.parameters).toEqual([{ name: 'p1', value: { longValue: 5 } }]);
  });

  it('maps records back to rows by column label: numbers, jsonb parsed, json-looking text left alone, NULL, arrays', async () => {
    const { mock, executor } = mocked();
    mock.on(ExecuteStatementCommand).resolves({
      columnMetadata: [
        { name: 'n', label: 'n', typeName: 'int4' },
        { name: 'x', label: 'x', typeName: 'float8' },
        { name: 'data', label: 'data', typeName: 'jsonb' },
        { name: 'note', label: 'note', typeName: 'text' },
        { name: 'ok', label: 'ok', typeName: 'bool' },
        { name: 'gone', label: 'gone', typeName: 'jsonb' },
        { name: 'tags', label: 'tags', typeName: '_text' },
        { name: 'at', label: 'at', typeName: 'timestamptz' },
      ],
      records: [
        [
          { longValue: 3 },
          { doubleValue: 5e-324 },
          { stringValue: '{"a": [1, "two", null]}' },
          { stringValue: '{"looks": "like json"}' },
          { booleanValue: false },
          { isNull: true },
          { arrayValue: { stringValues: ['a', 'b'] } },
          { stringValue: '2025-01-02 03:04:05.678' },
        ],
      ],
    });
    const { rows } = await executor.query('select …');
    expect(rows).toEqual([
      { n: 3, x: 5e-324, data: { a: [1, 'two', null] }, note: '{"looks": "like json"}', ok: false, gone: null, tags: ['a', 'b'], at: '2025-01-02 03:04:05.678' },
    ]);
  });

  it('runs a transaction as Begin, statements with its transactionId, Commit; Rollback when the callback throws', async () => {
    const { mock, executor } = mocked();
    mock.on(BeginTransactionCommand).resolves({ transactionId: 'tx-1' });
    mock.on(ExecuteStatementCommand).resolves({});
    mock.on(CommitTransactionCommand).resolves({ transactionStatus: 'Transaction Committed' });
    mock.on(RollbackTransactionCommand).resolves({ transactionStatus: 'Rollback Complete' });
    await executor.transaction((tx) => tx.query('select $1', ['a']));
    expect(mock.commandCalls(BeginTransactionCommand)[0]?.args[0].input).toEqual(TARGET);
    expect(mock.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toMatchObject({ sql: 'select :p1', transactionId: 'tx-1' });
    expect(mock.commandCalls(CommitTransactionCommand)[0]?.args[0].input).toEqual({
      resourceArn: TARGET.resourceArn,
      secretArn: TARGET.secretArn,
      transactionId: 'tx-1',
    });
    await expect(
      executor.transaction(async () => {
        throw new Error('callback failed');
      }),
    ).rejects.toThrow('callback failed');
    expect(mock.commandCalls(RollbackTransactionCommand)).toHaveLength(1);
    expect(mock.commandCalls(CommitTransactionCommand)).toHaveLength(1);
  });

  it('refuses copyFrom with DataApiBulkLoadUnsupportedError and sends nothing (bulk rows reach Aurora through the S3 import)', async () => {
    const { mock, executor } = mocked();
    const error = await executor.copyFrom('invocations', ['run_id', 'seq'], 'r1\t0\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiBulkLoadUnsupportedError);
    expect(error).toBeInstanceOf(ResultsStoreError);
    expect(error).toMatchObject({ name: 'DataApiBulkLoadUnsupportedError', table: 'invocations' });
    expect((error as Error).message).toMatch(/no COPY.*S3 import.*lib\/control-plane\/aurora-import\.ts/);
    expect(mock.calls()).toHaveLength(0);
    // In a transaction too: nothing but Begin and the Rollback the refusal causes.
    mock.on(BeginTransactionCommand).resolves({ transactionId: 'tx-copy' });
    mock.on(RollbackTransactionCommand).resolves({});
    await expect(executor.transaction((tx) => tx.copyFrom('experiment_rows', ['run_id'], 'r1\n'))).rejects.toBeInstanceOf(DataApiBulkLoadUnsupportedError);
    expect(mock.commandCalls(BeginTransactionCommand)).toHaveLength(1);
    expect(mock.commandCalls(RollbackTransactionCommand)).toHaveLength(1);
    expect(mock.calls()).toHaveLength(2);
  });
});

describe('$n → :pn', () => {
  it('leaves literals, quoted identifiers, comments, dollar quotes and casts alone', () => {
    expect(toNamedParameters(`select $1::text::jsonb, '$2', "a$3", $$ $1 $$, $tag$ :x $tag$, E'\\' $1', 'it''s :y' /* $1 /* :z */ */ from t where a = $10 and b = $2`, 10)).toBe(
      `select :p1::text::jsonb, '$2', "a$3", $$ $1 $$, $tag$ :x $tag$, E'\\' $1', 'it''s :y' /* $1 /* :z */ */ from t where a = :p10 and b = :p2`,
    );
  });

  it("refuses a placeholder beyond the parameters, and a ':name' the Data API would take for a parameter", () => {
    expect(() => toNamedParameters('select $3', 2)).toThrow(/\$3 but 2 parameter/);
    expect(() => toNamedParameters('select a[1:2], x from t where y = :y', 0)).toThrow(/named parameter/);
    expect(toNamedParameters('select a[1:2] from t', 0)).toBe('select a[1:2] from t');
  });
});

describe('Data API error messages', () => {
  it('yield the SQLSTATE, message and detail, also for a failed batch entry', () => {
    expect(
      parseServiceMessage('ERROR: duplicate key value violates unique constraint "runs_pkey"\n  Detail: Key (id)=(r1) already exists.; SQLState: 23505'),
    ).toEqual({ message: 'duplicate key value violates unique constraint "runs_pkey"', code: '23505', detail: 'Key (id)=(r1) already exists.' });
    expect(
      parseServiceMessage(
        'Batch entry 2 insert into "t" values (cast(:p1 as integer)) was aborted: ERROR: insert or update on table "t" violates foreign key constraint "t_run_id_fkey"\n  Detail: Key (run_id)=(nobody) is not present in table "runs".  Call getNextException to see other errors in the batch.; SQLState: 23503',
      ),
    ).toMatchObject({ code: '23503', detail: 'Key (run_id)=(nobody) is not present in table "runs".' });
    expect(parseServiceMessage('ERROR: relation "nope" does not exist\n  Position: 15; SQLState: 42P01')).toEqual({
      message: 'relation "nope" does not exist',
      code: '42P01',
    });
    expect(parseServiceMessage('Parameter name is required')).toEqual({ message: 'Parameter name is required' });
  });
});

describe('DataApiExecutor against the fake Data API', () => {
  let executor: DataApiExecutor;

  beforeAll(async () => {
    executor = executorOnFake();
    await executor.query(
      `create table statement_target (
        id integer primary key check (id >= 0), label text, note text, x double precision, ok boolean, data jsonb, at timestamptz
      )`,
    );
  });

  afterAll(async () => {
    await executor?.close();
  });

  const table = async () => (await executor.query<{ n: number }>('select count(*)::int as n from statement_target')).rows[0]?.n;

  it('binds strings as varchar like the service: a value for a non-text column needs a cast', async () => {
    await expect(executor.query('insert into statement_target (id, data) values ($1, $2)', [7, '{}'])).rejects.toMatchObject({
      name: 'DataApiDatabaseError',
      code: '42804',
    });
    await executor.query('insert into statement_target (id, data) values ($1, $2::text::jsonb)', [7, '{}']);
    expect((await executor.query('select data from statement_target where id = 7')).rows).toEqual([{ data: {} }]);
    await executor.query('delete from statement_target');
  });

  it('maps DatabaseResumingException to a retryable ResultsStoreUnavailableError naming the cluster, not the secret', async () => {
    theFake().failNext('DatabaseResumingException');
    const error = await executor.query('select 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsStoreUnavailableError);
    expect(error).toBeInstanceOf(DataApiUnavailableError);
    expect(error).toMatchObject({ name: 'ResultsStoreUnavailableError', retryable: true, reason: 'DatabaseResumingException' });
    expect((error as Error).message).toMatch(/^results store unavailable at Data API arn:aws:rds:eu-west-1:123456789012:cluster:fb-results database postgres: .*resuming/);
    // The next call goes through.
    expect((await executor.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails a store write whose transaction cannot begin while the database resumes, storing nothing', async () => {
    const store = new SqlResultsStore(storeExecutorOver(executor));
    const run = await store.createRun(newRun(newRunId('resuming')));
    theFake().failNext({ name: 'DatabaseResumingException', operation: 'BeginTransaction' });
    await expect(store.insertInvocations([invocationRow(run.id, 0)])).rejects.toBeInstanceOf(ResultsStoreUnavailableError);
    expect(await store.invocations(run.id)).toEqual([]);
    await store.insertInvocations([invocationRow(run.id, 0)]);
    await expect(store.insertInvocations([invocationRow(run.id, 0)])).rejects.toBeInstanceOf(DuplicateRowsError);
    expect((await store.getRun(run.id))?.invocation_count).toBe(1);
  });

  it('retries while the database resumes when resumeTimeoutMs allows it', async () => {
    const patient = executorOnFake({ resumeTimeoutMs: 1_000, resumeRetryIntervalMs: 10 });
    const from = theFake().requests.length;
    theFake().failNext('DatabaseResumingException', 3);
    expect((await patient.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
    expect(requestsSince(from).map((request) => request.error)).toEqual(['DatabaseResumingException', 'DatabaseResumingException', 'DatabaseResumingException', undefined]);
    await patient.close();
  });

  it('maps the other Data API exceptions: timeout, configuration, service failure', async () => {
    theFake().failNext('StatementTimeoutException');
    await expect(executor.query('select 1')).rejects.toBeInstanceOf(DataApiStatementTimeoutError);
    theFake().failNext({ name: 'AccessDeniedException', status: 403, message: 'not authorized' });
    await expect(executor.query('select 1')).rejects.toMatchObject({ name: 'ResultsStoreUnavailableError', retryable: false, reason: 'AccessDeniedException' });
    theFake().failNext({ name: 'InternalServerErrorException', status: 500 });
    await expect(executor.query('select 1')).rejects.toMatchObject({ retryable: true, reason: 'InternalServerErrorException' });
    theFake().failNext('HttpEndpointNotEnabledException');
    await expect(executor.query('select 1')).rejects.toMatchObject({ retryable: false, reason: 'HttpEndpointNotEnabledException' });
  });

  it('reports an unreachable endpoint as a retryable ResultsStoreUnavailableError', async () => {
    const client = new RDSDataClient({ endpoint: 'http://127.0.0.1:1', region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    clients.push(client);
    const error = await DataApiExecutor.connect({ client, ...TARGET }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsStoreUnavailableError);
    expect(error).toMatchObject({ retryable: true });
  });

  it('ends the transaction of a failed statement so the connection is free again', async () => {
    await expect(
      executor.transaction(async (tx) => {
        await tx.query('insert into statement_target (id) values ($1::text::int)', ['1']);
        await tx.query('select * from no_such_table');
      }),
    ).rejects.toMatchObject({ code: '42P01' });
    expect(theFake().openTransactions()).toBe(0);
    expect(await table()).toBe(0);
  });

  it('refuses calls after close', async () => {
    const closing = executorOnFake();
    await closing.close();
    await closing.close();
    await expect(closing.query('select 1')).rejects.toThrow(/closed/);
  });
});
