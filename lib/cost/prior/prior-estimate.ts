/**
 * The cost of a run before it starts, for `fb run` on a cloud platform (printed first, and held
 * against `--budget`). The experiment says how many calls it makes and how long it runs only by
 * running, so it is dry-run (./dry-run.ts) against the platform's model (./model-platform.ts);
 * the facts that gives — calls, durations, wall time — go through the same usage lines and prices
 * as a finished run's (../usage-lines.ts), with the model's setup and wind-down times added for
 * the client machine and the readiness polls.
 *
 * Why a dry run rather than a declared estimate on each experiment: the experiments' call counts
 * depend on their parameters and, for the searches, on what they find, which a declaration would
 * have to restate (and keep in step with the code); the dry run reads them from the code itself,
 * for every experiment, including the ones users add.
 */
import type { Experiment } from '../../experiment/define';
import { billingModelOf, DEPLOYED_HEARTBEAT_INTERVAL_MS, DURATION_BILLING } from '../assumptions';
import { plannedAzureHosting } from '../azure-hosting';
import { DEPLOYED_CLIENT_KIND, clientSizeOf } from '../client-machine';
import { priceUsage } from '../price-lines';
import { durationRoundingOf, factsSummary } from '../run-cost';
import type { ClientKind, RunFacts } from '../run-facts';
import { readinessWaitSeconds } from '../state-transitions';
import type { CostEstimate } from '../types';
import { usageLines } from '../usage-lines';
import { dryRunExperiment } from './dry-run';
import type { DryRunLimits } from './model-bench';
import { modelPlatformOf } from './model-platform';

export interface PriorEstimateInput {
  experiment: Pick<Experiment, 'name' | 'run' | 'quick' | 'coldTime' | 'client'>;
  /** The run's parameters, resolved (defaults, quick profile, overrides). */
  params: Record<string, unknown>;
  quick: boolean;
  platform: string;
  platformOptions?: Record<string, unknown>;
  controlPlane: RunFacts['controlPlane'];
  limits?: Partial<DryRunLimits>;
}

export async function priorEstimate(input: PriorEstimateInput): Promise<CostEstimate> {
  const model = modelPlatformOf(input.platform);
  const notes: string[] = [];
  const params = { ...input.params };
  if (input.experiment.coldTime && params.coldTimeSeconds === undefined) {
    // The control plane fills it from a stored result when it has one; before the run, the default.
    params.coldTimeSeconds = input.experiment.coldTime.defaultSeconds;
    notes.push(`cold time assumed ${input.experiment.coldTime.defaultSeconds} s (the default; the run may use a measured one)`);
  }
  const timeScale = input.quick ? input.experiment.quick.timeScale : 1;
  // An azure-functions run about to start gets the plan and memory its options name, else the lab's defaults.
  const azureHosting = input.platform === 'azure-functions' ? plannedAzureHosting(input.platformOptions ?? {}) : undefined;
  const billingModel = billingModelOf(input.platform, azureHosting?.plan);
  const memoryMb =
    azureHosting?.instanceMemoryMb ??
    (typeof input.platformOptions?.memoryMb === 'number' ? input.platformOptions.memoryMb : billingModel ? DURATION_BILLING[billingModel].defaultMemoryMb : 1024);
  const dryRun = await dryRunExperiment(input.experiment, params, model, {
    timeScale,
    memoryMb,
    rounding: durationRoundingOf(input.platform, azureHosting?.plan),
    ...(input.limits ? { limits: input.limits } : {}),
  });
  if (dryRun.stoppedBy && !dryRun.cutShort) notes.push(`the dry run stopped at ${dryRun.stoppedBy}; the run would stop there too`);

  const kind: ClientKind = input.controlPlane === 'deployed' ? (DEPLOYED_CLIENT_KIND[input.platform] ?? 'local') : 'local';
  const wall = dryRun.wallSeconds;
  const waitSeconds = readinessWaitSeconds('functions');
  const calls = dryRun.invocations.reduce((total, group) => total + group.invocations, 0);
  const facts: RunFacts = {
    platform: input.platform,
    controlPlane: input.controlPlane,
    client: {
      kind,
      size: clientSizeOf(kind, input.platformOptions ?? {}, input.experiment.client),
      seconds: kind === 'local' ? model.functionsSetupSeconds + wall : model.clientSetupSeconds + wall + model.clientWindDownSeconds,
    },
    invocations: dryRun.invocations,
    ...(azureHosting ? { azureHosting } : {}),
    agentSeconds: wall,
    heartbeatIntervalMs: DEPLOYED_HEARTBEAT_INTERVAL_MS,
    readinessPolls: { functions: Math.ceil(model.functionsSetupSeconds / waitSeconds), client: Math.ceil(model.clientSetupSeconds / waitSeconds) },
    resultRows: calls + dryRun.experimentRows,
  };
  const { lines, notes: factNotes } = usageLines(facts);
  notes.unshift(`from a dry run of ${input.experiment.name}: ${calls} calls over ${formatHours(wall)} of run time, on a model of ${input.platform} (lib/cost/prior/model-platform.ts)`);
  return priceUsage('prior', lines, {
    notes: [...notes, ...factNotes],
    ...(dryRun.cutShort ? { lowerBound: `the dry run stopped at ${dryRun.stoppedBy}, before the run would` } : {}),
    inputs: { ...factsSummary(facts), timeScale, dryRun: { calls, wallSeconds: wall, experimentRows: dryRun.experimentRows, stoppedBy: dryRun.stoppedBy ?? null }, model },
  });
}

function formatHours(seconds: number): string {
  return seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : seconds >= 60 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`;
}
