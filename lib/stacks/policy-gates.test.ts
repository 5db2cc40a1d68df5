/**
 * The policy gates bite: on a small in-process app, an unacknowledged wildcard policy fails cdk-nag
 * and a log group kept under a year fails the Control Tower guard, each finding naming its resource;
 * an acknowledgement on a resource lifts only its own finding, and the guard keeps failing on what
 * is left after some of its findings are acknowledged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { synthWithNag } from '../../test-support/cdk-nag';
import { EncryptLogGroups } from '../constructs/log-group-encryption';
import { addPolicyGates } from './policy-gates';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * An app with both gates and one stack whose log groups are encrypted with its own key, a key that
 * denies grants to anything but AWS resources as the results stack's does (CT.KMS.PR.3).
 */
function gatedStack(): { app: App; stack: Stack } {
  const outdir = mkdtempSync(join(tmpdir(), 'fb-gates-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  addPolicyGates(app);
  const stack = new Stack(app, 'Gated', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
  Aspects.of(stack).add(new EncryptLogGroups(key));
  return { app, stack };
}

describe.concurrent('policy gates', () => {
  it('pass a stack with a year-long encrypted log group and no wildcard', () => {
    const { app, stack } = gatedStack();
    new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_YEAR });
    expect(synthWithNag(app, stack).failure).toBeUndefined();
  });

  it('fail a log group kept under a year (CT.CLOUDWATCH.PR.2), naming it, even after another such finding is acknowledged', () => {
    const { app, stack } = gatedStack();
    new logs.LogGroup(stack, 'ShortLogs', { retention: logs.RetentionDays.ONE_WEEK });
    const acknowledged = new logs.LogGroup(stack, 'AcknowledgedLogs', { retention: logs.RetentionDays.ONE_WEEK });
    Validations.of(acknowledged).acknowledge({ id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check', reason: 'test: a deliberately short retention' });
    const { failure } = synthWithNag(app, stack);
    expect(failure).toMatch(/cloudwatch_log_group_retention_period_check at [^\n]*ShortLogs/);
    expect(failure).not.toMatch(/AcknowledgedLogs/);
  });

  it('fail a policy with an unacknowledged wildcard resource (AwsSolutions-IAM5), naming it', () => {
    const { app, stack } = gatedStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new iam.Policy(stack, 'WildPolicy', {
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::some-bucket/*'] })],
    });
    const { failure } = synthWithNag(app, stack);
    expect(failure).toMatch(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::some-bucket\/\*\] at [^\n]*WildPolicy/);
  });
});
