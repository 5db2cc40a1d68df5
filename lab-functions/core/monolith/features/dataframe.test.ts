import { describe, expect, it } from 'vitest';
import { createRandom } from '../../random';
import { generateColumns, pandasNumpy, ROWS, sum, toFlatArray } from './dataframe';

describe('pandas_numpy', () => {
  it.each([1, 3, 25])('n = %i: the sum equals the sum of the generated columns', (n) => {
    const columns = generateColumns(n, createRandom(n));
    let direct = 0;
    for (const column of Object.values(columns)) for (const value of column) direct += value;
    expect(Object.keys(columns)).toHaveLength(n);
    expect(pandasNumpy(n, createRandom(n))).toBe(direct);
  });

  it('flattens row-major, like np.array(df).flatten()', () => {
    const columns = { 'value 0': Int32Array.from({ length: ROWS }, (_, r) => r), 'value 1': Int32Array.from({ length: ROWS }, (_, r) => 100 + r) };
    const flat = toFlatArray(columns);
    expect(flat).toHaveLength(2 * ROWS);
    expect(Array.from(flat.slice(0, 6))).toEqual([0, 100, 1, 101, 2, 102]);
    expect(sum(flat)).toBe(45 + 1045);
  });

  it('handles zero columns', () => {
    expect(pandasNumpy(0, createRandom(1))).toBe(0);
  });

  it('depends on the seed', () => {
    expect(pandasNumpy(20, createRandom(1))).not.toBe(pandasNumpy(20, createRandom(2)));
  });
});
