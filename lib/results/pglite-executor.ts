/**
 * SqlExecutor over embedded PGlite (PostgreSQL compiled to WASM, in-process): the default store,
 * with its data in a directory (the CLI uses `<cwd>/.fb/pglite`) or in memory.
 *
 * PGlite has one connection per instance and queues calls, so there is nothing to pool. COPY
 * reads from the virtual file `/dev/blob`, fed with `query(sql, [], { blob })`. Always close: an
 * open instance keeps the process alive. Only one process may open a data directory at a time.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ResultsStoreUnavailableError } from './errors';
import { type CopyText, copyChunks, copyStatement, type SqlExecutor, type SqlQueryable } from './sql-executor';

export class PgliteExecutor implements SqlExecutor {
  readonly kind = 'pglite';

  private constructor(
    private readonly db: PGlite,
    readonly location: string,
  ) {}

  /** Open (creating it if needed) the database in `dataDir`, or an in-memory one without it. */
  static async open(dataDir?: string): Promise<PgliteExecutor> {
    const location = dataDir ? path.resolve(dataDir) : 'memory://';
    try {
      if (dataDir) await mkdir(location, { recursive: true });
      const db = await PGlite.create(dataDir ? { dataDir: location } : {});
      return new PgliteExecutor(db, location);
    } catch (error) {
      throw new ResultsStoreUnavailableError(`PGlite ${location}`, error);
    }
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    return this.db.query<T>(sql, [...params]);
  }

  copyFrom(table: string, columns: readonly string[], text: CopyText): Promise<void> {
    return copyInto(this.db, table, columns, text);
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      fn({
        query: <R>(sql: string, params: readonly unknown[] = []) => tx.query<R>(sql, [...params]),
        copyFrom: (table, columns, text) => copyInto(tx, table, columns, text),
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

async function copyInto(db: PGlite | Transaction, table: string, columns: readonly string[], text: CopyText): Promise<void> {
  // Building the Blob from the parts avoids concatenating one huge string.
  const blob = new Blob(Array.from(copyChunks(text)));
  if (blob.size === 0) return;
  await db.query(copyStatement(table, columns, `'/dev/blob'`), [], { blob });
}
