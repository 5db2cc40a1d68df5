import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors';
import { FEATURE_NAMES, FEATURES, type FeatureName, resolveFeature } from './catalog';
import { compactString, MAX_RESULT_LENGTH, runMonolith } from './run-monolith';

/** Small args per feature so the whole table runs in well under a second. */
const SMALL_ARGS: Record<FeatureName, number> = {
  matrix_mult: 8,
  fib: 0,
  makeTree: 4,
  isSymmetric: 4,
  levelOrder: 4,
  maxDepth: 4,
  levelOrderBottom: 4,
  zigzagLevelOrder: 4,
  isBalanced: 4,
  minDepth: 4,
  flatten: 4,
  maxPathSum: 4,
  preorderTraversal: 4,
  rightSideView: 4,
  sortedArrayToBST: 50,
  sortedListToBST: 50,
  dummie_webpage: 0,
  docker_documentation: 0,
  use_arrow: 0,
  pandas_numpy: 5,
};

/** Runs a feature with the given args, or SMALL_ARGS when the argument is left out. */
const run = (feature: FeatureName, seed: number, ...args: [number?]) =>
  runMonolith({ runFunction: feature, args: args.length > 0 ? args[0] : SMALL_ARGS[feature], seed });

describe('runMonolith over every feature', () => {
  it('covers all 20 features', () => {
    expect(FEATURE_NAMES).toHaveLength(20);
  });

  it.each(FEATURE_NAMES)('%s returns a non-empty result of at most 100 characters', (feature) => {
    const fields = run(feature, 12345);
    expect(fields.function_called).toBe(feature);
    expect(fields.function_argument).toBe(SMALL_ARGS[feature]);
    expect(fields.seed).toBe(12345);
    expect(typeof fields.monolith_result).toBe('string');
    expect(fields.monolith_result.length).toBeGreaterThan(0);
    expect(fields.monolith_result.length).toBeLessThanOrEqual(MAX_RESULT_LENGTH);
  });

  it.each(FEATURE_NAMES.filter((feature) => feature !== 'use_arrow'))('%s gives the same result for the same seed', (feature) => {
    for (const seed of [0, 1, 987654]) {
      expect(run(feature, seed).monolith_result).toBe(run(feature, seed).monolith_result);
    }
  });

  it.each([
    'matrix_mult',
    'fib',
    'makeTree',
    'levelOrder',
    'preorderTraversal',
    'maxPathSum',
    'sortedListToBST',
    'dummie_webpage',
    'docker_documentation',
    'pandas_numpy',
  ] as const)('%s differs across seeds', (feature) => {
    const results = new Set(Array.from({ length: 8 }, (_, seed) => run(feature, seed).monolith_result));
    expect(results.size).toBeGreaterThan(1);
  });

  it('use_arrow reports the current time in UTC', () => {
    const before = Date.now();
    const result = run('use_arrow', 3).monolith_result;
    const utc = Date.parse(result.split(' | ')[0] ?? '');
    expect(utc).toBeGreaterThanOrEqual(before - 1);
    expect(utc).toBeLessThanOrEqual(Date.now() + 1);
  });
});

describe('runMonolith results', () => {
  it("uses the feature's default args when none are given", () => {
    for (const feature of ['fib', 'makeTree', 'pandas_numpy'] as const) {
      const fields = run(feature, 5, undefined);
      expect(fields.function_argument).toBe(FEATURES[feature].defaultArgs);
    }
    expect(run('makeTree', 5, undefined).monolith_result).toContain(`"nodes":${2 ** 11 - 1}`);
  });

  it('makeTree reports 2^(d+1) − 1 nodes; maxDepth reports d + 1', () => {
    for (const depth of [0, 3, 7]) {
      expect(JSON.parse(run('makeTree', 1, depth).monolith_result)).toMatchObject({ nodes: 2 ** (depth + 1) - 1, height: depth + 1 });
      expect(run('maxDepth', 1, depth).monolith_result).toBe(String(depth + 1));
      expect(run('minDepth', 1, depth).monolith_result).toBe(String(depth + 1));
      expect(run('isBalanced', 1, depth).monolith_result).toBe('true');
    }
  });

  it('sortedArrayToBST reports n nodes rooted at ⌊n/2⌋ with a balanced height', () => {
    expect(JSON.parse(run('sortedArrayToBST', 0, 1000).monolith_result)).toEqual({ nodes: 1000, height: 10, root: 500, sum: 499500 });
  });

  it('flatten reports a chain as tall as it has nodes', () => {
    const summary = JSON.parse(run('flatten', 2, 5).monolith_result);
    expect(summary.nodes).toBe(63);
    expect(summary.height).toBe(63);
  });

  it('cuts long results to 100 characters', () => {
    const fields = run('levelOrder', 2, 10);
    expect(fields.monolith_result).toHaveLength(MAX_RESULT_LENGTH);
    expect(fields.monolith_result.startsWith('[[')).toBe(true);
  });

  it('reports non-negative matrix timings for matrix_mult only', () => {
    const fields = run('matrix_mult', 1, 20);
    expect(typeof fields.matrix_cpu_time_ms).toBe('number');
    expect(typeof fields.matrix_wall_time_ms).toBe('number');
    expect(fields.matrix_cpu_time_ms).toBeGreaterThanOrEqual(0);
    expect(fields.matrix_wall_time_ms).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(fields.matrix_cpu_time_ms)).toBe(true);
    expect(Number.isInteger(Number(fields.monolith_result))).toBe(true);
    for (const feature of FEATURE_NAMES.filter((name) => name !== 'matrix_mult')) {
      const other = run(feature, 1);
      expect(other).not.toHaveProperty('matrix_cpu_time_ms');
      expect(other).not.toHaveProperty('matrix_wall_time_ms');
    }
  });

  it('rejects args outside the catalog bounds', () => {
    expect(() => run('makeTree', 1, FEATURES.makeTree.maxArgs + 1)).toThrow(InvalidInputError);
    expect(() => run('matrix_mult', 1, -1)).toThrow(InvalidInputError);
    expect(() => run('pandas_numpy', 1, 2.5)).toThrow(InvalidInputError);
  });
});

describe('random', () => {
  it('runs the feature resolveFeature names for the seed', () => {
    for (let seed = 0; seed < 40; seed++) {
      const feature = resolveFeature('random', seed);
      const fields = runMonolith({ runFunction: 'random', args: SMALL_ARGS[feature], seed });
      expect(fields.function_called).toBe(feature);
      expect(fields.seed).toBe(seed);
      if (feature !== 'use_arrow') expect(fields.monolith_result).toBe(run(feature, seed).monolith_result);
    }
  });

  it('picks at least 15 distinct features over seeds 0..199', () => {
    const picked = new Set(Array.from({ length: 200 }, (_, seed) => resolveFeature('random', seed)));
    expect(picked.size).toBeGreaterThanOrEqual(15);
  });
});

describe('compactString', () => {
  it('writes primitives with String and objects with JSON', () => {
    expect(compactString(42)).toBe('42');
    expect(compactString(55.000000000000014)).toBe('55.000000000000014');
    expect(compactString(true)).toBe('true');
    expect(compactString('text')).toBe('text');
    expect(compactString(null)).toBe('null');
    expect(compactString([[1, 2], [3]])).toBe('[[1,2],[3]]');
    expect(compactString({ a: 1, b: undefined, c: 'x' })).toBe('{"a":1,"c":"x"}');
  });

  it('agrees with JSON.stringify cut to the limit', () => {
    const values: unknown[] = [
      Array.from({ length: 500 }, (_, i) => i),
      [[0], Array.from({ length: 100 }, (_, i) => [i, -i])],
      { nodes: 1, nested: { list: [1, 'two', null, undefined, { x: 1.5 }] } },
      [undefined, () => 1, Number.NaN, new Date(0)],
      'x'.repeat(300),
    ];
    for (const value of values) {
      const json = typeof value === 'string' ? value : JSON.stringify(value);
      expect(compactString(value)).toBe(json.slice(0, MAX_RESULT_LENGTH));
      expect(compactString(value, 7)).toBe(json.slice(0, 7));
    }
  });

  it('stops early on huge and cyclic values', () => {
    const huge = Array.from({ length: 200_000 }, (_, i) => i);
    expect(compactString(huge)).toHaveLength(MAX_RESULT_LENGTH);
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(compactString(cyclic)).toHaveLength(MAX_RESULT_LENGTH);
  });
});
