/**
 * RunExperiment executions on the cloud platforms as the deployed control plane runs them: the
 * real ASL on the local interpreter, every Task the real step handler, and the step dependencies
 * built by `cloudPlatforms` from an `FB_CLOUD_CONFIG` — with AWS answered by aws-sdk-client-mock
 * (CloudFormation, API Gateway, EC2, SSM, S3) and Azure by the fake ARM and blob endpoint over
 * https (resource groups, template deployments, storage and function keys, the client VM's
 * instance view and Run Command). The "agent" is whatever the driver's command reaches: it reads
 * the plan the driver stored in S3 and reports back through the callback endpoint, as the real
 * agent would. What the branch hands from state to state (the lab's outputs and phases, the
 * client machine's names, the keys read at StartAgent) is what this checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, DescribeInstanceTypeOfferingsCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { StorageManagementClient } from '@azure/arm-storage';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CloudPlatforms, cloudPlatforms } from '../../lambdas/shared/cloud-step-dependencies';
import { createStepHandlers } from '../../lambdas/steps/handlers';
import { startLocalCallbackServer } from '../../lib/callback/local-callback-server';
import { fixedCallbackSigningKey, localCallbackSigningKey } from '../../lib/callback/signing-key';
import { callbackIssuer, InMemoryCallbackRegistry } from '../../lib/callback/registry';
import type { CloudPlatformsConfig } from '../../lib/config/cloud-config';
import { LAB_FUNCTION_NAMES } from '../../lab-functions/names';
import { AzureFunctionsProvisioner } from '../../lib/platforms/azure-functions/provisioner';
import { hostNameOutputOf } from '../../lib/platforms/azure-functions/lab-template';
import { RUN_TAG_KEY } from '../../lib/platforms/run-resources';
import { presignResultsUpload, rawResultsLocation, readResultsFrom } from '../../lib/control-plane/results-transfer';
import type { AgentPlan } from '../../lib/agent/plan';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import { invocationRow } from '../../lib/results/store.contract';
import type { RunRow } from '../../lib/results/types';
import { FAKE_SUBSCRIPTION, type FakeArm, type FakeRunCommand, fakeCredential, runShellScriptOutput, startFakeArm } from '../../test-support/fake-arm';
import { createFakeArmResources, type FakeArmResources, type FakeDeployment } from '../../test-support/fake-arm-resources';
import { createFakeArmSkus, type FakeArmSkus, virtualMachineSku } from '../../test-support/fake-arm-skus';
import { createFakeAzureWeb, type FakeAzureWeb, type FakeBlobService, fakeBlobServiceFor, startFakeBlobService } from '../../test-support/fake-azure-web';
import type { LocalExecutionEvent, LocalExecutionResult } from './local-sfn';
import { executeRunExperimentLocally } from './run-local';
import { TokenBroker } from '../../lib/callback/local-token-broker';

const KEYS = (platform: string) => Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, `${platform}/${fn}.zip`])) as CloudPlatformsConfig['labCode']['awsLambda'];
const CONFIG: CloudPlatformsConfig = {
  labCode: { bucket: 'cdk-assets', awsLambda: KEYS('lambda'), azureFunctions: KEYS('azure') },
  agentBundle: { bucket: 'cdk-assets', key: 'agent.js' },
  plans: { bucket: 'fb-results', prefix: 'plans/' },
  awsLambda: { cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/LabDeployer', logsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000' },
  azure: { subscriptionId: FAKE_SUBSCRIPTION, location: 'westeurope', credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:azure-AbCdEf' },
  ec2Client: { subnetId: 'subnet-0abc', securityGroupId: 'sg-0abc', instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/fb-client' },
};
const API_KEY = 'lab-api-key-0123456789abcdef';
const INVOKE_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
const INSTANCE_ID = 'i-0123456789abcdef0';

const cfn = mockClient(CloudFormationClient);
const apiGateway = mockClient(APIGatewayClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);

let workDir: string;
let store: ResultsStore;
let arm: FakeArm;
let resources: FakeArmResources;
let skus: FakeArmSkus;
let web: FakeAzureWeb;
let blob: FakeBlobService;
let plans: AgentPlan[] = [];
let executions = 0;
let callbacks: Promise<Response>[] = [];

/** The "agent": takes the plan the driver last stored in S3, has its results "uploaded" (two rows), and reports success. */
function startAgentFromStoredPlan(): AgentPlan {
  const put = s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input;
  const plan = JSON.parse(String(put?.Body)) as AgentPlan;
  plans.push(plan);
  const rows = [0, 1].map((seq) => JSON.stringify({ i: invocationRow(plan.runId, seq) })).join('\n');
  s3.on(GetObjectCommand, { Bucket: 'fb-results', Key: `raw/${plan.runId}.ndjson` }).resolves({ Body: { transformToString: async () => `${rows}\n` } as never });
  setTimeout(() => {
    callbacks.push(
      fetch(plan.callback.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${plan.callback.secret}` },
        body: JSON.stringify({ runId: plan.runId, kind: 'success', output: { resultsLocation: plan.resultsLocation, invocations: 2, experimentRows: 0 } }),
      }),
    );
  }, 100);
  return plan;
}

/** The Azure VM's Run Command: the start script starts the "agent"; the teardown script stops nothing. */
async function runCommand(command: FakeRunCommand): Promise<string> {
  const script = (command.input.script ?? []).join('\n');
  if (!script.includes('agent started')) return runShellScriptOutput('faas-benchmarker agent stopped', '');
  const plan = startAgentFromStoredPlan();
  return runShellScriptOutput(`faas-benchmarker agent started: run ${plan.runId} pid 4242`, '');
}

/** What each deployment "made": the client VM runs; the lab's storage has a blob endpoint, its apps host names. */
function outputsFor(deployment: FakeDeployment): Record<string, { type: string; value: unknown }> {
  if (deployment.name === 'client') {
    arm.setVm(deployment.resourceGroup, `${deployment.resourceGroup}-vm`, 'running');
    return {};
  }
  const names = AzureFunctionsProvisioner.namesOf(resources.groups.get(deployment.resourceGroup.toLowerCase())?.tags[RUN_TAG_KEY] ?? '');
  if (deployment.name === 'storage') return { blobEndpoint: { type: 'String', value: blob.endpointOf(names.storageAccount) } };
  if (deployment.name === 'apps') return Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [hostNameOutputOf(fn), { type: 'String', value: `${names.apps[fn]}.azurewebsites.net` }]));
  return {};
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'fb-cloud-path-'));
  store = await openResultsStore({ dataDir: join(workDir, 'pglite') });
  resources = createFakeArmResources({ outputsFor });
  skus = createFakeArmSkus();
  web = createFakeAzureWeb();
  [arm, blob] = await Promise.all([startFakeArm({ routes: [resources.route, skus.route, web.route], runCommandOutput: runCommand, inProgressPolls: 0 }), startFakeBlobService()]);
});

afterAll(async () => {
  await Promise.all([arm?.close(), blob?.close()]);
  await store?.close();
  rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const mock of [cfn, apiGateway, ec2, ssm, s3]) mock.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
  // The region offers the deployment's default client sizes (ValidateInput asks).
  ec2.on(DescribeInstanceTypeOfferingsCommand).callsFake((input: { Filters?: { Values?: string[] }[] }) => ({
    InstanceTypeOfferings: (input.Filters?.[0]?.Values ?? []).filter((type) => type === 'c5.large').map((type) => ({ InstanceType: type, LocationType: 'region', Location: 'eu-west-1' })),
  }));
  skus.options.skus = [virtualMachineSku('Standard_D2s_v5', 'westeurope')];
  skus.filters.length = 0;
  plans = [];
  callbacks = [];
});

/** The deployed composition, its SDK clients pointed at the mocks and fakes. */
function deployedPlatforms(): CloudPlatforms {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' };
  const armOptions = { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } };
  return cloudPlatforms(CONFIG, 'eu-west-1', {
    s3: new S3Client({ region: 'eu-west-1', credentials }),
    ec2: new EC2Client({ region: 'eu-west-1', credentials }),
    ssm: new SSMClient({ region: 'eu-west-1', credentials }),
    azureCredential: fakeCredential,
    resources: new ResourceManagementClient(fakeCredential, FAKE_SUBSCRIPTION, armOptions as never),
    compute: new ComputeManagementClient(fakeCredential, FAKE_SUBSCRIPTION, armOptions as never),
    storage: new StorageManagementClient(fakeCredential, FAKE_SUBSCRIPTION, armOptions),
    web: new WebSiteManagementClient(fakeCredential, FAKE_SUBSCRIPTION, armOptions),
    blobServiceFor: fakeBlobServiceFor(blob),
  });
}

/** One execution on `platform`, each Task through its step handler; answers the outcome and the run's row. */
async function execute(
  platform: string,
  options: { platformOptions?: Record<string, unknown>; onEvent?: (event: LocalExecutionEvent) => void } = {},
): Promise<{ execution: LocalExecutionResult; run: RunRow | undefined }> {
  const cloud = deployedPlatforms();
  const s3Client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } });
  const broker = new TokenBroker();
  const registry = new InMemoryCallbackRegistry();
  const signingKey = localCallbackSigningKey();
  const callbackServer = await startLocalCallbackServer({ registry, signingKey, broker });
  try {
    const handlers = createStepHandlers(
      {
        store,
        provisioners: cloud.provisioners,
        clients: cloud.clients,
        unavailable: cloud.unavailable,
        callbacks: callbackIssuer(registry, callbackServer.url, 600_000, fixedCallbackSigningKey(signingKey)),
        resultsLocation: (runId) => rawResultsLocation('fb-results', runId),
        resultsUploadUrl: (location) => presignResultsUpload(s3Client, location, 3600),
        readResults: (location) => readResultsFrom(location, s3Client),
        heartbeatIntervalMs: 60_000,
        controlPlane: 'deployed',
      },
      { logger: new Logger({ serviceName: 'cloud-path-test', logLevel: 'SILENT' }), metrics: false },
    );
    executions += 1;
    // One id per execution: the runs of each are found by it.
    const executionId = `arn:aws:states:local:000000000000:execution:RunExperiment:cloud-path-${platform}-${executions}`;
    const execution = await executeRunExperimentLocally({
      lambdas: handlers,
      broker,
      input: { experiment: 'linear-invocation', platforms: [platform], quick: true, ...(options.platformOptions ? { platformOptions: options.platformOptions } : {}) },
      executionId,
      readinessPollMs: 10,
      heartbeatMs: 60_000,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    await Promise.all(callbacks);
    const [run] = (await store.listRuns({ limit: 100 })).filter((row) => row.execution_id === executionId);
    return { execution, run };
  } finally {
    broker.failAll('RunAborted', 'test over');
    await callbackServer.close();
  }
}

const ALL_STATUSES = ['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed'];

/** The run's stored cost estimate: complete, above zero, the same total in its column and its manifest, with these items. */
function expectCost(run: RunRow | undefined, items: string[]): void {
  const cost = run?.manifest.cost as { usd: number; kind: string; complete: boolean; items: { what: string; usd: number }[] } | undefined;
  expect(cost).toMatchObject({ kind: 'actual', complete: true });
  expect(run?.cost_estimate).toBeGreaterThan(0);
  expect(cost?.usd).toBeCloseTo(run?.cost_estimate ?? Number.NaN, 12);
  for (const what of items) expect(cost?.items.map((item) => item.what)).toContain(what);
}

describe('RunExperiment with the deployed composition', () => {
  it('aws-lambda: the lab stack and an Azure VM client; the agent gets the API key; its upload is imported; both are torn down', async () => {
    cfn.on(CreateStackCommand).resolves({ StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/lab/1' });
    // The stack as CloudFormation reports it: complete, then deleting for one poll after DeleteStack, then deleted.
    let deletePolls = 0;
    cfn.on(DescribeStacksCommand).callsFake(() => {
      if (cfn.commandCalls(DeleteStackCommand).length === 0) {
        return { Stacks: [{ StackName: 'lab', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'InvokeUrl', OutputValue: INVOKE_URL }, { OutputKey: 'ApiKeyId', OutputValue: 'key-id-1' }] }] };
      }
      deletePolls += 1;
      return { Stacks: [{ StackName: 'lab', CreationTime: new Date(), StackStatus: deletePolls === 1 ? 'DELETE_IN_PROGRESS' : 'DELETE_COMPLETE' }] };
    });
    cfn.on(DeleteStackCommand).resolves({});
    apiGateway.on(GetApiKeyCommand).resolves({ id: 'key-id-1', value: API_KEY });

    const { execution, run } = await execute('aws-lambda');

    expect(execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(run?.status_history.map((change) => change.status)).toEqual(ALL_STATUSES);
    expect(await store.invocations(run?.id as string)).toHaveLength(2);
    // The lab stack: created with the deployer role; deleted at Teardown.
    expect(cfn.commandCalls(CreateStackCommand)[0]?.args[0].input).toMatchObject({ RoleARN: CONFIG.awsLambda?.cloudFormationRoleArn, ClientRequestToken: run?.id });
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(1);
    // CheckTeardown followed the deletion to DELETE_COMPLETE before FinishRun.
    expect(deletePolls).toBeGreaterThanOrEqual(2);
    // The agent got the API key (read at StartAgent) and the lab's URL; the plan went to S3, not into Run Command.
    expect(plans).toHaveLength(1);
    expect(plans[0]?.target).toEqual({ platform: 'aws-lambda', invokeUrl: INVOKE_URL, apiKey: API_KEY, functionPrefix: expect.stringMatching(/^fb-[a-z0-9]{8}-$/) });
    expect(JSON.stringify(arm.requests)).not.toContain(API_KEY);
    expect(JSON.stringify(arm.requests)).not.toContain(plans[0]?.callback.secret);
    // The client VM: its own resource group, deployed, commanded (start, then the kill at Teardown), deleted.
    const runId = String(run?.id);
    const group = `fb-${runId.replace(/-/g, '').slice(0, 8)}-client`;
    expect(resources.deployments.filter((deployment) => deployment.name === 'client').map((deployment) => deployment.resourceGroup)).toEqual([group]);
    expect(arm.runCommands.filter((command) => command.resourceGroup === group).map((command) => command.vmName)).toEqual([`${group}-vm`, `${group}-vm`]);
    expect(resources.deletedGroups).toContain(group);
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key)).toEqual([`plans/${run?.id}.json`]);
    // ValidateInput asked Azure whether the location offers the VM size before anything was made.
    expect(skus.filters).toEqual(["location eq 'westeurope'"]);
    // FinishRun stored what the run cost: the VM, the Lambda calls, the deployed control plane.
    expectCost(run, ['AWS Lambda requests', 'API Gateway REST API calls', 'client: Azure VM Standard_D2s_v5', 'Step Functions state transitions', 'RDS Data API requests']);
  }, 120_000);

  it('azure-functions: the lab’s three deployments polled to ready and an EC2 client; the agent gets the function keys; both are torn down', async () => {
    for (const fn of LAB_FUNCTION_NAMES) {
      s3.on(GetObjectCommand, { Bucket: 'cdk-assets', Key: `azure/${fn}.zip` }).resolves({ Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(`zip of ${fn}`)) } as never });
    }
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: INSTANCE_ID, LaunchTime: new Date() }] });
    // Running until TerminateInstances, then terminated.
    ec2.on(DescribeInstancesCommand).callsFake(() => ({
      Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID, State: { Name: ec2.commandCalls(TerminateInstancesCommand).length ? 'terminated' : 'running' }, LaunchTime: new Date() }] }],
    }));
    ec2.on(TerminateInstancesCommand).resolves({});
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: INSTANCE_ID, PingStatus: 'Online' }] });
    ssm.on(ListCommandsCommand).resolves({ Commands: [] });
    let startedRunId = '';
    ssm.on(SendCommandCommand).callsFake((input: { Comment?: string }) => {
      if (input.Comment?.startsWith('faas-benchmarker run ')) startedRunId = startAgentFromStoredPlan().runId;
      return { Command: { CommandId: `command-${ssm.commandCalls(SendCommandCommand).length}` } };
    });
    // The start command's output, which StartAgent reads until the agent reports that it started.
    ssm.on(GetCommandInvocationCommand).callsFake(() => ({ Status: 'Success', StandardOutputContent: `faas-benchmarker agent started: run ${startedRunId} pid 4242\n` }));

    const { execution, run } = await execute('azure-functions');

    expect(execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(run?.status_history.map((change) => change.status)).toEqual(ALL_STATUSES);
    expect(await store.invocations(run?.id as string)).toHaveLength(2);
    // The lab: storage, then the packages, then apps, then wiring, each started once, through the polled check.
    const names = AzureFunctionsProvisioner.namesOf(run?.id as string);
    expect(resources.deployments.filter((deployment) => deployment.resourceGroup === names.resourceGroup).map((deployment) => deployment.name)).toEqual(['storage', 'apps', 'wiring']);
    expect(blob.uploads.filter((upload) => upload.account === names.storageAccount).map((upload) => upload.bytes.toString()).sort()).toEqual(LAB_FUNCTION_NAMES.map((fn) => `zip of ${fn}`).sort());
    // The agent got each function's URL and its own key, read at StartAgent.
    const target = plans[0]?.target;
    expect(target?.platform).toBe('azure-functions');
    for (const fn of LAB_FUNCTION_NAMES) {
      expect((target as { functions: Record<string, { url: string; key: string }> }).functions[fn]).toEqual({ url: `https://${names.apps[fn]}.azurewebsites.net/api/${fn}`, key: web.functionKeys.get(`${names.apps[fn]}/${fn}`) });
    }
    // The EC2 client: launched in the configured network, the agent started there through SSM, terminated.
    expect(ec2.commandCalls(RunInstancesCommand)[0]?.args[0].input.NetworkInterfaces?.[0]).toMatchObject({ SubnetId: 'subnet-0abc', Groups: ['sg-0abc'] });
    // ValidateInput asked EC2 whether the region offers the instance type it launched.
    expect(ec2.commandCalls(DescribeInstanceTypeOfferingsCommand).map((call) => call.args[0].input.Filters?.[0]?.Values)).toEqual([['c5.large']]);
    const starts = ssm.commandCalls(SendCommandCommand).map((call) => call.args[0].input);
    expect(starts.map((input) => [input.InstanceIds, input.Comment])).toEqual([
      [[INSTANCE_ID], `faas-benchmarker run ${run?.id}`],
      [[INSTANCE_ID], `faas-benchmarker teardown ${run?.id}`],
    ]);
    expect(JSON.stringify(starts)).not.toContain(plans[0]?.callback.secret);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input.InstanceIds)).toEqual([[INSTANCE_ID]]);
    expect(resources.deletedGroups).toContain(names.resourceGroup);
    // ProvisionFunctions recorded the plan the apps got (Flex Consumption by default), and the cost is billed by it.
    expect(run?.manifest.platform_settings).toEqual({ azureFunctionsPlan: 'flex-consumption', memoryMb: 2048, timeoutSeconds: 30 });
    expectCost(run, [
      'Azure Functions executions (Flex Consumption, on demand)',
      'Azure Functions instance time (Flex Consumption, on demand)',
      'client: EC2 c5.large',
      'Step Functions state transitions',
      'S3 GET requests',
    ]);
  }, 120_000);

  it('a client size the region does not offer fails the execution at ValidateInput with ClientSizeNotOfferedError, before AcquireLock: no run, nothing made', async () => {
    skus.options.skus = [virtualMachineSku('Standard_D2s_v5', 'westeurope'), virtualMachineSku('Standard_F8s_v2', 'westeurope', 'NotAvailableForSubscription')];
    const deploymentsBefore = resources.deployments.length;
    for (const [platform, platformOptions, expected] of [
      ['azure-functions', { clientInstanceType: 'm5.xlarge' }, /m5\.xlarge \(named by platformOptions\.clientInstanceType\) cannot be used in eu-west-1/],
      ['aws-lambda', { clientVmSize: 'Standard_F8s_v2' }, /Standard_F8s_v2 \(named by platformOptions\.clientVmSize\) cannot be used in westeurope: .*NotAvailableForSubscription/],
    ] as const) {
      const events: LocalExecutionEvent[] = [];
      const { execution, run } = await execute(platform, { platformOptions, onEvent: (event) => void events.push(event) });
      expect(execution).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
      const thrown = events.flatMap((event) => (event.type === 'TaskThrew' ? [event] : []));
      expect(thrown.map((event) => [event.state, event.error])).toEqual([['ValidateInput', 'ClientSizeNotOfferedError']]);
      expect(thrown[0]?.cause).toMatch(expected);
      expect(events.filter((event) => event.type === 'TaskInvoked').map((event) => event.state)).toEqual(['ValidateInput']);
      expect(run).toBeUndefined();
    }
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(cfn.commandCalls(CreateStackCommand)).toHaveLength(0);
    expect(resources.deployments).toHaveLength(deploymentsBefore);
  }, 60_000);
});
