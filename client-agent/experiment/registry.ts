import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Experiment } from './define';

/** The folder of experiment modules: one `<name>.ts` per experiment (the user's extension point). */
export const EXPERIMENTS_DIR = resolve(__dirname, '..', '..', 'experiments');

export class UnknownExperimentError extends Error {
  override name = 'UnknownExperimentError';
}

/**
 * Every experiment in `dir`: each `*.ts` file that is not a test and does not start with `_`,
 * whose default export is an experiment. Loaded at run time, so a new experiment needs no
 * registration step: with `require` where a TypeScript hook is registered for it (the CLI runs
 * under tsx/cjs), else with a dynamic import (vitest transforms those).
 */
export async function loadExperiments(dir = EXPERIMENTS_DIR): Promise<Experiment[]> {
  if (bundled && dir === EXPERIMENTS_DIR) return [...bundled];
  if (!existsSync(dir)) return [];
  const experiments: Experiment[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.startsWith('_') || file.endsWith('.d.ts')) continue;
    const path = join(dir, file);
    const loaded = (requireHandlesTypeScript() ? require(path) : await import(path)) as { default?: Experiment | { default?: Experiment } };
    const experiment = unwrapDefault(loaded.default);
    if (!experiment || typeof experiment.run !== 'function') continue;
    if (experiments.some((known) => known.name === experiment.name)) {
      throw new UnknownExperimentError(`two experiment modules are named ${experiment.name}`);
    }
    experiments.push(experiment);
  }
  return experiments;
}

function requireHandlesTypeScript(): boolean {
  return typeof require === 'function' && Object.hasOwn(require.extensions, '.ts');
}

/** A CommonJS module imported from ESM may arrive with its exports wrapped in one more `default`. */
function unwrapDefault(value: Experiment | { default?: Experiment } | undefined): Experiment | undefined {
  if (value && typeof (value as Experiment).run === 'function') return value as Experiment;
  return (value as { default?: Experiment } | undefined)?.default;
}

let bundled: readonly Experiment[] | undefined;

/**
 * Use this fixed list instead of reading `experiments/` from disk: for bundles (the step Lambdas),
 * which carry their experiments as static imports (lambdas/shared/experiment-catalog.ts).
 */
export function useBundledExperiments(experiments: readonly Experiment[]): void {
  bundled = experiments;
}

export async function findExperiment(name: string, dir = EXPERIMENTS_DIR): Promise<Experiment> {
  const experiments = await loadExperiments(dir);
  const found = experiments.find((experiment) => experiment.name === name);
  if (!found) {
    throw new UnknownExperimentError(`unknown experiment "${name}"; known: ${experiments.map((experiment) => experiment.name).join(', ') || 'none'}`);
  }
  return found;
}
