/**
 * The ClientDriver of a cloud run: a machine made for the run (`ClientMachine`: an EC2 instance or
 * an Azure VM) plus the AgentDriver that starts the agent on it (SSM Run Command or Azure Run Command).
 * ValidateInput asks the machine whether its region offers the run's size, ProvisionClient starts the machine, CheckClientReady polls it until it takes commands, RunAgent
 * hands the agent its plan through the driver, and Teardown stops the agent and deletes the machine.
 */
import type { AgentPlan } from '../../agent/plan';
import { describe } from '../../errors/describe';
import { ClientTeardownError, ProvisionTransientError } from '../errors';
import type { AgentDriver, BranchInput, ClientDriver, ClientMachine, ReadinessCheck, RemovalCheck } from '../platform';
import type { ClientSizing } from './machine-size';

export class MachineClientDriver implements ClientDriver {
  constructor(
    private readonly machine: ClientMachine,
    private readonly agent: AgentDriver,
    /** Removes the run's plan wherever the driver did not (the S3 plan of an Azure VM). */
    private readonly removePlan?: (runId: string) => Promise<void>,
  ) {}

  provision(input: BranchInput): Promise<Record<string, unknown>> {
    return this.machine.create(input);
  }

  check(input: BranchInput): Promise<ReadinessCheck> {
    return this.machine.check(input);
  }

  /** The machine's own check of its size, when it has one. */
  async checkSizeOffered(sizing: ClientSizing): Promise<void> {
    await this.machine.checkSizeOffered?.(sizing);
  }

  startAgent(plan: AgentPlan, input: BranchInput): Promise<void> {
    return this.agent.startAgent(plan, input);
  }

  /**
   * Stop the agent (when the machine was ever ready, it may be running), remove the plan, delete
   * the machine. Deleting the machine is what matters: when it is gone, a failure to stop the
   * agent on it does not count; when it is not, the step fails and the state machine retries it.
   */
  removal(input: BranchInput): Promise<RemovalCheck> {
    return this.machine.removal(input);
  }

  async teardown(input: BranchInput): Promise<void> {
    const failures: string[] = [];
    let machineFailure: unknown;
    const attempt = async (what: string, step: () => Promise<void>) => {
      try {
        await step();
        return true;
      } catch (error) {
        failures.push(`${what}: ${describe(error)}`);
        if (what === 'machine') machineFailure = error;
        return false;
      }
    };
    if (input.client?.ready === true) await attempt('agent', () => this.agent.teardown(input));
    const { removePlan } = this;
    if (removePlan) await attempt('plan', () => removePlan(input.run.runId));
    const destroyed = await attempt('machine', () => this.machine.destroy(input));
    const message = `run ${input.run.runId}: client teardown incomplete: ${failures.join('; ')}`;
    // A throttled or briefly failing deletion is worth another try; a refused one is not.
    if (!destroyed) throw machineFailure instanceof ProvisionTransientError ? new ProvisionTransientError(message) : new ClientTeardownError(message);
  }
}
