/**
 * The agent driver of an Azure VM client machine (vm-client-machine.ts): RunAgent and the agent
 * part of Teardown, through the VM's Run Command (`virtualMachines.runCommand` with
 * `RunShellScript`), the Azure sibling of aws/ssm-agent-driver.ts. It acts on the VM the branch's
 * `client` names (`resourceGroup` and `vmName`, what the machine's check answered);
 * client/machine-client-driver.ts puts the two together.
 *
 * The agent's plan holds the run's callback secret, and Azure keeps a Run Command's script in the
 * VM's extension state and activity history, so the plan never goes in the script: the caller
 * stores it somewhere private and hands back, through `planUrlFor`, a short-lived URL (a SAS or a
 * presigned URL) that the VM downloads it from. The script is the one `SsmAgentDriver` sends
 * (client/agent-commands.ts): the wait for the VM's boot script (`bootWait`), `umask 077`, curl
 * into a 0600 plan file, the agent started as its own systemd unit (`systemd-run --unit
 * fb-agent-<run> --collect`: out of the VM agent's extension cgroup, which is reported capped at
 * about half a CPU) with the plan file as its argument, and a "faas-benchmarker agent started: run
 * … pid N" line. This driver reads the Run Command's output (its instance view: Run Command
 * reports success even when the script fails, so the output is the only proof the agent was
 * started): a failed boot ends the run with {@link ClientBootError} and the boot script's reason,
 * anything else but the started line with AgentStartError and what the output says.
 *
 * Teardown sends a second script (`teardownCommands`) that kills the run's agent (`pkill -f` on the
 * anchored plan file name), prints the agent's log and removes the plan; it is safe to run again,
 * and a VM that no longer exists (404) counts as torn down. The script's output (Azure keeps its
 * last 4 KiB of stdout and of stderr), and so the end of the agent's log, is handed to
 * `saveAgentLog` before the VM is deleted; a save that fails is a warning, never a failed teardown.
 *
 * Error messages never carry the callback secret or any URL's query string (a SAS signature).
 */
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { AgentPlan } from '../../agent/plan';
import { redactCredentials } from '../../errors/redact';
import { type BootWait, DEFAULT_AGENT_COMMAND, DEFAULT_REMOTE_DIR, SAFE_RUN_ID, startCommands, teardownCommands } from '../client/agent-commands';
import { oneLine, readStartOutput } from '../client/start-output';
import { AgentStartError, ClientBootError, ClientTeardownError } from '../errors';
import type { AgentDriver, BranchInput } from '../platform';
import { azureStatusCode, describeAzureError } from './transient';

export interface AzureRunCommandDriverOptions {
  compute: ComputeManagementClient;
  /** Where the VM downloads the plan from: a short-lived SAS or presigned URL, made (and the plan stored) by the caller. */
  planUrlFor: (plan: AgentPlan) => Promise<string>;
  /** Shell command that starts the agent; the plan file's path is appended as its last argument. */
  agentCommand?: string;
  /** Private directory on the VM holding plans and agent logs. */
  remoteDir?: string;
  /** The boot script's markers the start command waits for before it starts the agent. @default no wait */
  bootWait?: BootWait;
  /** Interval between polls of the Run Command operation. @default 2000 */
  pollIntervalMs?: number;
  /** Keeps the teardown Run Command's output (the agent's log), e.g. in the results bucket. @default not kept */
  saveAgentLog?: (runId: string, output: string) => Promise<void>;
  /** Told when the agent's log could not be kept. @default console.warn */
  onWarning?: (message: string) => void;
}

const DEFAULT_POLL_INTERVAL_MS = 2000;

export class AzureRunCommandDriver implements AgentDriver {
  constructor(private readonly options: AzureRunCommandDriverOptions) {}

  /** Starts the agent on the VM `input.client` names. */
  async startAgent(plan: AgentPlan, input: BranchInput): Promise<void> {
    const secrets = [plan.callback.secret];
    const fail = (what: string, error?: unknown) =>
      new AgentStartError(redactCredentials(`run ${plan.runId}: ${what}${error === undefined ? '' : `: ${describeAzureError(error)}`}`, secrets));
    if (!SAFE_RUN_ID.test(plan.runId)) throw fail('the run id is not a safe file name');
    const target = vmOf(input);
    if (!target) throw fail(NO_VM);

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
      ...(this.options.bootWait ? { bootWait: this.options.bootWait } : {}),
    });
    let output: string;
    try {
      output = await this.runShellScript(script, target);
    } catch (error) {
      throw fail(`the start Run Command on VM ${target.vmName} failed`, error);
    }
    const outcome = readStartOutput(plan.runId, output);
    if (outcome.kind === 'started') return;
    if (outcome.kind === 'boot-failed') {
      throw new ClientBootError(redactCredentials(`run ${plan.runId}: the client VM ${target.vmName} did not boot: ${outcome.reason}`, secrets));
    }
    if (outcome.kind === 'agent-exited') throw fail(`the agent stopped as soon as it started on VM ${target.vmName}; its log: ${outcome.log}`);
    throw fail(`the agent did not start on VM ${target.vmName}; Run Command output: ${oneLine(output)}`);
  }

  async teardown(input: BranchInput): Promise<void> {
    const runId = input.run.runId;
    if (!SAFE_RUN_ID.test(runId)) throw new ClientTeardownError(`run ${runId}: the run id is not a safe file name`);
    const target = vmOf(input);
    if (!target) throw new ClientTeardownError(`run ${runId}: client teardown incomplete: kill: ${NO_VM}`);
    const script = teardownCommands({ runId, remoteDir: this.options.remoteDir ?? DEFAULT_REMOTE_DIR });
    let output: string;
    try {
      output = await this.runShellScript(script, target);
    } catch (error) {
      if (azureStatusCode(error) === 404) return; // the VM is gone, and the agent with it
      throw new ClientTeardownError(redactCredentials(`run ${runId}: client teardown incomplete: kill: ${describeAzureError(error)}`));
    }
    await this.keepAgentLog(runId, output);
  }

  /** Hands the teardown output to `saveAgentLog`; a failure is only a warning: teardown goes on. */
  private async keepAgentLog(runId: string, output: string): Promise<void> {
    const { saveAgentLog } = this.options;
    if (!saveAgentLog) return;
    try {
      await saveAgentLog(runId, output);
    } catch (error) {
      const warn = this.options.onWarning ?? ((message: string) => console.warn(message));
      warn(redactCredentials(`run ${runId}: the agent's log (Run Command output) was not kept: ${describeAzureError(error)}`));
    }
  }

  /** Runs `script` through RunShellScript, waits for the operation, and returns the output messages. */
  private async runShellScript(script: string[], { resourceGroup, vmName }: AzureVm): Promise<string> {
    const result = await this.options.compute.virtualMachines
      .runCommand(resourceGroup, vmName, { commandId: 'RunShellScript', script }, { updateIntervalInMs: this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS })
      .pollUntilDone();
    return (result.value ?? []).map((status) => status.message ?? '').join('\n');
  }
}

interface AzureVm {
  resourceGroup: string;
  vmName: string;
}

const NO_VM = 'no client VM is known (the branch has no client.resourceGroup and client.vmName)';

/** The VM the branch's client names: what the VM machine's check answered. */
function vmOf(input: BranchInput): AzureVm | undefined {
  const client = input.client;
  if (client?.kind === 'azure-vm' && typeof client.resourceGroup === 'string' && typeof client.vmName === 'string' && client.resourceGroup && client.vmName) {
    return { resourceGroup: client.resourceGroup, vmName: client.vmName };
  }
  return undefined;
}
