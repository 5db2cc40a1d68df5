/**
 * The per-run AWS Lambda lab stack, as a plain CloudFormation template object (no CDK synth at run
 * time: the control plane builds it in its own Lambda and hands it to CreateStack as JSON).
 *
 * What one run's stack holds:
 * - the four lab functions (`<prefix>function1` … `<prefix>monolith`), Node.js 22, `index.handler`,
 *   code from the zipped bundles the control plane uploaded ahead to `codeBucket`/`codeKeys[fn]`,
 *   `FB_FUNCTION_PREFIX=<prefix>` so nested calls reach this run's siblings;
 * - their log groups, `/aws/lambda/<prefix><function>`, kept {@link LAB_LOG_RETENTION_DAYS} days and
 *   deleted with the stack (DeletionPolicy Delete), so no run leaves groups behind; each function
 *   depends on its group, so the group exists before Lambda could make one of its own;
 * - their execution role (unless `roleArn` is given): writing to the run's log groups (not
 *   creating them: the stack owns them), plus `lambda:InvokeFunction` on
 *   the run's four functions only. The ARNs are built with `Fn::Sub` from the known names rather
 *   than `Fn::GetAtt`, since the functions depend on the role (GetAtt would be a cycle);
 * - a REST API: one resource per function whose path part is the deployed name (the client agent
 *   calls `POST <invokeUrl>/<deployed name>`), a POST method each with `ApiKeyRequired` and a Lambda
 *   proxy (AWS_PROXY) integration, a deployment, stage `prod` with method throttling, X-Ray
 *   tracing (Control Tower's CT.APIGATEWAY.PR.2) and execution logging at ERROR level for every
 *   method (CT.APIGATEWAY.PR.1; no request or response bodies: DataTraceEnabled is false), an API
 *   key, a usage plan (throttle) on the stage and the plan's key; an `AWS::Lambda::Permission` per
 *   function for API Gateway, limited to that method;
 * - the stage's execution log group, `API-Gateway-Execution-Logs_<api id>/prod` (the name API
 *   Gateway writes to, which it would otherwise create itself and no stack would own), kept
 *   {@link LAB_LOG_RETENTION_DAYS} days and deleted with the stack; the stage depends on it, so it
 *   exists before the stage logs anything and goes only after the stage. Execution logging needs
 *   the account and region to name a CloudWatch Logs role in API Gateway's settings: the control
 *   plane sets it (lib/constructs/api-gateway-cloudwatch-role.ts) unless the stage says the
 *   account has one (`-c apiGatewayCloudWatchRole=existing`);
 * - Outputs `InvokeUrl` (`https://<api>.execute-api.<region>.<suffix>/prod`), `ApiKeyId` and
 *   `FunctionPrefix`.
 * Control Tower guard rules that do not apply are suppressed on their resource
 * (`Metadata.guard.SuppressedRules`, the reason beside it under {@link GUARD_REASONS_KEY}); the
 * controls the template satisfies rather than suppresses: CT.APIGATEWAY.PR.1 (execution logging),
 * CT.APIGATEWAY.PR.2 (X-Ray tracing), CT.CLOUDWATCH.PR.2 (log retention of at least a year) and,
 * given the stage's data key (`logsKmsKeyArn`, always in a deployment), CT.CLOUDWATCH.PR.3 (log
 * groups encrypted with a KMS key). Two remain suppressed: CT.LAMBDA.PR.3 (functions in a VPC: the
 * lab measures the public offering as users call it) and CT.LAMBDA.PR.2, whose rule cannot read the
 * permission's `Fn::Sub` SourceArn that a hook sees resolved; an account enforcing CT.LAMBDA.PR.3
 * as a hook refuses the lab stack (README, deploy section).
 * Every resource that takes tags carries `faas-benchmarker:run=<runId>` (the stack's own tags,
 * set by the provisioner, propagate too).
 *
 * Note: the REST API's proxy integration sends API Gateway's payload format 1.0 (`httpMethod`,
 * `body`, `isBase64Encoded`, `requestContext` without `http`).
 */
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../../lab-functions/names';
import { logicalIdOf, RUN_TAG_KEY } from '../run-resources';

export const LAB_RUNTIME = 'nodejs22.x';

/** Memory of the lab functions unless the run's platformOptions.memoryMb says otherwise (MB). */
export const DEFAULT_LAMBDA_MEMORY_MB = 1024;
/** Memory AWS Lambda allows a function (MB). */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;
/**
 * Timeout of the lab functions unless the run's platformOptions.timeoutSeconds says otherwise (s):
 * no longer than the REST API waits for them ({@link API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS}).
 */
export const DEFAULT_LAMBDA_TIMEOUT_SECONDS = 29;
/** Timeouts AWS Lambda allows a function (s). */
export const LAMBDA_TIMEOUT_SECONDS = { min: 1, max: 900 } as const;
/**
 * How long the lab stack's REST API waits for a function before it answers 504 (s): API Gateway's
 * default integration timeout, which the template leaves as it is. A call that takes longer fails
 * at the client however long the function may run.
 */
export const API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29;
export const STAGE_NAME = 'prod';
/**
 * What the lab stage's execution logs record: errors only (API Gateway's `ERROR` level), which
 * Control Tower's CT.APIGATEWAY.PR.1 accepts beside `INFO` (its guard rule asks for `ERROR` or
 * `INFO` on `HttpMethod` `*` and `ResourcePath` `/*`, and no method setting `OFF`).
 */
export const LAB_EXECUTION_LOGGING_LEVEL = 'ERROR';
/** The start of every REST API execution log group's name ({@link executionLogGroupNameSub}). */
export const EXECUTION_LOG_GROUP_PREFIX = 'API-Gateway-Execution-Logs_';
/**
 * The log group API Gateway writes a REST API stage's execution logs to,
 * `API-Gateway-Execution-Logs_{rest-api-id}/{stage_name}`, as an `Fn::Sub` on the API's logical id.
 * Source: "Set up CloudWatch logging for REST APIs in API Gateway",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html (read 2026-12-06).
 */
export function executionLogGroupNameSub(apiLogicalId: string, stageName: string): { 'Fn::Sub': string } {
  return { 'Fn::Sub': `${EXECUTION_LOG_GROUP_PREFIX}\${${apiLogicalId}}/${stageName}` };
}
/** Days the lab stack's log groups (functions' and API execution logs) keep their events: a year, Control Tower's minimum (CT.CLOUDWATCH.PR.2). */
export const LAB_LOG_RETENTION_DAYS = 365;
/** Metadata key, beside `guard`, holding the reason of each suppressed guard rule. */
export const GUARD_REASONS_KEY = 'faas-benchmarker:guard-suppression-reasons';

export interface LabStackOptions {
  runId: string;
  /** Prefix of the deployed names, `fb-1a2b3c4d-`. */
  prefix: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Bucket holding the zipped bundles. */
  codeBucket: string;
  /** The zip of each function in codeBucket. */
  codeKeys: Record<LabFunctionName, string>;
  /** An existing execution role to use instead of the stack's own. */
  roleArn?: string;
  /** Stage and usage-plan throttle. @default { rateLimit: 1000, burstLimit: 2000 } */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * The KMS key the stack's log groups are encrypted with (the stage's data key, whose policy lets
   * CloudWatch Logs of the account and region use it): Control Tower's CT.CLOUDWATCH.PR.3. Without
   * it the groups use CloudWatch Logs' own encryption and the rule is suppressed with a reason.
   */
  logsKmsKeyArn?: string;
}

/** One resource of a {@link CloudFormationTemplate}. */
export interface CloudFormationResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: 'Delete' | 'Retain';
  UpdateReplacePolicy?: 'Delete' | 'Retain';
  Metadata?: Record<string, unknown>;
}

/** A CloudFormation template, loosely typed: what gets JSON-stringified for CreateStack. */
export interface CloudFormationTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Resources: Record<string, CloudFormationResource>;
  Outputs: Record<string, { Description: string; Value: unknown }>;
}

/** The Control Tower guard rules (cfn-guard rule names) the lab template suppresses somewhere. */
const GUARD_RULE = {
  lambdaInVpc: 'lambda_inside_vpc_check',
  lambdaPublicAccess: 'lambda_function_public_access_prohibited_check',
  logGroupEncrypted: 'cloudwatch_log_group_encrypted_check',
} as const;

/** `Metadata` suppressing each guard rule on a resource, with its reason. */
function guardSuppressions(reasons: Partial<Record<keyof typeof GUARD_RULE, string>>): Record<string, unknown> {
  const entries = Object.entries(reasons) as [keyof typeof GUARD_RULE, string][];
  return {
    guard: { SuppressedRules: entries.map(([rule]) => GUARD_RULE[rule]) },
    [GUARD_REASONS_KEY]: Object.fromEntries(entries.map(([rule, reason]) => [GUARD_RULE[rule], reason])),
  };
}

const FUNCTION_SUPPRESSIONS = guardSuppressions({
  lambdaInVpc:
    'CT.LAMBDA.PR.3: the lab functions are measured as the public FaaS offering is used; a VPC would add network interfaces to their cold starts and need a NAT gateway to reach their siblings through the internet.',
});
const PERMISSION_SUPPRESSIONS = guardSuppressions({
  lambdaPublicAccess:
    'CT.LAMBDA.PR.2: the permission is limited by SourceArn to this run\'s API method; SourceArn is an Fn::Sub, which the rule cannot read in a template (a Control Tower hook sees it resolved).',
});
const LOG_GROUP_SUPPRESSIONS = guardSuppressions({
  logGroupEncrypted:
    'CT.CLOUDWATCH.PR.3: the groups hold the lab functions\' own output and Lambda\'s platform lines (no user data); CloudWatch Logs encrypts them at rest with its own key, as no stage key was given.',
});
const EXECUTION_LOG_GROUP_SUPPRESSIONS = guardSuppressions({
  logGroupEncrypted:
    "CT.CLOUDWATCH.PR.3: the group holds API Gateway's ERROR-level execution lines of the lab API (no request or response bodies: data tracing is off, and API Gateway redacts API keys); CloudWatch Logs encrypts them at rest with its own key, as no stage key was given.",
});

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The run's lab stack (see the file comment). */
export function labStackTemplate(options: LabStackOptions): CloudFormationTemplate {
  const { runId, prefix, memoryMb, timeoutSeconds, codeBucket, codeKeys, roleArn, logsKmsKeyArn } = options;
  // Log groups are encrypted with the stage's key (CT.CLOUDWATCH.PR.3 met), or the rule is suppressed with why.
  const logGroupKey = logsKmsKeyArn ? { KmsKeyId: logsKmsKeyArn } : {};
  const unlessKeyed = (suppressions: Record<string, unknown>) => (logsKmsKeyArn ? {} : { Metadata: suppressions });
  const throttle = options.throttle ?? { rateLimit: 1000, burstLimit: 2000 };
  const tags = [{ Key: RUN_TAG_KEY, Value: runId }];
  const resources: CloudFormationTemplate['Resources'] = {};

  if (!roleArn) {
    resources.ExecutionRole = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: 'lab-function',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${prefix}*:*` },
                },
                {
                  Effect: 'Allow',
                  Action: 'lambda:InvokeFunction',
                  Resource: LAB_FUNCTION_NAMES.map((fn) => functionArnSub(`${prefix}${fn}`)),
                },
              ],
            },
          },
        ],
        Tags: tags,
      },
    };
  }

  resources.Api = {
    Type: 'AWS::ApiGateway::RestApi',
    Properties: {
      Name: `${prefix}lab`,
      Description: `faas-benchmarker lab functions of run ${runId}`,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      ApiKeySourceType: 'HEADER',
      Tags: tags,
    },
  };

  const methods: string[] = [];
  for (const fn of LAB_FUNCTION_NAMES) {
    const id = logicalIdOf(fn);
    const name = `${prefix}${fn}`;
    resources[`${id}LogGroup`] = {
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      ...unlessKeyed(LOG_GROUP_SUPPRESSIONS),
      Properties: { LogGroupName: `/aws/lambda/${name}`, RetentionInDays: LAB_LOG_RETENTION_DAYS, ...logGroupKey, Tags: tags },
    };
    resources[id] = {
      Type: 'AWS::Lambda::Function',
      DependsOn: [`${id}LogGroup`],
      Metadata: FUNCTION_SUPPRESSIONS,
      Properties: {
        FunctionName: name,
        Runtime: LAB_RUNTIME,
        Handler: 'index.handler',
        MemorySize: memoryMb,
        Timeout: timeoutSeconds,
        Code: { S3Bucket: codeBucket, S3Key: codeKeys[fn] },
        Role: roleArn ?? arnOf('ExecutionRole'),
        Environment: { Variables: { FB_FUNCTION_PREFIX: prefix } },
        Tags: tags,
      },
    };
    resources[`${id}Resource`] = {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { RestApiId: ref('Api'), ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: name },
    };
    resources[`${id}Method`] = {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        RestApiId: ref('Api'),
        ResourceId: ref(`${id}Resource`),
        HttpMethod: 'POST',
        AuthorizationType: 'NONE',
        ApiKeyRequired: true,
        Integration: {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          Uri: {
            'Fn::Sub': `arn:\${AWS::Partition}:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${${id}.Arn}/invocations`,
          },
        },
      },
    };
    methods.push(`${id}Method`);
    resources[`${id}ApiPermission`] = {
      Type: 'AWS::Lambda::Permission',
      Metadata: PERMISSION_SUPPRESSIONS,
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(id),
        Principal: 'apigateway.amazonaws.com',
        SourceArn: { 'Fn::Sub': `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${Api}/*/POST/${name}` },
      },
    };
  }

  resources.Deployment = {
    Type: 'AWS::ApiGateway::Deployment',
    DependsOn: methods,
    Properties: { RestApiId: ref('Api'), Description: `run ${runId}` },
  };
  resources.ExecutionLogGroup = {
    Type: 'AWS::Logs::LogGroup',
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    ...unlessKeyed(EXECUTION_LOG_GROUP_SUPPRESSIONS),
    Properties: { LogGroupName: executionLogGroupNameSub('Api', STAGE_NAME), RetentionInDays: LAB_LOG_RETENTION_DAYS, ...logGroupKey, Tags: tags },
  };
  resources.Stage = {
    Type: 'AWS::ApiGateway::Stage',
    DependsOn: ['ExecutionLogGroup'],
    Properties: {
      RestApiId: ref('Api'),
      DeploymentId: ref('Deployment'),
      StageName: STAGE_NAME,
      TracingEnabled: true,
      MethodSettings: [
        {
          ResourcePath: '/*',
          HttpMethod: '*',
          LoggingLevel: LAB_EXECUTION_LOGGING_LEVEL,
          DataTraceEnabled: false,
          ThrottlingRateLimit: throttle.rateLimit,
          ThrottlingBurstLimit: throttle.burstLimit,
        },
      ],
      Tags: tags,
    },
  };
  resources.ApiKey = {
    Type: 'AWS::ApiGateway::ApiKey',
    Properties: { Name: `${prefix}lab`, Enabled: true, Description: `client agent key of run ${runId}`, Tags: tags },
  };
  resources.UsagePlan = {
    Type: 'AWS::ApiGateway::UsagePlan',
    DependsOn: ['Stage'],
    Properties: {
      UsagePlanName: `${prefix}lab`,
      ApiStages: [{ ApiId: ref('Api'), Stage: STAGE_NAME }],
      Throttle: { RateLimit: throttle.rateLimit, BurstLimit: throttle.burstLimit },
      Tags: tags,
    },
  };
  resources.UsagePlanKey = {
    Type: 'AWS::ApiGateway::UsagePlanKey',
    Properties: { KeyId: ref('ApiKey'), KeyType: 'API_KEY', UsagePlanId: ref('UsagePlan') },
  };

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `faas-benchmarker lab functions of run ${runId}`,
    Resources: resources,
    Outputs: {
      InvokeUrl: {
        Description: 'Base URL the client agent POSTs <deployed name> to',
        Value: { 'Fn::Sub': `https://\${Api}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${STAGE_NAME}` },
      },
      ApiKeyId: { Description: 'Id of the API key (its value: apigateway GetApiKey includeValue)', Value: ref('ApiKey') },
      FunctionPrefix: { Description: 'Prefix of the deployed function names', Value: prefix },
    },
  };
}

/** `arn:<partition>:lambda:<region>:<account>:function:<name>`, resolved by CloudFormation. */
function functionArnSub(name: string) {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}` };
}
