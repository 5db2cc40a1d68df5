/**
 * SqlExecutor over a PostgreSQL server through `pg` (a small Pool), used when the CLI is given
 * `FB_DATABASE_URL`. COPY streams the TEXT chunks with pg-copy-streams, so encoding the next
 * chunk overlaps the server loading the previous one and memory stays bounded.
 *
 * Connection failures (refused, unknown host, bad password, server gone) become
 * ResultsStoreUnavailableError with the password removed from the URL.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, type PoolClient } from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { isConnectionError, ResultsStoreUnavailableError, redactDatabaseUrl } from './errors';
import { type CopyText, copyChunks, copyStatement, type SqlExecutor, type SqlQueryable } from './sql-executor';

export interface PgExecutorOptions {
  /** How long to wait for a connection before giving up. Default 10 s. */
  connectTimeoutMs?: number;
  /** Pool size. Default 4. */
  maxConnections?: number;
}

export class PgExecutor implements SqlExecutor {
  readonly kind = 'pg';
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    readonly location: string,
  ) {}

  /** Connect (and check the connection with `select 1`). */
  static async connect(databaseUrl: string, options: PgExecutorOptions = {}): Promise<PgExecutor> {
    const pool = new Pool({
      connectionString: databaseUrl,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 10_000,
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const executor = new PgExecutor(pool, redactDatabaseUrl(databaseUrl));
    try {
      await pool.query('select 1');
    } catch (error) {
      await pool.end().catch(() => {});
      throw new ResultsStoreUnavailableError(executor.location, error);
    }
    return executor;
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    try {
      const result = await this.pool.query(sql, [...params]);
      return { rows: result.rows as T[] };
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  async copyFrom(table: string, columns: readonly string[], text: CopyText): Promise<void> {
    const client = await this.connectClient();
    try {
      await copyInto(client, table, columns, text);
      client.release();
    } catch (error) {
      // Do not hand a connection that failed mid-COPY back to the pool.
      client.release(error instanceof Error ? error : true);
      throw this.unavailable(error);
    }
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.connectClient();
    const tx: SqlQueryable = {
      query: async <R>(sql: string, params: readonly unknown[] = []) => ({ rows: (await client.query(sql, [...params])).rows as R[] }),
      copyFrom: (table, columns, text) => copyInto(client, table, columns, text),
    };
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      let rolledBack = false;
      try {
        await client.query('ROLLBACK');
        rolledBack = true;
      } catch {
        // The connection is broken; it is discarded below.
      }
      client.release(rolledBack ? undefined : true);
      throw this.unavailable(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async connectClient(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /** Connection failures become ResultsStoreUnavailableError; other errors pass through. */
  private unavailable(error: unknown): unknown {
    return isConnectionError(error) ? new ResultsStoreUnavailableError(this.location, error) : error;
  }
}

async function copyInto(client: PoolClient, table: string, columns: readonly string[], text: CopyText): Promise<void> {
  const stream = client.query(copyFromStdin(copyStatement(table, columns, 'STDIN')));
  await pipeline(Readable.from(copyChunks(text), { objectMode: false }), stream);
}
