/**
 * The columns of an invocations download, in the store's own order and with its own types
 * (lib/results/sql-store.ts INVOCATION_COPY_COLUMNS, itself checked against InvocationRow by the
 * compiler), so the CSV and the Arrow file always carry every field of InvocationRow and nothing
 * else. Times stay epoch milliseconds with their sub-millisecond fraction, as stored.
 */
import type { CopyColumnType } from '../../lib/results/copy-encoder';
import { INVOCATION_COPY_COLUMNS } from '../../lib/results/sql-store';
import type { InvocationRow } from '../../lib/results/types';

export interface InvocationColumn {
  name: keyof InvocationRow;
  type: CopyColumnType;
}

export const INVOCATION_COLUMNS: readonly InvocationColumn[] = INVOCATION_COPY_COLUMNS.map((column) => ({ name: column.name as keyof InvocationRow, type: column.type }));

/** The download's file name: `<run id>-invocations.<extension>`, only characters safe in a header. */
export function invocationsFileName(runId: string, extension: 'csv' | 'arrow'): string {
  return `${runId.replace(/[^\w.-]+/g, '_')}-invocations.${extension}`;
}
