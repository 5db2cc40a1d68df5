/**
 * Ec2ClientMachine against mocked EC2 and SSM clients: the exact RunInstances parameters (user
 * data decoded), idempotent retries, the check's walk from pending to Online and its failures,
 * termination by id and by the run tag, the check of the instance type against the region's
 * offerings, and the mapping of errors to the named classes, without the presigned bundle URL in
 * any answer or message.
 */
import {
  DescribeInstancesCommand,
  DescribeInstanceTypeOfferingsCommand,
  EC2Client,
  EC2ServiceException,
  type Instance,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { AccessDeniedException, DescribeInstanceInformationCommand, SSMClient, ThrottlingException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_READY_MARKER, clientBootScript } from '../client/boot-script';
import { chooseClientSize } from '../client/machine-size';
import type { BranchInput } from '../platform';
import {
  DEFAULT_BOOT_TIMEOUT_MS,
  DEFAULT_CLIENT_IMAGE_ID,
  Ec2ClientMachine,
  type Ec2ClientMachineOptions,
  NOT_FOUND_GRACE_MS,
} from './ec2-client-machine';
import { ClientSizeNotOfferedError, ClientTeardownError, ClientUnavailableError, ProvisionTransientError } from '../errors';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);

const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'example-secret-access-key' };
const ec2 = new EC2Client({ region: 'eu-west-1', credentials });
const ssm = new SSMClient({ region: 'eu-west-1', credentials });

const RUN_ID = '1a2b3c4d-0000-4000-8000-00000000abcd';
const INSTANCE = 'i-0123456789abcdef0';
const SIGNATURE = 'f00dfacecafe0123456789SIGNATURE';
const BUNDLE_URL = `https://fb-artifacts.s3.eu-west-1.amazonaws.com/agent/agent.js?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261127&X-Amz-Signature=${SIGNATURE}`;
const PROFILE_ARN = 'arn:aws:iam::123456789012:instance-profile/fb-client';
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const T0_ISO = new Date(T0).toISOString();

let clock = T0;
let urlsMade = 0;
beforeEach(() => {
  clock = T0;
  urlsMade = 0;
});
afterEach(() => {
  ec2Mock.reset();
  ssmMock.reset();
});

const machine = (options: Partial<Ec2ClientMachineOptions> = {}) =>
  new Ec2ClientMachine({
    ec2,
    ssm,
    agentBundleUrl: async () => {
      urlsMade += 1;
      return `${BUNDLE_URL}&n=${urlsMade}`;
    },
    subnetId: 'subnet-0aaaabbbbccccdddd',
    securityGroupId: 'sg-0aaaabbbbccccdddd',
    instanceProfileArn: PROFILE_ARN,
    now: () => clock,
    ...options,
  });

const branch = (client?: Record<string, unknown>, platformOptions: Record<string, unknown> = {}, runId = RUN_ID): BranchInput => ({
  run: { runId, platform: 'azure-functions' },
  experiment: 'coldstart-identifier',
  params: {},
  quick: true,
  platformOptions,
  ...(client ? { client } : {}),
});

const ec2Error = (name: string, message: string, status = 400) =>
  new EC2ServiceException({ name, message, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

const described = (...instances: Instance[]) => ({ Reservations: [{ Instances: instances }] });
const created = { kind: 'ec2', instanceId: INSTANCE, instanceType: 'c5.large', createdAt: T0_ISO, ready: false };

/** Every string anywhere in the value, for leak checks. */
const noBundleUrl = (value: unknown) => {
  const text = value instanceof Error ? `${value.name} ${value.message}` : JSON.stringify(value);
  expect(text).not.toContain(SIGNATURE);
  expect(text).not.toContain('X-Amz-Credential=AKIA');
};

describe('Ec2ClientMachine.create', () => {
  it('launches one instance with exactly the planned parameters and answers no secret', async () => {
    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: INSTANCE, State: { Name: 'pending' } }] });

    const answer = await machine().create(branch());

    expect(answer).toEqual(created);
    noBundleUrl(answer);
    const calls = ec2Mock.commandCalls(RunInstancesCommand);
    expect(calls).toHaveLength(1);
    const sent = calls[0]?.args[0].input;
    const tags = [
      { Key: 'faas-benchmarker:run', Value: RUN_ID },
      { Key: 'faas-benchmarker:expires', Value: '2026-11-29T16:00:00.000Z' },
      { Key: 'Name', Value: 'fb-1a2b3c4d-client' },
    ];
    expect({ ...sent, UserData: '(checked below)' }).toEqual({
      ImageId: DEFAULT_CLIENT_IMAGE_ID,
      InstanceType: 'c5.large',
      MinCount: 1,
      MaxCount: 1,
      ClientToken: `fb-client-${RUN_ID}`,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-0aaaabbbbccccdddd', Groups: ['sg-0aaaabbbbccccdddd'], AssociatePublicIpAddress: true, DeleteOnTermination: true }],
      IamInstanceProfile: { Arn: PROFILE_ARN },
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
      InstanceInitiatedShutdownBehavior: 'terminate',
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
      UserData: '(checked below)',
    });
    expect(DEFAULT_CLIENT_IMAGE_ID).toBe('resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');

    const script = Buffer.from(sent?.UserData ?? '', 'base64').toString('utf8');
    expect(script.startsWith('#!/bin/sh\nset -eu\n')).toBe(true);
    // The script itself is run and checked in client-machine.test.ts; here: it is that script, for this bundle URL.
    expect(script).toBe(clientBootScript({ agentBundleUrl: `${BUNDLE_URL}&n=1` }));
    expect(script).toContain(`'${AGENT_READY_MARKER}'`);
    expect(urlsMade).toBe(1);
  });

  it('derives a stable client token per run, at most 64 ASCII characters', async () => {
    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: INSTANCE }] });
    await machine().create(branch());
    await machine().create(branch());
    await machine().create(branch(undefined, {}, '99999999-0000-4000-8000-000000000000'));
    const tokens = ec2Mock.commandCalls(RunInstancesCommand).map((call) => call.args[0].input.ClientToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);

    const long = Ec2ClientMachine.clientTokenOf('r'.repeat(200));
    expect(long).toMatch(/^fb-client-[0-9a-f]{54}$/);
    expect(long).toBe(Ec2ClientMachine.clientTokenOf('r'.repeat(200)));
    expect(Ec2ClientMachine.clientTokenOf('r'.repeat(201))).not.toBe(long);
    expect(Ec2ClientMachine.clientTokenOf('ünïcødé')).toMatch(/^fb-client-[0-9a-f]{54}$/);
  });

  it('takes the instance type from platformOptions, else the option, and the image from the option', async () => {
    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: INSTANCE }] });
    const overridden = await machine({ instanceType: 'm6i.large', imageId: 'ami-0123456789abcdef0' }).create(branch(undefined, { clientInstanceType: 'c6i.xlarge' }));
    const defaulted = await machine({ instanceType: 'm6i.large' }).create(branch());
    // The answer names the type launched, for the run's manifest.
    expect([overridden.instanceType, defaulted.instanceType]).toEqual(['c6i.xlarge', 'm6i.large']);
    const inputs = ec2Mock.commandCalls(RunInstancesCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => [input.InstanceType, input.ImageId])).toEqual([
      ['c6i.xlarge', 'ami-0123456789abcdef0'],
      ['m6i.large', DEFAULT_CLIENT_IMAGE_ID],
    ]);
  });

  it.each([['C5.large'], ['c5'], ['c5.large; rm -rf /'], [''], [42]])('refuses the instance type %j before launching anything', async (value) => {
    const attempt = machine().create(branch(undefined, { clientInstanceType: value }));
    await expect(attempt).rejects.toThrow(ClientUnavailableError);
    await expect(attempt).rejects.toThrow(/clientInstanceType must be an EC2 instance type/);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('answers the earlier launch when a retry gets IdempotentParameterMismatch (the bundle URL changed)', async () => {
    const launched = new Date(T0 - 30_000);
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).'));
    ec2Mock.on(DescribeInstancesCommand).resolves(described({ InstanceId: INSTANCE, LaunchTime: launched, ClientToken: `fb-client-${RUN_ID}` }));

    await expect(machine().create(branch())).resolves.toEqual({ ...created, createdAt: launched.toISOString() });
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({ Filters: [{ Name: 'client-token', Values: [`fb-client-${RUN_ID}`] }] });
  });

  it('asks for a retry when the earlier launch is not listed yet', async () => {
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error('IdempotentParameterMismatch', 'inconsistent'));
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(machine().create(branch())).rejects.toThrow(ProvisionTransientError);
  });

  it.each([
    ['RequestLimitExceeded', 503, ProvisionTransientError],
    ['InternalError', 500, ProvisionTransientError],
    ['InsufficientInstanceCapacity', 400, ProvisionTransientError],
    ['InvalidParameterValue', 400, ClientUnavailableError],
    ['UnauthorizedOperation', 403, ClientUnavailableError],
    ['VcpuLimitExceeded', 400, ClientUnavailableError],
  ] as const)('maps %s (HTTP %s) to %O without the bundle URL', async (name, status, expected) => {
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error(name, `request failed for user data fetching ${BUNDLE_URL}&n=1`, status));
    const error = await machine()
      .create(branch())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(expected);
    expect((error as Error).message).toContain(`run ${RUN_ID}: RunInstances (c5.large) refused: ${name}`);
    noBundleUrl(error);
  });

  it('refuses when the bundle URL cannot be made, or RunInstances answers no instance', async () => {
    const noUrl = machine({
      agentBundleUrl: async () => {
        throw new Error(`cannot presign ${BUNDLE_URL}`);
      },
    }).create(branch());
    await expect(noUrl).rejects.toThrow(ClientUnavailableError);
    await noUrl.catch(noBundleUrl);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);

    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [] });
    await expect(machine().create(branch())).rejects.toThrow(/answered no instance id/);
  });
});

describe('Ec2ClientMachine.check', () => {
  const running = (extra: Partial<Instance> = {}): Instance => ({ InstanceId: INSTANCE, State: { Name: 'running', Code: 16 }, ...extra });

  it('follows pending → running but not online → Online, keeping instanceId and createdAt in every answer', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce(described({ InstanceId: INSTANCE, State: { Name: 'pending', Code: 0 } }))
      .resolves(described(running()));
    ssmMock
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [] })
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'ConnectionLost' }] })
      .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'Online' }] });

    const m = machine();
    // As the state machine does: each answer replaces $.client.
    let client: Record<string, unknown> = created;
    const answers = [];
    for (const minutes of [0.5, 1.5, 2.5, 3.5]) {
      clock = T0 + minutes * 60_000;
      const answer = await m.check(branch(client));
      answers.push(answer);
      client = answer;
    }

    expect(answers).toEqual([
      { kind: 'ec2', instanceId: INSTANCE, createdAt: T0_ISO, ready: false, state: 'pending' },
      { kind: 'ec2', instanceId: INSTANCE, createdAt: T0_ISO, ready: false, state: 'running', pingStatus: 'not registered' },
      { kind: 'ec2', instanceId: INSTANCE, createdAt: T0_ISO, ready: false, state: 'running', pingStatus: 'ConnectionLost' },
      { kind: 'ec2', instanceId: INSTANCE, createdAt: T0_ISO, ready: true, state: 'running', pingStatus: 'Online' },
    ]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input)).toEqual(Array(4).fill({ InstanceIds: [INSTANCE] }));
    // SSM is asked only once EC2 says running.
    expect(ssmMock.commandCalls(DescribeInstanceInformationCommand).map((call) => call.args[0].input)).toEqual(Array(3).fill({ Filters: [{ Key: 'InstanceIds', Values: [INSTANCE] }] }));
  });

  it.each([
    ['terminated', { Code: 'Server.InsufficientInstanceCapacity', Message: 'Server.InsufficientInstanceCapacity: Insufficient capacity.' }],
    ['stopped', { Code: 'Client.InstanceInitiatedShutdown', Message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown' }],
    ['shutting-down', { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' }],
  ])('answers failed with the state reason when the instance is %s', async (state, reason) => {
    clock = T0 + 60_000;
    ec2Mock.on(DescribeInstancesCommand).resolves(described({ InstanceId: INSTANCE, State: { Name: state as 'terminated' }, StateReason: reason }));
    await expect(machine().check(branch(created))).resolves.toEqual({
      kind: 'ec2',
      instanceId: INSTANCE,
      createdAt: T0_ISO,
      ready: false,
      failed: true,
      state,
      reason: `run ${RUN_ID}: instance ${INSTANCE} is ${state}: ${reason.Message}`,
    });
    expect(ssmMock.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(0);
  });

  it('treats an instance EC2 does not know yet as starting for the first two minutes, then as failed', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${INSTANCE}' does not exist`));

    clock = T0 + NOT_FOUND_GRACE_MS - 1;
    await expect(machine().check(branch(created))).resolves.toEqual({ kind: 'ec2', instanceId: INSTANCE, createdAt: T0_ISO, ready: false, state: 'unknown' });

    clock = T0 + NOT_FOUND_GRACE_MS;
    const late = await machine().check(branch(created));
    expect(late).toEqual({ kind: 'ec2', instanceId: INSTANCE, createdAt: T0_ISO, ready: false, failed: true, reason: expect.stringContaining(`instance ${INSTANCE} does not exist`) });

    // An empty answer (no error) counts the same.
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(machine().check(branch(created))).resolves.toMatchObject({ failed: true });
  });

  it('fails after the boot timeout, saying which part was missing', async () => {
    clock = T0 + DEFAULT_BOOT_TIMEOUT_MS;
    ec2Mock.on(DescribeInstancesCommand).resolvesOnce(described({ InstanceId: INSTANCE, State: { Name: 'pending' } })).resolves(described(running()));
    ssmMock
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [] })
      .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'ConnectionLost' }] });
    const m = machine();

    await expect(m.check(branch(created))).resolves.toEqual({
      kind: 'ec2',
      instanceId: INSTANCE,
      createdAt: T0_ISO,
      ready: false,
      failed: true,
      state: 'pending',
      reason: `run ${RUN_ID}: instance ${INSTANCE} is still pending in EC2 after 15 min`,
    });
    await expect(m.check(branch(created))).resolves.toMatchObject({
      failed: true,
      pingStatus: 'not registered',
      reason: expect.stringMatching(/is running but its SSM agent never registered \(check the instance profile has AmazonSSMManagedInstanceCore.*after 15 min$/),
    });
    await expect(m.check(branch(created))).resolves.toMatchObject({
      failed: true,
      pingStatus: 'ConnectionLost',
      reason: `run ${RUN_ID}: instance ${INSTANCE} is running but its SSM agent is ConnectionLost, not Online after 15 min`,
    });
  });

  it('honours bootTimeoutMs and still answers ready when Online late', async () => {
    clock = T0 + 5 * 60_000;
    ec2Mock.on(DescribeInstancesCommand).resolves(described(running()));
    ssmMock.on(DescribeInstanceInformationCommand).resolvesOnce({ InstanceInformationList: [] }).resolves({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'Online' }] });
    await expect(machine({ bootTimeoutMs: 5 * 60_000 }).check(branch(created))).resolves.toMatchObject({ failed: true, reason: expect.stringContaining('after 5 min') });
    await expect(machine({ bootTimeoutMs: 5 * 60_000 }).check(branch(created))).resolves.toMatchObject({ ready: true });
  });

  it('uses the launch time when the answer lacks createdAt', async () => {
    const launched = new Date(T0 - DEFAULT_BOOT_TIMEOUT_MS);
    ec2Mock.on(DescribeInstancesCommand).resolves(described(running({ LaunchTime: launched })));
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    await expect(machine().check(branch({ kind: 'ec2', instanceId: INSTANCE }))).resolves.toMatchObject({ createdAt: launched.toISOString(), failed: true });
  });

  it.each([[{}], [{ instanceId: '' }], [{ instanceId: 'vm-1' }], [{ instanceId: 7 }]])('fails without calling AWS when the client is %j', async (client) => {
    const answer = await machine().check(branch({ kind: 'ec2', createdAt: T0_ISO, ...client }));
    expect(answer).toMatchObject({ kind: 'ec2', createdAt: T0_ISO, ready: false, failed: true, reason: expect.stringContaining('no valid client instance id') });
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('maps AWS errors: transient ones to ProvisionTransientError, others to ClientUnavailableError', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejectsOnce(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503)).rejectsOnce(ec2Error('UnauthorizedOperation', 'You are not authorized', 403)).resolves(described(running()));
    ssmMock
      .on(DescribeInstanceInformationCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(new AccessDeniedException({ message: 'not authorized to perform ssm:DescribeInstanceInformation', Message: 'x', $metadata: { httpStatusCode: 400 } }));
    const m = machine();
    await expect(m.check(branch(created))).rejects.toThrow(ProvisionTransientError);
    await expect(m.check(branch(created))).rejects.toThrow(ClientUnavailableError);
    await expect(m.check(branch(created))).rejects.toThrow(ProvisionTransientError);
    await expect(m.check(branch(created))).rejects.toThrow(/could not ask SSM about i-0123456789abcdef0: AccessDeniedException/);
  });
});

describe('Ec2ClientMachine.removal', () => {
  it('follows the run\'s tagged instances until every one is terminated; a termination that did not take fails naming the instance', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce(described({ InstanceId: INSTANCE, State: { Name: 'shutting-down' } }))
      .resolvesOnce(described({ InstanceId: INSTANCE, State: { Name: 'terminated' } }))
      .resolvesOnce({ Reservations: [] })
      .resolvesOnce(described({ InstanceId: INSTANCE, State: { Name: 'running' } }));
    const checks = [];
    for (let i = 0; i < 4; i++) checks.push(await machine().removal(branch(created)));
    expect(checks).toEqual([
      { gone: false, state: 'shutting-down', reason: `${INSTANCE} shutting-down` },
      { gone: true, state: 'terminated' },
      { gone: true, state: 'terminated' },
      { gone: false, failed: true, state: 'running', reason: `client instance not terminated: ${INSTANCE} running` },
    ]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({ Filters: [{ Name: 'tag:faas-benchmarker:run', Values: [RUN_ID] }] });
  });

  it('turns throttling into ProvisionTransientError', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503));
    await expect(machine().removal(branch(created))).rejects.toThrow(ProvisionTransientError);
  });
});

describe('Ec2ClientMachine.destroy', () => {
  it('terminates the known instance without looking anything up', async () => {
    ec2Mock.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [{ InstanceId: INSTANCE }] });
    await machine().destroy(branch(created));
    expect(ec2Mock.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input)).toEqual([{ InstanceIds: [INSTANCE] }]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('is fine with an instance that is already gone', async () => {
    ec2Mock.on(TerminateInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${INSTANCE}' does not exist`));
    await expect(machine().destroy(branch(created))).resolves.toBeUndefined();
  });

  it('finds the run’s live instances by tag, over every page, when no instance id is known', async () => {
    const other = 'i-0fedcba9876543210';
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ ...described({ InstanceId: INSTANCE }), NextToken: 'page-2' })
      .resolvesOnce(described({ InstanceId: other }));
    ec2Mock.on(TerminateInstancesCommand, { InstanceIds: [INSTANCE] }).rejects(ec2Error('InvalidInstanceID.NotFound', 'gone'));
    ec2Mock.on(TerminateInstancesCommand, { InstanceIds: [other] }).resolves({});

    await machine().destroy(branch({ error: 'create failed part-way' }));

    const filters = [
      { Name: 'tag:faas-benchmarker:run', Values: [RUN_ID] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ];
    expect(ec2Mock.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input)).toEqual([{ Filters: filters }, { Filters: filters, NextToken: 'page-2' }]);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input)).toEqual([{ InstanceIds: [INSTANCE] }, { InstanceIds: [other] }]);
  });

  it('terminates nothing when the run has no instance', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await machine().destroy(branch());
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('maps failures: transient ones to ProvisionTransientError, others to ClientTeardownError', async () => {
    ec2Mock
      .on(TerminateInstancesCommand)
      .rejectsOnce(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503))
      .rejectsOnce(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    await expect(machine().destroy(branch(created))).rejects.toThrow(ProvisionTransientError);
    const denied = machine().destroy(branch(created));
    await expect(denied).rejects.toThrow(ClientTeardownError);
    await expect(denied).rejects.toThrow(`run ${RUN_ID}: TerminateInstances ${INSTANCE}: UnauthorizedOperation: You are not authorized`);

    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'no DescribeInstances', 403));
    await expect(machine().destroy(branch())).rejects.toThrow(ClientTeardownError);
    await expect(machine().destroy(branch())).rejects.toThrow(/could not look up the run's instances by the faas-benchmarker:run tag/);
  });
});

describe('Ec2ClientMachine.checkSizeOffered', () => {
  const offering = (instanceType: string) => ({ InstanceTypeOfferings: [{ InstanceType: instanceType as never, LocationType: 'region' as const, Location: 'eu-west-1' }] });
  const offeringsAsked = () => ec2Mock.commandCalls(DescribeInstanceTypeOfferingsCommand).map((call) => call.args[0].input);
  const warned: string[] = [];
  const checking = (options: Partial<Ec2ClientMachineOptions> = {}) => machine({ onWarning: (message) => void warned.push(message), ...options });
  beforeEach(() => {
    warned.length = 0;
  });

  it('asks EC2 for the offerings of exactly the type the run would launch, in the client’s region, and passes an offered one', async () => {
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand).resolves(offering('c5.large'));
    await expect(checking().checkSizeOffered(chooseClientSize(undefined, {}))).resolves.toBeUndefined();
    // The deployment's default when neither the run nor the experiment names one.
    expect(offeringsAsked()).toEqual([{ LocationType: 'region', Filters: [{ Name: 'instance-type', Values: ['c5.large'] }] }]);

    ec2Mock.reset();
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand).resolves(offering('m7g.2xlarge'));
    await checking({ instanceType: 'c6i.large' }).checkSizeOffered(chooseClientSize({ ec2InstanceType: 'm5.xlarge' }, { clientInstanceType: 'm7g.2xlarge' }));
    expect(offeringsAsked()).toEqual([{ LocationType: 'region', Filters: [{ Name: 'instance-type', Values: ['m7g.2xlarge'] }] }]);
    expect(warned).toEqual([]);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('refuses a type the region does not offer, naming the type, who chose it, the region and the option to change', async () => {
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand).resolves({ InstanceTypeOfferings: [] });
    const refusal = await checking().checkSizeOffered(chooseClientSize({ ec2InstanceType: 'm5.xlarge' }, {})).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ClientSizeNotOfferedError);
    expect((refusal as Error).name).toBe('ClientSizeNotOfferedError');
    expect((refusal as Error).message).toBe(
      "the client's EC2 instance type m5.xlarge (the experiment's declared client size) cannot be used in eu-west-1: EC2 lists no offering of this instance type in the region " +
        '(DescribeInstanceTypeOfferings); name a size that eu-west-1 offers with platformOptions.clientInstanceType (fb run --platform-option client-instance-type=…)',
    );
    await expect(checking().checkSizeOffered(chooseClientSize(undefined, { clientInstanceType: 'x9z.mega' }))).rejects.toThrow(/x9z\.mega \(named by platformOptions\.clientInstanceType\) cannot be used in eu-west-1/);
    await expect(checking().checkSizeOffered(chooseClientSize(undefined, {}))).rejects.toThrow(/c5\.large \(the deployment's default\)/);
  });

  it('reads every page before refusing, and takes an offering on a later page', async () => {
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand).resolvesOnce({ InstanceTypeOfferings: [], NextToken: 'page-2' }).resolvesOnce(offering('c5.large'));
    await expect(checking().checkSizeOffered(chooseClientSize(undefined, {}))).resolves.toBeUndefined();
    expect(offeringsAsked()).toEqual([
      { LocationType: 'region', Filters: [{ Name: 'instance-type', Values: ['c5.large'] }] },
      { LocationType: 'region', Filters: [{ Name: 'instance-type', Values: ['c5.large'] }], NextToken: 'page-2' },
    ]);
  });

  it('refuses a type EC2 calls invalid the same way', async () => {
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand).rejects(ec2Error('InvalidInstanceType', "The instance type 'q9.huge' does not exist"));
    await expect(checking().checkSizeOffered(chooseClientSize(undefined, { clientInstanceType: 'q9.huge' }))).rejects.toThrow(
      expect.objectContaining({ name: 'ClientSizeNotOfferedError', message: expect.stringMatching(/q9\.huge .* cannot be used in eu-west-1: EC2 does not know this instance type \(InvalidInstanceType/) }),
    );
  });

  it('does not refuse the run when EC2 cannot answer (throttled, 5xx, denied, too slow): it says so and lets ProvisionClient find out', async () => {
    ec2Mock
      .on(DescribeInstanceTypeOfferingsCommand)
      .rejectsOnce(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503))
      .rejectsOnce(ec2Error('InternalError', 'An internal error has occurred', 500))
      .rejectsOnce(ec2Error('UnauthorizedOperation', 'You are not authorized to perform ec2:DescribeInstanceTypeOfferings', 403));
    const m = checking();
    for (let attempt = 0; attempt < 3; attempt += 1) await expect(m.checkSizeOffered(chooseClientSize(undefined, {}))).resolves.toBeUndefined();
    expect(warned).toHaveLength(3);
    expect(warned[0]).toMatch(/could not check whether eu-west-1 offers the client's EC2 instance type c5\.large \(a transient failure: RequestLimitExceeded.*\); ProvisionClient will find out/);
    expect(warned[1]).toMatch(/a transient failure: InternalError/);
    expect(warned[2]).toMatch(/\(a failure: UnauthorizedOperation/);

    // A check that takes too long is given up the same way: the request carries a signal that aborts after the check's timeout.
    ec2Mock.reset();
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand).resolves(offering('c5.large'));
    await checking({ sizeCheckTimeoutMs: 20 }).checkSizeOffered(chooseClientSize(undefined, {}));
    const signal = ((ec2Mock.commandCalls(DescribeInstanceTypeOfferingsCommand)[0]?.args as unknown[] | undefined)?.[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
    expect(signal?.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(signal?.aborted).toBe(true);
  });
});
