/**
 * The client machine of a run whose functions are on Azure Functions: one EC2 instance per run,
 * managed by AWS Systems Manager, on which `SsmAgentDriver` later starts the agent (it finds the
 * instance from `input.client.instanceId`).
 *
 * - create: RunInstances of one instance of the run's instance type (`platformOptions.clientInstanceType`,
 *   which ProvisionClient fills from the experiment's declaration, else the option), answered with
 *   the type it has (IMDSv2 only, encrypted gp3 root volume, a public IP in
 *   the given subnet because the agent calls Azure over the internet, a security group without
 *   ingress, shutdown = terminate) with `clientBootScript` as user data and the run tag on the
 *   instance and its volume. The ClientToken is derived from the run id, so a retried
 *   ProvisionClient makes no second instance. The user data holds a fresh presigned bundle URL
 *   each time, so EC2 answers a retry with IdempotentParameterMismatch; the instance of the first
 *   attempt is then found by its client token and answered instead.
 * - check: DescribeInstances, then, once `running`, SSM DescribeInstanceInformation: `Online` is
 *   ready. A stopped or terminated instance, one still unknown to EC2 two minutes after create
 *   (EC2 is eventually consistent right after RunInstances), or one not Online in SSM after
 *   `bootTimeoutMs` has failed. Every answer keeps `instanceId` and `createdAt`, because the state
 *   machine replaces `$.client` with each answer.
 * - destroy: TerminateInstances of the known instance, or of every live instance carrying the run
 *   tag when create's answer was lost; an instance already gone is fine. It does not wait.
 * - checkSizeOffered (ValidateInput, before anything is made): DescribeInstanceTypeOfferings of the
 *   run's instance type in the client's region (LocationType region, filter instance-type); no
 *   offering there, or EC2 calling the type invalid, refuses the run with ClientSizeNotOfferedError.
 *   A check EC2 could not answer (throttled, 5xx, denied, too slow) is reported through `onWarning`
 *   and refuses nothing: ValidateInput's Retry covers only Lambda's own errors, and its Catch fails
 *   the run as invalid input, so a transient error thrown from here would fail a run whose size may
 *   well be offered. RunInstances at ProvisionClient remains the final word.
 *   The API: Amazon EC2 DescribeInstanceTypeOfferings, "Lists the instance types that are offered
 *   for the specified location"; with LocationType region, the client's Region; paginated
 *   (AWS CLI reference, describe-instance-type-offerings,
 *   https://docs.aws.amazon.com/cli/latest/reference/ec2/describe-instance-type-offerings.html, read 2026-12-06).
 *
 * Throttling, 5xx answers, network failures and a lack of capacity become ProvisionTransientError
 * (the state machine retries it). Answers and error messages never hold the presigned bundle URL.
 */
import { createHash } from 'node:crypto';
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeInstanceTypeOfferingsCommand,
  type DescribeInstanceTypeOfferingsCommandInput,
  type EC2Client,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, type InstanceInformation, type SSMClient } from '@aws-sdk/client-ssm';
import { describe, errorNameOf } from '../../errors/describe';
import { redactCredentials } from '../../errors/redact';
import { clientBootScript } from '../client/boot-script';
import { type ClientSizing, EC2_INSTANCE_TYPE } from '../client/machine-size';
import { clientSizeNotOffered, SIZE_CHECK_TIMEOUT_MS, type SizeCheckWarning, warnOnConsole } from '../client/size-offered';
import { ClientTeardownError, ClientUnavailableError, ProvisionTransientError } from '../errors';
import type { AgentBundleUrl, BranchInput, ClientMachine, ReadinessCheck, RemovalCheck } from '../platform';
import { awsRunTagsOf, RUN_TAG_KEY, runPrefixOf } from '../run-resources';
import { isTransientAwsError } from './transient';

export interface Ec2ClientMachineOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  /** Where a new instance downloads the agent bundle from (a fresh presigned URL per call). */
  agentBundleUrl: AgentBundleUrl;
  /** Subnet of the instance; it needs a route to the internet (Azure) and to the SSM endpoints. */
  subnetId: string;
  /** Security group of the instance, without ingress rules. */
  securityGroupId: string;
  /** Instance profile whose role has AmazonSSMManagedInstanceCore. */
  instanceProfileArn: string;
  /** Instance type unless the run's `platformOptions.clientInstanceType` says otherwise. @default 'c5.large' */
  instanceType?: string;
  /** AMI id, or a `resolve:ssm:` parameter naming one (x86_64). @default the latest Amazon Linux 2023 */
  imageId?: string;
  /** How long after create the instance may take to be Online in SSM before check answers failed. @default 15 minutes */
  bootTimeoutMs?: number;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Told when checkSizeOffered could not ask EC2 (the run goes on). @default console.warn */
  onWarning?: SizeCheckWarning;
  /** How long checkSizeOffered may take, ms. @default SIZE_CHECK_TIMEOUT_MS (15 s) */
  sizeCheckTimeoutMs?: number;
}

export const DEFAULT_CLIENT_INSTANCE_TYPE = 'c5.large';
export const DEFAULT_CLIENT_IMAGE_ID = 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
export const DEFAULT_BOOT_TIMEOUT_MS = 15 * 60_000;
/** How long after create an instance EC2 does not know yet still counts as starting (eventual consistency). */
export const NOT_FOUND_GRACE_MS = 2 * 60_000;

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const CLIENT_TOKEN_MAX = 64;
const STOPPED_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];
/** EC2 answers these when the AZ has no capacity left right now; retrying later may succeed. */
const CAPACITY_ERRORS = new Set(['InsufficientInstanceCapacity', 'InsufficientCapacity', 'InsufficientAddressCapacity', 'InsufficientFreeAddressesInSubnet']);
const NOT_FOUND_ERRORS = new Set(['InvalidInstanceID.NotFound']);
/**
 * EC2's answer to an instance type it does not know. A filter value it does not know normally just
 * matches nothing (an empty list, refused the same way); this covers EC2 refusing the value instead.
 */
const UNKNOWN_INSTANCE_TYPE_ERRORS = new Set(['InvalidInstanceType']);

export class Ec2ClientMachine implements ClientMachine {
  private readonly now: () => number;

  constructor(private readonly options: Ec2ClientMachineOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The run's RunInstances ClientToken: readable when the run id allows, else a hash; at most 64 ASCII characters. */
  static clientTokenOf(runId: string): string {
    const readable = `fb-client-${runId}`;
    if (readable.length <= CLIENT_TOKEN_MAX && /^[\x21-\x7e]+$/.test(readable)) return readable;
    return `fb-client-${createHash('sha256').update(runId).digest('hex').slice(0, CLIENT_TOKEN_MAX - 'fb-client-'.length)}`;
  }

  /** The instance's Name tag: `fb-<run8>-client`. */
  static nameOf(runId: string): string {
    return `${runPrefixOf(runId)}client`;
  }

  async create(input: BranchInput): Promise<Record<string, unknown>> {
    const { runId } = input.run;
    const instanceType = this.instanceType(input);
    const clientToken = Ec2ClientMachine.clientTokenOf(runId);

    let bundleUrl: string;
    try {
      bundleUrl = await this.options.agentBundleUrl();
    } catch (error) {
      const message = redactCredentials(`run ${runId}: could not make the agent bundle URL: ${describe(error)}`);
      throw isTransientAwsError(error) ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
    }
    const userData = Buffer.from(clientBootScript({ agentBundleUrl: bundleUrl }), 'utf8').toString('base64');
    const secrets = [bundleUrl, userData];

    let instance: Instance | undefined;
    let createdAt = new Date(this.now());
    try {
      const ran = await this.options.ec2.send(new RunInstancesCommand(this.runInstancesInput(runId, instanceType, clientToken, userData)));
      instance = ran.Instances?.[0];
    } catch (error) {
      if (errorNameOf(error) !== 'IdempotentParameterMismatch') {
        const message = redactCredentials(`run ${runId}: RunInstances (${instanceType}) refused: ${describe(error)}`, secrets);
        throw isTransientAwsError(error) || CAPACITY_ERRORS.has(errorNameOf(error) ?? '') ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
      }
      // A retried create: the first attempt's instance exists, launched with another bundle URL.
      instance = await this.findByClientToken(runId, clientToken);
      if (!instance) throw new ProvisionTransientError(`run ${runId}: RunInstances reports an earlier launch for this run, but EC2 does not list it yet`);
      if (instance.LaunchTime) createdAt = instance.LaunchTime;
    }
    if (!instance?.InstanceId) throw new ClientUnavailableError(`run ${runId}: RunInstances answered no instance id`);
    return { kind: 'ec2', instanceId: instance.InstanceId, instanceType: instance.InstanceType ?? instanceType, createdAt: createdAt.toISOString(), ready: false };
  }

  async check(input: BranchInput): Promise<ReadinessCheck> {
    const { runId } = input.run;
    const instanceId = instanceIdOf(input);
    const known = { kind: 'ec2', ...(typeof input.client?.instanceId === 'string' ? { instanceId: input.client.instanceId } : {}) };
    const createdAtMs = typeof input.client?.createdAt === 'string' ? Date.parse(input.client.createdAt) : Number.NaN;
    if (!instanceId) {
      return { ...known, ...createdAtOf(input), ready: false, failed: true, reason: `run ${runId}: no valid client instance id is known (ProvisionClient answered ${JSON.stringify(input.client?.instanceId ?? null)})` };
    }

    let instance: Instance | undefined;
    try {
      const described = await this.options.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      instance = described.Reservations?.flatMap((reservation) => reservation.Instances ?? []).find((entry) => entry.InstanceId === instanceId);
    } catch (error) {
      if (!NOT_FOUND_ERRORS.has(errorNameOf(error) ?? '')) {
        const message = redactCredentials(`run ${runId}: DescribeInstances ${instanceId}: ${describe(error)}`);
        throw isTransientAwsError(error) ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
      }
    }

    const base = { kind: 'ec2', instanceId, ...createdAtOf(input, instance) };
    const ageMs = this.now() - (Number.isNaN(createdAtMs) ? (instance?.LaunchTime?.getTime() ?? Number.NaN) : createdAtMs);
    if (!instance) {
      // Right after RunInstances, DescribeInstances may not know the instance yet.
      if (ageMs < NOT_FOUND_GRACE_MS) return { ...base, ready: false, state: 'unknown' };
      return { ...base, ready: false, failed: true, reason: `run ${runId}: instance ${instanceId} does not exist (it was never launched, or it was terminated long ago)` };
    }

    const state = instance.State?.Name ?? 'unknown';
    if (STOPPED_STATES.has(state)) {
      const why = instance.StateReason?.Message ?? instance.StateTransitionReason ?? 'no reason given';
      return { ...base, ready: false, failed: true, state, reason: `run ${runId}: instance ${instanceId} is ${state}: ${why}` };
    }
    const timeoutMs = this.options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
    const timedOut = !(ageMs < timeoutMs);
    if (state !== 'running') {
      if (timedOut) return { ...base, ready: false, failed: true, state, reason: `run ${runId}: instance ${instanceId} is still ${state} in EC2 after ${minutes(timeoutMs)}` };
      return { ...base, ready: false, state };
    }

    let info: InstanceInformation | undefined;
    try {
      const listed = await this.options.ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
      info = listed.InstanceInformationList?.find((entry) => entry.InstanceId === instanceId);
    } catch (error) {
      const message = redactCredentials(`run ${runId}: could not ask SSM about ${instanceId}: ${describe(error)}`);
      throw isTransientAwsError(error) ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
    }
    const pingStatus = info?.PingStatus ?? 'not registered';
    if (info?.PingStatus === 'Online') return { ...base, ready: true, state, pingStatus };
    if (timedOut) {
      const missing = info
        ? `its SSM agent is ${pingStatus}, not Online`
        : 'its SSM agent never registered (check the instance profile has AmazonSSMManagedInstanceCore and the subnet reaches the SSM endpoints)';
      return { ...base, ready: false, failed: true, state, pingStatus, reason: `run ${runId}: instance ${instanceId} is running but ${missing} after ${minutes(timeoutMs)}` };
    }
    return { ...base, ready: false, state, pingStatus };
  }

  async destroy(input: BranchInput): Promise<void> {
    const { runId } = input.run;
    const fail = (what: string, error: unknown) => {
      const message = redactCredentials(`run ${runId}: ${what}: ${describe(error)}`);
      return isTransientAwsError(error) ? new ProvisionTransientError(message) : new ClientTeardownError(message);
    };

    let instanceIds: string[];
    const known = instanceIdOf(input);
    if (known) {
      instanceIds = [known];
    } else {
      try {
        instanceIds = await this.findByRunTag(runId);
      } catch (error) {
        throw fail(`could not look up the run's instances by the ${RUN_TAG_KEY} tag`, error);
      }
    }
    // One call per instance, so an instance already gone does not keep another from terminating.
    for (const instanceId of instanceIds) {
      try {
        await this.options.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
      } catch (error) {
        if (NOT_FOUND_ERRORS.has(errorNameOf(error) ?? '')) continue;
        throw fail(`TerminateInstances ${instanceId}`, error);
      }
    }
  }

  /**
   * Refuse (ClientSizeNotOfferedError) an instance type the client's region does not offer: the
   * type the run would launch, `sizing.platformOptions.clientInstanceType` (the run's option or the
   * experiment's declaration), else this machine's default. Resolves when EC2 lists an offering, and
   * when EC2 could not be asked (reported through `onWarning`).
   */
  async checkSizeOffered(sizing: ClientSizing): Promise<void> {
    const instanceType = this.instanceTypeOf(sizing.platformOptions, '');
    const { ec2 } = this.options;
    const region = await ec2.config.region();
    const refuse = (why: string) => clientSizeNotOffered('ec2InstanceType', { size: instanceType, sizing, region, why });
    const input: DescribeInstanceTypeOfferingsCommandInput = { LocationType: 'region', Filters: [{ Name: 'instance-type', Values: [instanceType] }] };
    const abortSignal = AbortSignal.timeout(this.options.sizeCheckTimeoutMs ?? SIZE_CHECK_TIMEOUT_MS);
    try {
      let nextToken: string | undefined;
      do {
        const page = await ec2.send(new DescribeInstanceTypeOfferingsCommand({ ...input, ...(nextToken ? { NextToken: nextToken } : {}) }), { abortSignal });
        if (page.InstanceTypeOfferings?.some((offering) => offering.InstanceType === instanceType)) return;
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      if (UNKNOWN_INSTANCE_TYPE_ERRORS.has(errorNameOf(error) ?? '')) throw refuse(`EC2 does not know this instance type (${describe(error)})`);
      const kind = isTransientAwsError(error) ? 'a transient failure' : 'a failure';
      (this.options.onWarning ?? warnOnConsole)(
        redactCredentials(`could not check whether ${region} offers the client's EC2 instance type ${instanceType} (${kind}: ${describe(error)}); ProvisionClient will find out`),
      );
      return;
    }
    throw refuse('EC2 lists no offering of this instance type in the region (DescribeInstanceTypeOfferings)');
  }

  private runInstancesInput(runId: string, instanceType: string, clientToken: string, userData: string): RunInstancesCommandInput {
    const tags = [...awsRunTagsOf(runId, this.now()), { Key: 'Name', Value: Ec2ClientMachine.nameOf(runId) }];
    return {
      ImageId: this.options.imageId ?? DEFAULT_CLIENT_IMAGE_ID,
      InstanceType: instanceType as RunInstancesCommandInput['InstanceType'],
      MinCount: 1,
      MaxCount: 1,
      ClientToken: clientToken,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: this.options.subnetId, Groups: [this.options.securityGroupId], AssociatePublicIpAddress: true, DeleteOnTermination: true }],
      IamInstanceProfile: { Arn: this.options.instanceProfileArn },
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
      InstanceInitiatedShutdownBehavior: 'terminate',
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
      UserData: userData,
    };
  }

  /** The run's instance type: `platformOptions.clientInstanceType`, else the option, else c5.large. */
  private instanceType(input: BranchInput): string {
    return this.instanceTypeOf(input.platformOptions, `run ${input.run.runId}: `);
  }

  private instanceTypeOf(platformOptions: Record<string, unknown>, prefix: string): string {
    const value = platformOptions.clientInstanceType ?? this.options.instanceType ?? DEFAULT_CLIENT_INSTANCE_TYPE;
    if (typeof value !== 'string' || !EC2_INSTANCE_TYPE.test(value)) {
      throw new ClientUnavailableError(`${prefix}platformOptions.clientInstanceType must be an EC2 instance type such as c5.large, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** The instance an earlier RunInstances with this client token launched, if EC2 lists it yet. */
  private async findByClientToken(runId: string, clientToken: string): Promise<Instance | undefined> {
    try {
      const found = await this.describeAll({ Filters: [{ Name: 'client-token', Values: [clientToken] }] });
      return found[0];
    } catch (error) {
      const message = redactCredentials(`run ${runId}: could not find the instance of an earlier launch: ${describe(error)}`);
      throw isTransientAwsError(error) ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
    }
  }

  /**
   * Gone once every instance carrying the run's tag is `terminated` (EC2 lists terminated
   * instances for about an hour, then not at all); still going while one is `shutting-down`; any
   * other state means a termination did not take, which fails the run naming the instance.
   */
  async removal(input: BranchInput): Promise<RemovalCheck> {
    const { runId } = input.run;
    let instances: Instance[];
    try {
      instances = await this.describeAll({ Filters: [{ Name: `tag:${RUN_TAG_KEY}`, Values: [runId] }] });
    } catch (error) {
      const message = redactCredentials(`run ${runId}: could not look up the run's instances: ${describe(error)}`);
      throw isTransientAwsError(error) ? new ProvisionTransientError(message) : new ClientTeardownError(message);
    }
    const states = instances.map((instance) => ({ id: instance.InstanceId ?? '?', state: instance.State?.Name ?? 'unknown' }));
    const notTerminated = states.filter((instance) => instance.state !== 'terminated');
    if (!notTerminated.length) return { gone: true, state: 'terminated' };
    const stuck = notTerminated.filter((instance) => instance.state !== 'shutting-down');
    const summary = notTerminated.map((instance) => `${instance.id} ${instance.state}`).join(', ');
    if (stuck.length) return { gone: false, failed: true, state: stuck.map((instance) => instance.state).join(','), reason: `client instance not terminated: ${summary}` };
    return { gone: false, state: 'shutting-down', reason: summary };
  }

  /** Ids of the run's instances that are not (being) terminated yet. */
  private async findByRunTag(runId: string): Promise<string[]> {
    const found = await this.describeAll({
      Filters: [
        { Name: `tag:${RUN_TAG_KEY}`, Values: [runId] },
        { Name: 'instance-state-name', Values: LIVE_STATES },
      ],
    });
    return found.flatMap((instance) => (instance.InstanceId ? [instance.InstanceId] : []));
  }

  private async describeAll(input: DescribeInstancesCommandInput): Promise<Instance[]> {
    const instances: Instance[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.ec2.send(new DescribeInstancesCommand({ ...input, ...(nextToken ? { NextToken: nextToken } : {}) }));
      for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return instances;
  }
}

/** `input.client.instanceId` when it looks like an EC2 instance id. */
function instanceIdOf(input: BranchInput): string | undefined {
  const value = input.client?.instanceId;
  return typeof value === 'string' && INSTANCE_ID.test(value) ? value : undefined;
}

/** `{ createdAt }` as create answered it, else the instance's launch time, else nothing. */
function createdAtOf(input: BranchInput, instance?: Instance): { createdAt?: string } {
  const answered = input.client?.createdAt;
  if (typeof answered === 'string') return { createdAt: answered };
  return instance?.LaunchTime ? { createdAt: instance.LaunchTime.toISOString() } : {};
}

function minutes(ms: number): string {
  return `${Math.round((ms / 60_000) * 10) / 10} min`;
}
