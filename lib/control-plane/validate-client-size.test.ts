/**
 * ValidateInput refuses a client size the client's region does not offer, before any run exists:
 * with the real client machines behind the real client driver, against mocked EC2
 * (DescribeInstanceTypeOfferings) for an Azure Functions run and the fake ARM's Compute Resource
 * SKUs for an AWS Lambda run. The size checked is the one ProvisionClient would make: the run's
 * platform option, else the experiment's declaration, else the deployment's default.
 */
import { DescribeInstanceTypeOfferingsCommand, EC2Client, EC2ServiceException, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ResourceManagementClient } from '@azure/arm-resources';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientSizeTestExperiments } from '../../test-support/client-size-experiments';
import { createFakeArmClient, FAKE_SUBSCRIPTION, type FakeArm, fakeCredential, startFakeArm } from '../../test-support/fake-arm';
import { createFakeArmResources } from '../../test-support/fake-arm-resources';
import { createFakeArmSkus, type FakeArmSkus, virtualMachineSku } from '../../test-support/fake-arm-skus';
import type { Experiment } from '../experiment/define';
import { Ec2ClientMachine } from '../platforms/aws/ec2-client-machine';
import { AzureVmClientMachine } from '../platforms/azure/vm-client-machine';
import { MachineClientDriver } from '../platforms/client/machine-client-driver';
import { ClientSizeNotOfferedError } from '../platforms/errors';
import type { ClientDriver, FunctionProvisioner } from '../platforms/platform';
import { openResultsStore } from '../results/open-store';
import type { ResultsStore } from '../results/store';
import { createSteps } from './steps';

/** Test experiments (test-support/client-size-experiments.ts): one needing a big client, one declaring nothing. */
const TEST_EXPERIMENTS = vi.hoisted(() => new Map<string, unknown>());
vi.mock('../experiment/registry', async (importOriginal) => {
  const original = await importOriginal<typeof import('../experiment/registry')>();
  return { ...original, findExperiment: (name: string) => (TEST_EXPERIMENTS.get(name) as Experiment | undefined) ?? original.findExperiment(name) };
});
for (const [name, experiment] of clientSizeTestExperiments()) TEST_EXPERIMENTS.set(name, experiment);

const ec2Mock = mockClient(EC2Client);
const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'example-secret-access-key' };
const agent = { startAgent: async () => undefined, teardown: async () => undefined };
/** ValidateInput only asks whether a provisioner exists; nothing here may deploy. */
const provisioner = new Proxy({} as FunctionProvisioner, {
  get: (_target, method) => () => Promise.reject(new Error(`provisioner.${String(method)} must not be called`)),
});
/** The local platform's client: a child process, nothing to size. */
const localClient: ClientDriver = {
  provision: async () => ({ kind: 'local', ready: false }),
  check: async () => ({ ready: true }),
  startAgent: async () => undefined,
  teardown: async () => undefined,
  removal: async () => ({ gone: true, state: 'stopped' }),
};

let store: ResultsStore;
let arm: FakeArm;
let skus: FakeArmSkus;
const warnings: string[] = [];

beforeAll(async () => {
  store = await openResultsStore();
  arm = await startFakeArm();
});
afterAll(async () => {
  await store?.close();
  await arm?.close();
});
beforeEach(() => {
  ec2Mock.reset();
  ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0123456789abcdef0' }] });
  skus = createFakeArmSkus();
  arm.options.routes = [createFakeArmResources().route, skus.route];
  warnings.length = 0;
});

const steps = () =>
  createSteps({
    store,
    provisioners: { 'azure-functions': provisioner, 'aws-lambda': provisioner, local: provisioner },
    clients: {
      'azure-functions': new MachineClientDriver(
        new Ec2ClientMachine({
          ec2: new EC2Client({ region: 'eu-west-1', credentials }),
          ssm: new SSMClient({ region: 'eu-west-1', credentials }),
          agentBundleUrl: async () => 'https://bucket.s3.amazonaws.com/agent.js?X-Amz-Signature=abc',
          subnetId: 'subnet-0aaaabbbbccccdddd',
          securityGroupId: 'sg-0aaaabbbbccccdddd',
          instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/fb-client',
          onWarning: (message) => void warnings.push(message),
        }),
        agent,
      ),
      'aws-lambda': new MachineClientDriver(
        new AzureVmClientMachine({
          resources: new ResourceManagementClient(fakeCredential, FAKE_SUBSCRIPTION, { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } } as never),
          compute: createFakeArmClient(arm),
          agentBundleUrl: async () => 'https://bucket.s3.amazonaws.com/agent.js?X-Amz-Signature=abc',
          location: 'westeurope',
          onWarning: (message) => void warnings.push(message),
        }),
        agent,
      ),
      local: localClient,
    },
    callbacks: { issue: async () => ({ url: 'http://127.0.0.1:1/callback', secret: 's' }), revoke: async () => {} },
    resultsLocation: (runId) => `/tmp/${runId}.ndjson`,
    heartbeatIntervalMs: 1000,
  });

const offeredTypes = (...types: string[]) =>
  ec2Mock.on(DescribeInstanceTypeOfferingsCommand).callsFake((input: { Filters?: { Values?: string[] }[] }) => ({
    InstanceTypeOfferings: types.filter((type) => input.Filters?.[0]?.Values?.includes(type)).map((type) => ({ InstanceType: type, LocationType: 'region', Location: 'eu-west-1' })),
  }));
const askedTypes = () => ec2Mock.commandCalls(DescribeInstanceTypeOfferingsCommand).map((call) => call.args[0].input.Filters?.[0]?.Values?.[0]);
const runCount = async () => (await store.listRuns({ limit: 1000 })).length;

describe('Step: ValidateInput, the client size', () => {
  it('refuses an Azure Functions run whose experiment declares an EC2 type the region does not offer, before any run exists', async () => {
    offeredTypes('c5.large');
    const before = await runCount();
    const refusal = await steps()
      .ValidateInput({ experiment: 'zz-big-client', platforms: ['azure-functions'] })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ClientSizeNotOfferedError);
    expect((refusal as Error).name).toBe('ClientSizeNotOfferedError');
    expect((refusal as Error).message).toMatch(/^the client's EC2 instance type m5\.xlarge \(the experiment's declared client size\) cannot be used in eu-west-1: .*platformOptions\.clientInstanceType/);
    expect(askedTypes()).toEqual(['m5.xlarge']);
    expect(await runCount()).toBe(before);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('refuses an AWS Lambda run whose platform option names a VM size restricted in the client’s location, naming the reason', async () => {
    skus.options.skus = [virtualMachineSku('Standard_D2s_v5', 'westeurope'), virtualMachineSku('Standard_F8s_v2', 'westeurope', 'NotAvailableForSubscription')];
    const before = await runCount();
    await expect(steps().ValidateInput({ experiment: 'zz-small-client', platforms: ['aws-lambda'], platformOptions: { clientVmSize: 'Standard_F8s_v2' } })).rejects.toThrow(
      expect.objectContaining({
        name: 'ClientSizeNotOfferedError',
        message: expect.stringMatching(/Standard_F8s_v2 \(named by platformOptions\.clientVmSize\) cannot be used in westeurope: .*NotAvailableForSubscription/),
      }),
    );
    expect(skus.filters).toEqual(["location eq 'westeurope'"]);
    expect(await runCount()).toBe(before);
  });

  it('checks each platform’s own client size, and passes the run when both are offered; the type checked is the type launched', async () => {
    offeredTypes('c5.large', 'm5.xlarge');
    skus.options.skus = [virtualMachineSku('Standard_D2s_v5', 'westeurope'), virtualMachineSku('Standard_D4_v3', 'westeurope')];
    const s = steps();
    const validated = await s.ValidateInput({ experiment: 'zz-small-client', platforms: ['azure-functions', 'aws-lambda'] });
    expect(validated).toMatchObject({ experiment: 'zz-small-client', platforms: ['azure-functions', 'aws-lambda'] });
    // The deployment's defaults, as ProvisionClient would choose them.
    expect(askedTypes()).toEqual(['c5.large']);
    expect(skus.filters).toEqual(["location eq 'westeurope'"]);

    const runId = crypto.randomUUID();
    await store.createRun({ id: runId, experiment: 'zz-small-client', platform: 'azure-functions', client_platform: 'opposite-cloud', params: {}, manifest: {} });
    await s.ProvisionClient({ run: { runId, platform: 'azure-functions' }, experiment: 'zz-small-client', params: {}, quick: false, platformOptions: validated.platformOptions });
    expect(ec2Mock.commandCalls(RunInstancesCommand).map((call) => call.args[0].input.InstanceType)).toEqual(['c5.large']);
    expect(warnings).toEqual([]);
  });

  it('does not refuse a run when the cloud cannot answer the check (throttled EC2)', async () => {
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand).rejects(new EC2ServiceException({ name: 'RequestLimitExceeded', message: 'Request limit exceeded.', $fault: 'server', $metadata: { httpStatusCode: 503 } }));
    await expect(steps().ValidateInput({ experiment: 'zz-big-client', platforms: ['azure-functions'] })).resolves.toMatchObject({ experiment: 'zz-big-client' });
    expect(warnings).toEqual([expect.stringMatching(/could not check whether eu-west-1 offers the client's EC2 instance type m5\.xlarge \(a transient failure: RequestLimitExceeded/)]);
  });

  it('asks nothing of a client without a size (the local platform)', async () => {
    await expect(steps().ValidateInput({ experiment: 'zz-big-client', platforms: ['local'] })).resolves.toMatchObject({ platforms: ['local'] });
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(skus.filters).toEqual([]);
  });
});
