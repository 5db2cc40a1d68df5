/**
 * What a run's cost follows from, platform-neutral: the facts FinishRun reads from the run
 * (./run-cost.ts) or the dry run predicts before it (./prior-estimate.ts). ./usage-lines.ts
 * turns them into usage lines.
 */
import type { InstanceActivityUsage, InvocationUsage } from '../results/types';
import type { AzureHosting } from './azure-hosting';
import type { ReadinessPolls } from './state-transitions';

/** The client machine: this machine (`local`), or one made for the run in a cloud. */
export type ClientKind = 'local' | 'ec2' | 'azure-vm';

export interface RunFacts {
  /** Where the functions ran: `local`, `openfaas`, `aws-lambda`, `azure-functions`. */
  platform: string;
  /** Which control plane ran it: the local interpreter on this machine, or the deployed one in AWS. */
  controlPlane: 'local' | 'deployed';
  client: {
    kind: ClientKind;
    /** EC2 instance type or Azure VM size; null for `local`. */
    size: string | null;
    /** From its creation to the end of the run, s. */
    seconds: number;
  };
  /** The invocations, grouped and with durations rounded as the platform bills them (each execution on its own). */
  invocations: readonly InvocationUsage[];
  /** azure-functions only: the plan its apps ran on and their instance memory (./azure-hosting.ts). */
  azureHosting?: AzureHosting;
  /**
   * Flex Consumption only, when known: the executions joined per instance into activity periods,
   * rounded as the plan bills them. Absent (a prior estimate), each execution is billed as its own
   * period.
   */
  instanceActivity?: readonly InstanceActivityUsage[];
  /** How long the agent ran, s (it sends a heartbeat every `heartbeatIntervalMs` meanwhile). */
  agentSeconds: number;
  heartbeatIntervalMs: number;
  /** Polls of the readiness loops. */
  readinessPolls: ReadinessPolls;
  /** Rows of the agent's results file (invocations and experiment rows). */
  resultRows: number;
}
