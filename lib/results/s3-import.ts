/**
 * How a run's rows reach Aurora from the COPY TEXT files CollectResults stages in S3
 * (lib/control-plane/aurora-import.ts), with `aws_s3.table_import_from_s3`, so that an import
 * longer than one Data API call (45 s) still finishes:
 *
 * 1. Each file is loaded into a staging table of its own (`fb_import_<table>_<hash of run id>`,
 *    the table's columns, no keys), by one autocommitted statement sent with
 *    `continueAfterTimeout` (SqlExecutor.queryOutlivingCall). A load is one COPY, so the staging
 *    table shows none of the file's rows until all of them are in.
 * 2. When the call gives up first (StatementStillRunningError), the load runs on in the database
 *    and the import waits for it by counting the staging table's rows, up to `waitMs`; if it has
 *    not finished by then, ImportStillRunningError, which CollectResults' Retry matches.
 * 3. The next attempt resumes: a staging table already holding the file's row count is used as
 *    it is; one still being filled cannot be dropped (its lock outlasts `lock_timeout`), so the
 *    attempt waits for it again; an empty one whose load ended without committing is replaced and
 *    loaded anew.
 * 4. With every file staged, one transaction replaces the run's rows, as importRunResults does
 *    with COPY: lock the run, delete its rows, copy the staged rows of this run in, check that the
 *    run now has exactly the expected number of invocation and experiment rows (a file with rows of
 *    another run, or a truncated one, rolls it all back), set `invocation_count`. Copying rows
 *    inside the database is far quicker than reading them from S3 (100,000 invocation rows take
 *    about a second), so this transaction stays well inside one call.
 * 5. The staging tables are dropped, except while a load may still be running.
 *
 * Before loading, `create extension if not exists aws_s3 cascade` runs unless the import function
 * already exists (Aurora's master user may create it; the tests' PGlite has a stand-in). The
 * cluster needs an IAM role for S3 import attached (feature `s3Import`).
 */
import { createHash } from 'node:crypto';
import { ImportStillRunningError, mapDatabaseError, ResultsStoreError, RunNotFoundError, StatementStillRunningError } from './errors';
import type { SqlExecutor } from './sql-executor';

/** Where a run's staged files are and how many rows each holds. */
export interface S3ImportFiles {
  bucket: string;
  /** The bucket's region. */
  region: string;
  invocationsKey: string;
  invocationCount: number;
  experimentRowsKey: string;
  experimentRowCount: number;
}

export interface S3ImportOptions {
  /** How long to wait for a load that outlived its call before ImportStillRunningError. Default 10 minutes. */
  waitMs?: number;
  /** Pause between counts of a staging table being loaded. Default 2 s. */
  pollIntervalMs?: number;
  /** How long dropping a staging table may wait for its lock (held by a load still running). Default 5 s. */
  lockTimeoutMs?: number;
}

/** The two tables a run's files fill, with the columns their files hold, in order. */
export interface S3ImportTables {
  invocations: readonly string[];
  experiment_rows: readonly string[];
}

export const DEFAULT_IMPORT_WAIT_MS = 10 * 60_000;
const DEFAULT_POLL_INTERVAL_MS = 2_000;
const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
/** SQLSTATE lock_not_available: lock_timeout passed. */
const LOCK_NOT_AVAILABLE = '55P03';

interface FileLoad {
  table: keyof S3ImportTables;
  columns: readonly string[];
  key: string;
  count: number;
  staging: string;
}

/** The staging table of a run's file for `table`: a plain identifier, the same on every attempt. */
export function stagingTableName(table: keyof S3ImportTables, runId: string): string {
  return `fb_import_${table}_${createHash('sha256').update(runId).digest('hex').slice(0, 16)}`;
}

/**
 * Replace run `runId`'s rows with the staged files (see the file comment). Idempotent: importing
 * the same files again leaves the rows once.
 * @throws RangeError for a negative or fractional count; RunNotFoundError when the run does not
 * exist; ResultsStoreError when the files do not hold the expected rows of the run;
 * ImportStillRunningError when a load outlived `waitMs`.
 */
export async function importRunFilesFromS3(
  executor: SqlExecutor,
  tables: S3ImportTables,
  runId: string,
  files: S3ImportFiles,
  options: S3ImportOptions = {},
): Promise<void> {
  for (const [name, count] of [
    ['invocationCount', files.invocationCount],
    ['experimentRowCount', files.experimentRowCount],
  ] as const) {
    if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`${name} must be a non-negative integer, got ${count}`);
  }
  const loads: FileLoad[] = [
    { table: 'invocations' as const, columns: tables.invocations, key: files.invocationsKey, count: files.invocationCount },
    { table: 'experiment_rows' as const, columns: tables.experiment_rows, key: files.experimentRowsKey, count: files.experimentRowCount },
  ]
    .filter((file) => file.count > 0)
    .map((file) => ({ ...file, staging: stagingTableName(file.table, runId) }));
  const { rows: found } = await executor.query('select 1 from runs where id = $1', [runId]);
  if (found.length === 0) throw new RunNotFoundError(runId);
  let stillRunning = false;
  try {
    if (loads.length) await ensureImportExtension(executor);
    for (const load of loads) await stage(executor, runId, files, load, options);
    await replaceRunRows(executor, runId, files, loads);
  } catch (error) {
    stillRunning = error instanceof ImportStillRunningError;
    throw mapDatabaseError(error, { table: 'invocations', runIds: [runId] });
  } finally {
    // A load still running holds its table: dropping it would only wait, and the next attempt needs it.
    if (!stillRunning) for (const load of loads) await executor.query(`drop table if exists ${load.staging}`).catch(() => {});
  }
}

async function ensureImportExtension(executor: SqlExecutor): Promise<void> {
  const { rows } = await executor.query<{ present: boolean }>(
    `select exists (
       select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'aws_s3' and p.proname = 'table_import_from_s3'
     ) as present`,
  );
  if (!rows[0]?.present) await executor.query('create extension if not exists aws_s3 cascade');
}

/** Have the load's staging table hold its file's rows: found there, waited for, or loaded now. */
async function stage(executor: SqlExecutor, runId: string, files: S3ImportFiles, load: FileLoad, options: S3ImportOptions): Promise<void> {
  if ((await stagedRows(executor, load.staging)) === load.count) return;
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  if (!(Number.isInteger(lockTimeoutMs) && lockTimeoutMs > 0)) throw new RangeError(`lockTimeoutMs must be a positive integer, got ${lockTimeoutMs}`);
  try {
    await executor.transaction(async (tx) => {
      await tx.query(`set local lock_timeout = '${lockTimeoutMs}ms'`);
      await tx.query(`drop table if exists ${load.staging}`);
      await tx.query(`create table ${load.staging} as select ${load.columns.join(', ')} from ${load.table} with no data`);
    });
  } catch (error) {
    // An earlier attempt's load is still filling the table: wait for it rather than load twice.
    if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) return waitForLoad(executor, runId, load, options);
    throw error;
  }
  const sql = `select aws_s3.table_import_from_s3('${load.staging}', '${load.columns.join(',')}', '(format text)', aws_commons.create_s3_uri($1, $2, $3))`;
  const params = [files.bucket, load.key, files.region];
  try {
    await (executor.queryOutlivingCall ? executor.queryOutlivingCall(sql, params) : executor.query(sql, params));
  } catch (error) {
    if (error instanceof StatementStillRunningError) return waitForLoad(executor, runId, load, options);
    throw error;
  }
}

/** Rows in the staging table, or undefined when it does not exist. */
async function stagedRows(executor: SqlExecutor, staging: string): Promise<number | undefined> {
  const { rows } = await executor.query<{ present: boolean }>('select to_regclass($1::text) is not null as present', [staging]);
  if (!rows[0]?.present) return undefined;
  const { rows: counted } = await executor.query<{ n: number }>(`select count(*)::int as n from ${staging}`);
  return counted[0]?.n ?? 0;
}

/** Count the staging table until its load has committed (any rows: a load commits all at once) or the wait ends. */
async function waitForLoad(executor: SqlExecutor, runId: string, load: FileLoad, options: S3ImportOptions): Promise<void> {
  const waitMs = options.waitMs ?? DEFAULT_IMPORT_WAIT_MS;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const started = Date.now();
  for (;;) {
    if (((await stagedRows(executor, load.staging)) ?? 0) > 0) return;
    const waited = Date.now() - started;
    if (waited + pollIntervalMs > waitMs) throw new ImportStillRunningError(runId, load.table, waited);
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/** One transaction: the run's rows become the staged ones, exactly as many as expected, or nothing changes. */
async function replaceRunRows(executor: SqlExecutor, runId: string, files: S3ImportFiles, loads: readonly FileLoad[]): Promise<void> {
  await executor.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>('select id from runs where id = $1 for update', [runId]);
    if (rows.length === 0) throw new RunNotFoundError(runId);
    await tx.query('delete from invocations where run_id = $1', [runId]);
    await tx.query('delete from experiment_rows where run_id = $1', [runId]);
    for (const { table, columns, staging } of loads) {
      const list = columns.join(', ');
      await tx.query(`insert into ${table} (${list}) select ${list} from ${staging} where run_id = $1`, [runId]);
    }
    for (const [table, key, expected] of [
      ['invocations', files.invocationsKey, files.invocationCount],
      ['experiment_rows', files.experimentRowsKey, files.experimentRowCount],
    ] as const) {
      const { rows: counted } = await tx.query<{ n: number }>(`select count(*)::int as n from ${table} where run_id = $1`, [runId]);
      const imported = counted[0]?.n ?? 0;
      if (imported !== expected) {
        const what = table === 'invocations' ? 'invocation rows' : 'experiment rows';
        throw new ResultsStoreError(`importRunResultsFromS3(${runId}): s3://${files.bucket}/${key} gave ${imported} ${what} of the run, expected ${expected}`);
      }
    }
    await tx.query('update runs set invocation_count = $2 where id = $1', [runId, files.invocationCount]);
  });
}
