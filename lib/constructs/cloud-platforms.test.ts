/**
 * The cloud platforms of a deployed control plane, on a stage with Azure and an OpenFaaS gateway
 * configured (synthesized once, bundling skipped): the code assets and `FB_CLOUD_CONFIG` every
 * step reads, the lab stacks' deployer role, the EC2 client network, each cloud step's own
 * policy scoped to run resources, and cdk-nag clean with a reason per wildcard.
 */
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledgements, synthWithNag } from '../../test-support/cdk-nag';
import { cloudPlatformsConfigSchema, enabledCloudPlatforms } from '../config/cloud-config';
import { loadStageConfig } from '../config/stage';
import { stagePlatforms } from '../config/stage-platforms';
import { ControlPlaneStack, controlPlaneStackProps } from '../stacks/control-plane-stack';
import { ResultsStack, resultsStackProps } from '../stacks/results-stack';
import type { CloudStepName } from './cloud-platforms';
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
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
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

  it('lets ProvisionFunctions create fb- stacks and pass only the deployer role, to CloudFormation', () => {
    const statements = statementsOf(logicalId(cloud().policies.ProvisionFunctions));
    expect(actions(statements).sort()).toEqual(['cloudformation:CreateStack', 'iam:PassRole', 'secretsmanager:GetSecretValue']);
    expect(text(statements[0]?.Resource)).toContain(':stack/fb-*/*');
    expect(text(statements[1]?.Resource)).toContain(logicalId(cloud().labDeployer));
    expect(statements[1]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } });
    expect(text(statements[2]?.Resource)).toContain(':secret:faas-benchmarker/azure-??????');
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

  it('lets the instances do SSM and nothing else', () => {
    const role = template.toJSON().Resources[logicalId(cloud().clientRole)];
    expect(text(role.Properties.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');
    expect(Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) => text(policy.Properties.Roles).includes(logicalId(cloud().clientRole)))).toEqual([]);
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
  });

  it('uses Resource "*" only for the read-only and command-listing actions that support nothing narrower', () => {
    const allowed = new Set(['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation', 'ssm:ListCommands', 'ssm:CancelCommand']);
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
    for (const step of ['ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'StartAgent', 'Teardown', 'Callback', 'CleanupExecution']) expect(paths).toContain(`ControlPlane/CloudPlatforms/${step}CloudPolicy`);
    expect(Stack.of(cloud()).stackName).toBe('ControlPlane');
  });
});
