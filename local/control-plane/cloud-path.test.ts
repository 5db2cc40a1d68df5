/**
 * A RunExperiment execution on `aws-lambda` as the deployed control plane runs it: the real ASL
 * on the local interpreter, every Task the real step handler, and the step dependencies built by
 * `cloudPlatforms` from an `FB_CLOUD_CONFIG` — with AWS answered by aws-sdk-client-mock
 * (CloudFormation, API Gateway, S3) and Azure by the fake ARM over https (resource groups, the
 * client VM's deployment, its instance view and Run Command). The "agent" is the fake VM's Run
 * Command: it reads the plan the driver stored in S3 and reports back through the callback
 * endpoint, as the real agent would. What the branch hands from state to state (the lab stack's
 * outputs, the VM's names, the API key read at StartAgent) is what this checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudPlatforms } from '../../lambdas/shared/cloud-platforms';
import { createStepHandlers } from '../../lambdas/steps/handlers';
import { startLocalCallbackServer } from '../../lib/callback/local-callback-server';
import { InMemoryCallbackRegistry, registerCallback } from '../../lib/callback/registry';
import type { CloudPlatformsConfig } from '../../lib/config/cloud-platforms';
import type { AgentPlan } from '../../lib/control-plane/steps';
import { presignResultsUpload, rawResultsLocation, readResultsFrom } from '../../lib/control-plane/results-transfer';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import { invocationRow } from '../../lib/results/store.contract';
import { FAKE_SUBSCRIPTION, type FakeArm, type FakeRunCommand, fakeCredential, runShellScriptOutput, startFakeArm } from '../../test-support/fake-arm';
import { createFakeArmResources, type FakeArmResources } from '../../test-support/fake-arm-resources';
import { runLocalExecution } from './local-sfn';
import { RUN_EXPERIMENT_ASL } from './run-local';
import { TokenBroker } from './token-broker';

const KEYS = (platform: string) => Object.fromEntries(['function1', 'function2', 'function3', 'monolith'].map((fn) => [fn, `${platform}/${fn}.zip`])) as CloudPlatformsConfig['labCode']['awsLambda'];
const CONFIG: CloudPlatformsConfig = {
  labCode: { bucket: 'cdk-assets', awsLambda: KEYS('lambda'), azureFunctions: KEYS('azure') },
  agentBundle: { bucket: 'cdk-assets', key: 'agent.js' },
  plans: { bucket: 'fb-results', prefix: 'plans/' },
  awsLambda: { cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/LabDeployer' },
  azure: { subscriptionId: FAKE_SUBSCRIPTION, location: 'westeurope', credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:azure-AbCdEf' },
};
const API_KEY = 'lab-api-key-0123456789abcdef';
const INVOKE_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';

const cfn = mockClient(CloudFormationClient);
const apiGateway = mockClient(APIGatewayClient);
const s3 = mockClient(S3Client);

let workDir: string;
let store: ResultsStore;
let arm: FakeArm;
let resources: FakeArmResources;
const plans: AgentPlan[] = [];
const callbacks: Promise<Response>[] = [];

/** The fake VM's Run Command: the start script makes the "agent" report success with two rows uploaded; teardown says it stopped. */
async function runCommand(command: FakeRunCommand): Promise<string> {
  const script = (command.input.script ?? []).join('\n');
  const put = s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input;
  const plan = JSON.parse(String(put?.Body)) as AgentPlan;
  if (!script.includes('agent started')) return runShellScriptOutput(`faas-benchmarker agent stopped: run ${plan.runId}`, '');
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
  return runShellScriptOutput(`faas-benchmarker agent started: run ${plan.runId} pid 4242`, '');
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'fb-cloud-path-'));
  store = await openResultsStore({ dataDir: join(workDir, 'pglite') });
  // The deployment of the client VM "makes" the VM: once it succeeds, the VM is running.
  resources = createFakeArmResources({
    outputsFor: (deployment) => {
      arm.setVm(deployment.resourceGroup, `${deployment.resourceGroup}-vm`, 'running');
      return {};
    },
  });
  arm = await startFakeArm({ routes: [resources.route], runCommandOutput: runCommand, inProgressPolls: 0 });
});

afterAll(async () => {
  await arm?.close();
  await store?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('RunExperiment on aws-lambda with the deployed composition', () => {
  it('provisions the lab stack and an Azure VM client, starts the agent with the API key, imports its upload, and tears both down', async () => {
    cfn.on(CreateStackCommand).resolves({ StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/lab/1' });
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'lab', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'InvokeUrl', OutputValue: INVOKE_URL }, { OutputKey: 'ApiKeyId', OutputValue: 'key-id-1' }] }],
    });
    cfn.on(DeleteStackCommand).resolves({});
    apiGateway.on(GetApiKeyCommand).resolves({ id: 'key-id-1', value: API_KEY });
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});

    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' };
    const s3Client = new S3Client({ region: 'eu-west-1', credentials });
    const armOptions = { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } } as never;
    const cloud = cloudPlatforms(CONFIG, 'eu-west-1', {
      s3: s3Client,
      azureCredential: fakeCredential,
      resources: new ResourceManagementClient(fakeCredential, FAKE_SUBSCRIPTION, armOptions),
      compute: new ComputeManagementClient(fakeCredential, FAKE_SUBSCRIPTION, armOptions),
    });
    expect(Object.keys(cloud.provisioners)).toEqual(['aws-lambda']);

    const broker = new TokenBroker();
    const registry = new InMemoryCallbackRegistry();
    const callbackServer = await startLocalCallbackServer({ registry, broker });
    try {
      const handlers = createStepHandlers(
        {
          store,
          provisioners: cloud.provisioners,
          clients: cloud.clients,
          unavailable: cloud.unavailable,
          callbacks: {
            issue: async (runId, taskToken) => {
              const { secret } = await registerCallback(registry, { runId, taskToken, expiresAt: new Date(Date.now() + 600_000) });
              return { url: callbackServer.url, secret };
            },
          },
          resultsLocation: (runId) => rawResultsLocation('fb-results', runId),
          resultsUploadUrl: (location) => presignResultsUpload(s3Client, location, 3600),
          readResults: (location) => readResultsFrom(location, s3Client),
          heartbeatIntervalMs: 60_000,
        },
        { logger: new Logger({ serviceName: 'cloud-path-test', logLevel: 'SILENT' }), metrics: false },
      );
      const invoke = (state: keyof typeof handlers) => (input: unknown) => (handlers[state] as unknown as (event: unknown, context: unknown) => Promise<unknown>)(input, { awsRequestId: 'test', functionName: `fb-${state}`, getRemainingTimeInMillis: () => 900_000 });
      const names = Object.keys(handlers) as (keyof typeof handlers)[];
      const executionId = 'arn:aws:states:local:000000000000:execution:RunExperiment:cloud-path';
      const execution = await runLocalExecution({
        definitionFile: RUN_EXPERIMENT_ASL,
        substitutions: Object.fromEntries(names.map((state) => [`${state}FunctionArn`, `arn:aws:lambda:local:000000000000:function:fb-${state}`])),
        handlers: Object.fromEntries(names.filter((state) => state !== 'StartAgent').map((state) => [state, invoke(state)])),
        callbackHandlers: { RunAgent: async (payload) => void (await invoke('StartAgent')(payload)) },
        broker,
        input: { experiment: 'linear-invocation', platforms: ['aws-lambda'], quick: true },
        executionId,
        waitTimeOverridesMs: { WaitForFunctions: 10, WaitForClient: 10 },
        heartbeatMs: { RunAgent: 60_000 },
      });
      await Promise.all(callbacks);

      expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      const [run] = (await store.listRuns({ limit: 10 })).filter((row) => row.execution_id === executionId);
      expect(run?.status_history.map((change) => change.status)).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
      expect(await store.invocations(run?.id as string)).toHaveLength(2);

      // The lab stack: created with the deployer role; deleted at Teardown.
      expect(cfn.commandCalls(CreateStackCommand)[0]?.args[0].input).toMatchObject({ RoleARN: CONFIG.awsLambda?.cloudFormationRoleArn, ClientRequestToken: run?.id });
      expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(1);
      // The agent got the API key (read at StartAgent) and the lab's URL; the plan went to S3, not into Run Command.
      expect(plans).toHaveLength(1);
      expect(plans[0]?.target).toEqual({ platform: 'aws-lambda', invokeUrl: INVOKE_URL, apiKey: API_KEY, functionPrefix: expect.stringMatching(/^fb-[a-z0-9]{8}-$/) });
      expect(JSON.stringify(arm.requests)).not.toContain(API_KEY);
      expect(JSON.stringify(arm.requests)).not.toContain(plans[0]?.callback.secret);
      // The client VM: its own resource group, deployed, commanded (start, then the kill at Teardown), deleted.
      const group = `fb-${(run?.id as string).replace(/-/g, '').slice(0, 8)}-client`;
      expect(resources.deployments.map((deployment) => deployment.resourceGroup)).toEqual([group]);
      expect(arm.runCommands.map((command) => command.vmName)).toEqual([`${group}-vm`, `${group}-vm`]);
      expect(resources.deletedGroups).toEqual([group]);
      expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key)).toEqual([`plans/${run?.id}.json`]);
    } finally {
      broker.failAll('RunAborted', 'test over');
      await callbackServer.close();
    }
  }, 120_000);
});
