import { describe, expect, it } from 'vitest';
import { createRandom } from '../../random';
import {
  flatten,
  height,
  inorderTraversal,
  isBalanced,
  isSymmetric,
  levelOrder,
  levelOrderBottom,
  MAX_TREE_DEPTH,
  makeTree,
  maxDepth,
  maxPathSum,
  minDepth,
  preorderTraversal,
  rightSideView,
  summarizeTree,
  treeFromLevelOrder,
  zigzagLevelOrder,
} from './tree';

describe('makeTree', () => {
  it.each([0, 1, 2, 5, 10])('depth %i has 2^(d+1) − 1 nodes and maxDepth d + 1', (depth) => {
    const root = makeTree(depth, createRandom(depth));
    expect(summarizeTree(root).nodes).toBe(2 ** (depth + 1) - 1);
    expect(maxDepth(root)).toBe(depth + 1);
    expect(minDepth(root)).toBe(depth + 1);
    expect(isBalanced(root)).toBe(true);
  });

  it('draws values in range and is deterministic for a seed', () => {
    const a = preorderTraversal(makeTree(6, createRandom(42), 10));
    const b = preorderTraversal(makeTree(6, createRandom(42), 10));
    expect(a).toEqual(b);
    expect(a[0]).toBeLessThanOrEqual(10);
    for (const value of a) expect(value >= 0 && value <= 100 && Number.isInteger(value)).toBe(true);
    expect(preorderTraversal(makeTree(6, createRandom(43), 10))).not.toEqual(a);
  });

  it('rejects depths past the bound', () => {
    expect(() => makeTree(MAX_TREE_DEPTH + 1, createRandom(1))).toThrow(RangeError);
    expect(() => makeTree(-1, createRandom(1))).toThrow(RangeError);
    expect(() => makeTree(1.5, createRandom(1))).toThrow(RangeError);
  });
});

describe('tree algorithms on known trees', () => {
  it('isSymmetric', () => {
    expect(isSymmetric(treeFromLevelOrder([1, 2, 2, 3, 4, 4, 3]))).toBe(true);
    expect(isSymmetric(treeFromLevelOrder([1, 2, 2, null, 3, null, 3]))).toBe(false);
    expect(isSymmetric(null)).toBe(true);
  });

  it('levelOrder, levelOrderBottom, zigzagLevelOrder', () => {
    const values = [3, 9, 20, null, null, 15, 7];
    expect(levelOrder(treeFromLevelOrder(values))).toEqual([[3], [9, 20], [15, 7]]);
    expect(levelOrderBottom(treeFromLevelOrder(values))).toEqual([[15, 7], [9, 20], [3]]);
    expect(zigzagLevelOrder(treeFromLevelOrder(values))).toEqual([[3], [20, 9], [15, 7]]);
    expect(zigzagLevelOrder(treeFromLevelOrder([1, 2, 3, 4, 5, 6, 7, 8]))).toEqual([[1], [3, 2], [4, 5, 6, 7], [8]]);
    expect(levelOrder(null)).toEqual([]);
  });

  it('maxDepth and minDepth', () => {
    expect(maxDepth(treeFromLevelOrder([3, 9, 20, null, null, 15, 7]))).toBe(3);
    expect(minDepth(treeFromLevelOrder([3, 9, 20, null, null, 15, 7]))).toBe(2);
    expect(minDepth(treeFromLevelOrder([2, null, 3, null, 4, null, 5, null, 6]))).toBe(5);
    expect(maxDepth(null)).toBe(0);
    expect(minDepth(null)).toBe(0);
  });

  it('isBalanced', () => {
    expect(isBalanced(treeFromLevelOrder([3, 9, 20, null, null, 15, 7]))).toBe(true);
    expect(isBalanced(treeFromLevelOrder([1, 2, 2, 3, 3, null, null, 4, 4]))).toBe(false);
    expect(isBalanced(null)).toBe(true);
  });

  it('flatten makes a right-leaning chain in pre-order', () => {
    const root = flatten(treeFromLevelOrder([1, 2, 5, 3, 4, null, 6]));
    const chain: number[] = [];
    for (let node = root; node; node = node.right) {
      expect(node.left).toBeNull();
      chain.push(node.val);
    }
    expect(chain).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('flatten and the summary cope with a deep random tree without recursion', () => {
    const tree = makeTree(MAX_TREE_DEPTH - 4, createRandom(9));
    const before = preorderTraversal(tree);
    const summary = summarizeTree(flatten(tree));
    expect(summary.nodes).toBe(before.length);
    expect(summary.height).toBe(before.length);
    expect(summary.sum).toBe(before.reduce((a, b) => a + b, 0));
    expect(preorderTraversal(tree)).toEqual(before);
  });

  it('maxPathSum', () => {
    expect(maxPathSum(treeFromLevelOrder([1, 2, 3]))).toBe(6);
    expect(maxPathSum(treeFromLevelOrder([-10, 9, 20, null, null, 15, 7]))).toBe(42);
    expect(maxPathSum(treeFromLevelOrder([-3]))).toBe(-3);
  });

  it('preorderTraversal, inorderTraversal', () => {
    expect(preorderTraversal(treeFromLevelOrder([1, null, 2, 3]))).toEqual([1, 2, 3]);
    expect(inorderTraversal(treeFromLevelOrder([1, null, 2, 3]))).toEqual([1, 3, 2]);
  });

  it('rightSideView', () => {
    expect(rightSideView(treeFromLevelOrder([1, 2, 3, null, 5, null, 4]))).toEqual([1, 3, 4]);
    expect(rightSideView(treeFromLevelOrder([1, 2, 3, 4]))).toEqual([1, 3, 4]);
    expect(rightSideView(null)).toEqual([]);
  });

  it('height and summary of an empty tree', () => {
    expect(height(null)).toBe(0);
    expect(summarizeTree(null)).toEqual({ nodes: 0, height: 0, root: null, sum: 0 });
  });
});
