/**
 * What a run of an experiment is expected to take, for the ETA of `fb run`: with `--quick` the
 * quick profile's `expectedDuration` (measured on the local platform, set-up included); otherwise
 * the experiment's own `expectedDuration` when it declares one, else a dry run of the experiment
 * in virtual time on the platform's model (lib/cost/prior, as the cost estimate does), which also
 * says how many calls the run makes. A dry run cut short (open-loop experiments run on real
 * timers) gives a floor; one that fails gives nothing: the ETA is then unknown, never wrong.
 */
import type { Experiment } from '../experiment/define';
import { expectedDurationMs } from '../experiment/expected-duration';
import { dryRunExperiment } from '../cost/prior/dry-run';
import { DryRunStoppedError } from '../cost/prior/model-bench';
import { modelPlatformOf } from '../cost/prior/model-platform';
import { durationRoundingOf } from '../cost/run-cost';

export interface ExpectedRun {
  expectedMs: number | undefined;
  expectedCalls: number | undefined;
  /** The figures are floors. */
  lowerBound: boolean;
  source: 'quick profile' | 'experiment' | 'dry run' | 'unknown';
}

export interface ExpectedRunInput {
  experiment: Pick<Experiment, 'name' | 'run' | 'quick' | 'coldTime' | 'expectedDuration'>;
  /** The run's parameters, resolved (defaults, quick profile, overrides). */
  params: Record<string, unknown>;
  quick: boolean;
  /** The platform the run goes to (its model's set-up time is added to a dry run's). */
  platform: string;
  /** Real time a dry run may take. @default 2 s */
  maxRealMs?: number;
}

const UNKNOWN: ExpectedRun = { expectedMs: undefined, expectedCalls: undefined, lowerBound: false, source: 'unknown' };

export async function expectedRunOf(input: ExpectedRunInput): Promise<ExpectedRun> {
  const { experiment } = input;
  if (input.quick) {
    const expectedMs = expectedDurationMs(experiment.quick.expectedDuration);
    return expectedMs === undefined ? UNKNOWN : { expectedMs, expectedCalls: undefined, lowerBound: false, source: 'quick profile' };
  }
  const declared = experiment.expectedDuration === undefined ? undefined : expectedDurationMs(experiment.expectedDuration);
  if (declared !== undefined) return { expectedMs: declared, expectedCalls: undefined, lowerBound: false, source: 'experiment' };
  let model: ReturnType<typeof modelPlatformOf>;
  try {
    model = modelPlatformOf(input.platform);
  } catch {
    return UNKNOWN;
  }
  const params = { ...input.params };
  if (experiment.coldTime && params.coldTimeSeconds === undefined) params.coldTimeSeconds = experiment.coldTime.defaultSeconds;
  // An experiment that throws in its dry run (not the bench stopping it) gives no expectation.
  let threw = false;
  const watched = {
    run: (bench: Parameters<Experiment['run']>[0], runParams: Parameters<Experiment['run']>[1]) =>
      experiment.run(bench, runParams).catch((error: unknown) => {
        if (!(error instanceof DryRunStoppedError)) threw = true;
        throw error;
      }),
  };
  try {
    const dryRun = await dryRunExperiment(watched, params, model, {
      timeScale: 1,
      memoryMb: 128,
      rounding: durationRoundingOf(input.platform),
      limits: { maxRealMs: input.maxRealMs ?? 2_000 },
    });
    if (threw) return UNKNOWN;
    const calls = dryRun.invocations.filter((group) => group.root).reduce((total, group) => total + group.invocations, 0);
    return { expectedMs: (model.functionsSetupSeconds + dryRun.wallSeconds) * 1000, expectedCalls: calls, lowerBound: dryRun.cutShort, source: 'dry run' };
  } catch {
    return UNKNOWN;
  }
}
