/**
 * The results store over the RDS Data API: the shared store contract run through a real
 * `@aws-sdk/client-rds-data` client against the local fake Data API (test-support/fake-data-api.ts,
 * PGlite behind HTTP), plus what only DataApiExecutor does: the exact commands it sends
 * (asserted with aws-sdk-client-mock), `$n` → `:pn`, COPY TEXT decoding, batching under the byte
 * budget in one transaction, rollback of a failed batch, and the mapping of Data API errors.
 *
 * One fake (one PGlite, ~3 s to start) serves the whole file; tests use their own tables or runs.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDataApi, startFakeDataApi } from '../../test-support/fake-data-api';
import { encodeCopyText } from './copy-encoder';
import {
  CopyDecodingError,
  DataApiDatabaseError,
  DataApiExecutor,
  type DataApiExecutorOptions,
  DataApiStatementTimeoutError,
  DataApiUnavailableError,
  decodeCopyLine,
  decodeCopyRows,
  parseServiceMessage,
  toNamedParameters,
} from './data-api-executor';
import { DuplicateRowsError, ResultsStoreUnavailableError } from './errors';
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

describeStoreContract('RDS Data API (fake on PGlite)', {
  open: async () => {
    const store = new SqlResultsStore(executorOnFake());
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

  it('sends COPY rows as one BatchExecuteStatement INSERT with every value a stringValue cast to its column type', async () => {
    const { mock, executor } = mocked();
    mock.on(BeginTransactionCommand).resolves({ transactionId: 'tx-copy' });
    mock.on(ExecuteStatementCommand).resolves({
      columnMetadata: [
        { label: 'name', typeName: 'name' },
        { label: 'type', typeName: 'text' },
      ],
      records: [
        [{ stringValue: 'run_id' }, { stringValue: 'text' }],
        [{ stringValue: 'seq' }, { stringValue: 'integer' }],
        [{ stringValue: 'data' }, { stringValue: 'jsonb' }],
      ],
    });
    mock.on(BatchExecuteStatementCommand).resolves({ updateResults: [] });
    mock.on(CommitTransactionCommand).resolves({});
    await executor.copyFrom('experiment_rows', ['run_id', 'seq', 'data'], 'r1\t0\t{"a":"b\\\\c"}\nr1\t1\t\\N\n');
    const lookup = mock.commandCalls(ExecuteStatementCommand)[0]?.args[0].input;
    expect(lookup?.parameters).toEqual([{ name: 'p1', value: { stringValue: '"experiment_rows"' } }]);
    expect(lookup?.transactionId).toBe('tx-copy');
    const batches = mock.commandCalls(BatchExecuteStatementCommand);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.args[0].input).toEqual({
      ...TARGET,
      transactionId: 'tx-copy',
      sql: 'insert into "experiment_rows" ("run_id", "seq", "data") values (cast(:p1 as text), cast(:p2 as integer), cast(:p3 as jsonb))',
      parameterSets: [
        [
          { name: 'p1', value: { stringValue: 'r1' } },
          { name: 'p2', value: { stringValue: '0' } },
          { name: 'p3', value: { stringValue: '{"a":"b\\c"}' } },
        ],
        [
          { name: 'p1', value: { stringValue: 'r1' } },
          { name: 'p2', value: { stringValue: '1' } },
          { name: 'p3', value: { isNull: true } },
        ],
      ],
    });
    expect(mock.commandCalls(CommitTransactionCommand)).toHaveLength(1);
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

describe('COPY TEXT decoding', () => {
  const NASTY = [
    '',
    ' ',
    '\\N',
    'NULL',
    '\\',
    'trailing\\',
    '\\.',
    '\\t not a tab',
    'tab\there',
    'new\nline',
    'cr\rand crlf\r\n',
    'control \u0001\u0008\u000b\u000c\u001f\u007f',
    'é ü ß 日本語 한국어 العربية',
    'emoji 😀 👩‍👩‍👧 🏳️‍🌈',
    '\u2028\u2029',
    '{"looks": "like json", "path": "C:\\\\x"}',
    `long ${'x\\y\t'.repeat(5_000)}`,
  ];

  it('round-trips what copy-encoder writes: escapes undone, \\N is NULL and the empty string stays empty', () => {
    const rows = NASTY.map((text, i) => ({ a: text, b: i % 3 === 0 ? null : text, c: i }));
    const copy = encodeCopyText(rows, [
      { name: 'a', type: 'text' },
      { name: 'b', type: 'text' },
      { name: 'c', type: 'integer' },
    ]);
    const decoded = [...decodeCopyRows(copy)];
    expect(decoded.map(([line]) => line)).toEqual(rows.map((_, i) => i));
    expect(decoded.map(([, fields]) => fields)).toEqual(rows.map((row) => [row.a, row.b, String(row.c)]));
  });

  it('takes rows split across chunks, stops at \\., and decodes octal and hex byte escapes as UTF-8', () => {
    const chunks = ['a\tb\\', 'tc\n\\N\t', '\n', 'x\\303\\251\t\\x41\\x42\\b\\f\\v\\q\n', '\\.\nignored\tafter end\n'];
    expect([...decodeCopyRows(chunks)].map(([, fields]) => fields)).toEqual([
      ['a', 'b\tc'],
      [null, ''],
      ['xé', 'AB\b\f\vq'],
    ]);
  });

  it('refuses what PostgreSQL would refuse', () => {
    expect(() => decodeCopyLine('a\\')).toThrow(CopyDecodingError);
    expect(() => decodeCopyLine('raw\rreturn')).toThrow(/carriage return/);
    expect(() => decodeCopyLine('\\000')).toThrow(/NUL/);
    expect(() => decodeCopyLine('\\377')).toThrow(/UTF-8/);
  });
});

describe('DataApiExecutor against the fake Data API', () => {
  let executor: DataApiExecutor;

  beforeAll(async () => {
    executor = executorOnFake();
    await executor.query(
      `create table copy_target (
        id integer primary key check (id >= 0), label text, note text, x double precision, ok boolean, data jsonb, at timestamptz
      )`,
    );
  });

  afterAll(async () => {
    await executor?.close();
  });

  const table = async () => (await executor.query<{ n: number }>('select count(*)::int as n from copy_target')).rows[0]?.n;

  const copyLines = (from: number, count: number, label = 'row', pad = 0) =>
    Array.from({ length: count }, (_, i) => `${from + i}\t${label} ${from + i}\t${'p'.repeat(pad)}\t${(from + i) / 7}\tt\t{"i": ${from + i}}\t2025-01-02 03:04:05.678+00\n`).join('');

  it('round-trips nasty text, -0, extreme doubles and jsonb through copyFrom and query', async () => {
    const values = [
      { id: 100, label: '', note: null, x: -0, ok: true, data: { s: 'quote " backslash \\ tab \t', u: '日本 😀' } },
      { id: 101, label: '\\N', note: '', x: 5e-324, ok: false, data: null },
      { id: 102, label: 'tab\there\nnew line \\ back', note: 'é\u2028', x: 1.7976931348623157e308, ok: null, data: [1, 'two', null] },
    ];
    const copy = encodeCopyText(values, [
      { name: 'id', type: 'integer' },
      { name: 'label', type: 'text' },
      { name: 'note', type: 'text' },
      { name: 'x', type: 'double' },
      { name: 'ok', type: 'boolean' },
      { name: 'data', type: 'jsonb' },
    ]);
    await executor.copyFrom('copy_target', ['id', 'label', 'note', 'x', 'ok', 'data'], copy);
    const { rows } = await executor.query('select id, label, note, x, ok, data from copy_target where id between 100 and 102 order by id');
    expect(rows).toEqual(values);
    expect(Object.is(rows[0]?.x, -0)).toBe(true);
    await executor.query('delete from copy_target where id between 100 and 102');
  });

  it('splits many rows into several BatchExecute calls under the byte budget, all in one transaction', async () => {
    const budget = 64 * 1024;
    const batched = executorOnFake({ maxBatchBytes: budget, maxBatchRows: 100_000 });
    const from = theFake().requests.length;
    // 3,000 rows of roughly 450 bytes of JSON each: about 1.3 MB, so 20-odd requests.
    await batched.copyFrom('copy_target', ['id', 'label', 'note', 'x', 'ok', 'data', 'at'], copyLines(1_000, 3_000, 'batched', 100));
    const requests = requestsSince(from);
    const batches = requests.filter((request) => request.operation === 'BatchExecute');
    expect(batches.length).toBeGreaterThan(10);
    for (const batch of batches) expect(batch.bodyBytes).toBeLessThanOrEqual(budget);
    expect(batches.reduce((sum, batch) => sum + (batch.parameterSetCount ?? 0), 0)).toBe(3_000);
    const begins = requests.filter((request) => request.operation === 'BeginTransaction');
    const commits = requests.filter((request) => request.operation === 'CommitTransaction');
    expect(begins).toHaveLength(1);
    expect(commits).toHaveLength(1);
    expect(new Set(batches.map((batch) => batch.transactionId))).toEqual(new Set([commits[0]?.transactionId]));
    expect(await table()).toBe(3_000);
    const { rows } = await executor.query('select min(id) as lo, max(id) as hi, sum(x) as total from copy_target where label like $1', ['batched %']);
    expect(rows).toEqual([{ lo: 1_000, hi: 3_999, total: expect.closeTo(Array.from({ length: 3_000 }, (_, i) => (1_000 + i) / 7).reduce((a, b) => a + b), 6) }]);
    await executor.query('delete from copy_target');
    await batched.close();
  });

  it('caps rows per batch', async () => {
    const capped = executorOnFake({ maxBatchRows: 250 });
    const from = theFake().requests.length;
    await capped.copyFrom('copy_target', ['id', 'label', 'note', 'x', 'ok', 'data', 'at'], copyLines(0, 1_001));
    const batches = requestsSince(from).filter((request) => request.operation === 'BatchExecute');
    expect(batches.map((batch) => batch.parameterSetCount)).toEqual([250, 250, 250, 250, 1]);
    expect(await table()).toBe(1_001);
    await executor.query('delete from copy_target');
    await capped.close();
  });

  it('stores nothing when a batch fails midway, rolls back, and reports the duplicate key', async () => {
    const small = executorOnFake({ maxBatchRows: 100 });
    const from = theFake().requests.length;
    // Rows 0-249, then row 120 again: the third batch fails after two were inserted.
    const text = copyLines(0, 250) + copyLines(120, 1, 'again');
    const error = await small.copyFrom('copy_target', ['id', 'label', 'note', 'x', 'ok', 'data', 'at'], text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiDatabaseError);
    expect(error).toMatchObject({ code: '23505', detail: 'Key (id)=(120) already exists.' });
    // Entry 50 of the third batch (rows 200-249, then 120 again), as JDBC's batch error names it.
    expect(((error as Error).cause as Error).message).toMatch(/^Batch entry 50 insert into "copy_target"/);
    const requests = requestsSince(from);
    expect(requests.filter((request) => request.operation === 'BatchExecute').map((request) => request.error)).toEqual([undefined, undefined, 'BadRequestException']);
    expect(requests.at(-1)?.operation).toBe('RollbackTransaction');
    expect(await table()).toBe(0);
    expect(theFake().openTransactions()).toBe(0);
    await small.close();
  });

  it('rolls back batches already sent when the COPY text turns out bad further on', async () => {
    const small = executorOnFake({ maxBatchRows: 10 });
    function* chunks() {
      yield copyLines(0, 50);
      yield '50\tshort row\n';
    }
    await expect(small.copyFrom('copy_target', ['id', 'label', 'note', 'x', 'ok', 'data', 'at'], chunks())).rejects.toThrow(
      /COPY text line 50: 2 fields for 7 columns/,
    );
    expect(await table()).toBe(0);
    expect(theFake().openTransactions()).toBe(0);
    await small.close();
  });

  it('refuses a row too large for any Data API request before sending it', async () => {
    const from = theFake().requests.length;
    const huge = `0\t${'x'.repeat(4 * 1024 * 1024)}\t\\N\t1\tt\t{}\t\\N\n`;
    await expect(executor.copyFrom('copy_target', ['id', 'label', 'note', 'x', 'ok', 'data', 'at'], huge)).rejects.toThrow(/does not fit in one Data API request/);
    expect(requestsSince(from).some((request) => request.operation === 'BatchExecute')).toBe(false);
    expect(await table()).toBe(0);
  });

  it('binds strings as varchar like the service: a value for a non-text column needs a cast', async () => {
    await expect(executor.query('insert into copy_target (id, data) values ($1, $2)', [7, '{}'])).rejects.toMatchObject({
      name: 'DataApiDatabaseError',
      code: '42804',
    });
    await executor.query('insert into copy_target (id, data) values ($1, $2::text::jsonb)', [7, '{}']);
    expect((await executor.query('select data from copy_target where id = 7')).rows).toEqual([{ data: {} }]);
    await executor.query('delete from copy_target');
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
    const store = new SqlResultsStore(executor);
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
        await tx.query('insert into copy_target (id) values ($1::text::int)', ['1']);
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

  it('uses a fresh transaction per copyFrom call (no transaction left open)', async () => {
    const id = randomUUID();
    await executor.copyFrom('copy_target', ['id', 'label'], `1\t${id}\n`);
    expect((await executor.query('select label from copy_target where id = 1')).rows).toEqual([{ label: id }]);
    expect(theFake().openTransactions()).toBe(0);
    await executor.query('delete from copy_target');
  });
});
