import type { SqlExecutor } from '../results/sql-executor';
import type { CallbackEntry, CallbackRegistration, CallbackRegistry } from './registry';

/**
 * The callback registry in the results database (`callbacks`, migration 2), shared by every
 * control-plane Lambda through the Data API (or any SqlExecutor). `markUsed` is one conditional
 * update, so two concurrent reports of the same run cannot both claim it.
 */
export class SqlCallbackRegistry implements CallbackRegistry {
  constructor(private readonly executor: SqlExecutor) {}

  async register(entry: CallbackRegistration): Promise<void> {
    await this.executor.query(
      `insert into callbacks (run_id, secret_hash, task_token, expires_at, used)
       values ($1, $2, $3, $4::text::timestamptz, false)
       on conflict (run_id) do update set secret_hash = excluded.secret_hash, task_token = excluded.task_token, expires_at = excluded.expires_at, used = false`,
      [entry.runId, entry.secretHash, entry.taskToken, entry.expiresAt.toISOString()],
    );
  }

  async find(runId: string): Promise<CallbackEntry | undefined> {
    const { rows } = await this.executor.query<{ run_id: string; secret_hash: string; task_token: string; expires_at: string; used: boolean }>(
      `select run_id, secret_hash, task_token, to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as expires_at, used
       from callbacks where run_id = $1`,
      [runId],
    );
    const row = rows[0];
    return row && { runId: row.run_id, secretHash: row.secret_hash, taskToken: row.task_token, expiresAt: new Date(row.expires_at), used: row.used === true };
  }

  async markUsed(runId: string): Promise<boolean> {
    const { rows } = await this.executor.query<{ run_id: string }>('update callbacks set used = true where run_id = $1 and not used returning run_id', [runId]);
    return rows.length === 1;
  }

  async remove(runId: string): Promise<void> {
    await this.executor.query('delete from callbacks where run_id = $1', [runId]);
  }

  async release(runId: string): Promise<void> {
    await this.executor.query('update callbacks set used = false where run_id = $1', [runId]);
  }
}
