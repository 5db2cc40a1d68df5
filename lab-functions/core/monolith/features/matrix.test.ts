import { describe, expect, it } from 'vitest';
import { createRandom } from '../../random';
import { makeMatrix, matrixMult, multiply, sumEntries } from './matrix';

describe('multiply', () => {
  it('multiplies a known case', () => {
    expect(
      multiply(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ),
    ).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(multiply([[1, 2, 3]], [[4], [5], [6]])).toEqual([[32]]);
  });

  it('rejects mismatched shapes', () => {
    expect(() => multiply([[1, 2]], [[1, 2]])).toThrow(RangeError);
  });

  it('agrees with the naive definition on a random case', () => {
    const random = createRandom(11);
    const a = makeMatrix(4, 5, random);
    const b = makeMatrix(5, 3, random);
    const product = multiply(a, b);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        let expected = 0;
        for (let k = 0; k < 5; k++) expected += (a[i]?.[k] ?? NaN) * (b[k]?.[j] ?? NaN);
        expect(product[i]?.[j]).toBe(expected);
      }
    }
  });
});

describe('matrixMult', () => {
  it('sums the whole product and reports non-negative timings', () => {
    // The same stream as matrixMult: both matrices from one generator, row by row.
    const random = createRandom(5);
    const a = makeMatrix(6, 6, random);
    const b = makeMatrix(6, 6, random);
    const result = matrixMult(6, createRandom(5));
    expect(result.sum).toBe(sumEntries(multiply(a, b)));
    expect(result.cpuMs).toBeGreaterThanOrEqual(0);
    expect(result.wallMs).toBeGreaterThanOrEqual(0);
  });

  it('is 0 for n = 0', () => {
    expect(matrixMult(0, createRandom(1)).sum).toBe(0);
  });
});
