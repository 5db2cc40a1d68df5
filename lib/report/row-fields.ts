/**
 * Typed reads of experiment-row fields. Experiment rows are JSON from the store (`experiment_rows.data`);
 * the report reads what it plots through these, so a missing or mistyped field is a point left
 * out, never a NaN drawn or a crash.
 */
export type Row = Readonly<Record<string, unknown>>;

export function numberField(row: Row, key: string): number | null {
  const value = row[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function booleanField(row: Row, key: string): boolean | null {
  const value = row[key];
  return typeof value === 'boolean' ? value : null;
}

export function stringField(row: Row, key: string): string | null {
  const value = row[key];
  return typeof value === 'string' ? value : null;
}
