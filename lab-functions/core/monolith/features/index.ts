/**
 * The monolith's 20 features behind one entry point, `runFeature(name, args, seed)`. The record of
 * runners is keyed by `FeatureName`, so adding a feature to the catalog without a runner here is a
 * type error.
 *
 * Each call makes a fresh seeded PRNG (`createRandom(seed)`), so a feature's result is a function
 * of (name, args, seed) alone, except `use_arrow` (the current time) and `matrix_mult`'s timings.
 * The original seeded Python's global `random` once per request; the draws per feature follow the
 * original's order but not its generator, so values differ from Python's.
 *
 * Tree features draw the root value from [0, 10] and every other value from [0, 100], except
 * `makeTree`, whose root is from [0, 100] too — as in the original.
 */
import type { FeatureName } from '../catalog';
import { createRandom } from '../../random';
import { makeSortedList, range, sortedArrayToBST, sortedListToBST } from './bst';
import { useArrow } from './dates';
import { pandasNumpy } from './dataframe';
import { fib } from './fib';
import { matrixMult } from './matrix';
import { dockerDocumentation, dummieWebpage } from './text';
import * as tree from './tree';

export interface MatrixTimings {
  matrix_cpu_time_ms: number;
  matrix_wall_time_ms: number;
}

export interface FeatureOutput {
  result: unknown;
  extra?: MatrixTimings;
}

type Runner = (args: number, seed: number) => FeatureOutput;

/** Root value bound for the trees the algorithms run on (the original's `randint(0, 10)`). */
const ALGORITHM_ROOT_MAX = 10;

/** A runner that builds a random tree of depth `args` and runs `algorithm` on it. */
function onRandomTree(algorithm: (root: tree.TreeNode) => unknown): Runner {
  return (depth, seed) => ({ result: algorithm(tree.makeTree(depth, createRandom(seed), ALGORITHM_ROOT_MAX)) });
}

const RUNNERS: { readonly [Name in FeatureName]: Runner } = {
  matrix_mult: (n, seed) => {
    const { sum, cpuMs, wallMs } = matrixMult(n, createRandom(seed));
    return { result: sum, extra: { matrix_cpu_time_ms: cpuMs, matrix_wall_time_ms: wallMs } };
  },
  fib: (_ignored, seed) => ({ result: fib(createRandom(seed)) }),
  makeTree: (depth, seed) => ({ result: tree.summarizeTree(tree.makeTree(depth, createRandom(seed), 100)) }),
  isSymmetric: onRandomTree(tree.isSymmetric),
  levelOrder: onRandomTree(tree.levelOrder),
  maxDepth: onRandomTree(tree.maxDepth),
  levelOrderBottom: onRandomTree(tree.levelOrderBottom),
  zigzagLevelOrder: onRandomTree(tree.zigzagLevelOrder),
  isBalanced: onRandomTree(tree.isBalanced),
  minDepth: onRandomTree(tree.minDepth),
  flatten: onRandomTree((root) => tree.summarizeTree(tree.flatten(root))),
  maxPathSum: onRandomTree(tree.maxPathSum),
  preorderTraversal: onRandomTree(tree.preorderTraversal),
  rightSideView: onRandomTree(tree.rightSideView),
  sortedArrayToBST: (n) => ({ result: tree.summarizeTree(sortedArrayToBST(range(n))) }),
  sortedListToBST: (n, seed) => ({ result: tree.summarizeTree(sortedListToBST(makeSortedList(n, createRandom(seed)))) }),
  dummie_webpage: (_ignored, seed) => ({ result: dummieWebpage(createRandom(seed)) }),
  docker_documentation: (_ignored, seed) => ({ result: dockerDocumentation(createRandom(seed)) }),
  use_arrow: (_ignored, seed) => ({ result: useArrow(createRandom(seed)) }),
  pandas_numpy: (n, seed) => ({ result: pandasNumpy(n, createRandom(seed)) }),
};

/** Runs one feature. `args` is assumed already checked against the catalog's bounds. */
export function runFeature(name: FeatureName, args: number, seed: number): FeatureOutput {
  return RUNNERS[name](args, seed);
}
