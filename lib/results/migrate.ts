/**
 * The migration runner: applies every migration of ./migrations not yet recorded in
 * `schema_migrations`, in one transaction under an advisory lock, so two processes opening the
 * same database at once neither race nor apply a migration twice. Running it again is a no-op.
 *
 * Statements are sent one at a time (PGlite's extended protocol and the RDS Data API take one
 * statement per call), split by {@link splitSqlStatements}.
 */
import { MIGRATIONS, type Migration } from './migrations';
import type { SqlExecutor } from './sql-executor';

/** Arbitrary constant key of the advisory lock held while migrating ("fbmig" in ASCII, roughly). */
const MIGRATION_LOCK_KEY = 6_670_226_105;

export interface AppliedMigration {
  version: number;
  name: string;
  /** ISO 8601. */
  applied_at: string;
}

/** Apply the pending migrations; returns the versions applied by this call. */
export async function runMigrations(executor: SqlExecutor, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  checkOrder(migrations);
  return executor.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    const { rows: ledger } = await tx.query<{ present: boolean }>(`select to_regclass('schema_migrations') is not null as present`);
    const applied = new Set<number>();
    if (ledger[0]?.present) {
      const { rows } = await tx.query<{ version: number }>('select version from schema_migrations');
      for (const row of rows) applied.add(Number(row.version));
    }
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of splitSqlStatements(migration.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, now())', [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}

/** The ledger, oldest first. */
export async function appliedMigrations(executor: SqlExecutor): Promise<AppliedMigration[]> {
  const { rows } = await executor.query<AppliedMigration>(
    `select version, name, to_char(applied_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as applied_at
     from schema_migrations order by version`,
  );
  return rows.map((row) => ({ ...row, version: Number(row.version) }));
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (!Number.isInteger(migration.version) || (previous && migration.version <= previous.version)) {
      throw new Error(`migrations out of order: version ${migration.version} (${migration.name}) after ${previous?.version}`);
    }
  });
}

/**
 * Split a SQL script into statements at top-level semicolons, ignoring those inside quotes,
 * quoted identifiers and comments. Comment-only pieces are dropped. Dollar-quoted bodies are
 * not supported (and rejected) — migrations do not need them.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const piece = script.slice(start, end);
    if (piece.replace(/--[^\n]*/g, '').trim()) statements.push(piece.trim());
    start = end + 1;
  };
  while (i < script.length) {
    const ch = script[i];
    const next = script[i + 1];
    if (ch === "'" || ch === '"') {
      // A quoted literal or identifier; a doubled quote is an escaped quote.
      i++;
      while (i < script.length) {
        if (script[i] === ch) {
          if (script[i + 1] === ch) i += 2;
          else break;
        } else i++;
      }
      if (i >= script.length) throw new Error(`unterminated ${ch === "'" ? 'string' : 'identifier'} in SQL script`);
      i++;
    } else if (ch === '-' && next === '-') {
      while (i < script.length && script[i] !== '\n') i++;
    } else if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated comment in SQL script');
      i = end + 2;
    } else if (ch === '$' && /^\$[A-Za-z_]*\$/.test(script.slice(i)) && !/[\w$]/.test(script[i - 1] ?? ' ')) {
      throw new Error('dollar-quoted strings are not supported in migrations');
    } else if (ch === ';') {
      push(i);
      i++;
    } else i++;
  }
  push(script.length);
  return statements;
}
