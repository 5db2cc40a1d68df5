/**
 * ProvisionClient makes the client machine the experiment declares (`client`), unless the run's
 * platform options name a size, and records what it made in the run's manifest: against mocked
 * EC2 (RunInstances) for an Azure Functions run and the fake ARM (the VM deployment's template)
 * for an AWS Lambda run, with the real machines behind the real client driver.
 */
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ResourceManagementClient } from '@azure/arm-resources';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientSizeTestExperiments } from '../../test-support/client-size-experiments';
import { createFakeArmClient, FAKE_SUBSCRIPTION, type FakeArm, fakeCredential, startFakeArm } from '../../test-support/fake-arm';
import { createFakeArmResources, type FakeArmResources } from '../../test-support/fake-arm-resources';
import type { Experiment } from '../experiment/define';
import { Ec2ClientMachine } from '../platforms/aws/ec2-client-machine';
import { AzureVmClientMachine } from '../platforms/azure/vm-client-machine';
import { MachineClientDriver } from '../platforms/client/machine-client-driver';
import type { ArmTemplate } from '../platforms/azure/vm-template';
import type { BranchInput } from '../platforms/platform';
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

let store: ResultsStore;
let arm: FakeArm;
let fake: FakeArmResources;

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
  fake = createFakeArmResources();
  arm.options.routes = [fake.route];
});

const steps = () =>
  createSteps({
    store,
    provisioners: {},
    clients: {
      'azure-functions': new MachineClientDriver(
        new Ec2ClientMachine({
          ec2: new EC2Client({ region: 'eu-west-1', credentials }),
          ssm: new SSMClient({ region: 'eu-west-1', credentials }),
          agentBundleUrl: async () => 'https://bucket.s3.amazonaws.com/agent.js?X-Amz-Signature=abc',
          subnetId: 'subnet-0aaaabbbbccccdddd',
          securityGroupId: 'sg-0aaaabbbbccccdddd',
          instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/fb-client',
        }),
        agent,
      ),
      'aws-lambda': new MachineClientDriver(
        new AzureVmClientMachine({
          resources: new ResourceManagementClient(fakeCredential, FAKE_SUBSCRIPTION, { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } } as never),
          compute: createFakeArmClient(arm),
          agentBundleUrl: async () => 'https://bucket.s3.amazonaws.com/agent.js?X-Amz-Signature=abc',
          location: 'westeurope',
        }),
        agent,
      ),
    },
    callbacks: { issue: async () => ({ url: 'http://127.0.0.1:1/callback', secret: 's' }), revoke: async () => {} },
    resultsLocation: (runId) => `/tmp/${runId}.ndjson`,
    heartbeatIntervalMs: 1000,
  });

/** A stored run of `experiment` on `platform`, and ProvisionClient for it; answers the manifest's `client`. */
async function provisionClient(experiment: string, platform: string, platformOptions: Record<string, unknown> = {}): Promise<unknown> {
  const runId = crypto.randomUUID();
  await store.createRun({ id: runId, experiment, platform, client_platform: 'opposite-cloud', params: {}, manifest: {} });
  const input: BranchInput = { run: { runId, platform }, experiment, params: {}, quick: false, platformOptions };
  await steps().ProvisionClient(input);
  return (await store.getRun(runId))?.manifest.client;
}

const launchedTypes = () => ec2Mock.commandCalls(RunInstancesCommand).map((call) => call.args[0].input.InstanceType);
const deployedVmSize = () => {
  const template = fake.deployments.at(-1)?.properties.template as ArmTemplate | undefined;
  return (template?.resources.find((resource) => resource.type === 'Microsoft.Compute/virtualMachines')?.properties.hardwareProfile as { vmSize?: string } | undefined)?.vmSize;
};

describe('Step: ProvisionClient, the client size', () => {
  it('launches the EC2 instance type the experiment declares, and records it as the experiment’s choice', async () => {
    await expect(provisionClient('zz-big-client', 'azure-functions')).resolves.toEqual({ kind: 'ec2', instance_type: 'm5.xlarge', chosen_by: 'experiment' });
    expect(launchedTypes()).toEqual(['m5.xlarge']);
  });

  it('launches the type the run’s platform options name instead, and says so', async () => {
    await expect(provisionClient('zz-big-client', 'azure-functions', { clientInstanceType: 'c6i.2xlarge' })).resolves.toEqual({ kind: 'ec2', instance_type: 'c6i.2xlarge', chosen_by: 'platform option' });
    expect(launchedTypes()).toEqual(['c6i.2xlarge']);
  });

  it('launches the deployment’s default for an experiment that declares nothing', async () => {
    await expect(provisionClient('zz-small-client', 'azure-functions')).resolves.toEqual({ kind: 'ec2', instance_type: 'c5.large', chosen_by: 'deployment default' });
    expect(launchedTypes()).toEqual(['c5.large']);
  });

  it('deploys the Azure VM size the experiment declares for an AWS Lambda run, unless the run names one', async () => {
    await expect(provisionClient('zz-big-client', 'aws-lambda')).resolves.toEqual({ kind: 'azure-vm', vm_size: 'Standard_D4_v3', chosen_by: 'experiment' });
    expect(deployedVmSize()).toBe('Standard_D4_v3');
    await expect(provisionClient('zz-big-client', 'aws-lambda', { clientVmSize: 'Standard_F8s_v2' })).resolves.toEqual({ kind: 'azure-vm', vm_size: 'Standard_F8s_v2', chosen_by: 'platform option' });
    expect(deployedVmSize()).toBe('Standard_F8s_v2');
    await expect(provisionClient('zz-small-client', 'aws-lambda')).resolves.toEqual({ kind: 'azure-vm', vm_size: 'Standard_D2s_v5', chosen_by: 'deployment default' });
    expect(deployedVmSize()).toBe('Standard_D2s_v5');
    // The EC2 size of the declaration does not leak into an Azure run, nor the other way round.
    expect(launchedTypes()).toEqual([]);
  });
});
