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
 * Bulk writes (`copyFrom`): none. The Data API has no COPY, and no deployed caller bulk-loads
 * through it: CollectResults in AWS has Aurora load a run's rows itself with
 * `aws_s3.table_import_from_s3` from the results bucket (lib/control-plane/aurora-import.ts,
 * SqlResultsStore.importRunResultsFromS3). `copyFrom`, on the executor or in a transaction, throws
 * DataApiBulkLoadUnsupportedError without sending anything, so the store's COPY writers
 * (insertInvocations, insertExperimentRows, importRunResults) fail by name over the Data API.
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
 * limit raises DataApiStatementTimeoutError (cancelled), or, sent by queryOutlivingCall with
 * `continueAfterTimeout`, StatementStillRunningError (it runs on: the bulk import from S3).
 */
import {
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
import { isConnectionError, ResultsStoreError, ResultsStoreUnavailableError, StatementStillRunningError } from './errors';
import type { CopyText, SqlExecutor, SqlQueryable } from './sql-executor';
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
  /** Keep retrying a call answered with DatabaseResumingException for this long. Default 0 (fail at once). */
  resumeTimeoutMs?: number;
  /** Pause between those retries. Default 5 s. */
  resumeRetryIntervalMs?: number;
  /** Called before each pause while the database resumes (e.g. to tell a waiting user why). */
  onResumeWait?: () => void;
}

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

/**
 * `copyFrom` through the Data API: there is no COPY in the service, and bulk rows reach Aurora
 * through the S3 import instead (lib/control-plane/aurora-import.ts).
 */
export class DataApiBulkLoadUnsupportedError extends ResultsStoreError {
  override name = 'DataApiBulkLoadUnsupportedError';
  constructor(
    readonly location: string,
    readonly table: string,
  ) {
    super(
      `cannot bulk-load ${table} at ${location}: the RDS Data API has no COPY; bulk rows reach Aurora through the S3 import ` +
        '(aws_s3.table_import_from_s3, lib/control-plane/aurora-import.ts)',
    );
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
  private readonly resumeTimeoutMs: number;
  private readonly resumeRetryIntervalMs: number;
  private readonly onResumeWait: (() => void) | undefined;
  private closed = false;

  constructor(options: DataApiExecutorOptions) {
    const { resourceArn, secretArn, database } = options;
    if (!resourceArn || !secretArn || !database) throw new TypeError('DataApiExecutor needs resourceArn, secretArn and database');
    this.target = { resourceArn, secretArn, database };
    this.location = `Data API ${resourceArn} database ${database}`;
    this.ownsClient = !options.client;
    this.client = options.client ?? new RDSDataClient(options.region ? { region: options.region } : {});
    this.resumeTimeoutMs = options.resumeTimeoutMs ?? 0;
    this.resumeRetryIntervalMs = options.resumeRetryIntervalMs ?? 5_000;
    this.onResumeWait = options.onResumeWait;
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

  /**
   * One autocommitted statement sent with `continueAfterTimeout`: when it takes longer than the
   * service's 45 s, the call still fails, but the statement is not cancelled. That failure is
   * StatementStillRunningError, so the caller knows to look at the data rather than retry.
   */
  async queryOutlivingCall<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    try {
      return await this.execute<T>(sql, params, undefined, true);
    } catch (error) {
      if (error instanceof DataApiStatementTimeoutError) throw new StatementStillRunningError(this.location, error.cause);
      throw error;
    }
  }

  /** Refused: see DataApiBulkLoadUnsupportedError. Sends nothing. */
  copyFrom(table: string, _columns: readonly string[], _text: CopyText): Promise<void> {
    return Promise.reject(new DataApiBulkLoadUnsupportedError(this.location, table));
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const { resourceArn, secretArn } = this.target;
    const begun = await this.call(() => this.client.send(new BeginTransactionCommand({ ...this.target })));
    const transactionId = begun.transactionId;
    if (!transactionId) throw new DataApiUnavailableError(this.location, new Error('BeginTransaction returned no transactionId'), true, 'BeginTransaction');
    const tx: SqlQueryable = {
      query: <R>(sql: string, params: readonly unknown[] = []) => this.execute<R>(sql, params, transactionId),
      copyFrom: (table, columns, text) => this.copyFrom(table, columns, text),
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

  private async execute<T>(sql: string, params: readonly unknown[], transactionId: string | undefined, continueAfterTimeout = false): Promise<{ rows: T[] }> {
    const input: ExecuteStatementCommandInput = {
      ...this.target,
      sql: toNamedParameters(sql, params.length),
      includeResultMetadata: true,
    };
    if (continueAfterTimeout) input.continueAfterTimeout = true;
    const parameters = toSqlParameters(params);
    if (parameters.length) input.parameters = parameters;
    if (transactionId) input.transactionId = transactionId;
    const output = await this.call(() => this.client.send(new ExecuteStatementCommand(input)), transactionId === undefined);
    return { rows: toRows(output.records, output.columnMetadata) as T[] };
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
          this.onResumeWait?.();
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
