/**
 * The deployed callback's `force-cold`, end to end through the Lambda handler: an HTTP API event
 * for a run on AWS Lambda sends the configuration update of that run's function (SDK mocked); one
 * for a run on Azure Functions restarts that run's app on the fake ARM endpoint; a run on
 * OpenFaaS, a run without a `runs` row and a platform that refused are answered with the status
 * the agent acts on.
 */
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryCallbackRegistry } from '../../lib/callback/registry';
import { coldForcerByPlatform } from '../../lib/callback/run-cold-forcer';
import type { CloudPlatformsConfig } from '../../lib/config/cloud-config';
import { AzureFunctionsProvisioner } from '../../lib/platforms/azure-functions/provisioner';
import { T0, callbackEvent, callbackLambdaContext, captureOutput, registeredRun } from '../../test-support/callback';
import { FAKE_SUBSCRIPTION, type FakeArm, fakeCredential, startFakeArm } from '../../test-support/fake-arm';
import { createFakeAzureWeb, type FakeAzureWeb } from '../../test-support/fake-azure-web';
import { cloudColdForcers } from './cold-forcers';
import { fixedCallbackSigningKey } from '../../lib/callback/signing-key';
import { createCallbackHandler } from './handler';

vi.hoisted(() => {
  process.env.STATE_MACHINE_REGION ??= 'eu-west-1';
  process.env.RESULTS_CLUSTER_ARN ??= 'arn:aws:rds:eu-west-1:123456789012:cluster:faas-benchmarker-test-results';
  process.env.RESULTS_SECRET_ARN ??= 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:results-AbCdEf';
  process.env.RESULTS_DATABASE ??= 'faas_benchmarker';
  process.env.CALLBACK_SIGNING_KEY_SECRET_ARN ??= 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:callback-signing-key-AbCdEf';
});

const KEYS = Object.fromEntries(['function1', 'function2', 'function3', 'monolith'].map((fn) => [fn, `${fn}.zip`])) as CloudPlatformsConfig['labCode']['awsLambda'];
const IMAGES = Object.fromEntries(['function1', 'function2', 'function3', 'monolith'].map((fn) => [fn, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-eu-west-1:${fn}-0123`])) as NonNullable<CloudPlatformsConfig['openfaas']>['images'];
const CONFIG: CloudPlatformsConfig = {
  labCode: { bucket: 'cdk-assets', awsLambda: KEYS, azureFunctions: KEYS },
  agentBundle: { bucket: 'cdk-assets', key: 'agent.js' },
  plans: { bucket: 'fb-results', prefix: 'plans/' },
  awsLambda: { cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/LabDeployer', logsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000' },
  azure: { subscriptionId: FAKE_SUBSCRIPTION, location: 'westeurope', credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:azure-AbCdEf' },
  ec2Client: { subnetId: 'subnet-0abc', securityGroupId: 'sg-0abc', instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/fb-client' },
  openfaas: { gatewayUrl: 'https://gateway.example.org', images: IMAGES },
};
const RUNS: Record<string, string> = {
  '3f2a9c1d-0000-4000-8000-00000000000a': 'aws-lambda',
  '4e3b0d2e-0000-4000-8000-00000000000b': 'azure-functions',
  '5f4c1e3f-0000-4000-8000-00000000000c': 'openfaas',
};

const lambdaMock = mockClient(LambdaClient);
let arm: FakeArm;
let web: FakeAzureWeb;
let webClient: WebSiteManagementClient;

beforeAll(async () => {
  web = createFakeAzureWeb();
  arm = await startFakeArm({ routes: [web.route] });
  webClient = new WebSiteManagementClient(fakeCredential, FAKE_SUBSCRIPTION, { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } } as never);
});
afterAll(async () => {
  await arm?.close();
});

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  lambdaMock.reset();
  output = captureOutput();
});
afterEach(() => output.restore());

async function forceCold(runId: string, functionName: string, options: { platformKnown?: boolean } = {}) {
  const registry = new InMemoryCallbackRegistry();
  const { secret, signingKey } = await registeredRun({ registry, runId });
  const forcers = cloudColdForcers(CONFIG, 'eu-west-1', { lambda: new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } }), web: webClient });
  const handler = createCallbackHandler({
    registry,
    signingKey: fixedCallbackSigningKey(signingKey),
    completer: { success: async () => undefined, failure: async () => undefined, heartbeat: async () => undefined },
    logger: new Logger({ serviceName: 'callback-test', logLevel: 'INFO' }),
    now: () => new Date(T0.getTime() + 60_000),
    forceCold: coldForcerByPlatform({ platformOf: async (id) => (options.platformKnown === false ? undefined : RUNS[id]), forcers }),
  });
  const response = await handler(callbackEvent(JSON.stringify({ runId, kind: 'force-cold', function: functionName }), { authorization: `Bearer ${secret}` }), callbackLambdaContext() as never);
  return { statusCode: response.statusCode, body: JSON.parse(response.body) as { ok?: boolean; error?: { type: string; message: string } } };
}

describe('the callback Lambda forcing cold starts', () => {
  it('builds forcers only for the enabled platforms that need the control plane', () => {
    expect(Object.keys(cloudColdForcers(CONFIG, 'eu-west-1', { web: webClient })).sort()).toEqual(['aws-lambda', 'azure-functions']);
    expect(Object.keys(cloudColdForcers({ ...CONFIG, ec2Client: undefined }, 'eu-west-1', { web: webClient }))).toEqual(['aws-lambda']);
    expect(cloudColdForcers(undefined, 'eu-west-1')).toEqual({});
  });

  it('updates the configuration of the run’s own Lambda function and answers 200 once it is active', async () => {
    lambdaMock
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ Environment: { Variables: { FB_FUNCTION_PREFIX: 'fb-3f2a9c1d-' } } })
      .resolvesOnce({ LastUpdateStatus: 'InProgress' })
      .resolves({ LastUpdateStatus: 'Successful' });
    lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({ LastUpdateStatus: 'InProgress' });
    const answer = await forceCold('3f2a9c1d-0000-4000-8000-00000000000a', 'function2');
    expect(answer).toEqual({ statusCode: 200, body: { ok: true, runId: '3f2a9c1d-0000-4000-8000-00000000000a', kind: 'force-cold' } });
    const [update] = lambdaMock.commandCalls(UpdateFunctionConfigurationCommand);
    expect(update?.args[0].input.FunctionName).toBe('fb-3f2a9c1d-function2');
    expect(update?.args[0].input.Environment?.Variables).toEqual({ FB_FUNCTION_PREFIX: 'fb-3f2a9c1d-', FB_FORCE_COLD: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  }, 30_000);

  it('restarts the run’s own Azure function app', async () => {
    const answer = await forceCold('4e3b0d2e-0000-4000-8000-00000000000b', 'function3');
    expect(answer.statusCode).toBe(200);
    expect(web.restarts.map((restart) => restart.app)).toEqual([AzureFunctionsProvisioner.namesOf('4e3b0d2e-0000-4000-8000-00000000000b').apps.function3]);
    expect(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)).toHaveLength(0);
  }, 30_000);

  it('answers 502 ColdStartNotForcedError when the platform refuses, 400 for an OpenFaaS run, 404 for a run with no row', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('Function not found: fb-3f2a9c1d-function1'), { name: 'ResourceNotFoundException' }));
    const refused = await forceCold('3f2a9c1d-0000-4000-8000-00000000000a', 'function1');
    expect(refused.statusCode).toBe(502);
    expect(refused.body.error?.type).toBe('ColdStartNotForcedError');
    expect(refused.body.error?.message).toContain('fb-3f2a9c1d-function1');

    const openfaas = await forceCold('5f4c1e3f-0000-4000-8000-00000000000c', 'function1');
    expect(openfaas.statusCode).toBe(400);
    expect(openfaas.body.error?.message).toMatch(/cannot force cold starts on openfaas/);

    const unknown = await forceCold('3f2a9c1d-0000-4000-8000-00000000000a', 'function1', { platformKnown: false });
    expect(unknown.statusCode).toBe(404);
  }, 30_000);
});
