/**
 * A run's invocations as an Apache Arrow IPC file (the random-access "file" format, readable by
 * pyarrow, polars, DuckDB and apache-arrow's `tableFromIPC`): one column per field of
 * InvocationRow, typed from the store's column types — text as Utf8, integers as Int32, doubles
 * (epoch-ms times with their fraction, ms, MB, seconds) as Float64, booleans as Bool, and `extra`
 * as its JSON text (Utf8). Every column is nullable; nulls stay nulls.
 */
import { Bool, type DataType, Float64, Int32, Table, tableToIPC, Utf8, type Vector, vectorFromArray } from 'apache-arrow';
import type { CopyColumnType } from '../../lib/results/copy-encoder';
import type { InvocationRow } from '../../lib/results/types';
import { INVOCATION_COLUMNS } from './invocation-columns';

const ARROW_TYPES: Record<CopyColumnType, () => DataType> = {
  text: () => new Utf8(),
  integer: () => new Int32(),
  double: () => new Float64(),
  boolean: () => new Bool(),
  jsonb: () => new Utf8(),
};

function cellOf(value: unknown, type: CopyColumnType): unknown {
  if (value === null || value === undefined) return null;
  return type === 'jsonb' ? JSON.stringify(value) : value;
}

export function invocationsToArrowFile(rows: readonly InvocationRow[]): Uint8Array {
  const columns: Record<string, Vector> = {};
  for (const column of INVOCATION_COLUMNS) {
    columns[column.name] = vectorFromArray(
      rows.map((row) => cellOf(row[column.name], column.type)),
      ARROW_TYPES[column.type](),
    );
  }
  return tableToIPC(new Table(columns), 'file');
}
