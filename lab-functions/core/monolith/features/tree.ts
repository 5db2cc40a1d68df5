/**
 * Binary trees for the monolith's tree features: the `TreeNode` shape, the seeded random full
 * tree the original built with `make_tree`, the LeetCode-style algorithms it ran on it, and a
 * compact summary used as the result of features that return a whole tree.
 *
 * Differences from the original Python:
 * - Values come from the seeded PRNG (`createRandom`) instead of Python's `random` module, so the
 *   same seed gives the same tree on every platform (but not the same tree as Python would).
 * - Depth is bounded (`MAX_TREE_DEPTH`, the catalog's 18), so the recursive helpers below recurse
 *   at most depth + 1 frames. Everything whose recursion would follow the tree's height on an
 *   arbitrary (e.g. flattened, chain-shaped) tree is iterative instead: `flatten`, `height`,
 *   `countNodes`, `summarizeTree`, the traversals.
 * - `rightSideView` uses a breadth-first scan instead of the original's list-merging recursion;
 *   the answer is the same.
 * - Features that return a tree report `TreeSummary` (nodes, height, root value, sum), since a
 *   Python `str(TreeNode)` was only an object address.
 *
 * Depth convention: `makeTree(d)` has d + 1 levels (2^(d+1) − 1 nodes), and `maxDepth` counts
 * nodes on the longest root-to-leaf path, so `maxDepth(makeTree(d)) === d + 1` (as in the original).
 */
import { FEATURES } from '../catalog';
import { randomInt } from '../../random';

export interface TreeNode {
  val: number;
  left: TreeNode | null;
  right: TreeNode | null;
}

/** Largest depth `makeTree` accepts (the catalog's bound for the tree features). */
export const MAX_TREE_DEPTH = FEATURES.makeTree.maxArgs;

export function treeNode(val: number, left: TreeNode | null = null, right: TreeNode | null = null): TreeNode {
  return { val, left, right };
}

/**
 * A full binary tree with `depth` levels below the root: root value in [0, rootMax], every other
 * value in [0, 100], drawn in pre-order as the original did.
 */
export function makeTree(depth: number, random: () => number, rootMax = 100): TreeNode {
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_TREE_DEPTH) {
    throw new RangeError(`tree depth must be an integer in [0, ${MAX_TREE_DEPTH}], got ${depth}`);
  }
  const root = treeNode(randomInt(random, 0, rootMax));
  const grow = (node: TreeNode, levelsLeft: number): TreeNode => {
    if (levelsLeft === 0) return node;
    node.left = grow(treeNode(randomInt(random, 0, 100)), levelsLeft - 1);
    node.right = grow(treeNode(randomInt(random, 0, 100)), levelsLeft - 1);
    return node;
  };
  return grow(root, depth);
}

/**
 * Builds a tree from LeetCode's level-order array form (`null` for a missing child). For tests
 * and examples.
 */
export function treeFromLevelOrder(values: readonly (number | null)[]): TreeNode | null {
  const first = values[0];
  if (first === undefined || first === null) return null;
  const root = treeNode(first);
  const queue: TreeNode[] = [root];
  let head = 0;
  let i = 1;
  while (head < queue.length && i < values.length) {
    const node = queue[head++] as TreeNode;
    const left = values[i++];
    if (left !== undefined && left !== null) {
      node.left = treeNode(left);
      queue.push(node.left);
    }
    const right = values[i++];
    if (right !== undefined && right !== null) {
      node.right = treeNode(right);
      queue.push(node.right);
    }
  }
  return root;
}

/** Node values level by level, left to right. */
export function levelOrder(root: TreeNode | null): number[][] {
  const levels: number[][] = [];
  let level: TreeNode[] = root ? [root] : [];
  while (level.length > 0) {
    levels.push(level.map((node) => node.val));
    const next: TreeNode[] = [];
    for (const node of level) {
      if (node.left) next.push(node.left);
      if (node.right) next.push(node.right);
    }
    level = next;
  }
  return levels;
}

/** Levels from the deepest up to the root. */
export function levelOrderBottom(root: TreeNode | null): number[][] {
  return levelOrder(root).reverse();
}

/** Levels alternating left-to-right and right-to-left, starting left-to-right at the root. */
export function zigzagLevelOrder(root: TreeNode | null): number[][] {
  return levelOrder(root).map((values, index) => (index % 2 === 1 ? values.reverse() : values));
}

/** Number of nodes on the longest root-to-leaf path (0 for an empty tree). Iterative. */
export function height(root: TreeNode | null): number {
  let depth = 0;
  let level: TreeNode[] = root ? [root] : [];
  while (level.length > 0) {
    depth++;
    const next: TreeNode[] = [];
    for (const node of level) {
      if (node.left) next.push(node.left);
      if (node.right) next.push(node.right);
    }
    level = next;
  }
  return depth;
}

/** LeetCode 104: the number of nodes on the longest root-to-leaf path. */
export function maxDepth(root: TreeNode | null): number {
  return height(root);
}

/** LeetCode 111: the number of nodes on the shortest root-to-leaf path. Iterative (breadth-first). */
export function minDepth(root: TreeNode | null): number {
  let depth = 0;
  let level: TreeNode[] = root ? [root] : [];
  while (level.length > 0) {
    depth++;
    const next: TreeNode[] = [];
    for (const node of level) {
      if (!node.left && !node.right) return depth;
      if (node.left) next.push(node.left);
      if (node.right) next.push(node.right);
    }
    level = next;
  }
  return depth;
}

/** LeetCode 101: whether the tree is a mirror of itself. Recursion depth ≤ the tree's height. */
export function isSymmetric(root: TreeNode | null): boolean {
  const mirrors = (a: TreeNode | null, b: TreeNode | null): boolean => {
    if (!a || !b) return a === b;
    return a.val === b.val && mirrors(a.left, b.right) && mirrors(a.right, b.left);
  };
  return root === null || mirrors(root.left, root.right);
}

/**
 * LeetCode 110: whether every node's subtrees differ in height by at most one. Recursion depth ≤
 * the tree's height.
 */
export function isBalanced(root: TreeNode | null): boolean {
  // Height of a balanced subtree, or -1 as soon as an unbalanced one is found.
  const check = (node: TreeNode | null): number => {
    if (!node) return 0;
    const left = check(node.left);
    if (left < 0) return -1;
    const right = check(node.right);
    if (right < 0 || Math.abs(left - right) > 1) return -1;
    return Math.max(left, right) + 1;
  };
  return check(root) >= 0;
}

/**
 * LeetCode 114: flattens the tree in place into a right-leaning chain in pre-order and returns its
 * root. Iterative (each left subtree is spliced in before the right one), so no recursion at all.
 */
export function flatten(root: TreeNode | null): TreeNode | null {
  let node = root;
  while (node) {
    if (node.left) {
      let tail = node.left;
      while (tail.right) tail = tail.right;
      tail.right = node.right;
      node.right = node.left;
      node.left = null;
    }
    node = node.right;
  }
  return root;
}

/**
 * LeetCode 124: the largest sum of values along any path (any node to any node). Recursion depth ≤
 * the tree's height. `-Infinity` for an empty tree.
 */
export function maxPathSum(root: TreeNode | null): number {
  let best = Number.NEGATIVE_INFINITY;
  // The best sum of a path that starts at `node` and goes down one side.
  const gain = (node: TreeNode | null): number => {
    if (!node) return 0;
    const left = Math.max(0, gain(node.left));
    const right = Math.max(0, gain(node.right));
    best = Math.max(best, node.val + left + right);
    return node.val + Math.max(left, right);
  };
  gain(root);
  return best;
}

/** LeetCode 144: values in pre-order (node, left, right). Iterative. */
export function preorderTraversal(root: TreeNode | null): number[] {
  const values: number[] = [];
  const stack: TreeNode[] = root ? [root] : [];
  for (let node = stack.pop(); node; node = stack.pop()) {
    values.push(node.val);
    if (node.right) stack.push(node.right);
    if (node.left) stack.push(node.left);
  }
  return values;
}

/** Values in in-order (left, node, right). Iterative. For checking binary search trees. */
export function inorderTraversal(root: TreeNode | null): number[] {
  const values: number[] = [];
  const stack: TreeNode[] = [];
  let node = root;
  while (node || stack.length > 0) {
    while (node) {
      stack.push(node);
      node = node.left;
    }
    const top = stack.pop() as TreeNode;
    values.push(top.val);
    node = top.right;
  }
  return values;
}

/** LeetCode 199: the last value of each level, as seen from the right. */
export function rightSideView(root: TreeNode | null): number[] {
  return levelOrder(root).map((values) => values[values.length - 1] as number);
}

/** What a feature that returns a whole tree reports. */
export interface TreeSummary {
  nodes: number;
  height: number;
  root: number | null;
  sum: number;
}

/** Node count, height, root value and sum of values. Iterative, so safe on chain-shaped trees. */
export function summarizeTree(root: TreeNode | null): TreeSummary {
  let nodes = 0;
  let sum = 0;
  const stack: TreeNode[] = root ? [root] : [];
  for (let node = stack.pop(); node; node = stack.pop()) {
    nodes++;
    sum += node.val;
    if (node.left) stack.push(node.left);
    if (node.right) stack.push(node.right);
  }
  return { nodes, height: height(root), root: root ? root.val : null, sum };
}
