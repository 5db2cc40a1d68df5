import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../../client-agent/experiment/registry';
import { BUNDLED_EXPERIMENTS } from './experiment-catalog';

describe('The bundled experiment catalog', () => {
  it('lists exactly the experiments in experiments/ (add a new one to lambdas/shared/experiment-catalog.ts)', async () => {
    // zz-*: the throwaway experiment the create-experiment CLI test writes (and removes) meanwhile.
    const onDisk = (await loadExperiments()).map((experiment) => experiment.name).filter((name) => !name.startsWith('zz-'));
    expect(BUNDLED_EXPERIMENTS.map((experiment) => experiment.name).sort()).toEqual(onDisk.sort());
  });
});
