/**
 * A local stand-in for the Amazon RDS Data API, so DataApiExecutor (lib/results/data-api-executor.ts)
 * and the results store run against a real `@aws-sdk/client-rds-data` client, over real HTTP, with
 * no AWS account: an HTTP server on 127.0.0.1 (ephemeral port) speaking the service's REST-JSON
 * protocol, backed by one PGlite instance. Point the SDK at it with
 * `new RDSDataClient({ endpoint: fake.url, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })`.
 *
 * What it implements, and how closely:
 * - `POST /Execute`, `/BatchExecute`, `/BeginTransaction`, `/CommitTransaction`, `/RollbackTransaction`.
 *   `resourceArn` and `secretArn` must be present; their values (and `database`) are not checked.
 * - Named parameters `:name` are rewritten to `$n` (outside quotes, comments and `::` casts), and
 *   bound with the PostgreSQL type the real service gives them, so a missing cast fails here as it
 *   would on Aurora: stringValue → varchar, longValue → int8, doubleValue → float8, booleanValue →
 *   bool, blobValue → bytea, isNull → untyped; typeHint JSON → json, TIMESTAMP → timestamp (the
 *   value must then be `YYYY-MM-DD HH:MM:SS[.FFF]`), DATE, TIME, DECIMAL → numeric, UUID.
 *   Array parameters are refused, as by the real service.
 * - Results: `records` (typed Field values: int2/int4/int8/oid → longValue, float4/float8 →
 *   doubleValue, bool → booleanValue, bytea → blobValue, 1-D arrays → arrayValue, anything else,
 *   json/jsonb and timestamps included, → stringValue in PostgreSQL's text form, timestamps in UTC
 *   without offset), `columnMetadata` when `includeResultMetadata` is set, or `formattedRecords`
 *   with `formatRecordsAs: 'JSON'`; `numberOfRecordsUpdated`; BatchExecute's `updateResults`.
 *   `-0` is written as `-0` (the service is Java and writes `-0.0`), which JSON.stringify would lose.
 * - BatchExecute runs as PREPARE + EXECUTEs in a few calls (PGlite is about 30 times faster so);
 *   if anything fails, that is undone and the entries run one by one to give the exact error
 *   (`Batch entry N … was aborted: …`).
 * - Transactions: PGlite has one connection, so a transaction holds it until commit, rollback or
 *   `transactionIdleTimeoutMs` without a call (3 minutes, as in the service); statements outside a
 *   transaction wait for it (up to `lockTimeoutMs`, then fail, rather than hang a test that
 *   deadlocks itself). A BatchExecute outside a transaction is atomic. A statement that fails
 *   inside a transaction leaves it aborted, as in PostgreSQL; the client must roll back.
 * - Errors: SQL errors are HTTP 400 `BadRequestException` with the message the service builds from
 *   the JDBC driver's (`ERROR: … \n  Detail: …; SQLState: 23505`). A request over `maxRequestBytes`
 *   (4 MiB, headers included, as documented) is refused. `failNext` makes the next calls answer a
 *   chosen Data API exception (e.g. `DatabaseResumingException`, Aurora resuming from zero ACUs).
 *
 * - Statement time limit: a statement that takes `statementTimeoutMs` or longer (45 s, as in the
 *   service) is answered with `StatementTimeoutException` when the limit passes. Without
 *   `continueAfterTimeout` it is cancelled: it never runs, and a transaction it was part of is left
 *   aborted (57014), as PostgreSQL leaves it. With `continueAfterTimeout` it runs on and commits by
 *   itself (`continued`, whose outcomes no caller sees). PGlite runs everything in microseconds, so
 *   how long a statement takes is what `statementDurationMs` says (e.g. a slow S3 import), spent
 *   waiting before it runs.
 *
 * Not emulated: the 1 MiB response and 64 KB row limits (opt in with `maxResponseBytes`), `schema`,
 * Secrets Manager, the lock a running statement holds (a continued statement takes the connection
 * only when its emulated time is up).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite, types } from '@electric-sql/pglite';
import { nonCodeEnd } from '../lib/results/sql-lexer';

export type FakeDataApiOperation = 'Execute' | 'BatchExecute' | 'BeginTransaction' | 'CommitTransaction' | 'RollbackTransaction';

/** What the fake saw of one request (not the parameter values, to keep memory flat in long tests). */
export interface FakeDataApiRequest {
  operation: FakeDataApiOperation | 'unknown';
  /** Size of the request body, and of body plus headers (what the 4 MiB limit counts). */
  bodyBytes: number;
  requestBytes: number;
  sql?: string;
  transactionId?: string;
  parameterCount?: number;
  parameterSetCount?: number;
  /** The exception name when the fake answered with an error. */
  error?: string;
  /** Whether the call asked the statement to run on after a timeout (`continueAfterTimeout`). */
  continueAfterTimeout?: boolean;
}

/** A statement that timed out with `continueAfterTimeout` and ran on in the background. */
export interface FakeDataApiContinuedStatement {
  sql: string;
  /** Settles when the statement has run: `ok`, or the error it failed with (which no caller sees). */
  readonly outcome: Promise<{ ok: true } | { ok: false; error: string }>;
}

/** A Data API exception the next calls should answer with. */
export interface FakeDataApiFailure {
  /** Exception name, sent in `x-amzn-ErrorType`: `DatabaseResumingException`, `StatementTimeoutException`, … */
  name: string;
  message?: string;
  /** HTTP status. Default 400 (every Data API exception but the 5xx ones is a 400-class client fault). */
  status?: number;
  /** Only calls of this operation fail (others pass). Default: any. */
  operation?: FakeDataApiOperation;
}

export interface FakeDataApiOptions {
  /** The database to serve; a fresh in-memory PGlite (closed with the fake) when absent. */
  db?: PGlite;
  /** Largest request (body + headers) accepted. Default 4 MiB, the service's documented limit. */
  maxRequestBytes?: number;
  /** Largest response body; unlimited by default (the service stops at 1 MiB, 10 MB for JSON). */
  maxResponseBytes?: number;
  /** A transaction not used for this long is rolled back. Default 3 minutes, as in the service. */
  transactionIdleTimeoutMs?: number;
  /** How long a call outside a transaction waits for the connection. Default 10 s. */
  lockTimeoutMs?: number;
  /** A statement taking this long or longer times out. Default 45 s, the service's limit. */
  statementTimeoutMs?: number;
  /** How long a statement takes on the emulated server, ms (default 0 for every statement). */
  statementDurationMs?: (sql: string) => number;
}

export interface FakeDataApi {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  readonly url: string;
  /** The PGlite behind it (to seed or inspect data directly; mind open transactions). */
  readonly db: PGlite;
  /** Every request so far, oldest first. */
  readonly requests: FakeDataApiRequest[];
  /** Answer the next `count` matching calls with this exception instead of running them. */
  failNext(failure: FakeDataApiFailure | string, count?: number): void;
  /** Transactions currently open. */
  openTransactions(): number;
  /** Statements that timed out with `continueAfterTimeout`, in order. */
  readonly continued: readonly FakeDataApiContinuedStatement[];
  /** Stop the server; rolls back open transactions and closes PGlite if the fake created it. */
  close(): Promise<void>;
}

export const DATA_API_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

const TYPE_HINT_OIDS: Record<string, number> = {
  JSON: 114,
  TIMESTAMP: 1114,
  DATE: 1082,
  TIME: 1083,
  DECIMAL: 1700,
  UUID: 2950,
};
const TYPE_HINT_FORMATS: Record<string, RegExp> = {
  TIMESTAMP: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})?$/,
  DATE: /^\d{4}-\d\d-\d\d$/,
  TIME: /^\d\d:\d\d:\d\d(\.\d{1,9})?$/,
};

const OID = { bool: 16, bytea: 17, int8: 20, int2: 21, int4: 23, oid: 26, float4: 700, float8: 701, varchar: 1043, timestamp: 1114, timestamptz: 1184 };
const LONG_TYPES = new Set(['int2', 'int4', 'int8', 'oid']);
const DOUBLE_TYPES = new Set(['float4', 'float8']);

/** JDBC type codes for columnMetadata.type, as the service reports them. */
const JDBC_TYPES: Record<string, number> = {
  bool: -7,
  int2: 5,
  int4: 4,
  int8: -5,
  oid: -5,
  float4: 7,
  float8: 8,
  numeric: 2,
  text: 12,
  varchar: 12,
  bpchar: 1,
  bytea: -2,
  date: 91,
  time: 92,
  timestamp: 93,
  timestamptz: 93,
};

/** An error answered as a Data API exception. */
class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Field = Record<string, Json>;
interface SqlParameter {
  name?: string;
  value?: Field;
  typeHint?: string;
}

interface PgError extends Error {
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

interface Transaction {
  release: () => void;
  timer: NodeJS.Timeout | undefined;
}

/** Start the fake on 127.0.0.1 and an ephemeral port. */
export async function startFakeDataApi(options: FakeDataApiOptions = {}): Promise<FakeDataApi> {
  const ownsDb = !options.db;
  const db = options.db ?? (await PGlite.create());
  const maxRequestBytes = options.maxRequestBytes ?? DATA_API_MAX_REQUEST_BYTES;
  const idleTimeoutMs = options.transactionIdleTimeoutMs ?? 180_000;
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 45_000;
  const continued: FakeDataApiContinuedStatement[] = [];

  // The service's sessions run in UTC; every value comes back as text and is typed from its OID.
  await db.exec(`set timezone to 'UTC'`);
  const typeRows = await db.query<{ oid: number; typname: string; typelem: number }>('select oid::int as oid, typname, typelem::int as typelem from pg_type');
  const typeNames = new Map(typeRows.rows.map((row) => [row.oid, row.typname]));
  const elementTypes = new Map(typeRows.rows.map((row) => [row.oid, row.typelem]));
  const rawParsers = Object.fromEntries(typeRows.rows.map((row) => [row.oid, (value: string) => value]));

  const lock = new Mutex();
  const transactions = new Map<string, Transaction>();
  const requests: FakeDataApiRequest[] = [];
  const failures: { failure: FakeDataApiFailure; remaining: number }[] = [];

  async function run(sql: string, parameters: SqlParameter[] | undefined) {
    const { text, values, paramTypes } = bindParameters(sql, parameters ?? []);
    try {
      return await db.query<unknown[]>(text, values, { rowMode: 'array', parsers: rawParsers, paramTypes });
    } catch (error) {
      throw sqlError(error);
    }
  }

  /** Run `fn` holding the connection: inside the caller's transaction, or alone (autocommit). */
  async function withConnection<T>(transactionId: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (transactionId !== undefined) {
      const tx = transactions.get(transactionId);
      if (!tx) throw new ApiError('BadRequestException', `Transaction ${transactionId} is not found`);
      touch(transactionId, tx);
      return fn();
    }
    const release = await lock.acquire(lockTimeoutMs);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  function touch(id: string, tx: Transaction): void {
    if (tx.timer) clearTimeout(tx.timer);
    tx.timer = setTimeout(() => void endTransaction(id, 'ROLLBACK').catch(() => {}), idleTimeoutMs);
    tx.timer.unref();
  }

  async function endTransaction(id: string, command: 'COMMIT' | 'ROLLBACK'): Promise<string> {
    const tx = transactions.get(id);
    if (!tx) throw new ApiError('BadRequestException', `Transaction ${id} is not found`);
    transactions.delete(id);
    if (tx.timer) clearTimeout(tx.timer);
    try {
      const [result] = await db.exec(command);
      // COMMIT of a transaction that had an error rolls back; JDBC reports that as a failure.
      if (command === 'COMMIT' && result?.command === 'ROLLBACK') {
        throw new ApiError(
          'BadRequestException',
          'The database returned ROLLBACK, so the transaction cannot be committed. Transaction failure cause is <<ERROR: current transaction is aborted>>; SQLState: 25P02',
        );
      }
      return command === 'COMMIT' ? 'Transaction Committed' : 'Rollback Complete';
    } finally {
      tx.release();
    }
  }

  const operations: Record<FakeDataApiOperation, (body: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    async Execute(body) {
      const sql = requireString(body, 'sql');
      const transactionId = optionalString(body, 'transactionId');
      const execute = () => withConnection(transactionId, () => run(sql, body.parameters as SqlParameter[] | undefined));
      const durationMs = options.statementDurationMs?.(sql) ?? 0;
      if (durationMs >= statementTimeoutMs) {
        await sleep(statementTimeoutMs);
        if (body.continueAfterTimeout === true) {
          const outcome = sleep(durationMs - statementTimeoutMs)
            .then(execute)
            .then(
              () => ({ ok: true as const }),
              (error: unknown) => ({ ok: false as const, error: (error as Error)?.message ?? String(error) }),
            );
          continued.push({ sql, outcome });
        } else if (transactionId !== undefined) {
          // Cancelled inside a transaction: PostgreSQL leaves the transaction aborted.
          await withConnection(transactionId, () =>
            db.exec(`do $$ begin raise exception 'canceling statement due to statement timeout' using errcode = '57014'; end $$`),
          ).catch(() => {});
        }
        throw new ApiError('StatementTimeoutException', defaultFailureMessage('StatementTimeoutException'));
      }
      if (durationMs > 0) await sleep(durationMs);
      const result = await execute();
      const fields = result.fields;
      const isDml = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command ?? '');
      const response: Record<string, unknown> = { numberOfRecordsUpdated: isDml ? (result.rowCount ?? result.affectedRows ?? 0) : 0 };
      if (isDml) response.generatedFields = [];
      const decimalAsNumber = (body.resultSetOptions as { decimalReturnType?: string } | undefined)?.decimalReturnType === 'DOUBLE_OR_LONG';
      const longAsString = (body.resultSetOptions as { longReturnType?: string } | undefined)?.longReturnType === 'STRING';
      if (fields.length > 0) {
        const typed = result.rows.map((row) => row.map((value, i) => toField(value as string | null, (fields[i] as { dataTypeID: number }).dataTypeID, decimalAsNumber, longAsString)));
        if (body.formatRecordsAs === 'JSON') {
          response.formattedRecords = serialize(
            typed.map((row) => Object.fromEntries(row.map((field, i) => [(fields[i] as { name: string }).name, plainValue(field)]))),
          );
        } else {
          response.records = typed;
          if (body.includeResultMetadata) response.columnMetadata = fields.map((field) => columnMetadata(field.name, field.dataTypeID));
        }
      }
      return response;
    },

    async BatchExecute(body) {
      const sql = requireString(body, 'sql');
      const transactionId = optionalString(body, 'transactionId');
      const sets = (body.parameterSets as SqlParameter[][] | undefined) ?? [];
      const runAll = async () => {
        if (sets.length > 1 && (await runBatchFast(sql, sets))) return;
        let entry = 0;
        try {
          for (; entry < sets.length; entry++) await run(sql, sets[entry]);
          if (sets.length === 0) await run(sql, []);
        } catch (error) {
          // As JDBC's BatchUpdateException reads through the service.
          if (error instanceof ApiError && /; SQLState: /.test(error.message)) {
            throw new ApiError(error.type, `Batch entry ${entry} ${sql} was aborted: ${error.message.replace(/; SQLState: /, '  Call getNextException to see other errors in the batch.; SQLState: ')}`);
          }
          throw error;
        }
      };
      await withConnection(transactionId, async () => {
        if (transactionId !== undefined) return runAll();
        // Outside a transaction a batch is one implicit transaction: all or nothing.
        await db.exec('BEGIN');
        try {
          await runAll();
          await db.exec('COMMIT');
        } catch (error) {
          await db.exec('ROLLBACK');
          throw error;
        }
      });
      return { updateResults: sets.map(() => ({ generatedFields: [] })) };
    },

    async BeginTransaction(body) {
      requireString(body, 'resourceArn');
      const release = await lock.acquire(lockTimeoutMs);
      try {
        await db.exec('BEGIN');
      } catch (error) {
        release();
        throw sqlError(error);
      }
      const id = randomBytes(48).toString('base64');
      const tx: Transaction = { release, timer: undefined };
      transactions.set(id, tx);
      touch(id, tx);
      return { transactionId: id };
    },

    async CommitTransaction(body) {
      return { transactionStatus: await endTransaction(requireString(body, 'transactionId'), 'COMMIT') };
    },

    async RollbackTransaction(body) {
      return { transactionStatus: await endTransaction(requireString(body, 'transactionId'), 'ROLLBACK') };
    },
  };

  /**
   * The batch as PREPARE + EXECUTEs in few simple-protocol calls, about 30 times faster in PGlite
   * than one extended-protocol round per entry. On any error everything it did is undone (a
   * savepoint) and it returns false, so the entry-by-entry path reproduces the exact error.
   */
  async function runBatchFast(sql: string, sets: SqlParameter[][]): Promise<boolean> {
    let bound: ReturnType<typeof bindParameters>[];
    try {
      bound = sets.map((set) => bindParameters(sql, set));
      await db.exec('savepoint fake_data_api_batch');
    } catch {
      return false;
    }
    const statements = new Map<string, string>();
    try {
      let script: string[] = [];
      for (const { text, values, paramTypes } of bound) {
        const signature = paramTypes.map((oid) => (oid === 0 ? 'unknown' : (typeNames.get(oid) ?? 'unknown'))).join(', ');
        let name = statements.get(signature);
        if (!name) {
          name = `fake_data_api_batch_${statements.size}`;
          statements.set(signature, name);
          await db.exec(`prepare ${name} (${signature}) as ${text}`);
        }
        script.push(`execute ${name} (${values.map(sqlLiteral).join(', ')})`);
        if (script.length >= 500) {
          await db.exec(script.join(';\n'));
          script = [];
        }
      }
      if (script.length) await db.exec(script.join(';\n'));
      await db.exec('release savepoint fake_data_api_batch');
      return true;
    } catch {
      await db.exec('rollback to savepoint fake_data_api_batch');
      await db.exec('release savepoint fake_data_api_batch');
      return false;
    } finally {
      for (const name of statements.values()) await db.exec(`deallocate ${name}`).catch(() => {});
    }
  }

  function toField(value: string | null, oid: number, decimalAsNumber: boolean, longAsString: boolean): Field {
    if (value === null) return { isNull: true };
    const type = typeNames.get(oid) ?? '';
    if (type === 'bool') return { booleanValue: value === 't' };
    if (LONG_TYPES.has(type)) return longAsString ? { stringValue: value } : { longValue: Number(value) };
    if (DOUBLE_TYPES.has(type)) return { doubleValue: Number(value) };
    if (type === 'numeric' && decimalAsNumber) return /^-?\d+$/.test(value) ? { longValue: Number(value) } : { doubleValue: Number(value) };
    if (type === 'bytea') return { blobValue: Buffer.from(value.slice(2), 'hex').toString('base64') };
    if (oid === OID.timestamptz) return { stringValue: value.replace(/\+00$/, '') };
    const element = elementTypes.get(oid) ?? 0;
    if (type.startsWith('_') && element !== 0) return { arrayValue: toArrayValue(types.arrayParser(value, (item: string) => item, oid) as unknown[], element) };
    return { stringValue: value };
  }

  function toArrayValue(items: unknown[], elementOid: number): Field {
    if (items.some(Array.isArray)) throw new ApiError('UnsupportedResultException', 'The result contains a multidimensional array, which is not supported');
    const type = typeNames.get(elementOid) ?? '';
    const strings = items as (string | null)[];
    if (type === 'bool') return { booleanValues: strings.map((item) => (item === null ? null : item === 't')) };
    if (LONG_TYPES.has(type)) return { longValues: strings.map((item) => (item === null ? null : Number(item))) };
    if (DOUBLE_TYPES.has(type)) return { doubleValues: strings.map((item) => (item === null ? null : Number(item))) };
    return { stringValues: strings };
  }

  function columnMetadata(name: string, oid: number): Record<string, unknown> {
    const typeName = typeNames.get(oid) ?? 'unknown';
    return { name, label: name, typeName, type: JDBC_TYPES[typeName] ?? (typeName.startsWith('_') ? 2003 : 1111), nullable: 2, schemaName: '', tableName: '' };
  }

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const operation = (req.url ?? '').replace(/^\/+|\?.*$/g, '');
    const record: FakeDataApiRequest = { operation: operation in operations ? (operation as FakeDataApiOperation) : 'unknown', bodyBytes: 0, requestBytes: 0 };
    requests.push(record);
    let status = 200;
    let payload: unknown;
    let errorType: string | undefined;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      record.bodyBytes = raw.length;
      record.requestBytes = raw.length + headerBytes(req);
      if (req.method !== 'POST' || record.operation === 'unknown') throw new ApiError('UnknownOperationException', `no such operation: ${req.method} ${req.url}`, 404);
      if (record.requestBytes > maxRequestBytes) {
        throw new ApiError('BadRequestException', `Request size ${record.requestBytes} bytes exceeds the maximum of ${maxRequestBytes} bytes`, 413);
      }
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      record.sql = typeof body.sql === 'string' ? body.sql : undefined;
      record.transactionId = typeof body.transactionId === 'string' ? body.transactionId : undefined;
      if (body.continueAfterTimeout === true) record.continueAfterTimeout = true;
      if (Array.isArray(body.parameters)) record.parameterCount = body.parameters.length;
      if (Array.isArray(body.parameterSets)) record.parameterSetCount = body.parameterSets.length;
      requireString(body, 'resourceArn');
      requireString(body, 'secretArn');
      const failure = takeFailure(record.operation as FakeDataApiOperation);
      if (failure) throw new ApiError(failure.name, failure.message ?? defaultFailureMessage(failure.name), failure.status ?? 400);
      payload = await operations[record.operation as FakeDataApiOperation](body);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('InternalServerErrorException', `fake Data API failure: ${(error as Error)?.message ?? String(error)}`, 500);
      status = apiError.status;
      errorType = apiError.type;
      record.error = apiError.type;
      payload = { message: apiError.message };
    }
    let text = serialize(payload);
    if (options.maxResponseBytes !== undefined && status === 200 && Buffer.byteLength(text) > options.maxResponseBytes) {
      status = 400;
      errorType = 'BadRequestException';
      record.error = errorType;
      text = serialize({ message: `Database response exceeded size limit` });
    }
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text) };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers);
    res.end(text);
  }

  function takeFailure(operation: FakeDataApiOperation): FakeDataApiFailure | undefined {
    const index = failures.findIndex((entry) => !entry.failure.operation || entry.failure.operation === operation);
    const entry = failures[index];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) failures.splice(index, 1);
    return entry.failure;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    db,
    requests,
    failNext(failure, count = 1) {
      failures.push({ failure: typeof failure === 'string' ? { name: failure } : failure, remaining: count });
    },
    openTransactions: () => transactions.size,
    continued,
    async close() {
      await Promise.all(continued.map((statement) => statement.outcome));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const id of [...transactions.keys()]) await endTransaction(id, 'ROLLBACK').catch(() => {});
      if (ownsDb && !db.closed) await db.close();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function defaultFailureMessage(name: string): string {
  switch (name) {
    case 'DatabaseResumingException':
      return 'The database is resuming after being auto-paused. Wait a few seconds and try again.';
    case 'StatementTimeoutException':
      return 'The statement timed out.';
    default:
      return `${name} (injected by the fake Data API)`;
  }
}

function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw new ApiError('BadRequestException', `${key} is required`);
  return value;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function headerBytes(req: http.IncomingMessage): number {
  let total = `${req.method} ${req.url} HTTP/1.1\r\n`.length + 2;
  for (let i = 0; i < req.rawHeaders.length; i += 2) total += Buffer.byteLength(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`);
  return total;
}

/** The service's message for a PostgreSQL error, as JDBC formats it plus `; SQLState: …`. */
function sqlError(error: unknown): ApiError {
  const pg = error as PgError;
  if (!(error instanceof Error) || typeof pg.code !== 'string') return new ApiError('InternalServerErrorException', String((error as Error)?.message ?? error), 500);
  let message = `ERROR: ${pg.message}`;
  if (pg.detail) message += `\n  Detail: ${pg.detail}`;
  if (pg.hint) message += `\n  Hint: ${pg.hint}`;
  if (pg.position) message += `\n  Position: ${pg.position}`;
  return new ApiError('BadRequestException', `${message}; SQLState: ${pg.code}`);
}

/** Named parameters to PostgreSQL's `$n`, with values and types as the service binds them. */
function bindParameters(sql: string, parameters: SqlParameter[]): { text: string; values: unknown[]; paramTypes: number[] } {
  const byName = new Map<string, SqlParameter>();
  for (const parameter of parameters) {
    if (!parameter.name) throw new ApiError('BadRequestException', 'Parameter name is required');
    byName.set(parameter.name, parameter);
  }
  const order: string[] = [];
  const text = replaceNamedParameters(sql, (name) => {
    if (!byName.has(name)) throw new ApiError('BadRequestException', `No value specified for parameter: ${name}`);
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  const values: unknown[] = [];
  const paramTypes: number[] = [];
  for (const name of order) {
    const [value, type] = bindValue(byName.get(name) as SqlParameter);
    values.push(value);
    paramTypes.push(type);
  }
  return { text, values, paramTypes };
}

function bindValue(parameter: SqlParameter): [unknown, number] {
  const field = parameter.value ?? {};
  const [kind] = Object.keys(field);
  const value = kind === undefined ? undefined : field[kind];
  const hint = parameter.typeHint;
  if (hint !== undefined && !(hint in TYPE_HINT_OIDS)) throw new ApiError('BadRequestException', `Invalid type hint: ${hint}`);
  switch (kind) {
    case 'isNull':
      return [null, 0];
    case 'stringValue': {
      if (hint) {
        const format = TYPE_HINT_FORMATS[hint];
        if (format && !format.test(String(value))) throw new ApiError('BadRequestException', `Value for ${hint} type hint is not in the expected format: ${String(value)}`);
        return [value, TYPE_HINT_OIDS[hint] as number];
      }
      return [value, OID.varchar];
    }
    case 'longValue':
      return [value, OID.int8];
    case 'doubleValue':
      return [value, OID.float8];
    case 'booleanValue':
      return [value, OID.bool];
    case 'blobValue':
      return [Buffer.from(String(value), 'base64'), OID.bytea];
    case 'arrayValue':
      throw new ApiError('BadRequestException', 'Array parameters are not supported');
    default:
      throw new ApiError('BadRequestException', `Parameter ${parameter.name}: a value is required`);
  }
}

/**
 * Replace `:name` outside string literals, quoted identifiers, comments and dollar quotes;
 * `::` is a cast, not a parameter.
 */
export function replaceNamedParameters(sql: string, replace: (name: string) => string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    let end = nonCodeEnd(sql, i);
    if (end < 0) {
      end = i + 1;
      if (ch === ':' && next === ':') end = i + 2;
      else if (ch === ':') {
        const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0];
        if (name) {
          out += replace(name);
          i += 1 + name.length;
          continue;
        }
      }
    }
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}

/** A bound value as an untyped SQL literal (EXECUTE coerces it to the prepared parameter type). */
function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : String(value);
  return `'${text.replaceAll("'", "''")}'`;
}

/** A Field as a plain JSON value, for formattedRecords. */
function plainValue(field: Field): Json {
  const [kind] = Object.keys(field);
  if (kind === undefined || kind === 'isNull') return null;
  const value = field[kind] as Json;
  if (kind === 'arrayValue') return plainValue(value as Field);
  return value;
}

const NEGATIVE_ZERO = `\u0000fake-data-api-negative-zero-${randomUUID()}`;

/** JSON like the service writes it: `-0` kept, non-finite doubles as the strings Smithy expects. */
function serialize(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'number') return item;
    if (Object.is(item, -0)) return NEGATIVE_ZERO;
    if (Number.isNaN(item)) return 'NaN';
    if (!Number.isFinite(item)) return item > 0 ? 'Infinity' : '-Infinity';
    return item;
  });
  return text.includes('fake-data-api-negative-zero') ? text.replaceAll(JSON.stringify(NEGATIVE_ZERO), '-0') : text;
}

/** A FIFO lock with a timeout: the one PGlite connection. */
class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  acquire(timeoutMs: number): Promise<() => void> {
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const next = this.waiters.shift();
        if (next) next();
        else this.locked = false;
      };
      if (!this.locked) {
        this.locked = true;
        resolve(release);
        return;
      }
      const grant = () => {
        clearTimeout(timer);
        resolve(release);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(
          new ApiError(
            'StatementTimeoutException',
            `fake Data API: waited ${timeoutMs} ms for the single PGlite connection, held by an open transaction (a call outside the transaction while it is open?)`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(grant);
    });
  }
}
