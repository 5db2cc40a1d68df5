/**
 * SqlExecutor over embedded PGlite (PostgreSQL compiled to WASM, in-process): the default store,
 * with its data in a directory (the CLI uses `<cwd>/.fb/pglite`) or in memory.
 *
 * PGlite has one connection per instance and queues calls, so there is nothing to pool. COPY
 * reads from the virtual file `/dev/blob`, fed with `query(sql, [], { blob })`. Always close: an
 * open instance keeps the process alive. Only one process may open a data directory at a time.
 *
 * A new database (in memory, or a data directory that holds none yet) runs PostgreSQL's initdb,
 * about 3 s of CPU in WASM. {@link usePgliteSeed} names a seed instead: a tarball of a data
 * directory (`PGlite.dumpDataDir`) new databases start from, about 1 s. The test suite makes one
 * before the tests (test-support/pglite-seed.ts) and passes it to `fb` children as FB_PGLITE_SEED,
 * which bin/fb.ts reads; a seed of another schema version is brought up to date by the migrations
 * as any older database is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ResultsStoreUnavailableError } from './errors';
import { type CopyText, copyChunks, copyStatement, type SqlExecutor, type SqlQueryable } from './sql-executor';

/** The tarball new databases start from, when one is set (see the file comment). */
let seed: { file: string; bytes?: Buffer } | undefined;

/** New databases of this process start from the data directory tarball `file` (undefined: run initdb). */
export function usePgliteSeed(file: string | undefined): void {
  seed = file ? { file } : undefined;
}

/** The seed as PGlite's `loadDataDir` when a new database is about to be made, read once per process. */
function seedFor(location: string): { loadDataDir: Blob } | Record<string, never> {
  if (!seed || (location !== 'memory://' && existsSync(path.join(location, 'PG_VERSION')))) return {};
  seed.bytes ??= readFileSync(seed.file);
  return { loadDataDir: new Blob([seed.bytes]) };
}

export class PgliteExecutor implements SqlExecutor {
  readonly kind = 'pglite';

  private constructor(
    private readonly db: PGlite,
    readonly location: string,
  ) {}

  /**
   * Open (creating it if needed) the database in `dataDir`, or an in-memory one without it. A new
   * one starts from the seed when one is set, unless `fromSeed` is false (a truly empty database).
   */
  static async open(dataDir?: string, options: { fromSeed?: boolean } = {}): Promise<PgliteExecutor> {
    const location = dataDir ? path.resolve(dataDir) : 'memory://';
    try {
      if (dataDir) await mkdir(location, { recursive: true });
      const db = await PGlite.create({ ...(dataDir ? { dataDir: location } : {}), ...(options.fromSeed === false ? {} : seedFor(location)) });
      return new PgliteExecutor(db, location);
    } catch (error) {
      throw new ResultsStoreUnavailableError(`PGlite ${location}`, error);
    }
  }

  /** The whole database as a data directory tarball (uncompressed), e.g. to serve as a seed. */
  async dumpDataDir(): Promise<Buffer> {
    const dump = await this.db.dumpDataDir('none');
    return Buffer.from(await dump.arrayBuffer());
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
