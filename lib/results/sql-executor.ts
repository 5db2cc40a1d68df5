/**
 * The one seam between the results store's SQL (sql-store.ts, migrate.ts) and a database
 * driver. Drivers stay thin: run a statement with `$n` parameters, bulk-load COPY text, run a
 * transaction, close. Implementations, one file each so a process loads only what it uses:
 * PgliteExecutor (pglite-executor.ts, the embedded default) and PgExecutor (pg-executor.ts, a
 * PostgreSQL server through `pg`) and DataApiExecutor (data-api-executor.ts, Aurora through the
 * RDS Data API, which has no COPY: its copyFrom refuses, and Aurora loads bulk rows from S3).
 *
 * Conventions every caller follows, so every driver can serve them:
 * - parameters are strings, numbers, booleans or null; jsonb and timestamptz parameters are
 *   passed as text and cast in SQL (`$1::text::jsonb`), never as objects or Dates;
 * - result columns are plain scalars or jsonb; counts are cast to `int` and times are formatted
 *   with `to_char` in SQL, so no driver-specific parsing of int8 or timestamptz is relied on;
 * - one statement per `query` call.
 */

/**
 * Rows in PostgreSQL COPY TEXT format (tab-separated, `\N` for NULL, backslash escapes, one row
 * per line, see copy-encoder.ts), as one string or as consecutive chunks that each end on a row
 * boundary. Chunks let a driver stream a large batch without building one huge string.
 */
export type CopyText = string | Iterable<string>;

/** What can run statements: the executor itself or a transaction of it. */
export interface SqlQueryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
  /** `COPY table (columns) FROM STDIN` in TEXT format. */
  copyFrom(table: string, columns: readonly string[], text: CopyText): Promise<void>;
}

export interface SqlExecutor extends SqlQueryable {
  /** Which driver, for messages and for tests. */
  readonly kind: 'pglite' | 'pg' | 'data-api';
  /** Where the database is, safe to print (no password). */
  readonly location: string;
  /**
   * Run one statement on its own (autocommitted) that may take longer than one call of the driver
   * may wait. Only the Data API has such a limit (45 s): there the statement runs on in the
   * database after the call gives up, which throws StatementStillRunningError, and the caller
   * learns from the data when it finished. Drivers without the method run the statement as `query`.
   */
  queryOutlivingCall?<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
  /** Run `fn` in a transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** Release the connection(s). Safe to call twice. */
  close(): Promise<void>;
}

/** `COPY "table" ("a", "b") FROM <source>` for our own (constant) identifiers. */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${identifier(table)} (${columns.map(identifier).join(', ')}) FROM ${source}`;
}

function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** The chunks of a CopyText. */
export function copyChunks(text: CopyText): Iterable<string> {
  return typeof text === 'string' ? [text] : text;
}
