/**
 * The schema check for reading a database this process must not migrate: a deployed stage's
 * Aurora is migrated by its own deployment (the SchemaMigrations custom resource), never by a
 * laptop's `fb`. So the CLI reads the migration ledger and refuses, naming both versions, when
 * the database's schema is not exactly the one this code was written for: an older database may
 * lack columns the queries name, a newer one may have changed what they mean.
 */
import { ResultsStoreError } from './errors';
import { type AppliedMigration, appliedMigrations } from './migrate';
import { MIGRATIONS, type Migration } from './migrations';
import type { SqlExecutor } from './sql-executor';

/** The database's schema is not the one this code reads. */
export class ResultsSchemaMismatchError extends ResultsStoreError {
  override name = 'ResultsSchemaMismatchError';
  constructor(
    readonly location: string,
    /** The database's highest applied version; 0 when it has no schema at all. */
    readonly databaseVersion: number,
    /** The highest version this code knows. */
    readonly codeVersion: number,
    advice: string,
  ) {
    super(`the results database at ${location} has schema version ${databaseVersion}, this fb reads version ${codeVersion}: ${advice}`);
  }
}

export interface SchemaCheckOptions {
  /** Where the database is, for the message. */
  location: string;
  /** What to do when the database is older (default: deploy again, which migrates it). */
  olderAdvice?: string;
  migrations?: readonly Migration[];
}

/** Resolve with the database's schema version when it matches this code's; throw ResultsSchemaMismatchError when not. */
export async function checkReadableSchema(executor: SqlExecutor, options: SchemaCheckOptions): Promise<number> {
  const migrations = options.migrations ?? MIGRATIONS;
  const codeVersion = migrations.at(-1)?.version ?? 0;
  const { rows } = await executor.query<{ present: boolean }>(`select to_regclass('schema_migrations') is not null as present`);
  const applied: AppliedMigration[] = rows[0]?.present ? await appliedMigrations(executor) : [];
  const databaseVersion = applied.at(-1)?.version ?? 0;
  const older = options.olderAdvice ?? 'deploy the stage again with this version (its deployment migrates the database), or use the fb version it was deployed with';
  if (databaseVersion < codeVersion) throw new ResultsSchemaMismatchError(options.location, databaseVersion, codeVersion, older);
  if (databaseVersion > codeVersion) {
    throw new ResultsSchemaMismatchError(options.location, databaseVersion, codeVersion, 'it was deployed by a newer version: update this checkout (git pull && npm ci)');
  }
  const known = new Set(migrations.map((migration) => migration.version));
  const unknown = applied.filter((migration) => !known.has(migration.version));
  if (unknown.length) {
    throw new ResultsSchemaMismatchError(
      options.location,
      databaseVersion,
      codeVersion,
      `it has migrations this fb does not know (${unknown.map((migration) => `${migration.version} ${migration.name}`).join(', ')}): use the fb version it was deployed with`,
    );
  }
  return databaseVersion;
}
