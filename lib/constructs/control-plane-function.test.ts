/**
 * Tests of the ControlPlaneFunction construct (bundling skipped): the fixed runtime, architecture,
 * tracing, log group and role, the defaults and overrides, and the one acknowledgement it makes.
 */
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { CONTROL_PLANE_RUNTIME, ControlPlaneFunction } from './control-plane-function';

function build(props: Partial<ConstructorParameters<typeof ControlPlaneFunction>[2]> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fn = new ControlPlaneFunction(stack, 'Step', { entry: 'lambdas/steps/validate-input.ts', description: 'a step', ...props });
  return { stack, fn, template: Template.fromStack(stack) };
}

describe('Construct: ControlPlaneFunction', () => {
  it('runs Node.js 24 on arm64 with tracing, JSON logs to its own log group, and the defaults', () => {
    const { stack, fn, template } = build();
    expect(CONTROL_PLANE_RUNTIME.name).toBe('nodejs24.x');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 256,
      Timeout: 60,
      Handler: 'index.handler',
      Description: 'a step',
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: stack.getLogicalId(fn.logGroup.node.defaultChild as CfnElement) } },
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
  });

  it('takes memory, timeout, log retention and environment from props', () => {
    const { template } = build({
      memorySizeMiB: 1024,
      timeout: Duration.minutes(15),
      logRetention: logs.RetentionDays.ONE_WEEK,
      environment: { RESULTS_DATABASE: 'faas_benchmarker' },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 900,
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', RESULTS_DATABASE: 'faas_benchmarker' } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('starts with a role of its own that may only write its logs and send traces', () => {
    const { stack, fn, template } = build();
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(1);
    expect(roles[0]?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(roles[0]?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }),
    ]);
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [stack.getLogicalId(fn.logGroup.node.defaultChild as CfnElement), 'Arn'] },
      }),
      expect.objectContaining({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }),
    ]);
  });

  it("acknowledges the X-Ray Resource '*' finding on the role's default policy, and nothing else", () => {
    const { stack } = build();
    const acknowledged = stack.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.keys(entry.data as Record<string, string>).map((id) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, '') }))),
      )
      .filter((ack) => ack.id.startsWith('AwsSolutions-'));
    expect(acknowledged).toEqual([{ path: 'Test/Step/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]' }]);
  });
});
