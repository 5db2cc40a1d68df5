import { describe, expect, it } from 'vitest';
import { EXPERIMENT_CATALOG } from '../experiment/catalog';
import { EXPERIMENT_KINDS, REPORT_KINDS, reportKindOf } from './kinds';
import { KIND_CHARTS } from './section-charts';

describe('Constant: EXPERIMENT_KINDS', () => {
  it('gives every experiment of the catalog a kind, and names no experiment the catalog does not have', () => {
    // bin/commands/run.test.ts's create-experiment test adds `zz-template-<pid>` to the catalog while it runs.
    const catalog = EXPERIMENT_CATALOG.map(([name]) => name)
      .filter((name) => !/^zz-template-\d+$/.test(name))
      .sort();
    expect(catalog.filter((name) => !Object.hasOwn(EXPERIMENT_KINDS, name))).toEqual([]);
    expect(Object.keys(EXPERIMENT_KINDS).filter((name) => !catalog.includes(name))).toEqual([]);
  });

  it('uses every kind but the fallback, and each kind but dev-checks and generic leads with charts of its own', () => {
    const used = new Set(Object.values(EXPERIMENT_KINDS));
    expect(REPORT_KINDS.filter((kind) => !used.has(kind))).toEqual(['generic']);
    expect(REPORT_KINDS.filter((kind) => KIND_CHARTS[kind].length === 0)).toEqual(['dev-checks', 'generic']);
  });
});

describe('Function: reportKindOf', () => {
  it('answers the mapped kind, and generic for an experiment it does not know (a user’s own)', () => {
    expect(reportKindOf('coldstart-identifier')).toBe('cold-start-search');
    expect(reportKindOf('my-new-experiment')).toBe('generic');
    expect(reportKindOf('constructor')).toBe('generic');
  });
});
