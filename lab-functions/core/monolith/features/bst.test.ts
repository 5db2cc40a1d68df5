import { describe, expect, it } from 'vitest';
import { createRandom } from '../../random';
import { listValues, makeSortedList, range, sortedArrayToBST, sortedListToBST } from './bst';
import { height, inorderTraversal, isBalanced, summarizeTree } from './tree';

describe('sortedArrayToBST', () => {
  it.each([0, 1, 2, 3, 7, 8, 100, 1000])('n = %i: in-order is 0..n−1 and height-balanced', (n) => {
    const root = sortedArrayToBST(range(n));
    expect(inorderTraversal(root)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(isBalanced(root)).toBe(true);
    expect(height(root)).toBe(Math.ceil(Math.log2(n + 1)));
  });

  it('puts the ⌊len/2⌋-th value at the root, as the original', () => {
    expect(sortedArrayToBST(range(4))?.val).toBe(2);
    expect(sortedArrayToBST(range(5))?.val).toBe(2);
  });

  it('stays shallow for a large n', () => {
    expect(summarizeTree(sortedArrayToBST(range(200_000)))).toMatchObject({ nodes: 200_000, height: 18 });
  });
});

describe('sortedListToBST', () => {
  it('makes n + 1 sorted nodes and a balanced BST of them, consuming the list', () => {
    const list = makeSortedList(50, createRandom(3));
    const values = listValues(list);
    expect(values).toHaveLength(51);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    const root = sortedListToBST(list);
    expect(list.head).toBeNull();
    expect(inorderTraversal(root)).toEqual(values);
    expect(isBalanced(root)).toBe(true);
  });

  it('handles an empty list', () => {
    expect(sortedListToBST({ head: null })).toBeNull();
  });
});
