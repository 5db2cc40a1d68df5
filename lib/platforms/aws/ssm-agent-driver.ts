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
 * file mode 0600), starts the agent detached under `nohup` with the plan file as its argument, and
 * prints its pid; the agent then reports to the control plane through its callback, so the SSM
 * command ends at once.
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
import { DEFAULT_AGENT_COMMAND, DEFAULT_REMOTE_DIR, SAFE_RUN_ID, startCommands, teardownCommands } from '../client/agent-commands';
import { AgentStartError, ClientTeardownError } from '../errors';
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
}

const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;
const DEFAULT_PRESIGN_EXPIRES_SECONDS = 900;
const TEARDOWN_TIMEOUT_SECONDS = 60;

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
