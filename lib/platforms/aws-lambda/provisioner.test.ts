/**
 * AwsLambdaProvisioner against a mocked CloudFormation client: the exact CreateStack request and
 * its template, retry-safe creation, every DescribeStacks status mapped, throttling turned into
 * ProvisionTransientError, and an idempotent teardown.
 */
import {
  AlreadyExistsException,
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ProvisionFailedError, ProvisionTransientError } from '../errors';
import type { BranchInput } from '../platform';
import { awsLambdaConfigSchema } from './config';
import type { CloudFormationTemplate } from './lab-template';
import { AwsLambdaProvider } from './provider';
import { AwsLambdaProvisioner } from './provisioner';

const RUN_ID = '1a2b3c4d-5e6f-4a1b-8c2d-0123456789ab';
const PREFIX = 'fb-1a2b3c4d-';
const STACK = 'fb-1a2b3c4d-lab';
const STACK_ID = `arn:aws:cloudformation:eu-west-1:123456789012:stack/${STACK}/abc`;
const FUNCTIONS = ['function1', 'function2', 'function3', 'monolith'];
const IDS = ['Function1', 'Function2', 'Function3', 'Monolith'];

const cfn = mockClient(CloudFormationClient);

function branch(overrides: Partial<BranchInput> = {}): BranchInput {
  return { run: { runId: RUN_ID, platform: 'aws-lambda' }, experiment: 'cold-start', params: {}, quick: true, platformOptions: {}, ...overrides };
}

function provisioner(extra: Partial<ConstructorParameters<typeof AwsLambdaProvisioner>[0]> = {}) {
  return new AwsLambdaProvisioner({ client: new CloudFormationClient({ region: 'eu-west-1' }), codeBucket: 'fb-code', ...extra });
}

function serviceError(name: string, message: string, httpStatusCode = 400) {
  return new CloudFormationServiceException({ name, message, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

function stack(status: StackStatus, extra: Partial<Stack> = {}): Stack {
  return { StackName: STACK, StackId: STACK_ID, StackStatus: status, CreationTime: new Date(), ...extra };
}

beforeEach(() => cfn.reset());

describe('provision', () => {
  it('hands CloudFormation its service role when one is configured', async () => {
    cfn.on(CreateStackCommand).resolves({ StackId: STACK_ID });
    const role = 'arn:aws:iam::123456789012:role/fb-lab-deployer';
    await provisioner({ cloudFormationRoleArn: role }).provision(branch());
    expect(cfn.commandCalls(CreateStackCommand)[0]?.args[0].input.RoleARN).toBe(role);
  });

  it('creates the run stack with the exact request', async () => {
    cfn.on(CreateStackCommand).resolves({ StackId: STACK_ID });
    const answer = await provisioner({ now: () => Date.parse('2026-11-27T10:00:00.000Z') }).provision(branch({ platformOptions: { memoryMb: 512, timeoutSeconds: 20 } }));
    expect(answer).toEqual({ stackName: STACK, stackId: STACK_ID, functionPrefix: PREFIX, ready: false });

    const calls = cfn.commandCalls(CreateStackCommand);
    expect(calls).toHaveLength(1);
    const request = calls[0]?.args[0].input;
    expect(request).toEqual({
      StackName: STACK,
      TemplateBody: expect.any(String),
      Capabilities: ['CAPABILITY_IAM'],
      // The stack's tags, which CloudFormation propagates to its resources: the run, and the expiry 54 h on.
      Tags: [
        { Key: 'faas-benchmarker:run', Value: RUN_ID },
        { Key: 'faas-benchmarker:expires', Value: '2026-11-29T16:00:00.000Z' },
      ],
      OnFailure: 'DELETE',
      ClientRequestToken: RUN_ID,
    });
    const template = JSON.parse(request?.TemplateBody ?? '') as CloudFormationTemplate;
    const tags = [{ Key: 'faas-benchmarker:run', Value: RUN_ID }];

    FUNCTIONS.forEach((fn, index) => {
      const id = IDS[index] ?? '';
      expect(template.Resources[id]).toEqual({
        Type: 'AWS::Lambda::Function',
        DependsOn: [`${id}LogGroup`],
        Metadata: expect.objectContaining({ guard: { SuppressedRules: ['lambda_inside_vpc_check'] } }),
        Properties: {
          FunctionName: `${PREFIX}${fn}`,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          MemorySize: 512,
          Timeout: 20,
          Code: { S3Bucket: 'fb-code', S3Key: `aws-lambda/${fn}.zip` },
          Role: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] },
          Environment: { Variables: { FB_FUNCTION_PREFIX: PREFIX } },
          Tags: tags,
        },
      });
      expect(template.Resources[`${id}Resource`]?.Properties.PathPart).toBe(`${PREFIX}${fn}`);
      expect(template.Resources[`${id}Method`]?.Properties).toMatchObject({
        HttpMethod: 'POST',
        ApiKeyRequired: true,
        ResourceId: { Ref: `${id}Resource` },
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      });
      expect(JSON.stringify(template.Resources[`${id}Method`]?.Properties.Integration)).toContain(`\${${id}.Arn}/invocations`);
      expect(template.Resources[`${id}ApiPermission`]).toMatchObject({
        Type: 'AWS::Lambda::Permission',
        Properties: { Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', FunctionName: { 'Fn::GetAtt': [id, 'Arn'] } },
      });
      expect(JSON.stringify(template.Resources[`${id}ApiPermission`]?.Properties.SourceArn)).toContain(`/*/POST/${PREFIX}${fn}`);
    });
    expect(Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function')).toHaveLength(4);

    // The role: run-scoped logs, and invoke on exactly the run's four functions.
    const role = template.Resources.ExecutionRole;
    expect(role?.Type).toBe('AWS::IAM::Role');
    expect(role?.Properties.Tags).toEqual(tags);
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    const policies = (role?.Properties.Policies ?? []) as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }[];
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.PolicyDocument.Statement ?? [];
    const invoke = statements.filter((statement) => JSON.stringify(statement.Action).includes('lambda:'));
    expect(invoke).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: FUNCTIONS.map((fn) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${PREFIX}${fn}` })),
      },
    ]);
    for (const statement of statements.filter((s) => s !== invoke[0])) {
      expect([statement.Action].flat().every((action) => action.startsWith('logs:'))).toBe(true);
      expect(JSON.stringify(statement.Resource)).toContain(`log-group:/aws/lambda/${PREFIX}*`);
    }

    // API, stage, key, usage plan.
    expect(template.Resources.Api).toMatchObject({ Type: 'AWS::ApiGateway::RestApi', Properties: { Name: `${PREFIX}lab`, Tags: tags } });
    expect(template.Resources.Deployment?.DependsOn).toEqual(IDS.map((id) => `${id}Method`));
    expect(template.Resources.Stage).toMatchObject({ Type: 'AWS::ApiGateway::Stage', Properties: { StageName: 'prod', DeploymentId: { Ref: 'Deployment' }, Tags: tags } });
    expect(template.Resources.ApiKey).toMatchObject({ Type: 'AWS::ApiGateway::ApiKey', Properties: { Enabled: true, Tags: tags } });
    expect(template.Resources.UsagePlan).toMatchObject({
      Type: 'AWS::ApiGateway::UsagePlan',
      Properties: { ApiStages: [{ ApiId: { Ref: 'Api' }, Stage: 'prod' }], Throttle: { RateLimit: 1000, BurstLimit: 2000 }, Tags: tags },
    });
    expect(template.Resources.UsagePlanKey?.Properties).toEqual({ KeyId: { Ref: 'ApiKey' }, KeyType: 'API_KEY', UsagePlanId: { Ref: 'UsagePlan' } });

    expect(template.Outputs.InvokeUrl?.Value).toEqual({ 'Fn::Sub': `https://\${Api}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/prod` });
    expect(template.Outputs.ApiKeyId?.Value).toEqual({ Ref: 'ApiKey' });

    // Every resource that takes tags is tagged with the run.
    for (const resource of Object.values(template.Resources)) {
      if (['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::ApiGateway::RestApi', 'AWS::ApiGateway::Stage', 'AWS::ApiGateway::ApiKey', 'AWS::ApiGateway::UsagePlan'].includes(resource.Type)) {
        expect(resource.Properties.Tags).toEqual(tags);
      }
    }
    // Every Ref / GetAtt / ${X} points at a resource of the template.
    const body = request?.TemplateBody ?? '';
    const referenced = [...body.matchAll(/"Ref":"(\w+)"|"Fn::GetAtt":\["(\w+)"|\$\{(\w+)[.}]/g)].map((match) => match[1] ?? match[2] ?? match[3]);
    for (const id of referenced) expect(Object.keys(template.Resources)).toContain(id);
  });

  it('uses a given role and code keys, and defaults memory and timeout', async () => {
    cfn.on(CreateStackCommand).resolves({ StackId: STACK_ID });
    const codeKeys = { function1: 'a.zip', function2: 'b.zip', function3: 'c.zip', monolith: 'd.zip' };
    await provisioner({ roleArn: 'arn:aws:iam::123456789012:role/lab', codeKeys }).provision(branch());
    const template = JSON.parse(cfn.commandCalls(CreateStackCommand)[0]?.args[0].input.TemplateBody ?? '') as CloudFormationTemplate;
    expect(template.Resources.ExecutionRole).toBeUndefined();
    expect(template.Resources.Function1?.Properties).toMatchObject({ Role: 'arn:aws:iam::123456789012:role/lab', MemorySize: 1024, Timeout: 29, Code: { S3Key: 'a.zip' } });
    expect(template.Resources.Monolith?.Properties).toMatchObject({ Code: { S3Key: 'd.zip' } });
  });

  it('treats an existing stack as already started (a retried ProvisionFunctions)', async () => {
    cfn.on(CreateStackCommand).rejects(new AlreadyExistsException({ message: `Stack [${STACK}] already exists`, $metadata: { httpStatusCode: 400 } }));
    await expect(provisioner().provision(branch())).resolves.toEqual({ stackName: STACK, functionPrefix: PREFIX, ready: false });
  });

  it('retries throttling and fails on a refused template or a bad setting', async () => {
    cfn.on(CreateStackCommand).rejectsOnce(serviceError('Throttling', 'Rate exceeded')).rejectsOnce(serviceError('ValidationError', 'Template format error'));
    await expect(provisioner().provision(branch())).rejects.toBeInstanceOf(ProvisionTransientError);
    await expect(provisioner().provision(branch())).rejects.toBeInstanceOf(ProvisionFailedError);
    await expect(provisioner().provision(branch({ platformOptions: { memoryMb: 64 } }))).rejects.toBeInstanceOf(ProvisionFailedError);
  });
});

describe('check', () => {
  const withId = () => branch({ functions: { stackName: STACK, stackId: STACK_ID } });

  it('is ready at CREATE_COMPLETE with the InvokeUrl and API key id', async () => {
    const invokeUrl = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
    cfn.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({
      Stacks: [stack('CREATE_COMPLETE', { Outputs: [{ OutputKey: 'InvokeUrl', OutputValue: invokeUrl }, { OutputKey: 'ApiKeyId', OutputValue: 'key123' }] })],
    });
    await expect(provisioner().check(withId())).resolves.toEqual({
      ready: true,
      gatewayUrl: invokeUrl,
      apiKeyId: 'key123',
      functionPrefix: PREFIX,
      stackName: STACK,
      stackId: STACK_ID,
      status: 'CREATE_COMPLETE',
    });
  });

  it('describes by name when provision reported no stack id', async () => {
    cfn.on(DescribeStacksCommand, { StackName: STACK }).resolves({ Stacks: [stack('CREATE_IN_PROGRESS')] });
    await expect(provisioner().check(branch())).resolves.toMatchObject({ ready: false, status: 'CREATE_IN_PROGRESS' });
  });

  it.each(['CREATE_IN_PROGRESS', 'REVIEW_IN_PROGRESS'] as const)('is not ready yet at %s', async (status) => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack(status)] });
    const answer = await provisioner().check(withId());
    expect(answer).toMatchObject({ ready: false, status });
    expect(answer.failed).toBeUndefined();
  });

  it.each([
    'CREATE_FAILED',
    'ROLLBACK_IN_PROGRESS',
    'ROLLBACK_FAILED',
    'ROLLBACK_COMPLETE',
    'DELETE_IN_PROGRESS',
    'DELETE_COMPLETE',
    'DELETE_FAILED',
    'UPDATE_COMPLETE',
  ] as const)('fails at %s with the stack status reason', async (status) => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack(status, { StackStatusReason: 'The following resource(s) failed to create: [Function1].' })] });
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    await expect(provisioner().check(withId())).resolves.toMatchObject({
      ready: false,
      failed: true,
      status,
      reason: 'The following resource(s) failed to create: [Function1].',
    });
  });

  it("prefers the first resource's CREATE_FAILED reason from the events", async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('DELETE_COMPLETE', { StackStatusReason: 'The following resource(s) failed to create: [Function1].' })] });
    const event = (logicalId: string, status: 'CREATE_FAILED' | 'DELETE_COMPLETE', reason?: string) => ({
      StackId: STACK_ID,
      EventId: `${logicalId}-${status}`,
      StackName: STACK,
      Timestamp: new Date(),
      LogicalResourceId: logicalId,
      ResourceStatus: status,
      ResourceStatusReason: reason,
    });
    cfn.on(DescribeStackEventsCommand, { StackName: STACK_ID }).resolves({
      StackEvents: [
        event('Function1', 'DELETE_COMPLETE'),
        event('Function2', 'CREATE_FAILED', 'Resource creation cancelled'),
        event('Function1', 'CREATE_FAILED', 'Error occurred while GetObject. S3 Error Code: NoSuchKey'),
      ],
    });
    await expect(provisioner().check(withId())).resolves.toMatchObject({
      failed: true,
      reason: 'Function1: Error occurred while GetObject. S3 Error Code: NoSuchKey',
    });
  });

  it('fails when the stack no longer exists', async () => {
    cfn.on(DescribeStacksCommand).rejects(serviceError('ValidationError', `Stack with id ${STACK} does not exist`));
    await expect(provisioner().check(branch())).resolves.toMatchObject({ ready: false, failed: true, reason: expect.stringContaining('does not exist') });
  });

  it('fails when a complete stack lacks its outputs', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('CREATE_COMPLETE', { Outputs: [] })] });
    await expect(provisioner().check(withId())).resolves.toMatchObject({ ready: false, failed: true });
  });

  it('turns throttling, 5xx and network failures into ProvisionTransientError', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(serviceError('Throttling', 'Rate exceeded'))
      .rejectsOnce(serviceError('InternalFailure', 'oops', 500))
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    for (let attempt = 0; attempt < 3; attempt++) await expect(provisioner().check(withId())).rejects.toBeInstanceOf(ProvisionTransientError);
  });

  it('passes other errors on', async () => {
    cfn.on(DescribeStacksCommand).rejects(serviceError('AccessDenied', 'not allowed', 403));
    await expect(provisioner().check(withId())).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('teardown', () => {
  it('deletes the run stack', async () => {
    cfn.on(DeleteStackCommand).resolves({});
    await provisioner().teardown(branch());
    expect(cfn.commandCalls(DeleteStackCommand).map((call) => call.args[0].input)).toEqual([{ StackName: STACK }]);
  });

  it('tolerates a stack that does not exist', async () => {
    cfn.on(DeleteStackCommand).rejects(serviceError('ValidationError', `Stack with id ${STACK} does not exist`));
    await expect(provisioner().teardown(branch())).resolves.toBeUndefined();
  });

  it('retries throttling', async () => {
    cfn.on(DeleteStackCommand).rejects(serviceError('Throttling', 'Rate exceeded'));
    await expect(provisioner().teardown(branch())).rejects.toBeInstanceOf(ProvisionTransientError);
  });
});

describe('removal', () => {
  it('follows the deletion: DELETE_IN_PROGRESS is still going, DELETE_COMPLETE or a missing stack is gone', async () => {
    cfn.on(DescribeStacksCommand).resolvesOnce({ Stacks: [stack('DELETE_IN_PROGRESS')] }).resolvesOnce({ Stacks: [stack('DELETE_COMPLETE')] }).rejectsOnce(serviceError('ValidationError', `Stack with id ${STACK} does not exist`));
    const checks = [await provisioner().removal(branch()), await provisioner().removal(branch()), await provisioner().removal(branch())];
    expect(checks).toEqual([{ gone: false, state: 'DELETE_IN_PROGRESS' }, { gone: true, state: 'DELETE_COMPLETE' }, { gone: true, state: 'DELETE_COMPLETE' }]);
    expect(cfn.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({ StackName: STACK });
  });

  it('fails at DELETE_FAILED naming the first resource CloudFormation could not delete', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('DELETE_FAILED', { StackStatusReason: 'The following resource(s) failed to delete: [ApiKey].' })] });
    cfn.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        { StackId: STACK_ID, EventId: '2', StackName: STACK, Timestamp: new Date(), LogicalResourceId: STACK, ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'The following resource(s) failed to delete: [ApiKey].' },
        { StackId: STACK_ID, EventId: '1', StackName: STACK, Timestamp: new Date(), LogicalResourceId: 'ApiKey', ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'API key in use by a usage plan' },
      ],
    });
    expect(await provisioner().removal(branch())).toEqual({ gone: false, failed: true, state: 'DELETE_FAILED', reason: `lab stack ${STACK} is DELETE_FAILED: ApiKey: API key in use by a usage plan` });
  });

  it('turns throttling into ProvisionTransientError for the state machine to retry', async () => {
    cfn.on(DescribeStacksCommand).rejects(serviceError('Throttling', 'Rate exceeded'));
    await expect(provisioner().removal(branch())).rejects.toBeInstanceOf(ProvisionTransientError);
  });
});

describe('agentTarget', () => {
  const apiGateway = mockClient(APIGatewayClient);
  beforeEach(() => apiGateway.reset());
  const ready = () => branch({ functions: { ready: true, gatewayUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/lab', apiKeyId: 'k1d2', functionPrefix: PREFIX } });
  const withGateway = () => provisioner({ apiGateway: new APIGatewayClient({ region: 'eu-west-1' }) });

  it('reads the API key value with GetApiKey and returns a config the agent accepts', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: 'k1d2', value: 'the-key-value-0123456789' });
    const target = await withGateway().agentTarget(ready());
    expect(apiGateway.commandCalls(GetApiKeyCommand).map((call) => call.args[0].input)).toEqual([{ apiKey: 'k1d2', includeValue: true }]);
    expect(target).toEqual({ platform: 'aws-lambda', invokeUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/lab', apiKey: 'the-key-value-0123456789', functionPrefix: PREFIX });
    expect(new AwsLambdaProvider(awsLambdaConfigSchema.parse(target)).requestFor('function1')).toMatchObject({ path: `/lab/${PREFIX}function1`, headers: { 'x-api-key': 'the-key-value-0123456789' } });
  });

  it('names a missing stack output, a throttled read and a refused read', async () => {
    await expect(withGateway().agentTarget(branch({ functions: { ready: true } }))).rejects.toBeInstanceOf(ProvisionFailedError);
    apiGateway.on(GetApiKeyCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }));
    await expect(withGateway().agentTarget(ready())).rejects.toBeInstanceOf(ProvisionTransientError);
    apiGateway.on(GetApiKeyCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
    await expect(withGateway().agentTarget(ready())).rejects.toThrow(/GetApiKey k1d2 refused: not allowed/);
    apiGateway.on(GetApiKeyCommand).resolves({ id: 'k1d2' });
    await expect(withGateway().agentTarget(ready())).rejects.toThrow(/answered no value/);
  });
});
