/**
 * `pandas_numpy`: a dataframe of n columns × 10 rows, converted to a numeric array, flattened and
 * summed, exercising two large data libraries as the original did with pandas and NumPy.
 *
 * Here arquero plays pandas (the dataframe) and Apache Arrow plays NumPy (the columnar numeric
 * array): the arquero table is encoded to Arrow IPC and decoded with apache-arrow, whose column
 * vectors are read into one row-major Float64Array (like `np.array(df).flatten()`), then summed.
 *
 * Differences from the original Python:
 * - The original filled every column with 0..9, so its result was always 45·n. Here the cells are
 *   random integers in [0, 100] from the seeded PRNG, so the sum depends on the seed and checks
 *   that every cell made the round trip.
 * - n is bounded by the catalog (10,000 columns).
 */
import { tableFromIPC } from 'apache-arrow';
import { table, toArrowIPC } from 'arquero';
import { randomInt } from '../../random';

/** Rows of the dataframe, as in the original. */
export const ROWS = 10;

/** The dataframe's columns, `value 0` … `value n−1`, each ROWS random integers in [0, 100]. */
export function generateColumns(n: number, random: () => number): Record<string, Int32Array> {
  const columns: Record<string, Int32Array> = {};
  for (let c = 0; c < n; c++) {
    const column = new Int32Array(ROWS);
    for (let r = 0; r < ROWS; r++) column[r] = randomInt(random, 0, 100);
    columns[`value ${c}`] = column;
  }
  return columns;
}

/** The columns as one row-major numeric array, through arquero → Arrow IPC → apache-arrow. */
export function toFlatArray(columns: Record<string, Int32Array>): Float64Array {
  const frame = table(columns);
  const arrow = tableFromIPC(toArrowIPC(frame));
  const rows = arrow.numRows;
  const cols = arrow.numCols;
  const flat = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const vector = arrow.getChildAt(c);
    if (!vector) throw new Error(`arrow table lost column ${c}`);
    const values = vector.toArray() as ArrayLike<number>;
    for (let r = 0; r < rows; r++) flat[r * cols + c] = values[r] as number;
  }
  return flat;
}

export function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] as number;
  return total;
}

/** The feature: n random columns, flattened through Arrow and summed. */
export function pandasNumpy(n: number, random: () => number): number {
  return sum(toFlatArray(generateColumns(n, random)));
}
