/**
 * ProvisionClient, RunAgent and the client part of Teardown for a client that is an Azure Linux VM,
 * driven through the VM's Run Command (`virtualMachines.runCommand` with `RunShellScript`), the
 * Azure sibling of `SsmAgentDriver`.
 *
 * The agent's plan holds the run's callback secret, and Azure keeps a Run Command's script in the
 * VM's extension state and activity history, so the plan never goes in the script: the caller
 * stores it somewhere private and hands back, through `planUrlFor`, a short-lived URL (a SAS or a
 * presigned URL) that the VM downloads it from. The script is the one `SsmAgentDriver` sends
 * (`startCommands`): `umask 077`, curl into a 0600 plan file, the agent started detached under
 * `nohup` with the plan file as its argument, and a "faas-benchmarker agent started: run … pid N"
 * line, which this driver looks for in the Run Command's output (Run Command reports success even
 * when the script fails, so the line is the only proof the agent was started).
 *
 * Teardown sends a second script (`teardownCommands`) that kills the run's agent (`pkill -f` on the
 * anchored plan file name) and removes the plan; it is safe to run again, and a VM that no longer
 * exists (404) counts as torn down.
 *
 * Error messages never carry the callback secret or any URL's query string (a SAS signature).
 */
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { AgentPlan, BranchInput, ClientDriver, ReadinessCheck } from '../steps';
import {
  AgentStartError,
  ClientTeardownError,
  ClientUnavailableError,
  DEFAULT_AGENT_COMMAND,
  DEFAULT_REMOTE_DIR,
  ProvisionTransientError,
  redact,
  startCommands,
  teardownCommands,
} from './ssm-agent-driver';

export { AgentStartError, ClientTeardownError, ClientUnavailableError, ProvisionTransientError };

export interface AzureRunCommandDriverOptions {
  compute: ComputeManagementClient;
  /** A standing client VM; a per-run VM is named by the branch's `client` (MachineClient). */
  resourceGroup?: string;
  vmName?: string;
  /** Where the VM downloads the plan from: a short-lived SAS or presigned URL, made (and the plan stored) by the caller. */
  planUrlFor: (plan: AgentPlan) => Promise<string>;
  /** Shell command that starts the agent; the plan file's path is appended as its last argument. */
  agentCommand?: string;
  /** Private directory on the VM holding plans and agent logs. */
  remoteDir?: string;
  /** Interval between polls of the Run Command operation. @default 2000 */
  pollIntervalMs?: number;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const DEFAULT_POLL_INTERVAL_MS = 2000;
const TRANSIENT_CODES = ['REQUEST_SEND_ERROR', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'];

/** `text` with the secrets and every URL's query string (SAS signatures, presigned credentials) blanked. */
export function redactAzure(text: string, secrets: readonly string[] = []): string {
  return redact(text, secrets).replace(/(\bhttps?:\/\/[^\s'"?]*)\?[^\s'"]*/gi, '$1?[redacted]');
}

/** HTTP status of an Azure SDK error (`RestError.statusCode`), if it has one. */
export function azureStatusCode(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Whether an Azure SDK (or network) error is worth retrying: throttling, a 5xx, a failed send. */
export function isTransientAzureError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = azureStatusCode(error) ?? 0;
  if (status === 429 || status >= 500) return true;
  return TRANSIENT_CODES.includes(String((error as { code?: unknown }).code ?? ''));
}

/** The line the start script prints once the agent runs, with its pid. */
export function agentStartedPattern(runId: string): RegExp {
  return new RegExp(`faas-benchmarker agent started: run ${runId.replace(/[.[\]\\^$*+?(){}|]/g, '\\$&')} pid (\\d+)`);
}

export class AzureRunCommandDriver implements ClientDriver {
  constructor(private readonly options: AzureRunCommandDriverOptions) {}

  async provision(input: BranchInput): Promise<Record<string, unknown>> {
    const { resourceGroup, vmName } = this.options;
    if (!resourceGroup || !vmName) throw new ClientUnavailableError(`run ${input.run.runId}: no standing client VM is configured`);
    const where = `VM ${vmName} in resource group ${resourceGroup}`;
    let statuses: { code?: string }[];
    try {
      const view = await this.options.compute.virtualMachines.instanceView(resourceGroup, vmName);
      statuses = view.statuses ?? [];
    } catch (error) {
      const message = redactAzure(`run ${input.run.runId}: could not read the instance view of ${where}: ${describe(error)}`);
      if (isTransientAzureError(error)) throw new ProvisionTransientError(message);
      throw new ClientUnavailableError(azureStatusCode(error) === 404 ? `run ${input.run.runId}: ${where} does not exist` : message);
    }
    const power = statuses.map((status) => status.code ?? '').find((code) => code.startsWith('PowerState/'));
    if (power !== 'PowerState/running') {
      throw new ClientUnavailableError(`run ${input.run.runId}: ${where} is not running (${power ?? 'no power state reported'})`);
    }
    return { kind: 'azure-vm', resourceGroup, vmName };
  }

  /** provision found the VM running, or failed. */
  async check(input: BranchInput): Promise<ReadinessCheck> {
    return { ...input.client, ready: true };
  }

  /** Starts the agent on the VM `input.client` names (a per-run VM), else on the configured one. */
  async startAgent(plan: AgentPlan, input?: BranchInput): Promise<void> {
    const secrets = [plan.callback.secret];
    const fail = (what: string, error?: unknown) =>
      new AgentStartError(redactAzure(`run ${plan.runId}: ${what}${error === undefined ? '' : `: ${describe(error)}`}`, secrets));
    if (!RUN_ID.test(plan.runId)) throw fail('the run id is not a safe file name');

    let planUrl: string;
    try {
      planUrl = await this.options.planUrlFor(plan);
    } catch (error) {
      throw fail('could not make the plan URL', error);
    }
    if (!/^https?:\/\//i.test(planUrl)) throw fail('the plan URL is not an http(s) URL');
    if (planUrl.includes(plan.callback.secret)) throw fail('the plan URL carries the callback secret');

    const script = startCommands({
      runId: plan.runId,
      planUrl,
      agentCommand: this.options.agentCommand ?? DEFAULT_AGENT_COMMAND,
      remoteDir: this.options.remoteDir ?? DEFAULT_REMOTE_DIR,
    });
    const { vmName } = this.target(input?.client);
    let output: string;
    try {
      output = await this.runShellScript(script, input?.client);
    } catch (error) {
      throw fail(`the start Run Command on VM ${vmName} failed`, error);
    }
    if (!agentStartedPattern(plan.runId).test(output)) {
      throw fail(`the agent did not start on VM ${vmName}; Run Command output: ${excerpt(output)}`);
    }
  }

  async teardown(input: BranchInput): Promise<void> {
    const runId = input.run.runId;
    if (!RUN_ID.test(runId)) throw new ClientTeardownError(`run ${runId}: the run id is not a safe file name`);
    const script = teardownCommands({ runId, remoteDir: this.options.remoteDir ?? DEFAULT_REMOTE_DIR });
    try {
      await this.runShellScript(script, input.client);
    } catch (error) {
      if (azureStatusCode(error) === 404) return; // the VM is gone, and the agent with it
      throw new ClientTeardownError(redactAzure(`run ${runId}: client teardown incomplete: kill: ${describe(error)}`));
    }
  }

  /** Runs `script` through RunShellScript, waits for the operation, and returns the output messages. */
  private async runShellScript(script: string[], client?: Record<string, unknown>): Promise<string> {
    const { resourceGroup, vmName } = this.target(client);
    const result = await this.options.compute.virtualMachines
      .runCommand(resourceGroup, vmName, { commandId: 'RunShellScript', script }, { updateIntervalInMs: this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS })
      .pollUntilDone();
    return (result.value ?? []).map((status) => status.message ?? '').join('\n');
  }

  /** The VM recorded by `provision` in the branch input, else the configured one. */
  private target(client?: Record<string, unknown>): { resourceGroup: string; vmName: string } {
    if (client?.kind === 'azure-vm' && typeof client.resourceGroup === 'string' && typeof client.vmName === 'string' && client.resourceGroup && client.vmName) {
      return { resourceGroup: client.resourceGroup, vmName: client.vmName };
    }
    return { resourceGroup: this.options.resourceGroup ?? '', vmName: this.options.vmName ?? '' };
  }
}

/** The last 500 characters of a Run Command output, on one line. */
function excerpt(output: string): string {
  const flat = output.replace(/\s+/g, ' ').trim();
  return flat ? (flat.length > 500 ? `…${flat.slice(-500)}` : flat) : '(empty)';
}

/** `Name: message` of an error, for messages (callers redact). */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
