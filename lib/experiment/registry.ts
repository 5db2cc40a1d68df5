import { EXPERIMENT_CATALOG } from './catalog';
import { type Experiment, InvalidExperimentError } from './define';

export class UnknownExperimentError extends Error {
  override name = 'UnknownExperimentError';
}

let checked: readonly Experiment[] | undefined;

/** Every experiment of the catalog, checked once: each one's name is its file's. */
export function listExperiments(): readonly Experiment[] {
  if (!checked) {
    for (const [file, experiment] of EXPERIMENT_CATALOG) {
      if (experiment?.name !== file) throw new InvalidExperimentError(`experiments/${file}.ts must default-export defineExperiment({ name: '${file}', … })`);
    }
    checked = EXPERIMENT_CATALOG.map(([, experiment]) => experiment);
  }
  return checked;
}

/** The experiment called `name`; an unknown name throws, listing the known ones. */
export function findExperiment(name: string): Experiment {
  const experiments = listExperiments();
  const found = experiments.find((experiment) => experiment.name === name);
  if (!found) {
    throw new UnknownExperimentError(`unknown experiment "${name}"; known: ${experiments.map((experiment) => experiment.name).join(', ') || 'none'}`);
  }
  return found;
}
