/**
 * The agent driver of an EC2 client machine (ec2-client-machine.ts) managed by AWS Systems
 * Manager: RunAgent and the agent part of Teardown, through SSM Run Command (docs/architecture.md).
 * It acts on the instance the branch's `client` names (`instanceId`, what the machine's check
 * answered); client/machine-client-driver.ts puts the two together.
 *
 * The agent's plan holds the run's callback secret, and SSM keeps every command's parameters in
 * its history, so the plan never goes in the command text: it is uploaded to S3 (server-side
 * encrypted), and the command only carries a short-lived presigned GET URL. On the instance the
 * command (client/agent-commands.ts) downloads the plan into a private directory (`umask 077`,
 * file mode 0600), waits for the machine's boot script (`bootWait`), starts the agent as its own
 * systemd unit with the plan file as its argument, and prints its pid; the driver reads the
 * command's output (GetCommandInvocation) until it ends: the agent started, or the run fails at
 * once with the reason the output gives ({@link ClientBootError} when the boot script failed,
 * AgentStartError otherwise) instead of waiting out the RunAgent task's heartbeat.
 *
 * Teardown cancels the run's command if it is still pending, sends a second small command that
 * kills the run's agent (`pkill -f` on the plan file name) and removes the plan, and deletes the
 * plan object from S3; every part is tried even if another fails. Each step of the state machine
 * may run in a different Lambda, so nothing here depends on memory between calls: the run's
 * command is found again through ListCommands by its comment when it is not remembered.
 *
 * Error messages never carry the callback secret or a presigned URL's query string (lib/errors/redact.ts).
 */
import {
  CancelCommandCommand,
  type Command,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AgentPlan } from '../../agent/plan';
import { describe } from '../../errors/describe';
import { redactCredentials } from '../../errors/redact';
import { type BootWait, DEFAULT_AGENT_COMMAND, DEFAULT_REMOTE_DIR, SAFE_RUN_ID, startCommands, teardownCommands } from '../client/agent-commands';
import { oneLine, readStartOutput } from '../client/start-output';
import { AgentStartError, ClientBootError, ClientTeardownError } from '../errors';
import type { AgentDriver, BranchInput } from '../platform';

export interface SsmAgentDriverOptions {
  ssm: SSMClient;
  s3: S3Client;
  /** Bucket the plans are uploaded to (the control plane's role needs Put/Get/DeleteObject on it). */
  planBucket: string;
  /** Key prefix of the plans; a plan is `<planPrefix><runId>.json`. */
  planPrefix?: string;
  /** Shell command that starts the agent; the plan file's path is appended as its last argument. */
  agentCommand?: string;
  /** Delivery timeout (`TimeoutSeconds`, at least 30) and the script's `executionTimeout`. */
  commandTimeoutSeconds?: number;
  /** CloudWatch Logs group for the commands' output. */
  logGroupName?: string;
  /** Lifetime of the presigned plan URL. */
  presignExpiresSeconds?: number;
  /** KMS key for the plan object (default: the account's `aws/s3` key). */
  planKmsKeyId?: string;
  /** Private directory on the instance holding plans and agent logs. */
  remoteDir?: string;
  /** The boot script's markers the start command waits for before it starts the agent. @default no wait */
  bootWait?: BootWait;
  /** Interval between reads of the start command's output (GetCommandInvocation). @default 3000 */
  pollIntervalMs?: number;
  /** How long to read the start command's output before giving up. @default the command's timeout + 60 s */
  startWaitMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;
const DEFAULT_PRESIGN_EXPIRES_SECONDS = 900;
const TEARDOWN_TIMEOUT_SECONDS = 60;
const DEFAULT_POLL_INTERVAL_MS = 3000;
/**
 * How long after the command's own timeout the driver still waits for SSM to report its end: with
 * the default 300 s timeout, 360 s in all, inside the StartAgent Lambda's 600 s.
 */
const RESULT_GRACE_MS = 60_000;
/** Errors of GetCommandInvocation worth another read: the invocation not known yet, throttling. */
const RETRIED_READ_ERRORS = new Set(['InvocationDoesNotExist', 'ThrottlingException']);
/** The statuses after which an SSM command invocation changes no more. */
const FINAL_STATUSES = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling', 'Undeliverable', 'Terminated', 'InvalidPlatform', 'AccessDenied', 'DeliveryTimedOut', 'ExecutionTimedOut']);

export class SsmAgentDriver implements AgentDriver {
  /** CommandId of each run's start command, when this process sent it. */
  private readonly commands = new Map<string, string>();

  constructor(private readonly options: SsmAgentDriverOptions) {}

  /** Starts the agent on the instance `input.client` names. */
  async startAgent(plan: AgentPlan, input: BranchInput): Promise<void> {
    const secrets = [plan.callback.secret];
    const fail = (what: string, error?: unknown) =>
      new AgentStartError(redactCredentials(`run ${plan.runId}: ${what}${error === undefined ? '' : `: ${describe(error)}`}`, secrets));
    if (!SAFE_RUN_ID.test(plan.runId)) throw fail('the run id is not a safe file name');
    const instanceId = instanceIdOf(input);
    if (!instanceId) throw fail(NO_INSTANCE);
    const key = this.planKey(plan.runId);

    try {
      await this.options.s3.send(
        new PutObjectCommand({
          Bucket: this.options.planBucket,
          Key: key,
          Body: JSON.stringify(plan),
          ContentType: 'application/json',
          ServerSideEncryption: 'aws:kms',
          ...(this.options.planKmsKeyId ? { SSEKMSKeyId: this.options.planKmsKeyId } : {}),
        }),
      );
    } catch (error) {
      throw fail(`could not upload the plan to s3://${this.options.planBucket}/${key}`, error);
    }

    let planUrl: string;
    try {
      planUrl = await getSignedUrl(this.options.s3, new GetObjectCommand({ Bucket: this.options.planBucket, Key: key }), {
        expiresIn: this.options.presignExpiresSeconds ?? DEFAULT_PRESIGN_EXPIRES_SECONDS,
      });
    } catch (error) {
      throw fail('could not presign the plan URL', error);
    }

    const commands = startCommands({
      runId: plan.runId,
      planUrl,
      agentCommand: this.options.agentCommand ?? DEFAULT_AGENT_COMMAND,
      remoteDir: this.options.remoteDir ?? DEFAULT_REMOTE_DIR,
      ...(this.options.bootWait ? { bootWait: this.options.bootWait } : {}),
    });
    const timeout = this.options.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
    let commandId: string | undefined;
    try {
      const sent = await this.options.ssm.send(new SendCommandCommand(this.commandInput(instanceId, `faas-benchmarker run ${plan.runId}`, commands, timeout)));
      commandId = sent.Command?.CommandId;
    } catch (error) {
      throw fail(`could not send the start command to ${instanceId}`, error);
    }
    if (!commandId) throw fail(`SSM accepted the start command for ${instanceId} but returned no CommandId`);
    this.commands.set(plan.runId, commandId);

    const invocation = await this.waitForEnd(commandId, instanceId, this.options.startWaitMs ?? timeout * 1000 + RESULT_GRACE_MS, fail);
    const output = `${invocation.StandardOutputContent ?? ''}\n${invocation.StandardErrorContent ?? ''}`;
    const outcome = readStartOutput(plan.runId, output);
    if (outcome.kind === 'started' && invocation.Status === 'Success') return;
    if (outcome.kind === 'boot-failed') {
      throw new ClientBootError(redactCredentials(`run ${plan.runId}: the client ${instanceId} did not boot: ${outcome.reason}`, secrets));
    }
    if (outcome.kind === 'agent-exited') throw fail(`the agent stopped as soon as it started on ${instanceId}; its log: ${outcome.log}`);
    throw fail(`the start command on ${instanceId} ended ${invocation.Status ?? 'without a status'} (${invocation.StatusDetails ?? 'no details'}); its output: ${oneLine(output)}`);
  }

  /**
   * Reads the start command's invocation until it ends (or `deadlineMs` passes); SSM may not know
   * the invocation for a moment after SendCommand (InvocationDoesNotExist), which is waited out
   * too, as is throttling.
   */
  private async waitForEnd(
    commandId: string,
    instanceId: string,
    deadlineMs: number,
    fail: (what: string, error?: unknown) => Error,
  ): Promise<GetCommandInvocationCommandOutput> {
    const interval = this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const startedAt = Date.now();
    for (;;) {
      try {
        const invocation = await this.options.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
        if (FINAL_STATUSES.has(invocation.Status ?? '')) return invocation;
      } catch (error) {
        if (!RETRIED_READ_ERRORS.has((error as Error).name)) throw fail(`could not read the start command's output on ${instanceId}`, error);
      }
      if (Date.now() - startedAt >= deadlineMs) throw fail(`the start command on ${instanceId} had not ended after ${Math.round(deadlineMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }

  async teardown(input: BranchInput): Promise<void> {
    const runId = input.run.runId;
    const failures: string[] = [];
    const attempt = async (what: string, step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        failures.push(`${what}: ${redactCredentials(describe(error))}`);
      }
    };
    if (!SAFE_RUN_ID.test(runId)) throw new ClientTeardownError(`run ${runId}: the run id is not a safe file name`);

    const instanceId = instanceIdOf(input);
    if (!instanceId) failures.push(`instance: ${NO_INSTANCE}`);
    if (instanceId) {
      const target = instanceId;
      await attempt('cancel', () => this.cancelRunCommand(runId, target));
      await attempt('kill', async () => {
        const commands = teardownCommands({ runId, remoteDir: this.options.remoteDir ?? DEFAULT_REMOTE_DIR });
        await this.options.ssm.send(new SendCommandCommand(this.commandInput(target, `faas-benchmarker teardown ${runId}`, commands, TEARDOWN_TIMEOUT_SECONDS)));
      });
    }
    await attempt('plan', async () => {
      await this.options.s3.send(new DeleteObjectCommand({ Bucket: this.options.planBucket, Key: this.planKey(runId) }));
    });

    if (failures.length) throw new ClientTeardownError(`run ${runId}: client teardown incomplete: ${failures.join('; ')}`);
    this.commands.delete(runId);
  }

  /** Cancels the run's start command when SSM still has it pending or running. */
  private async cancelRunCommand(runId: string, instanceId: string): Promise<void> {
    const comment = `faas-benchmarker run ${runId}`;
    const known = this.commands.get(runId);
    const found: Command[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.ssm.send(
        new ListCommandsCommand(known ? { CommandId: known } : { InstanceId: instanceId, Filters: [{ key: 'DocumentName', value: 'AWS-RunShellScript' }], NextToken: nextToken }),
      );
      found.push(...(page.Commands ?? []).filter((command) => (known ? command.CommandId === known : command.Comment === comment)));
      nextToken = known ? undefined : page.NextToken;
    } while (nextToken);
    for (const command of found) {
      if (command.CommandId && (command.Status === 'Pending' || command.Status === 'InProgress')) {
        await this.options.ssm.send(new CancelCommandCommand({ CommandId: command.CommandId, InstanceIds: [instanceId] }));
      }
    }
  }

  private commandInput(instanceId: string, comment: string, commands: string[], timeoutSeconds: number): SendCommandCommandInput {
    return {
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [instanceId],
      Parameters: { commands, executionTimeout: [String(timeoutSeconds)] },
      TimeoutSeconds: Math.max(30, timeoutSeconds),
      Comment: comment,
      ...(this.options.logGroupName ? { CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: this.options.logGroupName } } : {}),
    };
  }

  private planKey(runId: string): string {
    return `${this.options.planPrefix ?? 'plans/'}${runId}.json`;
  }
}

const NO_INSTANCE = 'no client instance is known (the branch has no client.instanceId)';

/** The instance the branch's client names: what the EC2 machine's check answered. */
function instanceIdOf(input: BranchInput): string | undefined {
  const value = input.client?.instanceId;
  return typeof value === 'string' && value ? value : undefined;
}
