/**
 * ResultsStore implemented once, in SQL, over any SqlExecutor (PGlite, pg, the Data API):
 * every statement of the results store lives here or in the migrations, and the drivers only
 * carry them.
 *
 * Decisions worth knowing:
 * - Bulk writes (insertInvocations, insertExperimentRows) use COPY TEXT (copy-encoder.ts), in
 *   chunks of `copyChunkRows` rows, inside one transaction per call: a batch is stored whole or
 *   not at all. A key already stored raises DuplicateRowsError; rows of an unknown run raise
 *   RunNotFoundError.
 * - `runs.invocation_count` is maintained by insertInvocations, in the same transaction as the
 *   COPY (`+ n` per run in the batch), so it is always equal to the number of stored invocation
 *   rows, also while a run is still going, and costs no count(*) over a large run.
 * - Times: started_at/ended_at are written from the store's clock as ISO strings and read back
 *   with `to_char(… at time zone 'UTC')` as `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form
 *   `Date.prototype.toISOString` gives.
 * - A run id prefix must be at least 6 characters; a shorter string finds only a run with
 *   exactly that id.
 */
import { type CopyColumn, type CopyColumnType, DEFAULT_ROWS_PER_CHUNK, encodeCopyChunks } from './copy-encoder';
import {
  ExperimentAlreadyRunningError,
  AMBIGUOUS_CANDIDATES_SHOWN,
  AmbiguousRunPrefixError,
  InvalidRunStatusError,
  mapDatabaseError,
  RunNotFoundError,
} from './errors';
import { type AppliedMigration, appliedMigrations, runMigrations } from './migrate';
import { importRunFilesFromS3, type S3ImportFiles, type S3ImportOptions } from './s3-import';
import type { SqlExecutor, SqlQueryable } from './sql-executor';
import type { ExperimentResult } from '../experiment/result';
import type { ResultsStore } from './store';
import {
  type DurationRounding,
  type ExperimentRow,
  FINAL_RUN_STATUSES,
  type FunctionSummary,
  type InstanceActivityUsage,
  type InvocationRow,
  type InvocationUsage,
  type ListRunsOptions,
  type NewRun,
  RUN_STATUSES,
  type RunRow,
  type RunStatus,
  type StatusChange,
} from './types';

/** Column types of `invocations`, one per field of InvocationRow (the compiler checks both ways). */
const INVOCATION_COLUMN_TYPES: { readonly [K in keyof InvocationRow]-?: CopyColumnType } = {
  run_id: 'text',
  seq: 'integer',
  batch_id: 'text',
  batch_size: 'integer',
  batch_index: 'integer',
  identifier: 'text',
  root_identifier: 'text',
  parent: 'text',
  level: 'integer',
  function_name: 'text',
  status: 'text',
  http_status: 'integer',
  error_type: 'text',
  error_message: 'text',
  client_send: 'double',
  client_first_byte: 'double',
  client_end: 'double',
  invocation_start: 'double',
  invocation_end: 'double',
  execution_start: 'double',
  execution_end: 'double',
  instance_identifier: 'text',
  platform_instance_id: 'text',
  cold: 'boolean',
  instance_invocation_count: 'integer',
  memory_mb: 'double',
  cpu_time_ms: 'double',
  function_cores: 'double',
  cpu_model: 'text',
  runtime: 'text',
  platform: 'text',
  region: 'text',
  sleep_s: 'double',
  throughput_time_s: 'double',
  throughput_ops: 'double',
  attempts: 'integer',
  extra: 'jsonb',
};

const EXPERIMENT_ROW_COLUMN_TYPES: { readonly [K in keyof ExperimentRow]-?: CopyColumnType } = {
  run_id: 'text',
  table_name: 'text',
  seq: 'integer',
  data: 'jsonb',
};

const columnsOf = (types: Record<string, CopyColumnType>): readonly CopyColumn[] =>
  Object.entries(types).map(([name, type]) => ({ name, type }));

/** The COPY columns of `invocations`, in the order the encoder writes them. */
export const INVOCATION_COPY_COLUMNS = columnsOf(INVOCATION_COLUMN_TYPES);
export const EXPERIMENT_ROW_COPY_COLUMNS = columnsOf(EXPERIMENT_ROW_COLUMN_TYPES);

const MIN_PREFIX_LENGTH = 6;

const isoOf = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const RUN_COLUMNS = `id, experiment, platform, client_platform, status, status_history, reason,
  ${isoOf('started_at')} as started_at, ${isoOf('ended_at')} as ended_at,
  params, manifest, execution_id, invocation_count, cost_estimate, result`;

const FINAL_STATUS_LIST = FINAL_RUN_STATUSES.map((status) => `'${status}'`).join(', ');

export interface SqlResultsStoreOptions {
  /** The clock for started_at, ended_at and history times. Default: `new Date()`. */
  now?: () => Date;
  /** Rows per COPY chunk. Default 2,000. */
  copyChunkRows?: number;
  /** Rows per page when reading a run's rows back (keyset paging). Default 1,000. */
  readPageRows?: number;
}

export class SqlResultsStore implements ResultsStore {
  private readonly now: () => Date;
  private readonly copyChunkRows: number;
  private readonly readPageRows: number;

  constructor(
    /** The driver; exposed for tests and maintenance scripts. */
    readonly executor: SqlExecutor,
    options: SqlResultsStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.copyChunkRows = options.copyChunkRows ?? DEFAULT_ROWS_PER_CHUNK;
    const pageRows = options.readPageRows ?? 1000;
    if (!(Number.isInteger(pageRows) && pageRows > 0)) throw new RangeError(`readPageRows must be a positive integer, got ${pageRows}`);
    this.readPageRows = pageRows;
  }

  async migrate(): Promise<void> {
    await runMigrations(this.executor);
  }

  /** The `schema_migrations` ledger, oldest first. */
  appliedMigrations(): Promise<AppliedMigration[]> {
    return appliedMigrations(this.executor);
  }

  async createRun(run: NewRun, options: { exclusive?: boolean } = {}): Promise<RunRow> {
    const at = this.now().toISOString();
    const history: StatusChange[] = [{ status: 'starting', at }];
    const insert = (db: SqlQueryable) =>
      db.query<RawRun>(
        `insert into runs (id, experiment, platform, client_platform, status, status_history, started_at, params, manifest, execution_id)
         values ($1, $2, $3, $4, 'starting', $5::text::jsonb, $6::text::timestamptz, $7::text::jsonb, $8::text::jsonb, $9)
         returning ${RUN_COLUMNS}`,
        [
          run.id,
          run.experiment,
          run.platform,
          run.client_platform,
          JSON.stringify(history),
          at,
          JSON.stringify(run.params),
          JSON.stringify(run.manifest),
          run.execution_id ?? null,
        ],
      );
    try {
      if (!options.exclusive) return toRunRow(single((await insert(this.executor)).rows));
      return await this.executor.transaction(async (tx) => {
        // Serializes every exclusive create of this experiment and platform until commit.
        await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`${run.experiment}/${run.platform}`]);
        const { rows: active } = await tx.query<{ id: string }>(
          `select id from runs where experiment = $1 and platform = $2 and status not in (${FINAL_STATUS_LIST}) order by started_at limit 1`,
          [run.experiment, run.platform],
        );
        const existing = active[0];
        if (existing) throw new ExperimentAlreadyRunningError(run.experiment, run.platform, existing.id);
        return toRunRow(single((await insert(tx)).rows));
      });
    } catch (error) {
      throw mapDatabaseError(error, { table: 'runs' });
    }
  }

  async setRunResult(runId: string, result: ExperimentResult): Promise<void> {
    const { rows } = await this.executor.query<{ id: string }>('update runs set result = $2::text::jsonb where id = $1 returning id', [runId, JSON.stringify(result)]);
    if (rows.length === 0) throw new RunNotFoundError(runId);
  }

  async mergeRunManifest(runId: string, patch: Record<string, unknown>): Promise<void> {
    const { rows } = await this.executor.query<{ id: string }>('update runs set manifest = manifest || $2::text::jsonb where id = $1 returning id', [runId, JSON.stringify(patch)]);
    if (rows.length === 0) throw new RunNotFoundError(runId);
  }

  async setRunCost(runId: string, usd: number, estimate: Record<string, unknown>): Promise<void> {
    if (!(Number.isFinite(usd) && usd >= 0)) throw new RangeError(`a cost must be a non-negative number of USD, got ${usd}`);
    const { rows } = await this.executor.query<{ id: string }>(
      `update runs set cost_estimate = $2, manifest = manifest || jsonb_build_object('cost', $3::text::jsonb) where id = $1 returning id`,
      [runId, usd, JSON.stringify(estimate)],
    );
    if (rows.length === 0) throw new RunNotFoundError(runId);
  }

  async setRunStatus(runId: string, status: RunStatus, reason?: string): Promise<void> {
    if (!(RUN_STATUSES as readonly string[]).includes(status)) throw new InvalidRunStatusError(status);
    const at = this.now().toISOString();
    const change: StatusChange = reason === undefined ? { status, at } : { status, at, reason };
    const final = FINAL_RUN_STATUSES.includes(status);
    const { rows } = await this.executor.query<{ id: string }>(
      `update runs set
         status = $2,
         status_history = status_history || $3::text::jsonb,
         reason = coalesce($4, reason),
         ended_at = case when $5 then $6::text::timestamptz else ended_at end
       where id = $1
       returning id`,
      [runId, status, JSON.stringify([change]), reason ?? null, final, at],
    );
    if (rows.length === 0) throw new RunNotFoundError(runId);
  }

  async insertInvocations(rows: readonly InvocationRow[]): Promise<void> {
    if (rows.length === 0) return;
    const perRun = new Map<string, number>();
    for (const row of rows) perRun.set(row.run_id, (perRun.get(row.run_id) ?? 0) + 1);
    const chunks = encodeCopyChunks(rows, INVOCATION_COPY_COLUMNS, this.copyChunkRows);
    try {
      await this.executor.transaction(async (tx) => {
        await tx.copyFrom(
          'invocations',
          INVOCATION_COPY_COLUMNS.map((column) => column.name),
          chunks,
        );
        for (const [runId, count] of perRun) {
          await tx.query('update runs set invocation_count = invocation_count + $2 where id = $1', [runId, count]);
        }
      });
    } catch (error) {
      throw mapDatabaseError(error, { table: 'invocations', runIds: [...perRun.keys()] });
    }
  }

  async insertExperimentRows(rows: readonly ExperimentRow[]): Promise<void> {
    if (rows.length === 0) return;
    const chunks = encodeCopyChunks(rows, EXPERIMENT_ROW_COPY_COLUMNS, this.copyChunkRows);
    try {
      await this.executor.transaction((tx) =>
        tx.copyFrom(
          'experiment_rows',
          EXPERIMENT_ROW_COPY_COLUMNS.map((column) => column.name),
          chunks,
        ),
      );
    } catch (error) {
      throw mapDatabaseError(error, { table: 'experiment_rows', runIds: [...new Set(rows.map((row) => row.run_id))] });
    }
  }

  async importRunResults(runId: string, invocations: readonly InvocationRow[], experimentRows: readonly ExperimentRow[]): Promise<void> {
    const foreign = [...invocations, ...experimentRows].find((row) => row.run_id !== runId);
    if (foreign) throw new RangeError(`importRunResults(${runId}) got a row of run ${foreign.run_id}`);
    try {
      await this.executor.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>('select id from runs where id = $1 for update', [runId]);
        if (rows.length === 0) throw new RunNotFoundError(runId);
        await tx.query('delete from invocations where run_id = $1', [runId]);
        await tx.query('delete from experiment_rows where run_id = $1', [runId]);
        if (invocations.length) {
          const columns = INVOCATION_COPY_COLUMNS.map((column) => column.name);
          await tx.copyFrom('invocations', columns, encodeCopyChunks(invocations, INVOCATION_COPY_COLUMNS, this.copyChunkRows));
        }
        if (experimentRows.length) {
          const columns = EXPERIMENT_ROW_COPY_COLUMNS.map((column) => column.name);
          await tx.copyFrom('experiment_rows', columns, encodeCopyChunks(experimentRows, EXPERIMENT_ROW_COPY_COLUMNS, this.copyChunkRows));
        }
        await tx.query('update runs set invocation_count = $2 where id = $1', [runId, invocations.length]);
      });
    } catch (error) {
      throw mapDatabaseError(error, { table: 'invocations', runIds: [runId] });
    }
  }

  /**
   * Replace a run's rows with COPY TEXT files in S3 (aurora-import.ts stages them), loaded by
   * Aurora PostgreSQL's `aws_s3.table_import_from_s3` into staging tables with loads that may
   * outlive a Data API call, then swapped in with the same one-transaction replacement as
   * importRunResults (s3-import.ts says how). Importing the same files again leaves the rows once;
   * a file whose count is zero is not loaded; the run must end with exactly the counted rows.
   */
  importRunResultsFromS3(runId: string, files: S3ImportFiles, options: S3ImportOptions = {}): Promise<void> {
    const tables = { invocations: INVOCATION_COPY_COLUMNS.map((column) => column.name), experiment_rows: EXPERIMENT_ROW_COPY_COLUMNS.map((column) => column.name) };
    return importRunFilesFromS3(this.executor, tables, runId, files, options);
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunRow[]> {
    const { running = false, limit } = options;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    if (options.status !== undefined && !RUN_STATUSES.includes(options.status)) throw new InvalidRunStatusError(options.status);
    for (const time of [options.startedFrom, options.startedBefore]) {
      if (time !== undefined && Number.isNaN(Date.parse(time))) throw new RangeError(`startedFrom and startedBefore must be ISO 8601 times, got ${JSON.stringify(time)}`);
    }
    const parameters: unknown[] = [limit ?? null];
    const where: string[] = running ? [`status not in (${FINAL_STATUS_LIST})`] : [];
    const condition = (sql: (placeholder: string) => string, value: string | undefined) => {
      if (value === undefined) return;
      parameters.push(value);
      where.push(sql(`$${parameters.length}`));
    };
    condition((p) => `experiment = ${p}`, options.experiment);
    condition((p) => `platform = ${p}`, options.platform);
    condition((p) => `status = ${p}`, options.status);
    condition((p) => `started_at >= ${p}::text::timestamptz`, options.startedFrom);
    condition((p) => `started_at < ${p}::text::timestamptz`, options.startedBefore);
    const { rows } = await this.executor.query<RawRun>(
      `select ${RUN_COLUMNS} from runs
       ${where.length ? `where ${where.join(' and ')}` : ''}
       order by started_at desc, id desc
       limit $1`,
      parameters,
    );
    return rows.map(toRunRow);
  }

  async getRun(idOrPrefix: string): Promise<RunRow | undefined> {
    const exact = await this.executor.query<RawRun>(`select ${RUN_COLUMNS} from runs where id = $1`, [idOrPrefix]);
    if (exact.rows[0]) return toRunRow(exact.rows[0]);
    if (idOrPrefix.length < MIN_PREFIX_LENGTH) return undefined;
    const { rows } = await this.executor.query<RawRun>(
      `select ${RUN_COLUMNS} from runs where starts_with(id, $1) order by id limit ${AMBIGUOUS_CANDIDATES_SHOWN + 1}`,
      [idOrPrefix],
    );
    if (rows.length > 1) {
      const ids = rows.map((row) => String(row.id));
      throw new AmbiguousRunPrefixError(idOrPrefix, ids.slice(0, AMBIGUOUS_CANDIDATES_SHOWN), ids.length > AMBIGUOUS_CANDIDATES_SHOWN);
    }
    return rows[0] && toRunRow(rows[0]);
  }

  async summarize(runId: string): Promise<FunctionSummary[]> {
    const { rows } = await this.executor.query<Record<keyof FunctionSummary, unknown>>(
      `select function_name,
         count(*)::int as invocations,
         (count(*) filter (where status = 'error'))::int as errors,
         (count(*) filter (where status = 'throttled'))::int as throttled,
         (count(*) filter (where status = 'timeout'))::int as timeouts,
         (count(*) filter (where cold))::int as cold,
         percentile_cont(0.5) within group (order by latency_ms) filter (where status = 'ok') as latency_p50_ms,
         percentile_cont(0.9) within group (order by latency_ms) filter (where status = 'ok') as latency_p90_ms,
         percentile_cont(0.99) within group (order by latency_ms) filter (where status = 'ok') as latency_p99_ms
       from (
         select function_name, status, cold,
           coalesce(client_end - client_send, invocation_end - invocation_start) as latency_ms
         from invocations where run_id = $1
       ) as i
       group by function_name
       order by function_name`,
      [runId],
    );
    return rows.map((row) => ({
      function_name: String(row.function_name),
      invocations: Number(row.invocations),
      errors: Number(row.errors),
      throttled: Number(row.throttled),
      timeouts: Number(row.timeouts),
      cold: Number(row.cold),
      latency_p50_ms: numberOrNull(row.latency_p50_ms),
      latency_p90_ms: numberOrNull(row.latency_p90_ms),
      latency_p99_ms: numberOrNull(row.latency_p99_ms),
    }));
  }

  async invocationUsage(runId: string, rounding: DurationRounding): Promise<InvocationUsage[]> {
    const { roundUpToMs, minimumMs } = rounding;
    if (!(roundUpToMs > 0 && minimumMs >= 0)) throw new RangeError(`rounding must have roundUpToMs > 0 and minimumMs ≥ 0, got ${JSON.stringify(rounding)}`);
    const { rows } = await this.executor.query<Record<keyof InvocationUsage, unknown>>(
      `select function_name, memory_mb, level = 0 as root,
         count(*)::int as invocations,
         (count(*) filter (where execution_start is not null and execution_end is not null))::int as executed,
         (count(*) filter (where http_status is not null))::int as answered,
         (count(*) filter (where cold))::int as cold,
         coalesce(sum(greatest(ceil((execution_end - execution_start) / $2::double precision) * $2::double precision, $3::double precision))
           filter (where execution_start is not null and execution_end is not null), 0) as billed_ms
       from invocations where run_id = $1
       group by function_name, memory_mb, level = 0
       order by function_name, memory_mb, root desc`,
      [runId, roundUpToMs, minimumMs],
    );
    return rows.map((row) => ({
      function_name: String(row.function_name),
      memory_mb: numberOrNull(row.memory_mb),
      root: row.root === true || row.root === 't' || row.root === 'true',
      invocations: Number(row.invocations),
      executed: Number(row.executed),
      answered: Number(row.answered),
      cold: Number(row.cold),
      billed_ms: Number(row.billed_ms),
    }));
  }

  async instanceActivity(runId: string, rounding: DurationRounding): Promise<InstanceActivityUsage[]> {
    const { roundUpToMs, minimumMs } = rounding;
    if (!(roundUpToMs > 0 && minimumMs >= 0)) throw new RangeError(`rounding must have roundUpToMs > 0 and minimumMs ≥ 0, got ${JSON.stringify(rounding)}`);
    // Per function and instance, in start order: an execution that starts after every earlier one
    // has ended opens a new period (a running max of the ends); the running count of openings numbers them.
    const { rows } = await this.executor.query<Record<keyof InstanceActivityUsage, unknown>>(
      `with executions as (
         select function_name, memory_mb, coalesce(instance_identifier, 'row:' || identifier) as instance,
           execution_start as started, execution_end as ended
         from invocations
         where run_id = $1 and execution_start is not null and execution_end is not null
       ), opened as (
         select *, case when started <= max(ended) over (partition by function_name, instance order by started, ended
             rows between unbounded preceding and 1 preceding) then 0 else 1 end as opens
         from executions
       ), numbered as (
         select *, sum(opens) over (partition by function_name, instance order by started, ended rows unbounded preceding) as period
         from opened
       ), periods as (
         select function_name, instance, max(memory_mb) as memory_mb, max(ended) - min(started) as length_ms
         from numbered
         group by function_name, instance, period
       )
       select function_name, memory_mb,
         count(distinct instance)::int as instances,
         count(*)::int as periods,
         coalesce(sum(greatest(ceil(length_ms / $2::double precision) * $2::double precision, $3::double precision)), 0) as billed_ms
       from periods
       group by function_name, memory_mb
       order by function_name, memory_mb`,
      [runId, roundUpToMs, minimumMs],
    );
    return rows.map((row) => ({
      function_name: String(row.function_name),
      memory_mb: numberOrNull(row.memory_mb),
      instances: Number(row.instances),
      periods: Number(row.periods),
      billed_ms: Number(row.billed_ms),
    }));
  }

  async experimentRows(runId: string): Promise<Record<string, Record<string, unknown>[]>> {
    const grouped: Record<string, Record<string, unknown>[]> = {};
    let after = { table: '', seq: -1 };
    for (;;) {
      // Keyset pages: the Data API answers at most 1 MiB per statement, so no read may be unbounded.
      const { rows } = await this.executor.query<{ table_name: string; seq: number; data: unknown }>(
        `select table_name, seq, data from experiment_rows
         where run_id = $1 and (table_name, seq) > ($2, $3)
         order by table_name, seq limit ${this.readPageRows}`,
        [runId, after.table, after.seq],
      );
      for (const row of rows) {
        const list = grouped[row.table_name] ?? [];
        grouped[row.table_name] = list;
        list.push(jsonOf(row.data) as Record<string, unknown>);
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < this.readPageRows) return grouped;
      after = { table: last.table_name, seq: Number(last.seq) };
    }
  }

  async invocations(runId: string): Promise<InvocationRow[]> {
    const result: InvocationRow[] = [];
    let afterSeq = -1;
    for (;;) {
      const { rows } = await this.executor.query<Record<string, unknown>>(
        `select ${INVOCATION_COPY_COLUMNS.map((column) => column.name).join(', ')} from invocations
         where run_id = $1 and seq > $2 order by seq limit ${this.readPageRows}`,
        [runId, afterSeq],
      );
      for (const raw of rows) {
        const row: Record<string, unknown> = {};
        for (const { name, type } of INVOCATION_COPY_COLUMNS) row[name] = fromSql(raw[name], type);
        result.push(row as unknown as InvocationRow);
      }
      const last = result[result.length - 1];
      if (!last || rows.length < this.readPageRows) return result;
      afterSeq = last.seq;
    }
  }

  close(): Promise<void> {
    return this.executor.close();
  }
}

/** A `runs` row as the drivers return it. */
type RawRun = Record<keyof RunRow, unknown>;

function toRunRow(raw: RawRun): RunRow {
  return {
    id: String(raw.id),
    experiment: String(raw.experiment),
    platform: String(raw.platform),
    client_platform: String(raw.client_platform),
    status: raw.status as RunStatus,
    status_history: jsonOf(raw.status_history) as StatusChange[],
    reason: raw.reason === null ? null : String(raw.reason),
    started_at: String(raw.started_at),
    ended_at: raw.ended_at === null ? null : String(raw.ended_at),
    params: jsonOf(raw.params) as Record<string, unknown>,
    manifest: jsonOf(raw.manifest) as Record<string, unknown>,
    execution_id: raw.execution_id === null ? null : String(raw.execution_id),
    invocation_count: Number(raw.invocation_count),
    cost_estimate: numberOrNull(raw.cost_estimate),
    result: raw.result === null || raw.result === undefined ? null : (jsonOf(raw.result) as ExperimentResult),
  };
}

/** Drivers return jsonb parsed (pg, PGlite) or as text (Data API): accept both. */
function jsonOf(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function fromSql(value: unknown, type: CopyColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
    case 'double':
      return Number(value);
    case 'boolean':
      return typeof value === 'boolean' ? value : value === 't' || value === 'true';
    case 'jsonb':
      return jsonOf(value);
    default:
      return value;
  }
}

function single<T>(rows: T[]): T {
  const row = rows[0];
  if (!row) throw new Error('expected one row, got none');
  return row;
}
