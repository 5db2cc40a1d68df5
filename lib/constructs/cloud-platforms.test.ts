/**
 * The cloud platforms of a deployed control plane, on a stage with Azure and an OpenFaaS gateway
 * configured (synthesized once, bundling skipped): the code assets and `FB_CLOUD_CONFIG` every
 * step reads, the lab stacks' deployer role, the EC2 client network, each cloud step's own
 * policy scoped to run resources, and cdk-nag clean with a reason per wildcard.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { addPolicyGates } from '../stacks/policy-gates';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundlePath } from '../../lab-functions/build';
import { LAB_FUNCTION_NAMES } from '../../lab-functions/names';
import { acknowledgements, synthWithNag } from '../../test-support/cdk-nag';
import { cloudPlatformsConfigSchema, enabledCloudPlatforms } from '../config/cloud-config';
import { loadStageConfig } from '../config/stage';
import { stagePlatforms } from '../config/stage-platforms';
import { ControlPlaneStack, controlPlaneStackProps } from '../stacks/control-plane-stack';
import { ResultsStack, resultsStackProps } from '../stacks/results-stack';
import { LAB_ACTIONS_NOT_GRANTED, labDeployerActions, labHandlerActions } from '../platforms/aws-lambda/lab-deployer-actions';
import { executionLogGroupNameSub, labStackTemplate, STAGE_NAME } from '../platforms/aws-lambda/lab-template';
import { PUSH_TO_CLOUDWATCH_LOGS_ACTIONS } from './api-gateway-cloudwatch-role';
import { type CloudStepName, labDeployerStatements, UnscopedLabActionError } from './cloud-platforms';
import { STEP_FUNCTIONS } from './run-experiment-steps';

const CONFIG = loadStageConfig({
  account: '123456789012',
  region: 'eu-west-1',
  stageName: 'cloud',
  azureSubscriptionId: '00000000-0000-4000-8000-000000000000',
  openfaasGatewayUrl: 'https://gateway.example.org',
});
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
const results = new ResultsStack(app, 'Results', resultsStackProps(CONFIG));
const stack = new ControlPlaneStack(app, 'ControlPlane', controlPlaneStackProps(CONFIG, results, []));
addPolicyGates(app);
let template: Template;
let failure: string | undefined;
beforeAll(() => {
  ({ template, failure } = synthWithNag(app, stack));
});

const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const cloud = () => {
  if (!stack.cloud) throw new Error('the cloud platforms were not made');
  return stack.cloud;
};
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const statementsOf = (policyId: string) => template.toJSON().Resources[policyId].Properties.PolicyDocument.Statement as Statement[];
const actions = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat());
const text = (value: unknown) => JSON.stringify(value);
/** A resource of the template as IAM would see it in partition `aws`: `Fn::Join` of strings and `AWS::Partition`. */
const arnIn = (resource: unknown): string => {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`not an ARN: ${text(resource)}`);
  return join[1].map((part) => (typeof part === 'string' ? part : text(part) === '{"Ref":"AWS::Partition"}' ? 'aws' : text(part))).join(join[0]);
};
/** Whether IAM's resource pattern (`*` any run of characters, `?` one) matches `arn`. */
const iamMatches = (pattern: string, arn: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(arn);

describe('CloudPlatforms — code and config', () => {
  it('gives every step Lambda FB_CLOUD_CONFIG naming the assets, the deployer role, the client network and Azure', () => {
    for (const name of Object.keys(STEP_FUNCTIONS) as (keyof typeof STEP_FUNCTIONS)[]) {
      const fn = template.toJSON().Resources[logicalId(stack.steps[name].function)];
      const config = fn.Properties.Environment.Variables.FB_CLOUD_CONFIG as { 'Fn::Join': [string, unknown[]] };
      const joined = config['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
      const parsed = JSON.parse(joined.replace(/"TOKEN"/g, '"arn:token"').replace(/TOKEN/g, 'token'));
      expect(cloudPlatformsConfigSchema.safeParse(parsed).success, `${name}: ${joined}`).toBe(true);
      expect(parsed).toMatchObject({ azure: { subscriptionId: CONFIG.azureSubscriptionId, location: 'westeurope' }, openfaas: { gatewayUrl: 'https://gateway.example.org' }, plans: { prefix: 'plans/' } });
      expect(text(config)).toContain(logicalId(cloud().labDeployer));
      // The platforms schedules are checked against at synth are the ones the Lambdas enable.
      expect(enabledCloudPlatforms(parsed).enabled).toEqual(stagePlatforms(CONFIG).enabled);
    }
  });

  it('uploads the aws-lambda and azure-functions packages of the four functions and the agent bundle as assets', () => {
    const assets = stack.node.findAll().filter((node) => node.node.path.startsWith('ControlPlane/CloudPlatforms/') && /\/(AwsLambda|AzureFunctions)-\w+$|\/AgentBundle$/.test(node.node.path));
    expect(assets.map((node) => node.node.id).sort()).toEqual(
      ['AgentBundle', ...['function1', 'function2', 'function3', 'monolith'].flatMap((fn) => [`AwsLambda-${fn}`, `AzureFunctions-${fn}`])].sort(),
    );
  });
});

describe('CloudPlatforms — OpenFaaS images', () => {
  interface DockerImageEntry {
    source: { directory: string; dockerFile?: string; platform?: string };
    destinations: Record<string, { repositoryName: string; imageTag: string }>;
  }
  const images = () => {
    if (!cloud().openFaasImages) throw new Error('no OpenFaaS images were made');
    return cloud().openFaasImages as NonNullable<ReturnType<typeof cloud>['openFaasImages']>;
  };
  const dockerImages = () => (JSON.parse(readFileSync(join(app.outdir, `${stack.artifactId}.assets.json`), 'utf8')) as { dockerImages: Record<string, DockerImageEntry> }).dockerImages;

  it('stages one container asset per lab function whose context is its bundle folder alone', () => {
    const entries = dockerImages();
    expect(Object.keys(images()).sort()).toEqual([...LAB_FUNCTION_NAMES].sort());
    for (const [fn, image] of Object.entries(images())) {
      const entry = entries[image.assetHash];
      expect(entry, fn).toBeDefined();
      expect(entry?.source).toMatchObject({ dockerFile: 'Dockerfile', platform: 'linux/amd64' });
      const staged = join(app.outdir, entry?.source.directory ?? '');
      expect(readdirSync(staged).sort(), fn).toEqual(['Dockerfile', 'index.js']);
      expect(readFileSync(join(staged, 'index.js')).equals(readFileSync(bundlePath('openfaas', fn))), fn).toBe(true);
      expect(Object.values(entry?.destinations ?? {}).map((d) => d.imageTag)).toEqual([image.assetHash]);
    }
    expect(Object.keys(entries)).toHaveLength(LAB_FUNCTION_NAMES.length);
  });

  it("hands the step Lambdas each image's ECR URI as the function's OpenFaaS image", () => {
    const fn = template.toJSON().Resources[logicalId(stack.steps.ProvisionFunctions.function)];
    const config = fn.Properties.Environment.Variables.FB_CLOUD_CONFIG as { 'Fn::Join': [string, unknown[]] };
    // An image URI is one `Fn::Sub` (`….${AWS::URLSuffix}/…:<hash>`); other tokens stand for ARNs and names.
    const rendered = (part: unknown) => (typeof part === 'string' ? part : typeof (part as { 'Fn::Sub'?: unknown })['Fn::Sub'] === 'string' ? String((part as { 'Fn::Sub': string })['Fn::Sub']).replace(/\$\{[^}]+\}/g, 'token') : 'TOKEN');
    const joined = config['Fn::Join'][1].map(rendered).join('');
    const parsed = cloudPlatformsConfigSchema.parse(JSON.parse(joined.replace(/"TOKEN"/g, '"arn:token"').replace(/TOKEN/g, 'token')));
    for (const [name, image] of Object.entries(images())) {
      // `<account>.dkr.ecr.<region>.<URL suffix>/<bootstrap repository>:<asset hash>`; the suffix is a token.
      expect(parsed.openfaas?.images[name as keyof typeof parsed.openfaas.images]).toMatch(new RegExp(`^123456789012\\.dkr\\.ecr\\.eu-west-1\\.token/cdk-\\w+-container-assets-123456789012-eu-west-1:${image.assetHash}$`));
    }
  });
});

describe('CloudPlatforms — AWS Lambda lab stacks', () => {
  it('lets only CloudFormation assume the deployer, which may touch only fb- functions and roles and the lab code', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })] },
      Description: Match.stringLikeRegexp('per-run lab stacks'),
    });
    const statements = statementsOf(logicalId(cloud().node.findChild('LabDeployerPolicy')));
    const lambda = statements.find((statement) => actions([statement]).includes('lambda:CreateFunction'));
    expect(text(lambda?.Resource)).toContain(':function:fb-*');
    const passRole = statements.find((statement) => actions([statement]).includes('iam:PassRole'));
    expect(passRole?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
    expect(text(passRole?.Resource)).toContain(':role/fb-*');
    const code = statements.find((statement) => actions([statement]).includes('s3:GetObject'));
    expect([code?.Resource].flat()).toHaveLength(4);
    expect(text(code?.Resource)).not.toContain('*');
  });

  it("grants the deployer the lab template's handler permissions from the resource schemas, less the listed ones, each on fb- names", () => {
    const statements = statementsOf(logicalId(cloud().node.findChild('LabDeployerPolicy')));
    const granted = actions(statements);
    expect([...granted].sort()).toEqual(labDeployerActions());
    expect(new Set(granted).size).toBe(granted.length);
    // Granted and left out together are the whole published list.
    expect([...granted, ...Object.keys(LAB_ACTIONS_NOT_GRANTED)].sort()).toEqual(labHandlerActions());
    for (const statement of statements) {
      const resources = [statement.Resource].flat().map(text);
      const only = [statement.Action].flat();
      if (only.every((action) => action.startsWith('apigateway:'))) {
        for (const resource of resources) expect(resource).toMatch(/:apigateway:.*::\/(restapis|apikeys|usageplans|tags)/);
      } else if (only.length === 1 && only[0] === 'logs:DescribeLogGroups') {
        expect(resources).toEqual([expect.stringMatching(/:log-group:\*"?\]?\]?\}?$/)]);
      } else if (only.length === 1 && only[0] === 'ec2:DescribeNetworkInterfaces') {
        expect(resources).toEqual(['"*"']);
      } else if (only.length === 1 && only[0] === 's3:GetObject') {
        expect(resources).toHaveLength(LAB_FUNCTION_NAMES.length);
      } else {
        for (const resource of resources) expect(resource).toMatch(/(:function:fb-\*|:role\/fb-\*|:log-group:\/aws\/lambda\/fb-\*|:log-group:API-Gateway-Execution-Logs_\*\/prod\*)/);
      }
    }
  });

  it("lets the deployer create and delete the lab API's execution log group, API-Gateway-Execution-Logs_<api id>/prod, and no other stage's", () => {
    const statements = statementsOf(logicalId(cloud().node.findChild('LabDeployerPolicy')));
    const logGroups = statements.find((statement) => actions([statement]).includes('logs:CreateLogGroup'));
    expect(actions(logGroups ? [logGroups] : [])).toEqual(expect.arrayContaining(['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource']));
    const patterns = [logGroups?.Resource].flat().map(arnIn);
    expect(patterns).toEqual(['arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fb-*', 'arn:aws:logs:eu-west-1:123456789012:log-group:API-Gateway-Execution-Logs_*/prod*']);
    // The name the lab template gives the group, with an id API Gateway might assign, in both ARN forms IAM sees.
    const name = executionLogGroupNameSub('Api', STAGE_NAME)['Fn::Sub'].replace(`\${Api}`, 'a1b2c3d4e5');
    expect(labStackTemplate({ runId: 'r', prefix: 'fb-1a2b3c4d-', memoryMb: 128, timeoutSeconds: 3, codeBucket: 'b', codeKeys: {} as never }).Resources.ExecutionLogGroup?.Properties.LogGroupName).toEqual(
      executionLogGroupNameSub('Api', STAGE_NAME),
    );
    const arn = `arn:aws:logs:eu-west-1:123456789012:log-group:${name}`;
    for (const form of [arn, `${arn}:*`]) expect(patterns.some((pattern) => iamMatches(pattern, form)), form).toBe(true);
    for (const other of ['API-Gateway-Execution-Logs_a1b2c3d4e5/dev', '/aws/lambda/other', 'other']) {
      expect(patterns.some((pattern) => iamMatches(pattern, `arn:aws:logs:eu-west-1:123456789012:log-group:${other}`)), other).toBe(false);
    }
    const acks = acknowledgements(stack).filter((ack) => ack.path === 'ControlPlane/CloudPlatforms/LabDeployerPolicy').map((ack) => ack.id);
    expect(acks).toContain('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:eu-west-1:123456789012:log-group:API-Gateway-Execution-Logs_*/prod*]');
  });

  it('refuses a handler permission it has no scope for', () => {
    const scopes = { functions: ['f'], roles: ['r'], apis: ['a'], logGroups: ['l'], anyLogGroup: ['g'], code: ['c'] };
    expect(() => labDeployerStatements(['sqs:CreateQueue'], scopes)).toThrow(UnscopedLabActionError);
    expect(labDeployerStatements(['lambda:GetFunction', 'lambda:DeleteFunction'], scopes).map((statement) => statement.toJSON())).toEqual([
      { Action: ['lambda:GetFunction', 'lambda:DeleteFunction'], Effect: 'Allow', Resource: 'f' },
    ]);
  });

  it('lets ProvisionFunctions create fb- stacks and pass only the deployer role, to CloudFormation', () => {
    const statements = statementsOf(logicalId(cloud().policies.ProvisionFunctions));
    expect(actions(statements).sort()).toEqual(['cloudformation:CreateStack', 'iam:PassRole', 'secretsmanager:GetSecretValue']);
    expect(text(statements[0]?.Resource)).toContain(':stack/fb-*/*');
    expect(text(statements[1]?.Resource)).toContain(logicalId(cloud().labDeployer));
    expect(statements[1]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } });
    expect(text(statements[2]?.Resource)).toContain(':secret:faas-benchmarker/azure-??????');
  });
});

describe("CloudPlatforms — API Gateway's account-wide CloudWatch Logs role", () => {
  const made = () => {
    if (!cloud().apiGatewayCloudWatchRole) throw new Error('no API Gateway CloudWatch role was made');
    return cloud().apiGatewayCloudWatchRole as NonNullable<ReturnType<typeof cloud>['apiGatewayCloudWatchRole']>;
  };

  it('sets the account and region to a role only API Gateway can assume, made by default', () => {
    expect(CONFIG.apiGatewayCloudWatchRole).toBe('create');
    const accounts = template.findResources('AWS::ApiGateway::Account');
    expect(Object.keys(accounts)).toEqual([stack.getLogicalId(made().account)]);
    const [account] = Object.values(accounts);
    expect(account?.Properties).toEqual({ CloudWatchRoleArn: { 'Fn::GetAtt': [logicalId(made().role), 'Arn'] } });
    // The role has its permissions before API Gateway is pointed at it.
    expect(account?.DependsOn).toContain(logicalId(made().policy));
    const role = template.toJSON().Resources[logicalId(made().role)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } }]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("grants the AmazonAPIGatewayPushToCloudWatchLogs actions inline, on this account's and region's log groups only", () => {
    const policy = template.toJSON().Resources[logicalId(made().policy)];
    expect(policy.Properties.Roles).toEqual([{ Ref: logicalId(made().role) }]);
    const statements = statementsOf(logicalId(made().policy));
    expect(statements).toHaveLength(1);
    expect(actions(statements).sort()).toEqual([...PUSH_TO_CLOUDWATCH_LOGS_ACTIONS].sort());
    expect(arnIn(statements[0]?.Resource)).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:*');
    expect(acknowledgements(stack).filter((ack) => ack.path === made().policy.node.path).map((ack) => ack.id)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:eu-west-1:123456789012:log-group:*]',
    ]);
  });

  it('keeps the role and its policy when the stack is deleted, since the account setting outlives the stack', () => {
    for (const construct of [made().role, made().policy]) {
      expect(template.toJSON().Resources[logicalId(construct)]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('leaves the account setting alone on a stage that says the account has its role (apiGatewayCloudWatchRole=existing)', () => {
    const existing = loadStageConfig({ ...CONFIG, stageName: 'existing', apiGatewayCloudWatchRole: 'existing' });
    const otherApp = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
    const otherResults = new ResultsStack(otherApp, 'Results', resultsStackProps(existing));
    const other = new ControlPlaneStack(otherApp, 'ControlPlane', controlPlaneStackProps(existing, otherResults, []));
    expect(other.cloud?.apiGatewayCloudWatchRole).toBeUndefined();
    const otherTemplate = Template.fromStack(other);
    otherTemplate.resourceCountIs('AWS::ApiGateway::Account', 0);
    otherTemplate.resourcePropertiesCountIs('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] } }, 0);
    // The lab stacks' deployer is there all the same.
    otherTemplate.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })] } });
  });
});

describe('CloudPlatforms — EC2 clients', () => {
  it('puts them in one public subnet with no NAT gateway, flow logs on, and a security group without ingress', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', ResourceType: 'VPC' });
    const groups = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('EC2 clients') } });
    const [group] = Object.values(groups);
    expect(group?.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('lets the instances do SSM, and write their commands\' output to the agent log group only', () => {
    const role = template.toJSON().Resources[logicalId(cloud().clientRole)];
    expect(text(role.Properties.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) => text(policy.Properties.Roles).includes(logicalId(cloud().clientRole)));
    expect(policies.map(([id]) => id)).toEqual([logicalId(cloud().node.findChild('ClientAgentLogPolicy') as IConstruct)]);
    const statements = policies[0]?.[1].Properties.PolicyDocument.Statement as Statement[];
    expect(statements).toHaveLength(1);
    expect(actions(statements).sort()).toEqual(['logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    expect(statements[0]?.Resource).toEqual({ 'Fn::GetAtt': [logicalId(cloud().agentLogGroup), 'Arn'] });
  });

  it('keeps the agent logs in /faas-benchmarker/<stage>/agent with the stage\'s agent log retention, retained, named by a stack output and in FB_CLOUD_CONFIG', () => {
    const group = template.toJSON().Resources[logicalId(cloud().agentLogGroup)];
    expect(group).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/faas-benchmarker/cloud/agent', RetentionInDays: CONFIG.agentLogRetentionDays }, DeletionPolicy: 'Retain' });
    expect(CONFIG.agentLogRetentionDays).toBe(365);
    template.hasOutput('AgentLogGroupName', { Value: { Ref: logicalId(cloud().agentLogGroup) } });
    const config = template.toJSON().Resources[logicalId(stack.steps.StartAgent.function)].Properties.Environment.Variables.FB_CLOUD_CONFIG;
    expect(text(config)).toContain(`\\"agentLogGroupName\\":\\"",{"Ref":"${logicalId(cloud().agentLogGroup)}"}`);
  });

  it('lets Teardown save Run Command output under agent-logs/ of the results bucket, with its KMS key', () => {
    const teardown = statementsOf(logicalId(cloud().policies.Teardown));
    const put = teardown.filter((statement) => actions([statement]).includes('s3:PutObject'));
    expect(put).toHaveLength(1);
    expect(text(put[0]?.Resource)).toMatch(/\/agent-logs\/\*"/);
    expect(actions(teardown)).toContain('kms:GenerateDataKey');
  });

  it('launches only tagged instances in that subnet and security group, and terminates or commands only tagged ones', () => {
    const provision = statementsOf(logicalId(cloud().policies.ProvisionClient));
    const tagged = provision.find((statement) => actions([statement]).includes('ec2:RunInstances') && statement.Condition);
    expect(tagged?.Condition).toEqual({ StringLike: { 'aws:RequestTag/faas-benchmarker:run': '*' } });
    const network = provision.find((statement) => actions([statement]).includes('ec2:RunInstances') && !statement.Condition);
    expect(text(network?.Resource)).toContain(logicalId(cloud().clientSecurityGroup));
    expect(provision.find((statement) => actions([statement]).includes('iam:PassRole'))?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    const teardown = statementsOf(logicalId(cloud().policies.Teardown));
    expect(teardown.find((statement) => actions([statement]).includes('ec2:TerminateInstances'))?.Condition).toEqual({ StringLike: { 'aws:ResourceTag/faas-benchmarker:run': '*' } });
    const start = statementsOf(logicalId(cloud().policies.StartAgent));
    const instances = start.filter((statement) => actions([statement]).includes('ssm:SendCommand') && text(statement.Resource).includes(':instance/'));
    expect(instances.map((statement) => statement.Condition)).toEqual([{ StringLike: { 'ssm:resourceTag/faas-benchmarker:run': '*' } }]);
    // StartAgent reads the start command's output (the agent started, or the boot script's reason).
    expect(actions(start)).toContain('ssm:GetCommandInvocation');
  });

  it('lets ValidateInput ask which instance types the region offers and read the Azure secret (for the region\'s VM sizes), nothing else', () => {
    const statements = statementsOf(logicalId(cloud().policies.ValidateInput));
    expect(actions(statements).sort()).toEqual(['ec2:DescribeInstanceTypeOfferings', 'secretsmanager:GetSecretValue']);
    expect(statements.find((statement) => actions([statement]).includes('ec2:DescribeInstanceTypeOfferings'))?.Resource).toBe('*');
    expect(text(statements.find((statement) => actions([statement]).includes('secretsmanager:GetSecretValue'))?.Resource)).toContain('-??????');
  });

  it('uses Resource "*" only for the read-only and command-listing actions that support nothing narrower', () => {
    const allowed = new Set(['ec2:DescribeInstances', 'ec2:DescribeInstanceTypeOfferings', 'ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation', 'ssm:ListCommands', 'ssm:CancelCommand']);
    for (const step of Object.keys(cloud().policies) as CloudStepName[]) {
      for (const statement of statementsOf(logicalId(cloud().policies[step]))) {
        if (statement.Resource === '*') for (const action of actions([statement])) expect(allowed.has(action), `${step}: ${action} on *`).toBe(true);
      }
    }
  });
});

describe('CloudPlatforms — cold starts forced by the callback', () => {
  it('gives the callback Lambda FB_CLOUD_CONFIG and a policy to update only fb- functions and read the Azure secret', () => {
    const callback = template.toJSON().Resources[logicalId(stack.callback.function)];
    expect(text(callback.Properties.Environment.Variables.FB_CLOUD_CONFIG)).toContain(logicalId(cloud().labDeployer));
    const policy = cloud().callbackPolicy;
    if (!policy) throw new Error('no callback policy');
    const resource = template.toJSON().Resources[logicalId(policy)];
    expect(text(resource.Properties.Roles)).toContain(logicalId(stack.callback.role));
    const statements = statementsOf(logicalId(policy));
    expect(actions(statements).sort()).toEqual(['lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration', 'secretsmanager:GetSecretValue']);
    const lambda = statements.find((statement) => actions([statement]).includes('lambda:UpdateFunctionConfiguration'));
    expect(text(lambda?.Resource)).toMatch(/:function:fb-\*"/);
    expect(text(statements.find((statement) => actions([statement]).includes('secretsmanager:GetSecretValue'))?.Resource)).toContain('-??????');
  });
});

describe('CloudPlatforms — the sweeper', () => {
  const sweeper = () => {
    if (!stack.sweeper) throw new Error('no sweeper');
    return stack.sweeper;
  };

  it('runs the sweeper Lambda every hour through its own Scheduler role, with { dryRun: false }, and names it by a stack output', () => {
    const fn = logicalId(sweeper().function.function);
    const schedule = template.toJSON().Resources[logicalId(sweeper().schedule)];
    expect(schedule.Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(schedule.Properties.Name).toBe('faas-benchmarker-cloud-sweep');
    expect(schedule.Properties.Target.Arn).toEqual({ 'Fn::GetAtt': [fn, 'Arn'] });
    expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({ dryRun: false });
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
    expect(template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    const invoke = Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties: { Roles?: unknown; PolicyDocument?: { Statement: Statement[] } } }>).filter(
      (resource) => resource.Type === 'AWS::IAM::Policy' && text(resource.Properties.Roles).includes(roleId),
    );
    expect(invoke.flatMap((policy) => actions(policy.Properties.PolicyDocument?.Statement ?? []))).toEqual(['lambda:InvokeFunction']);
    expect(text(invoke[0]?.Properties.PolicyDocument?.Statement[0]?.Resource)).toContain(fn);
    expect(template.toJSON().Outputs.SweeperFunctionName.Value).toEqual({ Ref: fn });
    expect(text(template.toJSON().Resources[fn].Properties.Environment.Variables.FB_CLOUD_CONFIG)).toContain(logicalId(cloud().labDeployer));
  });

  it('lets it list stacks and instances, and delete only fb- stacks and instances that carry both the run and the expiry tag', () => {
    const policy = cloud().sweepPolicy;
    if (!policy) throw new Error('no sweep policy');
    expect(text(template.toJSON().Resources[logicalId(policy)].Properties.Roles)).toContain(logicalId(sweeper().function.role));
    const statements = statementsOf(logicalId(policy));
    expect(actions(statements).sort()).toEqual(['cloudformation:DeleteStack', 'cloudformation:DescribeStacks', 'ec2:DescribeInstances', 'ec2:TerminateInstances', 'iam:PassRole', 'secretsmanager:GetSecretValue']);
    const bothTags = { StringLike: { 'aws:ResourceTag/faas-benchmarker:run': '*', 'aws:ResourceTag/faas-benchmarker:expires': '*' } };
    const deleteStack = statements.find((statement) => actions([statement]).includes('cloudformation:DeleteStack'));
    expect(text(deleteStack?.Resource)).toContain(':stack/fb-*/*');
    expect(deleteStack?.Condition).toEqual(bothTags);
    const terminate = statements.find((statement) => actions([statement]).includes('ec2:TerminateInstances'));
    expect(text(terminate?.Resource)).toContain(':instance/*');
    expect(terminate?.Condition).toEqual(bothTags);
    const everything = statements.filter((statement) => statement.Resource === '*');
    expect(actions(everything).sort()).toEqual(['cloudformation:DescribeStacks', 'ec2:DescribeInstances']);
  });

  it('acknowledges each of the sweep policy\'s wildcards on its own, with its own reason', () => {
    const acks = acknowledgements(stack).filter((ack) => ack.path === 'ControlPlane/CloudPlatforms/SweepCloudPolicy');
    expect(acks.map((ack) => ack.id).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:eu-west-1:123456789012:stack/fb-*/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:eu-west-1:123456789012:instance/*]',
    ]);
    expect(new Set(acks.map((ack) => ack.reason)).size).toBe(3);
  });
});

describe('cdk-nag AwsSolutions with the cloud platforms', () => {
  it('synthesizes with no unacknowledged finding', () => {
    expect(failure, `cdk-nag findings:\n${failure}`).toBeUndefined();
  });

  it('acknowledges each wildcard of the cloud policies on that policy, with a reason', () => {
    const acks = acknowledgements(stack).filter((ack) => ack.path.startsWith('ControlPlane/CloudPlatforms/') && ack.id.startsWith('AwsSolutions-'));
    for (const ack of acks) {
      expect(ack.reason.length).toBeGreaterThan(60);
      expect(ack.id).toMatch(/^AwsSolutions-IAM[45]\[.+\]$/);
    }
    const paths = new Set(acks.map((ack) => ack.path));
    for (const step of ['ValidateInput', 'ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'StartAgent', 'Teardown', 'Callback', 'CleanupExecution', 'Sweep']) expect(paths).toContain(`ControlPlane/CloudPlatforms/${step}CloudPolicy`);
    expect(Stack.of(cloud()).stackName).toBe('ControlPlane');
  });
});
