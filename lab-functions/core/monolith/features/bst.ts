/**
 * Balanced binary search trees from sorted input: `sortedArrayToBST` (LeetCode 108) and
 * `sortedListToBST` (LeetCode 109), plus the linked list the latter starts from.
 *
 * Differences from the original Python:
 * - The middle element is found by index range instead of slicing the list at every level, so
 *   building is O(n) rather than O(n log n); the resulting tree is the same (middle = ⌊len/2⌋).
 *   Recursion depth is ⌈log2(n + 1)⌉, about 20 for the catalog's bound of 1,000,000.
 * - The original filled the linked list with unsorted random values, which does not make a search
 *   tree; here the n + 1 random values in [0, 100] come from the seeded PRNG and are sorted first.
 * - `sortedListToBST` consumes its list (see `LinkedList`), to keep peak memory near one structure
 *   rather than two at the catalog's bound.
 */
import { randomInt } from '../../random';
import { type TreeNode, treeNode } from './tree';

export interface ListNode {
  val: number;
  next: ListNode | null;
}

/** A balanced BST holding `values` (assumed sorted ascending), middle element at each root. */
export function sortedArrayToBST(values: ArrayLike<number>): TreeNode | null {
  const build = (start: number, end: number): TreeNode | null => {
    if (start >= end) return null;
    const mid = start + Math.floor((end - start) / 2);
    const node = treeNode(values[mid] as number);
    node.left = build(start, mid);
    node.right = build(mid + 1, end);
    return node;
  };
  return build(0, values.length);
}

/** 0, 1, …, n − 1: the input the original's `sortedArrayToBST` feature used. */
export function range(n: number): Int32Array {
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = i;
  return values;
}

/**
 * A singly linked list, held through a box so that a consumer can take the nodes over: a caller's
 * variable holding the head would keep every node alive until the consumer returns.
 */
export interface LinkedList {
  head: ListNode | null;
}

/** A linked list of n + 1 sorted random values in [0, 100] (the original made n + 1 nodes). */
export function makeSortedList(n: number, random: () => number): LinkedList {
  const values = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) values[i] = randomInt(random, 0, 100);
  values.sort();
  let head: ListNode | null = null;
  for (let i = n; i >= 0; i--) head = { val: values[i] as number, next: head };
  return { head };
}

/** The linked list's values in order. */
export function listValues(list: LinkedList): number[] {
  const values: number[] = [];
  for (let node = list.head; node; node = node.next) values.push(node.val);
  return values;
}

/**
 * A balanced BST from a sorted linked list: copy the values out (counted first, into an
 * Int32Array), then build as from an array. Consumes the list: `list.head` is advanced to null as
 * the values are copied, so the nodes can be collected before the tree is built. At n = 1,000,000
 * a list is about 40 MB and a tree about 48 MB of heap; this keeps them from being alive together.
 */
export function sortedListToBST(list: LinkedList): TreeNode | null {
  let count = 0;
  for (let node = list.head; node; node = node.next) count++;
  const values = new Int32Array(count);
  for (let i = 0; list.head; i++, list.head = list.head.next) values[i] = list.head.val;
  return sortedArrayToBST(values);
}
