/**
 * The cost estimate of a run from what it did, made by FinishRun (lib/control-plane/steps.ts)
 * and stored on the run: its invocations (grouped and rounded in SQL as the platform bills them),
 * its client machine from creation to now, its status history (how long it provisioned, how long
 * the agent ran) and the agent's row counts.
 */
import type { AgentOutcome } from '../agent/plan';
import type { ResultsStore } from '../results/store';
import type { AzureFunctionsPlan } from '../platforms/azure-functions/lab-template';
import type { DurationRounding, RunRow } from '../results/types';
import { billingModelOf, DURATION_BILLING } from './assumptions';
import { recordedAzureHosting } from './azure-hosting';
import type { ClientMachineNeed } from '../platforms/client/machine-size';
import { clientKindOf, clientSizeOf, recordedClientSize } from './client-machine';
import { priceUsage } from './price-lines';
import type { RunFacts } from './run-facts';
import { readinessWaitSeconds } from './state-transitions';
import type { CostEstimate } from './types';
import { usageLines } from './usage-lines';

export interface RunCostInput {
  runId: string;
  platform: string;
  platformOptions: Record<string, unknown>;
  /** The experiment's declared client machine, for when the manifest does not say what was made. */
  clientNeed?: ClientMachineNeed;
  /** The client driver's last answer (ProvisionClient / CheckClientReady), if the run got that far. */
  client: Record<string, unknown> | undefined;
  /** The agent's outcome, if it reported one. */
  agent: AgentOutcome | undefined;
  controlPlane: RunFacts['controlPlane'];
  heartbeatIntervalMs: number;
  /** The end of the run. */
  now: Date;
}

/**
 * Durations as a platform (on Azure Functions: its plan, none given meaning Consumption) bills them;
 * platforms nobody bills for keep them as measured.
 */
export function durationRoundingOf(platform: string, azurePlan?: AzureFunctionsPlan): DurationRounding {
  const model = billingModelOf(platform, azurePlan);
  if (!model) return { roundUpToMs: 1, minimumMs: 0 };
  const { roundUpToMs, minimumMs } = DURATION_BILLING[model];
  return { roundUpToMs, minimumMs };
}

/**
 * The facts of a stored run. An azure-functions run is billed by the plan its manifest records
 * (./azure-hosting.ts); on Flex Consumption its executions are also joined per instance into the
 * activity periods the plan bills.
 */
export async function runFactsOf(store: Pick<ResultsStore, 'getRun' | 'invocationUsage' | 'instanceActivity'>, input: RunCostInput): Promise<RunFacts> {
  const run = await store.getRun(input.runId);
  const azureHosting = input.platform === 'azure-functions' ? recordedAzureHosting(run?.manifest) : undefined;
  const rounding = durationRoundingOf(input.platform, azureHosting?.plan);
  const invocations = await store.invocationUsage(input.runId, rounding);
  const instanceActivity = azureHosting?.plan === 'flex-consumption' ? await store.instanceActivity(input.runId, rounding) : undefined;
  const nowMs = input.now.getTime();
  const at = (status: string) => statusTime(run, status);
  const startedMs = run ? Date.parse(run.started_at) : nowMs;
  const createdMs = typeof input.client?.createdAt === 'string' ? Date.parse(input.client.createdAt) : Number.NaN;
  const kind = clientKindOf(input.client);
  const provisioningMs = at('provisioning');
  const runningMs = at('running');
  const waitSeconds = readinessWaitSeconds('functions');
  const polls = (fromMs: number | undefined, toMs: number | undefined) =>
    fromMs === undefined || toMs === undefined || Number.isNaN(fromMs) || Number.isNaN(toMs) ? 1 : Math.max(1, Math.ceil((toMs - fromMs) / 1000 / waitSeconds));
  return {
    platform: input.platform,
    controlPlane: input.controlPlane,
    client: {
      kind,
      size: kind === 'local' ? null : (recordedClientSize(run?.manifest, input.client) ?? clientSizeOf(kind, input.platformOptions, input.clientNeed)),
      // A cloud machine bills from its creation; this machine was busy for the whole run.
      seconds: Math.max(0, (nowMs - (kind === 'local' || Number.isNaN(createdMs) ? startedMs : createdMs)) / 1000),
    },
    invocations,
    ...(azureHosting ? { azureHosting } : {}),
    ...(instanceActivity ? { instanceActivity } : {}),
    agentSeconds: runningMs === undefined ? 0 : Math.max(0, ((at('collecting') ?? at('destroying') ?? nowMs) - runningMs) / 1000),
    heartbeatIntervalMs: input.heartbeatIntervalMs,
    readinessPolls: { functions: polls(provisioningMs, Number.isNaN(createdMs) ? runningMs : createdMs), client: polls(createdMs, runningMs) },
    resultRows: input.agent ? input.agent.invocations + input.agent.experimentRows : (run?.invocation_count ?? 0),
  };
}

/** The facts an estimate states as its inputs (the invocation groups and activity periods are in its items already). */
export function factsSummary(facts: RunFacts): Record<string, unknown> {
  const { invocations, instanceActivity: _periods, ...rest } = facts;
  return { ...rest, invocations: invocations.reduce((total, group) => total + group.invocations, 0) };
}

/** When the run first entered `status`, epoch ms. */
function statusTime(run: RunRow | undefined, status: string): number | undefined {
  const change = run?.status_history.find((entry) => entry.status === status);
  return change ? Date.parse(change.at) : undefined;
}

/** The estimate of a run from what it did. */
export async function estimateRunCost(store: Pick<ResultsStore, 'getRun' | 'invocationUsage' | 'instanceActivity'>, input: RunCostInput): Promise<CostEstimate> {
  const facts = await runFactsOf(store, input);
  const { lines, notes } = usageLines(facts);
  return priceUsage('actual', lines, { notes, inputs: factsSummary(facts) });
}
