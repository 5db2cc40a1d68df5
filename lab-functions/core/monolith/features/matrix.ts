/**
 * `matrix_mult`: multiply two n×n matrices of random integers in [0, 100] and sum the product,
 * timing the work (matrix creation included, as in the original) in CPU and wall milliseconds.
 *
 * Differences from the original Python:
 * - Values come from the seeded PRNG instead of Python's `random` module.
 * - The result is the sum of every entry of the product. The original's nested `reduce` kept only
 *   the sum of the product's last row (its outer lambda ignored the accumulator); summing all
 *   entries is what it evidently meant and makes every entry count.
 * - CPU time is the process's user + system time (`process.cpuUsage`), the closest Node has to
 *   Python's `time.process_time`. Field names are `matrix_cpu_time_ms` / `matrix_wall_time_ms`
 *   (the original reported seconds as `process_time_matrix` / `running_time_matrix`).
 * - n is bounded by the catalog (600), so the sum (≤ 100·100·n per entry, n² entries) stays well
 *   inside Number.MAX_SAFE_INTEGER.
 */
import { nowEpochMs, processCpuMs } from '../../clock';
import { randomInt } from '../../random';

export type Matrix = number[][];

/** A rows×cols matrix of random integers in [0, 100], filled row by row. */
export function makeMatrix(rows: number, cols: number, random: () => number): Matrix {
  const matrix: Matrix = [];
  for (let i = 0; i < rows; i++) {
    const row: number[] = new Array(cols);
    for (let j = 0; j < cols; j++) row[j] = randomInt(random, 0, 100);
    matrix.push(row);
  }
  return matrix;
}

/** The matrix product a·b. Throws if the inner dimensions differ or a row is ragged. */
export function multiply(a: Matrix, b: Matrix): Matrix {
  const inner = b.length;
  const cols = b[0]?.length ?? 0;
  for (const row of a) {
    if (row.length !== inner) throw new RangeError(`cannot multiply: a row of a has ${row.length} columns, b has ${inner} rows`);
  }
  for (const row of b) {
    if (row.length !== cols) throw new RangeError('cannot multiply: b is ragged');
  }
  return a.map((aRow) => {
    const out: number[] = new Array<number>(cols).fill(0);
    // i-k-j order: walks b row by row, which is far kinder to the cache than column by column.
    for (let k = 0; k < inner; k++) {
      const factor = aRow[k] as number;
      const bRow = b[k] as number[];
      for (let j = 0; j < cols; j++) out[j] = (out[j] as number) + factor * (bRow[j] as number);
    }
    return out;
  });
}

/** The sum of every entry. */
export function sumEntries(matrix: Matrix): number {
  let sum = 0;
  for (const row of matrix) for (const value of row) sum += value;
  return sum;
}

export interface MatrixMultResult {
  sum: number;
  cpuMs: number;
  wallMs: number;
}

/** Two random n×n matrices, multiplied and summed, with the time it took. */
export function matrixMult(n: number, random: () => number): MatrixMultResult {
  const wallStart = nowEpochMs();
  const cpuStart = processCpuMs();
  const product = multiply(makeMatrix(n, n, random), makeMatrix(n, n, random));
  const sum = sumEntries(product);
  const cpuMs = Math.max(0, processCpuMs() - cpuStart);
  const wallMs = Math.max(0, nowEpochMs() - wallStart);
  return { sum, cpuMs, wallMs };
}
