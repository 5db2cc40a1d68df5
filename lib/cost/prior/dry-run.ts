/**
 * Dry-run an experiment: its `run(bench, params)` on a ModelBench (./model-bench.ts), until it
 * returns or a limit stops it. An experiment that throws stops the dry run too; what it counted
 * until then is kept and the reason given, so the estimate can say it is a lower bound.
 */
import type { Experiment } from '../../experiment/define';
import { executionTimeoutSeconds } from '../state-transitions';
import { type DryRunLimits, type DryRunUsage, ModelBench, type ModelBenchOptions } from './model-bench';
import type { ModelPlatform } from './model-platform';

/** Bounds of a dry run: far beyond any experiment of the original, and a few seconds of real time. */
export const DEFAULT_DRY_RUN_LIMITS: DryRunLimits = {
  maxCalls: 2_000_000,
  maxBenchOperations: 5_000_000,
  maxVirtualSeconds: executionTimeoutSeconds(),
  maxRealMs: 5_000,
};

export async function dryRunExperiment(
  experiment: Pick<Experiment, 'run'>,
  params: Record<string, unknown>,
  model: ModelPlatform,
  options: Omit<ModelBenchOptions, 'limits'> & { limits?: Partial<DryRunLimits> },
): Promise<DryRunUsage> {
  const bench = new ModelBench(model, { ...options, limits: { ...DEFAULT_DRY_RUN_LIMITS, ...options.limits } });
  const outcome = await Promise.race([
    experiment.run(bench, params as never).then(
      () => undefined,
      (error: unknown) => `the experiment stopped with ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    ),
    bench.stopped,
  ]);
  const usage = bench.usage();
  return { ...usage, stoppedBy: usage.stoppedBy ?? outcome };
}
