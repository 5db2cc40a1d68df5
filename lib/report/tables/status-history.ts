/** A run's status history: each status it entered, when, how long after the start, and why when the change has a reason (a failure's). */
import { formatElapsed } from '../table';
import { formatTime } from '../format';
import type { ReportRun } from '../report-run';
import type { ReportTable } from './report-table';

export function statusHistoryTable(run: ReportRun): ReportTable {
  const startMs = Date.parse(run.run.started_at);
  const reasons = run.run.status_history.some((change) => change.reason);
  return {
    title: `Status history of ${run.label}`,
    headers: ['status', 'at (UTC)', 'after', ...(reasons ? ['reason'] : [])],
    rows: run.run.status_history.map((change) => [change.status, formatTime(change.at), formatElapsed(Math.max(0, Date.parse(change.at) - startMs)), ...(reasons ? [change.reason ?? ''] : [])]),
    ...(run.run.status === 'failed' && run.run.reason && !reasons ? { note: `failed: ${run.run.reason}` } : {}),
  };
}
