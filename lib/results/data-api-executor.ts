/**
 * SqlExecutor over the Amazon RDS Data API (`@aws-sdk/client-rds-data`): how the results store
 * reaches Aurora Serverless v2 PostgreSQL in production, over HTTPS with IAM and a Secrets
 * Manager secret, with no database connection to manage. Configured with the cluster's
 * `resourceArn`, the `secretArn` of its credentials and the `database`; ARNs may appear in
 * messages, the secret's contents never pass through here.
 *
 * Statements (`query`):
 * - The executor's positional `$1..$n` become the Data API's named `:p1..:pn` (outside quotes,
 *   comments and dollar quotes; `::` casts are left alone). Values are typed as the service
 *   binds them: strings → stringValue (bound as varchar, so SQL casts what it needs, as
 *   sql-store.ts does with `$n::text::jsonb` and `$n::text::timestamptz`; an ISO string is not
 *   guessed to be a timestamp), safe integers → longValue (int8), other numbers → doubleValue,
 *   booleans → booleanValue, null/undefined → isNull, Dates → stringValue
 *   `YYYY-MM-DD HH:MM:SS.mmm` (UTC) with typeHint TIMESTAMP, bytes → blobValue, other objects and
 *   arrays → JSON text with typeHint JSON.
 * - Results are read from `records` with `includeResultMetadata`, not from `formatRecordsAs:
 *   'JSON'`: the JSON format drops the column metadata, so a jsonb column could not be told from
 *   a text column holding JSON-looking text. With the metadata, rows come back in the shapes
 *   PgExecutor gives: numbers as numbers (int8 as a number too; the store casts counts to int),
 *   jsonb/json parsed, booleans, NULL as null, numeric and timestamps as the text the service
 *   sends (the store formats its times with to_char). The price is the service's 1 MiB response
 *   limit (10 MB with JSON) and 64 KB per row: reads of large result sets must be paged.
 *
 * Bulk writes (`copyFrom`): the Data API has no COPY. The COPY TEXT rows (copy-encoder.ts) are
 * decoded back into fields (`\N` → NULL, backslash escapes undone) and sent as
 * BatchExecuteStatement INSERTs, every value a stringValue cast in SQL to its column's type (read
 * once per table from pg_attribute), so each value goes through the same type input function as
 * under COPY: `-0`, `5e-324`, `t`/`f` and jsonb text arrive unchanged. Batches stay under a byte
 * budget (2 MiB of JSON per request by default, half the documented 4 MiB request limit, which
 * also counts headers) and a row cap, all inside one transaction (the caller's, or one opened
 * for the call), so a batch is stored whole or not at all. This path is for moderate volumes:
 * CollectResults in AWS loads a run's rows with `aws_s3.table_import_from_s3` from the results
 * bucket instead (lib/control-plane/aurora-import.ts).
 *
 * Errors: SQL errors keep their SQLSTATE and detail (parsed from the service's message, `…
 * Detail: …; SQLState: 23505`), so mapDatabaseError names duplicates and unknown runs as for the
 * other drivers. A paused or unreachable database (DatabaseResumingException while Aurora
 * scales up from zero, DatabaseUnavailableException, service 5xx, network failures) and
 * configuration problems (access denied, bad secret, HTTP endpoint not enabled, unknown
 * database) become DataApiUnavailableError, a ResultsStoreUnavailableError whose `retryable`
 * says whether trying again later can help. `resumeTimeoutMs` makes the executor itself retry
 * while the database resumes (Aurora takes about 15 s); by default it fails at once and leaves
 * the retry to the caller (Step Functions Retry, the CLI). A statement over the service's time
 * limit raises DataApiStatementTimeoutError.
 */
import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  type ColumnMetadata,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  type Field,
  RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { isConnectionError, ResultsStoreError, ResultsStoreUnavailableError } from './errors';
import { type CopyText, copyChunks, type SqlExecutor, type SqlQueryable } from './sql-executor';
import { nonCodeEnd } from './sql-lexer';

export interface DataApiExecutorOptions {
  /** The client to use; one is created (for `region`) when absent, and destroyed by close(). */
  client?: RDSDataClient;
  /** Region for the client created when `client` is absent. */
  region?: string;
  /** The Aurora cluster's ARN. */
  resourceArn: string;
  /** ARN of the Secrets Manager secret with the database credentials. */
  secretArn: string;
  database: string;
  /** Byte budget of one BatchExecuteStatement request (JSON body). Default 2 MiB. */
  maxBatchBytes?: number;
  /** Rows per BatchExecuteStatement request at most. Default 1,000. */
  maxBatchRows?: number;
  /** Keep retrying a call answered with DatabaseResumingException for this long. Default 0 (fail at once). */
  resumeTimeoutMs?: number;
  /** Pause between those retries. Default 5 s. */
  resumeRetryIntervalMs?: number;
}

/** The service's documented maximum request size (body and headers). */
export const DATA_API_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_BYTES = 2 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_ROWS = 1_000;
/** Room left for headers (SigV4 signature, user agent, …) under the hard limit. */
const HEADER_ALLOWANCE_BYTES = 16 * 1024;

/**
 * The database cannot be used through the Data API right now (or with this configuration). Its
 * `name` stays `ResultsStoreUnavailableError`, so code that matches on the name (or instanceof)
 * treats it like an unreachable PostgreSQL server; `retryable` and `reason` say more.
 */
export class DataApiUnavailableError extends ResultsStoreUnavailableError {
  constructor(
    location: string,
    cause: unknown,
    /** Whether the same call may succeed later without any change (resuming, unavailable, throttled, network). */
    readonly retryable: boolean,
    /** The Data API exception name (or network error code) behind it. */
    readonly reason: string,
  ) {
    super(location, cause);
  }
}

/** A statement ran longer than the Data API allows (45 s for a call) and was cancelled. */
export class DataApiStatementTimeoutError extends ResultsStoreError {
  override name = 'DataApiStatementTimeoutError';
  constructor(
    readonly location: string,
    cause: unknown,
  ) {
    super(`statement timed out at ${location}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * A SQL error reported by the database through the Data API, with the SQLSTATE `code` and
 * `detail` PostgreSQL drivers give, so mapDatabaseError works on it.
 */
export class DataApiDatabaseError extends Error {
  override name = 'DataApiDatabaseError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

/** COPY TEXT that cannot be decoded, or whose rows do not match the columns. */
export class CopyDecodingError extends ResultsStoreError {
  override name = 'CopyDecodingError';
  constructor(
    /** 0-based line of the COPY text. */
    readonly line: number,
    problem: string,
  ) {
    super(`COPY text line ${line}: ${problem}`);
  }
}

/** Data API exceptions meaning "not now": the same call may succeed later. */
const RETRYABLE_UNAVAILABLE = new Set([
  'DatabaseResumingException',
  'DatabaseUnavailableException',
  'ServiceUnavailableError',
  'InternalServerErrorException',
  'ThrottlingException',
  'TooManyRequestsException',
  'TimeoutError',
]);
/** Data API exceptions meaning "not with this configuration". */
const CONFIGURATION_UNAVAILABLE = new Set([
  'AccessDeniedException',
  'ForbiddenException',
  'HttpEndpointNotEnabledException',
  'InvalidSecretException',
  'SecretsErrorException',
  'DatabaseNotFoundException',
  'NotFoundException',
  'InvalidResourceStateException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
]);

export class DataApiExecutor implements SqlExecutor {
  readonly kind = 'data-api' as const;
  readonly location: string;
  private readonly client: RDSDataClient;
  private readonly ownsClient: boolean;
  private readonly target: { resourceArn: string; secretArn: string; database: string };
  private readonly maxBatchBytes: number;
  private readonly maxBatchRows: number;
  private readonly resumeTimeoutMs: number;
  private readonly resumeRetryIntervalMs: number;
  /** `column → SQL type` per table, for the casts of copyFrom. */
  private readonly columnTypes = new Map<string, Promise<Map<string, string>>>();
  private closed = false;

  constructor(options: DataApiExecutorOptions) {
    const { resourceArn, secretArn, database } = options;
    if (!resourceArn || !secretArn || !database) throw new TypeError('DataApiExecutor needs resourceArn, secretArn and database');
    this.target = { resourceArn, secretArn, database };
    this.location = `Data API ${resourceArn} database ${database}`;
    this.ownsClient = !options.client;
    this.client = options.client ?? new RDSDataClient(options.region ? { region: options.region } : {});
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.maxBatchRows = options.maxBatchRows ?? DEFAULT_MAX_BATCH_ROWS;
    this.resumeTimeoutMs = options.resumeTimeoutMs ?? 0;
    this.resumeRetryIntervalMs = options.resumeRetryIntervalMs ?? 5_000;
    if (!(this.maxBatchBytes > 0 && this.maxBatchBytes <= DATA_API_MAX_REQUEST_BYTES - HEADER_ALLOWANCE_BYTES)) {
      throw new RangeError(`maxBatchBytes must be between 1 and ${DATA_API_MAX_REQUEST_BYTES - HEADER_ALLOWANCE_BYTES}, got ${this.maxBatchBytes}`);
    }
    if (!(Number.isInteger(this.maxBatchRows) && this.maxBatchRows >= 1)) throw new RangeError(`maxBatchRows must be a positive integer, got ${this.maxBatchRows}`);
  }

  /** Create the executor and check that the database answers (`select 1`). */
  static async connect(options: DataApiExecutorOptions): Promise<DataApiExecutor> {
    const executor = new DataApiExecutor(options);
    try {
      await executor.query('select 1');
    } catch (error) {
      await executor.close();
      throw error;
    }
    return executor;
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    return this.execute<T>(sql, params, undefined);
  }

  copyFrom(table: string, columns: readonly string[], text: CopyText): Promise<void> {
    return this.transaction((tx) => tx.copyFrom(table, columns, text));
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const { resourceArn, secretArn } = this.target;
    const begun = await this.call(() => this.client.send(new BeginTransactionCommand({ ...this.target })));
    const transactionId = begun.transactionId;
    if (!transactionId) throw new DataApiUnavailableError(this.location, new Error('BeginTransaction returned no transactionId'), true, 'BeginTransaction');
    const tx: SqlQueryable = {
      query: <R>(sql: string, params: readonly unknown[] = []) => this.execute<R>(sql, params, transactionId),
      copyFrom: (table, columns, text) => this.insertCopyText(table, columns, text, transactionId),
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      // The transaction may already be gone (idle timeout, service error); the first error is what matters.
      await this.call(() => this.client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId })), false).catch(() => {});
      throw error;
    }
    await this.call(() => this.client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId })), false);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.destroy();
  }

  private async execute<T>(sql: string, params: readonly unknown[], transactionId: string | undefined): Promise<{ rows: T[] }> {
    const input: ExecuteStatementCommandInput = {
      ...this.target,
      sql: toNamedParameters(sql, params.length),
      includeResultMetadata: true,
    };
    const parameters = toSqlParameters(params);
    if (parameters.length) input.parameters = parameters;
    if (transactionId) input.transactionId = transactionId;
    const output = await this.call(() => this.client.send(new ExecuteStatementCommand(input)), transactionId === undefined);
    return { rows: toRows(output.records, output.columnMetadata) as T[] };
  }

  /** The COPY text as batched INSERTs in the transaction `transactionId`. */
  private async insertCopyText(table: string, columns: readonly string[], text: CopyText, transactionId: string): Promise<void> {
    if (columns.length === 0) throw new TypeError('copyFrom needs at least one column');
    const casts = await this.columnCasts(table, columns, transactionId);
    const sql = `insert into ${identifier(table)} (${columns.map(identifier).join(', ')}) values (${casts.join(', ')})`;
    const base = { ...this.target, sql, transactionId };
    // Everything of the request but the parameter sets, plus `"parameterSets":[]`.
    const overhead = Buffer.byteLength(JSON.stringify({ ...base, parameterSets: [] }));
    const hardLimit = DATA_API_MAX_REQUEST_BYTES - HEADER_ALLOWANCE_BYTES;
    let batch: SqlParameter[][] = [];
    let batchBytes = overhead;
    const flush = async () => {
      if (batch.length === 0) return;
      const parameterSets = batch;
      batch = [];
      batchBytes = overhead;
      await this.call(() => this.client.send(new BatchExecuteStatementCommand({ ...base, parameterSets })), false);
    };
    for (const [line, fields] of decodeCopyRows(text)) {
      if (fields.length !== columns.length) {
        throw new CopyDecodingError(line, `${fields.length} fields for ${columns.length} columns (${columns.join(', ')})`);
      }
      const set: SqlParameter[] = fields.map((value, i) => ({ name: `p${i + 1}`, value: value === null ? { isNull: true } : { stringValue: value } }));
      // +1 for the comma between sets.
      const setBytes = Buffer.byteLength(JSON.stringify(set)) + 1;
      if (overhead + setBytes > hardLimit) {
        throw new CopyDecodingError(line, `row of ${setBytes} bytes does not fit in one Data API request (${DATA_API_MAX_REQUEST_BYTES} bytes at most)`);
      }
      if (batch.length > 0 && (batchBytes + setBytes > this.maxBatchBytes || batch.length >= this.maxBatchRows)) await flush();
      batch.push(set);
      batchBytes += setBytes;
    }
    await flush();
  }

  /** `cast(:pN as <column type>)` for each column, the types read from pg_attribute once per table. */
  private async columnCasts(table: string, columns: readonly string[], transactionId: string): Promise<string[]> {
    let types = await this.tableColumnTypes(table, transactionId);
    if (columns.some((column) => !types.has(column))) {
      // Maybe a migration added the column since the types were read.
      this.columnTypes.delete(table);
      types = await this.tableColumnTypes(table, transactionId);
    }
    return columns.map((column, i) => {
      const type = types.get(column);
      if (!type) throw new ResultsStoreError(`copyFrom: table ${table} has no column ${column}`);
      return `cast(:p${i + 1} as ${type})`;
    });
  }

  private tableColumnTypes(table: string, transactionId: string): Promise<Map<string, string>> {
    let types = this.columnTypes.get(table);
    if (!types) {
      types = this.execute<{ name: string; type: string }>(
        `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
         from pg_attribute a
         where a.attrelid = $1::text::regclass and a.attnum > 0 and not a.attisdropped`,
        [identifier(table)],
        transactionId,
      ).then(({ rows }) => new Map(rows.map((row) => [row.name, row.type])));
      this.columnTypes.set(table, types);
      // Cached only if the read succeeds.
      types.catch(() => this.columnTypes.delete(table));
    }
    return types;
  }

  /**
   * Make one Data API call, mapping its errors. `retryResuming`: retry while the database
   * resumes (up to resumeTimeoutMs); only for calls outside a transaction, or BeginTransaction.
   */
  private async call<T>(attempt: () => Promise<T>, retryResuming = true): Promise<T> {
    if (this.closed) throw new ResultsStoreError(`results store at ${this.location} is closed`);
    const deadline = Date.now() + this.resumeTimeoutMs;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        const mapped = this.mapError(error);
        const resuming = mapped instanceof DataApiUnavailableError && mapped.reason === 'DatabaseResumingException';
        if (resuming && retryResuming && Date.now() + this.resumeRetryIntervalMs <= deadline) {
          await new Promise((resolve) => setTimeout(resolve, this.resumeRetryIntervalMs));
          continue;
        }
        throw mapped;
      }
    }
  }

  /** A Data API or network error as the store's named errors. */
  private mapError(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    const name = error.name;
    if (RETRYABLE_UNAVAILABLE.has(name) || (error as { $fault?: string }).$fault === 'server') {
      return new DataApiUnavailableError(this.location, error, true, name);
    }
    if (CONFIGURATION_UNAVAILABLE.has(name)) return new DataApiUnavailableError(this.location, error, false, name);
    if (name === 'StatementTimeoutException') return new DataApiStatementTimeoutError(this.location, error);
    if (isConnectionError(error)) return new DataApiUnavailableError(this.location, error, true, (error as { code?: string }).code ?? name);
    if (name === 'BadRequestException' || name === 'DatabaseErrorException') {
      const parsed = parseServiceMessage(error.message);
      if (parsed.code) return new DataApiDatabaseError(parsed.message, parsed.code, parsed.detail, error);
    }
    return error;
  }
}

/** `"name"` for our own plain identifiers (as copyStatement accepts them). */
function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * The parts of a Data API SQL error message: `ERROR: <message>\n  Detail: <detail>\n  …;
 * SQLState: <code>` (JDBC's text plus the state; for a batch, prefixed with `Batch entry N … was
 * aborted: ` and followed by `Call getNextException …`).
 */
export function parseServiceMessage(text: string): { message: string; code?: string; detail?: string } {
  const code = /;\s*SQLState:\s*([0-9A-Z]{5})\s*$/.exec(text)?.[1];
  const body = text.replace(/;\s*SQLState:\s*[0-9A-Z]{5}\s*$/, '');
  const detail = /\n\s*Detail:\s*(.*?)(?:\s{2,}Call getNextException.*)?$/m.exec(body)?.[1]?.trim();
  const first = (/ERROR:\s*([^\n]*)/.exec(body)?.[1] ?? body.split('\n')[0] ?? body).trim();
  return { message: first, ...(code ? { code } : {}), ...(detail ? { detail } : {}) };
}

/**
 * `$n` placeholders to `:pn`, outside string literals, quoted identifiers, comments and dollar
 * quotes. Refuses a `:name` of the SQL's own (the Data API would take it for a parameter) and a
 * placeholder beyond the parameters given.
 */
export function toNamedParameters(sql: string, parameterCount: number): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '$' && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
      const number = /^\$(\d+)/.exec(sql.slice(i));
      if (number) {
        const n = Number(number[1]);
        if (n < 1 || n > parameterCount) throw new RangeError(`SQL refers to $${n} but ${parameterCount} parameter(s) were given`);
        out += `:p${n}`;
        i += number[0].length;
        continue;
      }
    }
    let end = nonCodeEnd(sql, i);
    if (end < 0) {
      end = i + 1;
      if (ch === ':' && next === ':') end = i + 2;
      else if (ch === ':' && /[A-Za-z_]/.test(next ?? '')) {
        throw new Error(`SQL contains ${JSON.stringify(sql.slice(i, i + 20))}, which the Data API would read as a named parameter`);
      }
    }
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}

/** The executor's parameters as Data API parameters `p1..pn`. */
export function toSqlParameters(params: readonly unknown[]): SqlParameter[] {
  return params.map((value, i) => ({ name: `p${i + 1}`, ...toParameterValue(value, i + 1) }));
}

function toParameterValue(value: unknown, position: number): Pick<SqlParameter, 'value' | 'typeHint'> {
  if (value === null || value === undefined) return { value: { isNull: true } };
  switch (typeof value) {
    case 'string':
      return { value: { stringValue: value } };
    case 'boolean':
      return { value: { booleanValue: value } };
    case 'number':
      return Number.isSafeInteger(value) ? { value: { longValue: value } } : { value: { doubleValue: value } };
    case 'bigint':
      if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new RangeError(`parameter $${position}: bigint ${value} does not fit in the Data API's longValue (a JSON number)`);
      }
      return { value: { longValue: Number(value) } };
    case 'object':
      if (value instanceof Date) return { value: { stringValue: dataApiTimestamp(value) }, typeHint: 'TIMESTAMP' };
      if (value instanceof Uint8Array) return { value: { blobValue: value } };
      return { value: { stringValue: JSON.stringify(value) }, typeHint: 'JSON' };
    default:
      throw new TypeError(`parameter $${position}: cannot send a ${typeof value} to the Data API`);
  }
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC: the form typeHint TIMESTAMP requires. */
function dataApiTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('parameter: invalid Date');
  return date.toISOString().replace('T', ' ').replace(/Z$/, '');
}

/** Data API records as rows keyed by column label, json/jsonb parsed. */
export function toRows(records: Field[][] | undefined, columns: ColumnMetadata[] | undefined): Record<string, unknown>[] {
  if (!records?.length) return [];
  if (!columns) throw new Error('Data API returned records without column metadata');
  const names = columns.map((column, i) => column.label || column.name || `?column?${i}`);
  const isJson = columns.map((column) => /^jsonb?$/i.test(column.typeName ?? ''));
  return records.map((record) => {
    const row: Record<string, unknown> = {};
    record.forEach((field, i) => {
      const value = fieldValue(field);
      row[names[i] as string] = isJson[i] && typeof value === 'string' ? JSON.parse(value) : value;
    });
    return row;
  });
}

function fieldValue(field: Field): unknown {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return field.blobValue;
  if (field.arrayValue !== undefined) return arrayValue(field.arrayValue);
  if (field.isNull === false) return null;
  throw new Error(`Data API returned a field of an unknown kind: ${JSON.stringify(Object.keys(field))}`);
}

function arrayValue(array: NonNullable<Field['arrayValue']>): unknown[] {
  if (array.stringValues) return array.stringValues;
  if (array.longValues) return array.longValues;
  if (array.doubleValues) return array.doubleValues;
  if (array.booleanValues) return array.booleanValues;
  if (array.arrayValues) return array.arrayValues.map((item) => (item === null ? null : arrayValue(item)));
  return [];
}

/**
 * The rows of COPY TEXT, each as `[line number, fields]` (0-based), a field being the decoded
 * string or null for `\N`. Lines end with `\n`; a chunk may end in the middle of a line (the rest
 * is carried to the next chunk); a line `\.` ends the data.
 */
export function* decodeCopyRows(text: CopyText): Generator<[number, (string | null)[]], void, undefined> {
  let carry = '';
  let line = 0;
  for (const chunk of copyChunks(text)) {
    const data = carry ? carry + chunk : chunk;
    let start = 0;
    for (let end = data.indexOf('\n'); end >= 0; end = data.indexOf('\n', start)) {
      const content = data.slice(start, end);
      start = end + 1;
      if (content === '\\.') return;
      yield [line, decodeCopyLine(content, line)];
      line++;
    }
    carry = data.slice(start);
  }
  if (carry === '\\.') return;
  if (carry) yield [line, decodeCopyLine(carry, line)];
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One COPY TEXT line as fields: split at tabs, `\N` alone is NULL, and the escapes of PostgreSQL's
 * TEXT format undone (`\b \f \n \r \t \v`, octal `\ooo` and hex `\xhh` bytes, read as UTF-8, any
 * other `\c` is `c`).
 */
export function decodeCopyLine(content: string, line = 0): (string | null)[] {
  if (content.includes('\r')) throw new CopyDecodingError(line, 'unescaped carriage return (copy-encoder writes \\r)');
  const fields = content.split('\t');
  return fields.map((field) => {
    if (field === '\\N') return null;
    if (!field.includes('\\')) return field;
    let out = '';
    let bytes: number[] = [];
    const flushBytes = () => {
      if (bytes.length === 0) return;
      try {
        out += utf8.decode(Uint8Array.from(bytes));
      } catch {
        throw new CopyDecodingError(line, `escaped bytes ${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')} are not valid UTF-8`);
      }
      bytes = [];
    };
    for (let i = 0; i < field.length; i++) {
      const ch = field[i] as string;
      if (ch !== '\\') {
        flushBytes();
        out += ch;
        continue;
      }
      const next = field[i + 1];
      if (next === undefined) throw new CopyDecodingError(line, 'backslash at the end of a field');
      const octal = /^[0-7]{1,3}/.exec(field.slice(i + 1))?.[0];
      const hex = next === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(field.slice(i + 2))?.[0] : undefined;
      if (octal) {
        bytes.push(Number.parseInt(octal, 8) & 0xff);
        i += octal.length;
      } else if (hex) {
        bytes.push(Number.parseInt(hex, 16));
        i += 1 + hex.length;
      } else {
        flushBytes();
        out += SIMPLE_ESCAPES[next] ?? next;
        i++;
      }
    }
    flushBytes();
    if (out.includes('\0')) throw new CopyDecodingError(line, 'a field contains a NUL byte, which PostgreSQL text cannot hold');
    return out;
  });
}
