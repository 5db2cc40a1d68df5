/**
 * ProvisionClient, RunAgent and the client part of Teardown for a client that is an EC2 instance
 * managed by AWS Systems Manager (ARCHITECTURE.md §4: "drives it through SSM Run Command").
 *
 * The agent's plan holds the run's callback secret, and SSM keeps every command's parameters in
 * its history, so the plan never goes in the command text: it is uploaded to S3 (server-side
 * encrypted), and the command only carries a short-lived presigned GET URL. On the instance the
 * command downloads the plan into a private directory (`umask 077`, file mode 0600), starts the
 * agent detached under `nohup` with the plan file as its argument, and prints its pid; the agent
 * then reports to the control plane through its callback, so the SSM command ends at once.
 *
 * Teardown cancels the run's command if it is still pending, sends a second small command that
 * kills the run's agent (`pkill -f` on the plan file name) and removes the plan, and deletes the
 * plan object from S3; every part is tried even if another fails. Each step of the state machine
 * may run in a different Lambda, so nothing here depends on memory between calls: the run's
 * command is found again through ListCommands by its comment when it is not remembered.
 *
 * Error messages never carry the callback secret or a presigned URL's query string (see `redact`).
 */
import {
  CancelCommandCommand,
  type Command,
  DescribeInstanceInformationCommand,
  type DescribeInstanceInformationCommandOutput,
  ListCommandsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AgentPlan, BranchInput, ClientDriver, ReadinessCheck } from '../steps';

/** The client instance cannot take an agent (not SSM-managed, offline, not found, not allowed). */
export class ClientUnavailableError extends Error {
  override name = 'ClientUnavailableError';
}

/** A failure worth retrying (throttling, a 5xx, a network error); the state machine retries it by name. */
export class ProvisionTransientError extends Error {
  override name = 'ProvisionTransientError';
}

/** The agent could not be handed its plan or started. */
export class AgentStartError extends Error {
  override name = 'AgentStartError';
}

/** Some parts of the client teardown failed; the message lists each of them. */
export class ClientTeardownError extends Error {
  override name = 'ClientTeardownError';
}

/** Picks the instance of a branch; in `startAgent` it only gets the run (`{ run: { runId, platform } }`). */
export type InstanceIdResolver = (input: Pick<BranchInput, 'run'> & Partial<BranchInput>) => string | Promise<string>;

export interface SsmAgentDriverOptions {
  ssm: SSMClient;
  s3: S3Client;
  /** The client instance (`i-…` or `mi-…`), or how to pick it for a branch. */
  instanceId: string | InstanceIdResolver;
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

export const DEFAULT_AGENT_COMMAND = 'cd /opt/faas-benchmarker && node bin/agent.js';
export const DEFAULT_REMOTE_DIR = '/var/tmp/faas-benchmarker';
const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;
const DEFAULT_PRESIGN_EXPIRES_SECONDS = 900;
const TEARDOWN_TIMEOUT_SECONDS = 60;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * `value` as one POSIX shell word: single-quoted, each `'` written as `'\''`. Every byte but NUL
 * (which no argument can hold) stands for itself inside single quotes.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new TypeError('a shell word cannot contain a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `text` with the given secrets and every presigned URL's query string (signature, credential, token) blanked. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out.replace(/\?[^\s'"]*X-Amz-[^\s'"]*/gi, '?[redacted]').replace(/X-Amz-(Signature|Credential|Security-Token)=[^&\s'"]*/gi, 'X-Amz-$1=[redacted]');
}

/** Whether an AWS SDK (or network) error is worth retrying. */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdk = error as Error & { $retryable?: unknown; $fault?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  if (sdk.$retryable) return true;
  if (sdk.$fault === 'server') return true;
  if ((sdk.$metadata?.httpStatusCode ?? 0) >= 500 || sdk.$metadata?.httpStatusCode === 429) return true;
  const names = ['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeout'];
  if (names.includes(sdk.name)) return true;
  return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(sdk.code ?? '');
}

/** The shell lines of the run's start command (exported for tests and for the README). */
export function startCommands(options: { runId: string; planUrl: string; agentCommand: string; remoteDir: string }): string[] {
  const { planFile, partFile, logFile } = remotePaths(options.remoteDir, options.runId);
  const agent = `${options.agentCommand} ${shellQuote(planFile)}`;
  return [
    'set -eu',
    'umask 077',
    `mkdir -p ${shellQuote(options.remoteDir)}`,
    `chmod 700 ${shellQuote(options.remoteDir)}`,
    `curl -fsS --retry 3 --max-time 60 -o ${shellQuote(partFile)} ${shellQuote(options.planUrl)}`,
    `chmod 600 ${shellQuote(partFile)}`,
    `mv -f ${shellQuote(partFile)} ${shellQuote(planFile)}`,
    `nohup sh -c ${shellQuote(agent)} > ${shellQuote(logFile)} 2>&1 < /dev/null &`,
    `echo ${shellQuote(`faas-benchmarker agent started: run ${options.runId} pid`)} "$!"`,
  ];
}

/** The shell lines that stop the run's agent and remove its plan; safe to run again. */
export function teardownCommands(options: { runId: string; remoteDir: string }): string[] {
  const { planFile, partFile, planName } = remotePaths(options.remoteDir, options.runId);
  // The agent's command line ends with the plan's path (`sh -c '… plan.json'` and `node bin/agent.js
  // …plan.json`); anchored there, with its dots escaped, the regex matches no shell that merely
  // mentions the plan (this script's own `rm`, or a `pkill` quoting the pattern).
  const pattern = `${planName.replace(/[.[\]\\^$*+?(){}|]/g, '\\$&')}'?$`;
  return [
    `pkill -TERM -f ${shellQuote(pattern)} || true`,
    `rm -f ${shellQuote(planFile)} ${shellQuote(partFile)}`,
    `echo ${shellQuote(`faas-benchmarker agent stopped: run ${options.runId}`)}`,
  ];
}

function remotePaths(remoteDir: string, runId: string) {
  const planName = `fb-plan-${runId}.json`;
  const dir = remoteDir.replace(/\/+$/, '') || '/';
  return { planName, planFile: `${dir}/${planName}`, partFile: `${dir}/${planName}.part`, logFile: `${dir}/fb-agent-${runId}.log` };
}

export class SsmAgentDriver implements ClientDriver {
  /** CommandId of each run's start command, when this process sent it. */
  private readonly commands = new Map<string, string>();
  /** Instance of each run, when this process provisioned it. */
  private readonly instances = new Map<string, string>();

  constructor(private readonly options: SsmAgentDriverOptions) {}

  async provision(input: BranchInput): Promise<Record<string, unknown>> {
    const instanceId = await this.resolveInstance(input, (message) => new ClientUnavailableError(message));
    let list: DescribeInstanceInformationCommandOutput;
    try {
      list = await this.options.ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
    } catch (error) {
      const message = `run ${input.run.runId}: could not ask SSM about ${instanceId}: ${describe(error)}`;
      throw isTransientAwsError(error) ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
    }
    const info = list.InstanceInformationList?.find((entry) => entry.InstanceId === instanceId);
    if (!info) {
      throw new ClientUnavailableError(`run ${input.run.runId}: instance ${instanceId} is not managed by SSM (no SSM agent registered, or its instance profile lacks AmazonSSMManagedInstanceCore)`);
    }
    if (info.PingStatus !== 'Online') {
      throw new ClientUnavailableError(`run ${input.run.runId}: instance ${instanceId} is not online in SSM (PingStatus ${info.PingStatus ?? 'unknown'})`);
    }
    this.instances.set(input.run.runId, instanceId);
    return { kind: 'ssm', instanceId };
  }

  /** provision found the instance online, or failed. */
  async check(input: BranchInput): Promise<ReadinessCheck> {
    return { ...input.client, ready: true };
  }

  /** Starts the agent on the instance `input.client` names (a per-run instance), else the one the options pick. */
  async startAgent(plan: AgentPlan, input?: BranchInput): Promise<void> {
    const secrets = [plan.callback.secret];
    const fail = (what: string, error?: unknown) =>
      new AgentStartError(redact(`run ${plan.runId}: ${what}${error === undefined ? '' : `: ${describe(error)}`}`, secrets));
    if (!RUN_ID.test(plan.runId)) throw fail('the run id is not a safe file name');
    const provisioned = input?.client?.instanceId;
    const instanceId =
      typeof provisioned === 'string' && provisioned
        ? provisioned
        : (this.instances.get(plan.runId) ?? (await this.resolveInstance(input ?? { run: { runId: plan.runId, platform: plan.target.platform } }, (message) => fail(message))));
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
        failures.push(`${what}: ${redact(describe(error))}`);
      }
    };
    if (!RUN_ID.test(runId)) throw new ClientTeardownError(`run ${runId}: the run id is not a safe file name`);

    let instanceId: string | undefined;
    await attempt('instance', async () => {
      const provisioned = input.client?.instanceId;
      instanceId = typeof provisioned === 'string' && provisioned ? provisioned : (this.instances.get(runId) ?? (await this.resolveInstance(input, (message) => new Error(message))));
    });

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
    this.instances.delete(runId);
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

  private async resolveInstance(input: Pick<BranchInput, 'run'> & Partial<BranchInput>, error: (message: string) => Error): Promise<string> {
    const { instanceId } = this.options;
    let resolved: string;
    try {
      resolved = typeof instanceId === 'string' ? instanceId : await instanceId(input);
    } catch (cause) {
      throw error(`could not pick the client instance: ${describe(cause)}`);
    }
    if (!resolved) throw error('no client instance configured');
    return resolved;
  }
}

/** `Name: message` of an error, for messages (callers redact). */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
