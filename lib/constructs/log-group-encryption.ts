/**
 * `EncryptLogGroups`: an aspect that encrypts every CloudWatch log group of a scope with one KMS
 * key (the stage's data key, whose policy lets CloudWatch Logs of this account and region use it),
 * CDK's own log groups and any added later included; a log group that names its key keeps it.
 * Control Tower's CT.CLOUDWATCH.PR.3 asks for this. Writers and readers of the logs need no KMS
 * permission: CloudWatch Logs encrypts and decrypts on their behalf.
 *
 * A key of another stack reaches the template as an `Fn::ImportValue`, which the guard rule cannot
 * follow (it reads a literal ARN or a reference within the template); on such a log group the
 * aspect acknowledges CT.CLOUDWATCH.PR.3, naming the key it set.
 */
import { type IAspect, Stack, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { GUARD_PLUGIN_NAME } from './guard-rules';

/** The acknowledgement id of CT.CLOUDWATCH.PR.3 (log group encrypted with a KMS key). */
const LOG_GROUP_ENCRYPTED_RULE = `${GUARD_PLUGIN_NAME}::cloudwatch_log_group_encrypted_check`;

/** Sets `KmsKeyId` on every `AWS::Logs::LogGroup` below the scope it is added to that has none. */
export class EncryptLogGroups implements IAspect {
  constructor(private readonly key: kms.IKey) {}

  /** Called by CDK for each construct of the scope. */
  visit(node: IConstruct): void {
    if (!(node instanceof logs.CfnLogGroup) || node.kmsKeyId !== undefined) return;
    node.kmsKeyId = this.key.keyArn;
    if (Stack.of(node) !== Stack.of(this.key)) {
      Validations.of(node).acknowledge({
        id: LOG_GROUP_ENCRYPTED_RULE,
        reason: `CT.CLOUDWATCH.PR.3: encrypted with ${this.key.node.path} (the stage's data key, in the results stack), which reaches this template as an Fn::ImportValue the rule cannot follow.`,
      });
    }
  }
}
