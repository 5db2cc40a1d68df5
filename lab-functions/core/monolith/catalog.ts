import { createRandom } from '../random';

/**
 * The monolith's named features (the original's 20 `run_function` options), with what `args`
 * means for each, its default and its upper bound. Bounds keep one call well under a minute on a
 * 128 MB sandbox; a larger `args` is answered with HTTP 400.
 */
export interface FeatureSpec {
  /** What `args` means for this feature, for error messages and docs. */
  readonly argsMeaning: string;
  /** `args` used when the request gives none. */
  readonly defaultArgs: number;
  /** Largest `args` accepted. */
  readonly maxArgs: number;
}

const treeDepth: FeatureSpec = { argsMeaning: 'tree depth', defaultArgs: 10, maxArgs: 18 };
const ignored: FeatureSpec = { argsMeaning: 'ignored', defaultArgs: 0, maxArgs: Number.MAX_SAFE_INTEGER };

export const FEATURES = {
  matrix_mult: { argsMeaning: 'matrix size n (n×n)', defaultArgs: 100, maxArgs: 600 },
  fib: ignored,
  makeTree: treeDepth,
  isSymmetric: treeDepth,
  levelOrder: treeDepth,
  maxDepth: treeDepth,
  levelOrderBottom: treeDepth,
  zigzagLevelOrder: treeDepth,
  isBalanced: treeDepth,
  minDepth: treeDepth,
  flatten: treeDepth,
  maxPathSum: treeDepth,
  preorderTraversal: treeDepth,
  rightSideView: treeDepth,
  sortedArrayToBST: { argsMeaning: 'number of values n', defaultArgs: 1000, maxArgs: 200_000 },
  sortedListToBST: { argsMeaning: 'list length n', defaultArgs: 1000, maxArgs: 200_000 },
  dummie_webpage: ignored,
  docker_documentation: ignored,
  use_arrow: ignored,
  pandas_numpy: { argsMeaning: 'number of dataframe columns', defaultArgs: 10, maxArgs: 10_000 },
} as const satisfies Record<string, FeatureSpec>;

export type FeatureName = keyof typeof FEATURES;

/** The 20 named features, in the original's order. */
export const FEATURE_NAMES = Object.keys(FEATURES) as FeatureName[];

/** `run_function` values accepted: a named feature, or `random` (the seed picks one). */
export const RUN_FUNCTION_VALUES = [...FEATURE_NAMES, 'random'] as const;
export type RunFunctionName = FeatureName | 'random';

/**
 * The feature a `run_function` value names. `random` picks one of the 20 from the seed alone, so
 * the pick is known (and its `args` bound checked) before the function starts.
 */
export function resolveFeature(runFunction: RunFunctionName, seed: number): FeatureName {
  if (runFunction !== 'random') return runFunction;
  const pick = Math.floor(createRandom(seed ^ 0x5eed)() * FEATURE_NAMES.length);
  return FEATURE_NAMES[pick] as FeatureName;
}
