/**
 * The experiments a bundled step Lambda knows. A bundle has no `experiments/` folder to read, so
 * they are imported here statically; a test fails when this list and the folder disagree, so a new
 * experiment cannot be forgotten before it is deployed.
 */
import type { Experiment } from '../../client-agent/experiment/define';
import { useBundledExperiments } from '../../client-agent/experiment/registry';
import coldstartIdentifier from '../../experiments/coldstart-identifier';
import concurrencyBenchmarking from '../../experiments/concurrency-benchmarking';
import linearInvocation from '../../experiments/linear-invocation';

export const BUNDLED_EXPERIMENTS: readonly Experiment[] = [coldstartIdentifier, concurrencyBenchmarking, linearInvocation] as unknown as Experiment[];

/** Make the registry answer from this list instead of the disk. */
export function installBundledExperiments(): void {
  useBundledExperiments(BUNDLED_EXPERIMENTS);
}
