/**
 * `ApiGatewayCloudWatchRole`: API Gateway's account-wide CloudWatch Logs setting for this account
 * and region (`AWS::ApiGateway::Account` naming a `CloudWatchRoleArn`), and the role it names.
 *
 * Why: the per-run AWS Lambda lab stacks log their REST API stage's errors (execution logging,
 * Control Tower's CT.APIGATEWAY.PR.1), and API Gateway refuses a stage with a logging level unless
 * the account's API Gateway settings name a role it may assume to write CloudWatch Logs. The
 * setting belongs to the account and region, not to a stack, so a per-run stack must not set it;
 * the control plane does, once, unless the stage says the account already has one
 * (`-c apiGatewayCloudWatchRole=existing`).
 *
 * The role is trusted by `apigateway.amazonaws.com` only, and its inline policy (no AWS managed
 * policy: cdk-nag's AwsSolutions-IAM4) has the actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs
 * (logs:CreateLogGroup, CreateLogStream, DescribeLogGroups, DescribeLogStreams, PutLogEvents,
 * GetLogEvents, FilterLogEvents; source: the AWS managed policy reference,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayPushToCloudWatchLogs.html,
 * and "Set up CloudWatch logging for REST APIs in API Gateway",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html, both read
 * 2026-12-06), on the log groups of this account and region rather than the managed policy's `*`.
 * It is not narrowed to the lab stacks' groups: the setting serves every REST and WebSocket API of
 * the account and region, whose access logs may go to groups of any name.
 *
 * On stack deletion: CloudFormation's reference says that when a stack containing an
 * `AWS::ApiGateway::Account` is deleted, API Gateway can still assume the role it names (the account
 * setting is not reset; https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-account.html,
 * read 2026-12-06). So the role and its policy are retained (RemovalPolicy RETAIN): deleting them
 * would leave the account naming a role that no longer exists, and every API of the account and
 * region would stop logging. Remove the role by hand once no API needs it. Only one such resource
 * should exist per account and region (the same page): with several stages in one account and
 * region, let one create it and deploy the others with `existing`.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from './wildcard-acknowledgements';

/** The actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs managed policy (see the file comment). */
export const PUSH_TO_CLOUDWATCH_LOGS_ACTIONS = [
  'logs:CreateLogGroup',
  'logs:CreateLogStream',
  'logs:DescribeLogGroups',
  'logs:DescribeLogStreams',
  'logs:PutLogEvents',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
] as const;

/** The role API Gateway writes this account's and region's API logs with, and the account setting naming it. */
export class ApiGatewayCloudWatchRole extends Construct {
  /** The role, trusted by API Gateway (retained on stack deletion). */
  readonly role: iam.Role;
  /** Its inline policy (retained with it). */
  readonly policy: iam.Policy;
  /** `AWS::ApiGateway::Account`: the account and region's API Gateway settings, naming {@link role}. */
  readonly account: apigateway.CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: "API Gateway's CloudWatch Logs role of this account and region (execution and access logs of REST APIs, e.g. the per-run lab APIs)",
    });
    const logGroups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.policy = new iam.Policy(this, 'Policy', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({ actions: [...PUSH_TO_CLOUDWATCH_LOGS_ACTIONS], resources: [logGroups] })],
    });
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.policy.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledgeWildcards(this.policy, [
      [
        logGroups,
        "API Gateway's account-wide logging role writes the execution logs of every REST API of this account and region (groups API-Gateway-Execution-Logs_<api id>/<stage>, ids assigned by API Gateway) and access logs to groups each API names; it reaches only this account's and region's log groups, and only API Gateway can assume it.",
      ],
    ]);
    this.account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    // The role carries its permissions before API Gateway is told to use it.
    this.account.node.addDependency(this.policy);
  }
}
