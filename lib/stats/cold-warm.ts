/**
 * Cold/warm split of invocation rows by the functions' own flag (`cold`: true only for the first
 * call an instance serves). Rows without a record (client-side failures, throttles) have no flag
 * and are kept apart as `unknown`, never guessed. Pure; no I/O.
 */

export interface ColdWarmSplit<Row> {
  cold: Row[];
  warm: Row[];
  /** Rows whose `cold` is null: no record said. */
  unknown: Row[];
}

export function splitColdWarm<Row extends { cold: boolean | null }>(rows: readonly Row[]): ColdWarmSplit<Row> {
  const split: ColdWarmSplit<Row> = { cold: [], warm: [], unknown: [] };
  for (const row of rows) {
    if (row.cold === true) split.cold.push(row);
    else if (row.cold === false) split.warm.push(row);
    else split.unknown.push(row);
  }
  return split;
}
