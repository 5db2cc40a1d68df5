/**
 * `ControlPlaneStack`: the stateless half of the control plane (docs/architecture.md) — what runs
 * an experiment. Deployed after the `ResultsStack`, whose database and bucket it is granted
 * through typed props (never ARN strings). It composes these constructs (construct id in parentheses):
 *
 * - `CallbackEndpoint` (`Callback`): `POST /callback` on the callback Lambda, where client agents report;
 * - `RunExperimentSteps` (`Steps`): the eleven step Lambdas, one per Task of state-machines/run-experiment.asl.json;
 * - with Azure configured, `CloudPlatforms` (`CloudPlatforms`): code assets, the lab stacks'
 *   CloudFormation role, API Gateway's account-wide CloudWatch Logs role (unless the stage's
 *   `apiGatewayCloudWatchRole` is `existing`), the EC2 clients' VPC (one public subnet, no NAT)
 *   and instance role, each cloud step's grants;
 * - `SchemaMigrations` (`Migrations`): the custom resource that migrates the results schema at deploy time;
 * - `RunExperimentStateMachine` (`RunExperiment`): the Standard state machine, created after the
 *   migrations; the callback Lambda may `SendTaskSuccess/Failure/Heartbeat` on it only;
 * - `ExperimentSchedules` (`Schedules`): one schedule per entry of the schedule file (lib/config/schedules.ts).
 *
 * Nothing here holds results, so construct IDs may change; a renamed construct's resources are
 * replaced on the next deploy (the execution log group has a fixed name, so renaming
 * `RunExperiment` needs the retained old group deleted first).
 *
 * Idle cost: nothing but CloudWatch Logs storage. Lambda, Step Functions (Standard: per state
 * transition), the HTTP API (per request), Scheduler (free tier: 14 million invocations a month)
 * and the Data API (per request) all bill per use; the custom resource runs only during deploys.
 * The client VPC has no NAT gateway and costs nothing while no client instance runs.
 */
import { Aspects, CfnOutput, type CustomResource, Duration, Fn, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DEFAULT_CROSS_STACK_REFERENCES } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import type { ScheduleConfig } from '../config/schedules';
import type { StageConfig } from '../config/stage';
import { CallbackEndpoint } from '../constructs/callback-endpoint';
import { CloudPlatforms, type CloudPlatformsProps } from '../constructs/cloud-platforms';
import type { ControlPlaneFunction } from '../constructs/control-plane-function';
import type { ControlPlaneResults } from '../constructs/control-plane-results';
import { ExperimentSchedules } from '../constructs/experiment-schedules';
import { EncryptLogGroups } from '../constructs/log-group-encryption';
import { RunSweeper } from '../constructs/run-sweeper';
import { SWEEPER_FUNCTION_OUTPUT } from '../sweep/deployed-sweeper';
import { readRunExperimentDefinition } from '../constructs/run-experiment-definition';
import { RunExperimentStateMachine } from '../constructs/run-experiment-state-machine';
import { RunExperimentSteps, type StepFunctionName } from '../constructs/run-experiment-steps';
import { SchemaMigrations } from '../constructs/schema-migrations';
import { CLEANUP_STATUSES } from '../control-plane/cleanup-execution';
import { agentLogGroupName } from '../agent-logs/names';
import { AGENT_LOG_GROUP_OUTPUT } from '../agent-logs/stage-log-locations';

/** Properties of the {@link ControlPlaneStack}. */
export interface ControlPlaneStackProps extends StackProps {
  /** Stage name, part of the state machine, API, log group and schedule names (e.g. `dev`). */
  readonly stageName: string;

  /** The results database and bucket (normally the stage's `ResultsStack`). */
  readonly results: ControlPlaneResults;

  /** Encrypts every log group of the stack (the results stack's key, whose policy admits CloudWatch Logs). */
  readonly logsKey: kms.IKey;

  /**
   * The experiments to start on a schedule, validated (`loadStageSchedules` of lib/config/schedules-source.ts).
   *
   * @default - no schedules: runs start only through `fb run`, the console or the API
   */
  readonly schedules?: readonly ScheduleConfig[];

  /**
   * Retention of every log group of the stack (functions, state machine, API access logs).
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Steady-state requests per second the callback API accepts.
   *
   * @default - the `CallbackEndpoint` default (10)
   */
  readonly callbackRateLimitPerSecond?: number;

  /**
   * Burst of requests the callback API accepts above the steady rate.
   *
   * @default - the `CallbackEndpoint` default (20)
   */
  readonly callbackBurstLimit?: number;

  /**
   * The cloud platforms: Azure (the service principal's secret, the region of per-run resource
   * groups) and optionally an OpenFaaS gateway. With Azure, runs may target aws-lambda (Azure VM
   * client), azure-functions (EC2 client) and, with a gateway, openfaas (Azure VM client).
   *
   * @default - none: the control plane refuses cloud platforms with PlatformNotAvailableError
   */
  readonly cloud?: Omit<CloudPlatformsProps, 'steps' | 'plansBucket' | 'plansKey' | 'logsKey' | 'logRetention' | 'agentLogGroupName'>;
}

/** The props of the control-plane stack of a validated stage. */
export function controlPlaneStackProps(config: StageConfig, results: ControlPlaneResults & { readonly key: kms.IKey }, schedules: readonly ScheduleConfig[]): ControlPlaneStackProps {
  return {
    env: { account: config.account, region: config.region },
    stageName: config.stageName,
    results,
    logsKey: results.key,
    schedules,
    logRetention: config.logRetentionDays as logs.RetentionDays,
    ...(config.azureSubscriptionId
      ? {
          cloud: {
            agentLogRetention: config.agentLogRetentionDays as logs.RetentionDays,
            apiGatewayCloudWatchRole: config.apiGatewayCloudWatchRole,
            azure: { subscriptionId: config.azureSubscriptionId, location: config.azureLocation, credentialsSecretName: config.azureCredentialsSecretName },
            ...(config.openfaasGatewayUrl ? { openfaas: { gatewayUrl: config.openfaasGatewayUrl } } : {}),
          },
        }
      : {}),
  };
}

/** The RunExperiment state machine, its step Lambdas, the callback API, migrations and schedules. */
export class ControlPlaneStack extends Stack {
  /** The RunExperiment state machine (`FB_STATE_MACHINE_ARN` for `fb run`). */
  readonly stateMachine: sfn.StateMachine;
  /** The step Lambdas, by the name of their placeholder. */
  readonly steps: Readonly<Record<StepFunctionName, ControlPlaneFunction>>;
  /** The callback Lambda behind `POST /callback`. */
  readonly callback: ControlPlaneFunction;
  /** The HTTP API of the callback. */
  readonly callbackApi: apigwv2.HttpApi;
  /** The full callback URL the agents are given (`CALLBACK_URL`). */
  readonly callbackUrl: string;
  /** The custom resource that applies the schema migrations. */
  readonly migrations: CustomResource;
  /** The schedules, by their configured name. */
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /** The cloud platforms' code, roles and client network, when configured. */
  readonly cloud: CloudPlatforms | undefined;
  /** The hourly sweeper of expired per-run resources, with the cloud platforms. */
  readonly sweeper: RunSweeper | undefined;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, {
      description: `faas-benchmarker control plane (${props.stageName}): RunExperiment state machine, step Lambdas, callback API, schedules`,
      ...props,
    });
    // Cross-stack references stay CloudFormation exports (the default, now explicit): the stateful results
    // stack then cannot drop an output the control plane still uses.
    this.node.setContext(DEFAULT_CROSS_STACK_REFERENCES, ReferenceStrength.STRONG);
    const { results, stageName } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const namePrefix = `faas-benchmarker-${stageName}`;
    Aspects.of(this).add(new EncryptLogGroups(props.logsKey));
    const definition = readRunExperimentDefinition();

    // The callback endpoint first: the step Lambdas are given its URL.
    const callback = new CallbackEndpoint(this, 'Callback', {
      apiName: `${namePrefix}-callback`,
      results,
      logRetention,
      rateLimitPerSecond: props.callbackRateLimitPerSecond,
      burstLimitRequests: props.callbackBurstLimit,
    });
    const steps = new RunExperimentSteps(this, 'Steps', { definition, results, callbackUrl: callback.url, callbackSigningKey: callback.signingKey, logRetention });
    // The sweeper removes expired per-run cloud resources, so there is one only with cloud platforms.
    const sweeper = props.cloud ? new RunSweeper(this, 'Sweeper', { scheduleName: `${namePrefix}-sweep`, logRetention }) : undefined;
    this.sweeper = sweeper;
    this.cloud = props.cloud
      ? new CloudPlatforms(this, 'CloudPlatforms', { ...props.cloud, steps: steps.functions, cleanup: steps.cleanup, callback: callback.function, ...(sweeper ? { sweeper: sweeper.function } : {}), plansBucket: results.bucket, plansKey: results.bucket.encryptionKey, logsKey: props.logsKey, logRetention, agentLogGroupName: agentLogGroupName(stageName) })
      : undefined;
    const migrations = new SchemaMigrations(this, 'Migrations', { results, logRetention });
    const runExperiment = new RunExperimentStateMachine(this, 'RunExperiment', {
      stateMachineName: `${namePrefix}-RunExperiment`,
      definition,
      steps: steps.functions,
      dependsOn: [migrations.resource],
      logRetention,
    });
    // The callback Lambda completes the agent's Task (SendTaskSuccess/Failure/Heartbeat), on this state machine only.
    runExperiment.stateMachine.grantTaskResponse(callback.function);
    // Executions that end without their own Teardown (stopped, timed out, a terminal error) are cleaned up.
    new events.Rule(this, 'ExecutionEnded', {
      description: 'RunExperiment executions that were stopped, timed out or failed: tear down and fail the runs they left active',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: [...CLEANUP_STATUSES], stateMachineArn: [runExperiment.stateMachine.stateMachineArn] },
      },
      targets: [new targets.LambdaFunction(steps.cleanup.function, { retryAttempts: 4, maxEventAge: Duration.hours(6) })],
    });
    const schedules = new ExperimentSchedules(this, 'Schedules', {
      stateMachine: runExperiment.stateMachine,
      schedules: props.schedules,
      groupName: namePrefix,
      scheduleNamePrefix: stageName,
    });

    this.stateMachine = runExperiment.stateMachine;
    this.steps = steps.functions;
    this.callback = callback.function;
    this.callbackApi = callback.api;
    this.callbackUrl = callback.url;
    this.migrations = migrations.resource;
    this.schedules = schedules.schedules;

    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: 'RunExperiment: set FB_STATE_MACHINE_ARN to this for `fb run` against the cloud',
    });
    new CfnOutput(this, 'CallbackUrl', { value: this.callbackUrl, description: 'Where client agents report (POST)' });
    if (sweeper) {
      new CfnOutput(this, SWEEPER_FUNCTION_OUTPUT, { value: sweeper.function.function.functionName, description: 'The sweeper Lambda (hourly): `fb sweep --stage` invokes it' });
    }
    if (this.cloud) {
      new CfnOutput(this, AGENT_LOG_GROUP_OUTPUT, { value: this.cloud.agentLogGroup.logGroupName, description: "The EC2 clients' agent logs (SSM Run Command output): `fb logs <run-id> --stage` reads it" });
    }
  }

  /** One zone, unnamed: keeps synth free of the availability-zone context lookup (the EC2 clients need only one). */
  override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs())];
  }
}
