/**
 * Two test experiments for the client machine's size, for tests that put them in the experiment
 * registry (each file's own `vi.mock` of lib/experiment/registry, which vitest hoists per file):
 * `zz-big-client` declares a big client, as scenario-pyramid does; `zz-small-client` declares none.
 */
import { z } from 'zod';
import { defineExperiment, type Experiment } from '../lib/experiment/define';

const declare = (name: string, client?: Experiment['client']): Experiment =>
  defineExperiment({ name, description: 'A test experiment.', functions: ['function1'], params: z.object({}), quick: { timeScale: 0.01, expectedDuration: '1s' }, ...(client ? { client } : {}), run: async () => undefined });

/** The two experiments by name. */
export function clientSizeTestExperiments(): [string, Experiment][] {
  return [
    ['zz-big-client', declare('zz-big-client', { ec2InstanceType: 'm5.xlarge', azureVmSize: 'Standard_D4_v3' })],
    ['zz-small-client', declare('zz-small-client')],
  ];
}
