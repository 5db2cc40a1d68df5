/**
 * The latency of one stored invocation, as every summary of the project reads it: the client's
 * round trip (send → end of the answer) for a root call, the caller's timing of the call for a
 * nested one. The SQL summary (lib/results/sql-store.ts `summarize`) uses the same definition.
 */
import type { InvocationRow } from '../results/types';

export type LatencyFields = Pick<InvocationRow, 'client_send' | 'client_end' | 'invocation_start' | 'invocation_end'>;

/** Latency in ms, or null when the row has neither pair of times (e.g. nothing was sent). */
export function latencyMsOf(row: LatencyFields): number | null {
  if (row.client_send !== null && row.client_end !== null) return row.client_end - row.client_send;
  if (row.invocation_start !== null && row.invocation_end !== null) return row.invocation_end - row.invocation_start;
  return null;
}
