/**
 * The one way to open the results store: a PostgreSQL server when a database URL is given (the
 * CLI passes `FB_DATABASE_URL`), otherwise embedded PGlite with its data under `dataDir` (the CLI
 * passes `<cwd>/.fb/pglite`; the directory is created), or in memory when neither is given.
 * Migrations run on open, so callers always see the current schema.
 *
 * This module never reads the environment: configuration comes in through `options`, from the
 * edges (CLI, Lambda handlers).
 */
import { PgExecutor, type PgExecutorOptions } from './pg-executor';
import { PgliteExecutor } from './pglite-executor';
import type { SqlExecutor } from './sql-executor';
import { SqlResultsStore, type SqlResultsStoreOptions } from './sql-store';

export interface OpenResultsStoreOptions extends SqlResultsStoreOptions, PgExecutorOptions {
  /** A PostgreSQL URL (`postgres://user:password@host:port/db`). Empty means not given. */
  databaseUrl?: string;
  /** PGlite's data directory when there is no database URL; in memory when absent too. */
  dataDir?: string;
}

/**
 * Open and migrate the store.
 * @throws ResultsStoreUnavailableError when the server cannot be reached or PGlite cannot open
 * its directory (the message carries the URL without its password).
 */
export async function openResultsStore(options: OpenResultsStoreOptions = {}): Promise<SqlResultsStore> {
  const executor: SqlExecutor = options.databaseUrl
    ? await PgExecutor.connect(options.databaseUrl, options)
    : await PgliteExecutor.open(options.dataDir);
  const store = new SqlResultsStore(executor, options);
  try {
    await store.migrate();
  } catch (error) {
    await executor.close().catch(() => {});
    throw error;
  }
  return store;
}
