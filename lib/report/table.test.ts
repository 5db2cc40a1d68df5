import { describe, expect, it } from 'vitest';
import { formatElapsed, formatTable } from './table';

describe('Function: formatTable', () => {
  it('sizes columns to content, right-aligns numeric columns and shows missing values as -', () => {
    const table = formatTable(['function', 'n', 'p50 ms'], [
      ['function1', 1000, 1.234],
      ['monolith', 7, null],
    ]);
    expect(table.split('\n')).toEqual([
      'function      n  p50 ms',
      '---------  ----  ------',
      'function1  1000    1.23',
      'monolith      7       -',
    ]);
  });
});

describe('Function: formatElapsed', () => {
  it.each([
    [4200, '4.2s'],
    [125_000, '2m 05s'],
    [3_723_000, '1h 02m 03s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});
