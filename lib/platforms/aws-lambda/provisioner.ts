/**
 * ProvisionFunctions for AWS Lambda: one CloudFormation stack per run (`fb-<run8>-lab`, template
 * from `labStackTemplate`), holding the four lab functions under per-run names
 * (`fb-<run8>-function1` …) behind a REST API that needs an API key.
 *
 * - provision: CreateStack (CAPABILITY_IAM, run and expiry tags, which CloudFormation propagates to
 *   the stack's resources; OnFailure DELETE) with the run id as
 *   ClientRequestToken, so a retried ProvisionFunctions never makes a second stack; a stack that
 *   already exists (AlreadyExistsException) counts as started. Answers `{ stackName, stackId?,
 *   functionPrefix, ready: false }`.
 * - check (polled by the state machine's Wait + Choice loop): DescribeStacks, by the stack id when
 *   provision reported one (an id still describes a stack that OnFailure DELETE removed, a name
 *   does not). CREATE_COMPLETE → `{ ready: true, gatewayUrl: <InvokeUrl output>, apiKeyId,
 *   functionPrefix, stackName }`; CREATE_IN_PROGRESS / REVIEW_IN_PROGRESS → `{ ready: false }`;
 *   ROLLBACK_*, CREATE_FAILED, DELETE_*, a stack that no longer exists, or any other status →
 *   `{ ready: false, failed: true, reason }`, the reason being the first resource's CREATE_FAILED
 *   reason from the stack events when there is one, else the StackStatusReason.
 * - teardown: DeleteStack, which is idempotent; a stack that does not exist is fine. It does not
 *   wait for the deletion to finish.
 * Throttling, 5xx answers and network failures become ProvisionTransientError (the state machine
 * retries it); a template or permission problem on create becomes ProvisionFailedError.
 *
 * - agentTarget (StartAgent, right before the plan is sent): the agent's `aws-lambda` provider
 *   config, `{ invokeUrl, apiKey, functionPrefix }`. The client agent sends the key as `x-api-key`,
 *   but DescribeStacks gives only its id (`apiKeyId`, the `ApiKeyId` output), and check's answer
 *   is stored in the Step Functions execution history, where a secret must not end up; so the
 *   value is read only here, with API Gateway's GetApiKey (`includeValue: true`; IAM
 *   `apigateway:GET` on `arn:aws:apigateway:<region>::/apikeys/*`), and goes only into the plan.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../../lab-functions/names';
import type { ProviderConfig } from '../../agent/provider-config';
import { errorNameOf, messageOf } from '../../errors/describe';
import { isTransientAwsError } from '../aws/transient';
import { ProvisionFailedError, ProvisionTransientError } from '../errors';
import type { BranchInput, FunctionProvisioner, ReadinessCheck, RemovalCheck } from '../platform';
import { awsRunTagsOf, runPrefixOf } from '../run-resources';
import { DEFAULT_LAMBDA_MEMORY_MB, DEFAULT_LAMBDA_TIMEOUT_SECONDS, LAMBDA_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS, labStackTemplate } from './lab-template';

export interface AwsLambdaProvisionerOptions {
  /** @default a new CloudFormationClient for the environment's region */
  client?: CloudFormationClient;
  /** Reads the API key's value for the agent. @default a new APIGatewayClient for the environment's region */
  apiGateway?: APIGatewayClient;
  /** Bucket the control plane uploaded the zipped bundles to. */
  codeBucket: string;
  /** Key of each function's zip in codeBucket. @default `aws-lambda/<function>.zip` */
  codeKeys?: Record<LabFunctionName, string>;
  /** Memory of the functions unless the run's platformOptions.memoryMb says otherwise. @default 1024 */
  memoryMb?: number;
  /** Timeout of the functions unless the run's platformOptions.timeoutSeconds says otherwise. @default 30 */
  timeoutSeconds?: number;
  /**
   * The role CloudFormation creates and deletes the lab stack's resources with (`RoleARN`), so
   * the step Lambda itself needs only the CloudFormation calls and `iam:PassRole` on this role.
   */
  cloudFormationRoleArn?: string;
  /** An existing execution role instead of the stack's own. */
  roleArn?: string;
  /** Stage and usage-plan throttle. @default the template's */
  throttle?: { rateLimit: number; burstLimit: number };
  /** The KMS key the lab stack's log groups are encrypted with (LabStackOptions.logsKmsKeyArn). */
  logsKmsKeyArn?: string;
  /** Clock in epoch milliseconds (the stack's expiry tag counts from it). @default Date.now */
  now?: () => number;
}

const IN_PROGRESS = new Set(['CREATE_IN_PROGRESS', 'REVIEW_IN_PROGRESS']);

export class AwsLambdaProvisioner implements FunctionProvisioner {
  private readonly client: CloudFormationClient;
  private readonly apiGateway: APIGatewayClient;

  constructor(private readonly options: AwsLambdaProvisionerOptions) {
    this.client = options.client ?? new CloudFormationClient({});
    this.apiGateway = options.apiGateway ?? new APIGatewayClient({});
  }

  /** The run's stack: `fb-<run8>-lab`. */
  static stackNameOf(runId: string): string {
    return `${runPrefixOf(runId)}lab`;
  }

  async provision(input: BranchInput): Promise<Record<string, unknown>> {
    const { runId } = input.run;
    const prefix = runPrefixOf(runId);
    const stackName = AwsLambdaProvisioner.stackNameOf(runId);
    const template = labStackTemplate({
      runId,
      prefix,
      memoryMb: this.setting(input, 'memoryMb', this.options.memoryMb ?? DEFAULT_LAMBDA_MEMORY_MB, LAMBDA_MEMORY_MB.min, LAMBDA_MEMORY_MB.max),
      timeoutSeconds: this.setting(input, 'timeoutSeconds', this.options.timeoutSeconds ?? DEFAULT_LAMBDA_TIMEOUT_SECONDS, LAMBDA_TIMEOUT_SECONDS.min, LAMBDA_TIMEOUT_SECONDS.max),
      codeBucket: this.options.codeBucket,
      codeKeys: this.options.codeKeys ?? codeKeysOf('aws-lambda/'),
      ...(this.options.roleArn ? { roleArn: this.options.roleArn } : {}),
      ...(this.options.throttle ? { throttle: this.options.throttle } : {}),
      ...(this.options.logsKmsKeyArn ? { logsKmsKeyArn: this.options.logsKmsKeyArn } : {}),
    });
    let stackId: string | undefined;
    try {
      const created = await this.client.send(
        new CreateStackCommand({
          StackName: stackName,
          TemplateBody: JSON.stringify(template),
          Capabilities: ['CAPABILITY_IAM'],
          Tags: awsRunTagsOf(runId, (this.options.now ?? Date.now)()),
          OnFailure: 'DELETE',
          ClientRequestToken: runId,
          ...(this.options.cloudFormationRoleArn ? { RoleARN: this.options.cloudFormationRoleArn } : {}),
        }),
      );
      stackId = created.StackId;
    } catch (error) {
      if (errorNameOf(error) !== 'AlreadyExistsException') {
        if (isTransientAwsError(error)) throw new ProvisionTransientError(`CreateStack ${stackName}: ${messageOf(error)}`);
        throw new ProvisionFailedError(`CreateStack ${stackName} refused: ${messageOf(error)}`);
      }
      // Already there: a retried ProvisionFunctions. check follows it by name.
    }
    return { stackName, ...(stackId ? { stackId } : {}), functionPrefix: prefix, ready: false };
  }

  async check(input: BranchInput): Promise<ReadinessCheck> {
    const { runId } = input.run;
    const prefix = runPrefixOf(runId);
    const stackName = AwsLambdaProvisioner.stackNameOf(runId);
    const stackId = typeof input.functions?.stackId === 'string' ? input.functions.stackId : undefined;
    const known = { stackName, ...(stackId ? { stackId } : {}), functionPrefix: prefix };
    let stack: Stack | undefined;
    try {
      const described = await this.client.send(new DescribeStacksCommand({ StackName: stackId ?? stackName }));
      stack = described.Stacks?.[0];
    } catch (error) {
      if (isTransientAwsError(error)) throw new ProvisionTransientError(`DescribeStacks ${stackName}: ${messageOf(error)}`);
      if (!isMissingStack(error)) throw error;
    }
    if (!stack) return { ...known, ready: false, failed: true, reason: `stack ${stackName} does not exist (its creation failed and it was deleted, or it was never created)` };

    const status = stack.StackStatus ?? 'UNKNOWN';
    if (status === 'CREATE_COMPLETE') {
      const gatewayUrl = outputOf(stack, 'InvokeUrl');
      const apiKeyId = outputOf(stack, 'ApiKeyId');
      if (!gatewayUrl || !apiKeyId) return { ...known, ready: false, failed: true, status, reason: `stack ${stackName} is complete but lacks the InvokeUrl or ApiKeyId output` };
      return { ...known, ready: true, status, gatewayUrl, apiKeyId };
    }
    if (IN_PROGRESS.has(status)) return { ...known, ready: false, status };
    const reason = (await this.firstFailure(stack.StackId ?? stackId ?? stackName)) ?? stack.StackStatusReason ?? `stack ${stackName} is ${status}`;
    return { ...known, ready: false, failed: true, status, reason };
  }

  async agentTarget(input: BranchInput): Promise<ProviderConfig> {
    const { gatewayUrl, apiKeyId } = input.functions ?? {};
    if (typeof gatewayUrl !== 'string' || typeof apiKeyId !== 'string') {
      throw new ProvisionFailedError(`run ${input.run.runId}: the lab stack reported no InvokeUrl or ApiKeyId`);
    }
    let value: string | undefined;
    try {
      ({ value } = await this.apiGateway.send(new GetApiKeyCommand({ apiKey: apiKeyId, includeValue: true })));
    } catch (error) {
      if (isTransientAwsError(error)) throw new ProvisionTransientError(`GetApiKey ${apiKeyId}: ${messageOf(error)}`);
      throw new ProvisionFailedError(`GetApiKey ${apiKeyId} refused: ${messageOf(error)}`);
    }
    if (!value) throw new ProvisionFailedError(`GetApiKey ${apiKeyId} answered no value`);
    return { platform: 'aws-lambda', invokeUrl: gatewayUrl, apiKey: value, functionPrefix: runPrefixOf(input.run.runId) };
  }

  async teardown(input: BranchInput): Promise<void> {
    const stackName = AwsLambdaProvisioner.stackNameOf(input.run.runId);
    try {
      await this.client.send(new DeleteStackCommand({ StackName: stackName }));
    } catch (error) {
      if (isMissingStack(error)) return;
      if (isTransientAwsError(error)) throw new ProvisionTransientError(`DeleteStack ${stackName}: ${messageOf(error)}`);
      throw error;
    }
  }

  /**
   * Where the lab stack's deletion stands: gone at `DELETE_COMPLETE` or once the stack no longer
   * exists; failed at `DELETE_FAILED`, naming the first resource that could not be deleted; else
   * still going (`DELETE_IN_PROGRESS`).
   */
  async removal(input: BranchInput): Promise<RemovalCheck> {
    const stackName = AwsLambdaProvisioner.stackNameOf(input.run.runId);
    let status: string;
    let statusReason: string | undefined;
    try {
      const { Stacks: stacks = [] } = await this.client.send(new DescribeStacksCommand({ StackName: stackName }));
      status = stacks[0]?.StackStatus ?? 'DELETE_COMPLETE';
      statusReason = stacks[0]?.StackStatusReason;
    } catch (error) {
      if (isMissingStack(error)) return { gone: true, state: 'DELETE_COMPLETE' };
      if (isTransientAwsError(error)) throw new ProvisionTransientError(`DescribeStacks ${stackName}: ${messageOf(error)}`);
      throw error;
    }
    if (status === 'DELETE_COMPLETE') return { gone: true, state: status };
    if (status === 'DELETE_FAILED') {
      const first = await this.firstFailure(stackName, 'DELETE_FAILED');
      return { gone: false, failed: true, state: status, reason: `lab stack ${stackName} is DELETE_FAILED: ${first ?? statusReason ?? 'no reason given'}` };
    }
    return { gone: false, state: status };
  }

  /** The earliest resource CREATE_FAILED reason that is not a mere cancellation; undefined when unknown. */
  private async firstFailure(stack: string, failedStatus: 'CREATE_FAILED' | 'DELETE_FAILED' = 'CREATE_FAILED'): Promise<string | undefined> {
    try {
      const { StackEvents: events = [] } = await this.client.send(new DescribeStackEventsCommand({ StackName: stack }));
      // Events come newest first.
      const failed = [...events]
        .reverse()
        .find((event) => event.ResourceStatus === failedStatus && event.ResourceStatusReason && !/cancell?ed/i.test(event.ResourceStatusReason));
      return failed ? `${failed.LogicalResourceId ?? 'resource'}: ${failed.ResourceStatusReason}` : undefined;
    } catch {
      return undefined;
    }
  }

  /** A numeric platformOptions setting of the run, else the default; out of range → ProvisionFailedError. */
  private setting(input: BranchInput, key: string, fallback: number, min: number, max: number): number {
    const value = input.platformOptions[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ProvisionFailedError(`platformOptions.${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
  }
}

/** `<prefix><function>.zip` for each lab function. */
export function codeKeysOf(prefix: string): Record<LabFunctionName, string> {
  return Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, `${prefix}${fn}.zip`])) as Record<LabFunctionName, string>;
}

function outputOf(stack: Stack, key: string): string | undefined {
  return stack.Outputs?.find((output) => output.OutputKey === key)?.OutputValue;
}

/** CloudFormation's `ValidationError: Stack with id … does not exist`. */
function isMissingStack(error: unknown): boolean {
  return errorNameOf(error) === 'ValidationError' && /does not exist/i.test(messageOf(error));
}
