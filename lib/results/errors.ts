/**
 * Named errors of the results store, so the CLI can tell "the database is down" from "no such
 * run" from "these rows were already stored" without parsing driver messages. Driver errors are
 * mapped here once ({@link mapDatabaseError}) for every SQL driver, using the SQLSTATE codes that
 * PostgreSQL, PGlite and the Data API all report.
 */

/** Base class: anything the results store raises on purpose. */
export class ResultsStoreError extends Error {
  override name = 'ResultsStoreError';
}

/** The database cannot be reached or opened. The message never contains a password. */
export class ResultsStoreUnavailableError extends ResultsStoreError {
  override name = 'ResultsStoreUnavailableError';
  constructor(
    /** Where the store was: a database URL with its password removed, or a PGlite data directory. */
    readonly location: string,
    cause: unknown,
  ) {
    super(`results store unavailable at ${location}: ${causeMessage(cause)}`, { cause });
  }
}

/**
 * A statement outlived the driver's per-call time limit (the Data API's 45 s) and, as asked, runs
 * on in the database: the call cannot say how it ended, the data must. Raised only by
 * SqlExecutor.queryOutlivingCall.
 */
export class StatementStillRunningError extends ResultsStoreError {
  override name = 'StatementStillRunningError';
  constructor(
    readonly location: string,
    cause: unknown,
  ) {
    super(`statement at ${location} outlived its call and runs on in the database: ${causeMessage(cause)}`, { cause });
  }
}

/**
 * A bulk import from S3 that outlived its call had not finished when the wait for it ended. The
 * name is the one CollectResults' Retry matches: the next attempt resumes waiting for the same
 * import (or starts it again if it ended without loading anything).
 */
export class ImportStillRunningError extends ResultsStoreError {
  override name = 'ImportStillRunningError';
  constructor(
    readonly runId: string,
    readonly table: string,
    readonly waitedMs: number,
  ) {
    super(`the import of run ${runId}'s ${table} from S3 had not finished after ${Math.round(waitedMs / 1000)} s of waiting; it runs on in the database`);
  }
}

/** No run has this id (or the rows refer to a run that does not exist). */
export class RunNotFoundError extends ResultsStoreError {
  override name = 'RunNotFoundError';
  constructor(
    readonly runId: string,
    detail?: string,
  ) {
    super(`no run ${JSON.stringify(runId)}${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * Another run of the same experiment on the same platform is still active. The name is the one
 * the RunExperiment state machine's AcquireLock Catch matches.
 */
export class ExperimentAlreadyRunningError extends ResultsStoreError {
  override name = 'ExperimentAlreadyRunningError';
  constructor(
    readonly experiment: string,
    readonly platform: string,
    readonly activeRunId: string,
  ) {
    super(`${experiment} on ${platform} is already running as run ${activeRunId} (if it is stuck: fb runs --release ${activeRunId} --reason "…")`);
  }
}

/** A run-id prefix matches more than one run. */
export class AmbiguousRunPrefixError extends ResultsStoreError {
  override name = 'AmbiguousRunPrefixError';
  constructor(
    readonly prefix: string,
    /** Matching run ids in id order (at most {@link AMBIGUOUS_CANDIDATES_SHOWN}). */
    readonly candidates: readonly string[],
    /** Whether more runs matched than are listed. */
    readonly more: boolean,
  ) {
    super(`run id prefix ${JSON.stringify(prefix)} is ambiguous; it matches ${candidates.join(', ')}${more ? ', …' : ''}`);
  }
}

export const AMBIGUOUS_CANDIDATES_SHOWN = 10;

/** Rows whose key is already stored (a re-import, or a duplicate within one batch). */
export class DuplicateRowsError extends ResultsStoreError {
  override name = 'DuplicateRowsError';
  constructor(
    readonly table: string,
    /** The server's description of the first duplicate key, e.g. `Key (run_id, seq)=(r1, 3) already exists.` */
    readonly detail: string,
    cause?: unknown,
  ) {
    super(`${table}: rows already stored — ${detail}`, { cause });
  }
}

/** A status that is not one of RUN_STATUSES. */
export class InvalidRunStatusError extends ResultsStoreError {
  override name = 'InvalidRunStatusError';
  constructor(readonly status: string) {
    super(`invalid run status ${JSON.stringify(status)}`);
  }
}

function causeMessage(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length) return cause.errors.map(causeMessage).join('; ');
  if (cause instanceof Error) return cause.message || (cause as { code?: string }).code || cause.name;
  return String(cause);
}

/**
 * A database URL (or libpq key/value string) with its password replaced by `***`, for messages
 * and logs.
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    // Not a URL: a key/value connection string, or garbage. Remove anything that looks like a password.
    return url.replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***').replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@');
  }
}

/** Network-level failures of a PostgreSQL client: the server is not there (or went away). */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001',
  '08003',
  '08004',
  '08006',
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name (no such database)
]);

/** Whether an error means the server cannot be reached or refused the connection. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return /Connection terminated|timeout expired|connect ECONNREFUSED/i.test(error.message);
}

interface DatabaseErrorFields {
  code?: string;
  detail?: string;
  table?: string;
}

/**
 * Turn a driver's error into a named store error where one applies (unique and foreign-key
 * violations); anything else is returned unchanged.
 */
export function mapDatabaseError(error: unknown, context: { table: string; runIds?: readonly string[] }): unknown {
  if (!(error instanceof Error)) return error;
  const { code, detail } = error as DatabaseErrorFields;
  if (code === '23505') return new DuplicateRowsError(context.table, detail ?? error.message, error);
  if (code === '23503') {
    const runId = /\(run_id\)=\((.*)\)/.exec(detail ?? '')?.[1] ?? context.runIds?.join(', ') ?? '?';
    return new RunNotFoundError(runId, `${context.table}: ${detail ?? error.message}`);
  }
  return error;
}
