/**
 * `ControlPlaneStack`: the stateless half of the control plane (ARCHITECTURE §1, §4) — what runs
 * an experiment. Deployed after the `ResultsStack`, whose database and bucket it is granted
 * through typed props (never ARN strings).
 *
 * It creates:
 * - one `ControlPlaneFunction` per Task of state-machines/run-experiment.asl.json (eleven step
 *   Lambdas, lambdas/steps/*.ts), each granted only what its step code uses (see {@link STEP_FUNCTIONS});
 * - the `RunExperiment` Standard state machine, its definition inlined from the ASL file with every
 *   `${…FunctionArn}` placeholder substituted, logging ALL events with execution data to its own
 *   log group, X-Ray tracing on; it may invoke exactly those eleven functions (unqualified ARNs);
 * - the callback endpoint: an API Gateway HTTP API with one route, `POST /callback`, on the
 *   callback Lambda (lambdas/callback/handler.ts), stage throttling and JSON access logs. The route
 *   has no API Gateway authorizer: a request is authenticated by its run's callback secret
 *   (`Authorization: Bearer …`, checked against the hash in the `callbacks` table). The callback
 *   Lambda may `SendTaskSuccess/Failure/Heartbeat` on this state machine only;
 * - schema migrations at deploy time: a custom resource (Provider framework + lambdas/migrate)
 *   that applies lib/results/migrations through the Data API, re-run whenever the migrations hash
 *   changes; the state machine is created after it, so no run sees an old schema;
 * - one EventBridge Scheduler schedule per entry of lib/config/schedules.ts (StartExecution of
 *   RunExperiment with the entry's run input), in the stage's schedule group;
 * - with Azure configured, the cloud platforms (`CloudPlatforms`): code assets, the lab stacks'
 *   CloudFormation role, the EC2 clients' VPC (one public subnet, no NAT) and instance role.
 *
 * Idle cost: nothing but CloudWatch Logs storage. Lambda, Step Functions (Standard: per state
 * transition), the HTTP API (per request), Scheduler (free tier: 14 million invocations a month)
 * and the Data API (per request) all bill per use; the custom resource runs only during deploys.
 * The client VPC has no NAT gateway and costs nothing while no client instance runs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, CfnOutput, CustomResource, Duration, Fn, ReferenceStrength, RemovalPolicy, Stack, type StackProps, TimeZone, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { DEFAULT_CROSS_STACK_REFERENCES } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import type { ScheduleConfig } from '../config/schedules';
import { scheduleRunInput } from '../config/schedules';
import type { StageConfig } from '../config/stage';
import { CloudPlatforms, type CloudPlatformsProps } from '../constructs/cloud-platforms';
import { ControlPlaneFunction, PROJECT_ROOT } from '../constructs/control-plane-function';
import { MIGRATIONS, type Migration } from '../results/migrations';

/** The state machine definition, inlined into the template (placeholders substituted by CloudFormation). */
export const RUN_EXPERIMENT_ASL_FILE = join(PROJECT_ROOT, 'state-machines', 'run-experiment.asl.json');
/** The Task that waits for the agent's callback; its TimeoutSeconds is how long a callback stays valid. */
export const AGENT_STATE_NAME = 'RunAgent';
/** The route the client agent reports to. */
export const CALLBACK_PATH = '/callback';

/** What one step Lambda is and may touch. */
export interface StepFunctionSpec {
  /** The handler module, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  /** Reads or writes the results database (runs, callbacks) through the Data API. */
  readonly resultsStore: boolean;
  /** Access to the raw result files (`raw/*` of the results bucket): read them, write them (or presign uploads), or both. */
  readonly rawResults?: 'read' | 'write' | 'read-write';
  /** The Lambda's timeout when it is not the Task's (RunAgent waits far longer than StartAgent runs). */
  readonly timeoutSec?: number;
  readonly memorySizeMiB?: number;
}

/**
 * The eleven step Lambdas of RunExperiment, by the name of the `${<name>FunctionArn}` placeholder
 * they fill, with the grants their step code (lib/control-plane/steps.ts) needs today:
 * - ValidateInput: pure schema and registry check — no database, no bucket.
 * - CheckFunctionsReady, ProvisionClient, CheckClientReady: only the platform's provisioner / client
 *   driver. The cloud platforms' grants (CloudFormation, EC2, SSM, the Azure secret, plans, code
 *   assets) are each cloud step's own policy, made by the `CloudPlatforms` construct when Azure is
 *   configured (lib/constructs/cloud-platforms.ts).
 * - ReleaseLock: counts the branches' outcomes; the runs rows are finished by FinishRun.
 * - StartAgent: sets `running`, registers the callback (runs, callbacks) and presigns the PUT the
 *   agent uploads its results file with, so it may put objects under `raw/` (a presigned URL only
 *   carries its signer's permissions).
 * - CollectResults: reads the agent's raw file, stages it as COPY TEXT files under `raw/<run>/`
 *   and has Aurora load them (`aws_s3.table_import_from_s3`, through the cluster's S3 import role).
 * Every step Lambda still gets the full environment, because lambdas/shared/environment.ts reads
 * all of it at module load.
 */
export const STEP_FUNCTIONS = {
  ValidateInput: { entry: 'lambdas/steps/validate-input.ts', description: 'RunExperiment ValidateInput: check the run input', resultsStore: false },
  AcquireLock: { entry: 'lambdas/steps/acquire-lock.ts', description: 'RunExperiment AcquireLock: one exclusive runs row per platform', resultsStore: true },
  ProvisionFunctions: { entry: 'lambdas/steps/provision-functions.ts', description: 'RunExperiment ProvisionFunctions: deploy the lab functions', resultsStore: true },
  CheckFunctionsReady: { entry: 'lambdas/steps/check-functions-ready.ts', description: 'RunExperiment CheckFunctionsReady: are the lab functions up?', resultsStore: false },
  ProvisionClient: { entry: 'lambdas/steps/provision-client.ts', description: 'RunExperiment ProvisionClient: the client VM on the opposite cloud', resultsStore: false },
  CheckClientReady: { entry: 'lambdas/steps/check-client-ready.ts', description: 'RunExperiment CheckClientReady: does the client VM take commands?', resultsStore: false },
  StartAgent: {
    entry: 'lambdas/steps/start-agent.ts',
    description: 'RunExperiment RunAgent: register the callback and start the client agent',
    resultsStore: true,
    rawResults: 'write',
    // Long enough for a first Azure Run Command (it may install the VM's extension) to report the agent started.
    timeoutSec: 600,
  },
  CollectResults: {
    entry: 'lambdas/steps/collect-results.ts',
    description: 'RunExperiment CollectResults: import the raw results file',
    resultsStore: true,
    rawResults: 'read-write',
    memorySizeMiB: 1024,
  },
  Teardown: { entry: 'lambdas/steps/teardown.ts', description: 'RunExperiment Teardown: delete what the branch made', resultsStore: true },
  FinishRun: { entry: 'lambdas/steps/finish-run.ts', description: 'RunExperiment FinishRun: completed or failed, with the reason', resultsStore: true },
  ReleaseLock: { entry: 'lambdas/steps/release-lock.ts', description: 'RunExperiment ReleaseLock: count failed platforms', resultsStore: false },
} as const satisfies Record<string, StepFunctionSpec>;

export type StepFunctionName = keyof typeof STEP_FUNCTIONS;

/** The results-store resources the control plane is granted; a {@link ResultsStack} provides them all. */
export interface ControlPlaneResults {
  /** The Aurora cluster (Data API on). */
  readonly cluster: rds.IDatabaseCluster;
  /** The Data API's `secretArn`: the cluster's master-user secret. */
  readonly secret: secretsmanager.ISecret;
  /** The results bucket. */
  readonly bucket: s3.IBucket;
  /** The database that holds the results schema. */
  readonly databaseName: string;
  /** Key prefix of raw result files in {@link bucket}, e.g. `raw/`. */
  readonly rawResultsPrefix: string;
}

/** Properties of the {@link ControlPlaneStack}. */
export interface ControlPlaneStackProps extends StackProps {
  /** Stage name, part of the state machine, API, log group and schedule names (e.g. `dev`). */
  readonly stageName: string;

  /** The results database and bucket (normally the stage's `ResultsStack`). */
  readonly results: ControlPlaneResults;

  /**
   * The experiments to start on a schedule, validated (`loadSchedules` of lib/config/schedules.ts).
   *
   * @default - no schedules: runs start only through `fb run`, the console or the API
   */
  readonly schedules?: readonly ScheduleConfig[];

  /**
   * Retention of every log group of the stack (functions, state machine, API access logs).
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Steady-state requests per second the callback API accepts (agents call once per run plus a
   * heartbeat a minute).
   *
   * @default 10
   */
  readonly callbackRateLimitPerSec?: number;

  /**
   * Burst of requests the callback API accepts above the steady rate.
   *
   * @default 20
   */
  readonly callbackBurstLimit?: number;

  /**
   * The cloud platforms: Azure (the service principal's secret, the region of per-run resource
   * groups) and optionally an OpenFaaS gateway. With Azure, runs may target aws-lambda (Azure VM
   * client), azure-functions (EC2 client) and, with a gateway, openfaas (Azure VM client).
   *
   * @default - none: the control plane refuses cloud platforms with PlatformNotAvailableError
   */
  readonly cloud?: Omit<CloudPlatformsProps, 'steps' | 'plansBucket' | 'plansKey' | 'logRetention'>;
}

/** The props of the control-plane stack of a validated stage. */
export function controlPlaneStackProps(config: StageConfig, results: ControlPlaneResults, schedules: readonly ScheduleConfig[]): ControlPlaneStackProps {
  return {
    env: { account: config.account, region: config.region },
    stageName: config.stageName,
    results,
    schedules,
    logRetention: config.logRetentionDays as logs.RetentionDays,
    ...(config.azureSubscriptionId
      ? {
          cloud: {
            azure: { subscriptionId: config.azureSubscriptionId, location: config.azureLocation, credentialsSecretName: config.azureCredentialsSecretName },
            ...(config.openfaasGatewayUrl ? { openfaas: { gatewayUrl: config.openfaasGatewayUrl } } : {}),
          },
        }
      : {}),
  };
}

/** The ASL and the stack disagree on the placeholders, or the ASL lacks a state the stack relies on. */
export class ControlPlaneDefinitionError extends Error {
  override name = 'ControlPlaneDefinitionError';
}

/** The `${Name}` placeholders of an ASL document, sorted, each once. */
export function aslPlaceholders(asl: string): string[] {
  return [...new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? ''))].sort();
}

/** The parts of an ASL state the stack reads. */
export interface AslState {
  Type?: string;
  TimeoutSeconds?: number;
  States?: Record<string, AslState>;
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
  Branches?: { States?: Record<string, AslState> }[];
}

/** Every state of an ASL document by name, including those inside Map and Parallel states. */
export function aslStates(definition: AslState): Map<string, AslState> {
  const found = new Map<string, AslState>();
  const walk = (states: Record<string, AslState> | undefined) => {
    for (const [name, state] of Object.entries(states ?? {})) {
      found.set(name, state);
      walk(state.ItemProcessor?.States);
      walk(state.Iterator?.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return found;
}

/** SHA-256 of the migrations (version, name and SQL): changes whenever a migration is added or edited. */
export function migrationsHash(migrations: readonly Migration[] = MIGRATIONS): string {
  return createHash('sha256')
    .update(JSON.stringify(migrations.map(({ version, name, sql }) => [version, name, sql])))
    .digest('hex');
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

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, {
      description: `faas-benchmarker control plane (${props.stageName}): RunExperiment state machine, step Lambdas, callback API, schedules`,
      ...props,
    });
    // Cross-stack references stay CloudFormation exports (the default, now explicit): the stateful results
    // stack then cannot drop an output the control plane still uses.
    this.node.setContext(DEFAULT_CROSS_STACK_REFERENCES, ReferenceStrength.STRONG);
    const { results, stageName } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const prefix = `faas-benchmarker-${stageName}`;

    const asl = readFileSync(RUN_EXPERIMENT_ASL_FILE, 'utf8');
    const states = aslStates(JSON.parse(asl) as AslState);
    const agentTimeoutSec = states.get(AGENT_STATE_NAME)?.TimeoutSeconds;
    if (agentTimeoutSec === undefined) {
      throw new ControlPlaneDefinitionError(`${RUN_EXPERIMENT_ASL_FILE}: state ${AGENT_STATE_NAME} with TimeoutSeconds not found`);
    }
    const resultsEnvironment = {
      RESULTS_CLUSTER_ARN: results.cluster.clusterArn,
      RESULTS_SECRET_ARN: results.secret.secretArn,
      RESULTS_DATABASE: results.databaseName,
    };

    // The callback endpoint first: the step Lambdas are given its URL.
    this.callback = new ControlPlaneFunction(this, 'Callback', {
      entry: 'lambdas/callback/handler.ts',
      description: 'POST /callback: an agent reports success, failure or a heartbeat of its run',
      // API Gateway gives up on an integration after 30 s.
      timeout: Duration.seconds(29),
      logRetention,
      environment: { ...resultsEnvironment, STATE_MACHINE_REGION: this.region, RESULTS_BUCKET: results.bucket.bucketName },
    });
    results.cluster.grantDataApiAccess(this.callback);
    // It presigns fresh result uploads for agents whose run outlived the URL in their plan.
    this.grantRawResults(this.callback, results, 'write');

    const accessLogs = new logs.LogGroup(this, 'CallbackApiAccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.callbackApi = new apigwv2.HttpApi(this, 'CallbackApi', {
      apiName: `${prefix}-callback`,
      description: 'Client agents report the outcome of their run (authenticated by the run\'s callback secret)',
      createDefaultStage: false,
    });
    const stage = this.callbackApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.callbackRateLimitPerSec ?? 10, burstLimit: props.callbackBurstLimit ?? 20 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No headers and no body: the Authorization header carries the run's secret.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const [route] = this.callbackApi.addRoutes({
      path: CALLBACK_PATH,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('CallbackIntegration', this.callback.function, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    if (route) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'POST /callback is called by client agents that hold no AWS credentials and no IdP token; each request is ' +
          "authenticated by its run's callback secret (Authorization: Bearer), which the callback Lambda checks against the " +
          'SHA-256 in the callbacks table, accepts once per run and only until the run expires.',
      });
    }
    // `$default` stage: the URL is the API endpoint itself (`…/`), so the route follows it directly.
    this.callbackUrl = `${stage.url}${CALLBACK_PATH.slice(1)}`;

    // The eleven step Lambdas.
    const stepEnvironment = {
      ...resultsEnvironment,
      RESULTS_BUCKET: results.bucket.bucketName,
      CALLBACK_URL: this.callbackUrl,
      AGENT_TIMEOUT_SECONDS: String(agentTimeoutSec),
    };
    const steps = {} as Record<StepFunctionName, ControlPlaneFunction>;
    for (const [name, spec] of Object.entries(STEP_FUNCTIONS) as [StepFunctionName, StepFunctionSpec][]) {
      const taskTimeoutSec = states.get(name)?.TimeoutSeconds;
      const timeoutSec = spec.timeoutSec ?? taskTimeoutSec;
      if (timeoutSec === undefined) {
        throw new ControlPlaneDefinitionError(`${RUN_EXPERIMENT_ASL_FILE}: Task ${name} has no TimeoutSeconds, so its Lambda timeout is unknown`);
      }
      const fn = new ControlPlaneFunction(this, name, {
        entry: spec.entry,
        description: spec.description,
        // A Lambda cannot usefully outlive its Task; Lambda's own maximum is 15 minutes.
        timeout: Duration.seconds(Math.min(timeoutSec, 900)),
        memorySizeMiB: spec.memorySizeMiB,
        logRetention,
        environment: stepEnvironment,
      });
      if (spec.resultsStore) results.cluster.grantDataApiAccess(fn);
      if (spec.rawResults) this.grantRawResults(fn, results, spec.rawResults);
      steps[name] = fn;
    }
    this.steps = steps;
    this.cloud = props.cloud
      ? new CloudPlatforms(this, 'CloudPlatforms', { ...props.cloud, steps, plansBucket: results.bucket, plansKey: results.bucket.encryptionKey, logRetention })
      : undefined;

    // Schema migrations, applied before the state machine exists (and again whenever they change).
    const migrate = new ControlPlaneFunction(this, 'MigrateSchema', {
      entry: 'lambdas/migrate/handler.ts',
      description: 'Custom resource: apply the results-schema migrations through the Data API',
      // Up to 5 minutes waiting for a paused writer to resume, then the migrations themselves.
      timeout: Duration.minutes(10),
      logRetention,
      environment: resultsEnvironment,
    });
    results.cluster.grantDataApiAccess(migrate);
    const providerLogs = new logs.LogGroup(this, 'MigrationsProviderLogs', { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });
    const providerRole = new iam.Role(this, 'MigrationsProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
      description: 'Provider framework of the results-schema migrations: invokes MigrateSchema',
    });
    providerLogs.grantWrite(providerRole);
    const provider = new cr.Provider(this, 'MigrationsProvider', {
      onEventHandler: migrate.function,
      frameworkOnEventRole: providerRole,
      logGroup: providerLogs,
    });
    this.migrations = new CustomResource(this, 'Migrations', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ResultsSchemaMigrations',
      properties: {
        MigrationsHash: migrationsHash(MIGRATIONS),
        LatestVersion: String(MIGRATIONS.at(-1)?.version ?? 0),
        Database: results.databaseName,
      },
    });
    const providerPolicy = providerRole.node.tryFindChild('DefaultPolicy');
    if (providerPolicy) {
      Validations.of(providerPolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(migrate.function.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          'Added by the CDK Provider framework (grantInvoke of the MigrateSchema function also allows its versions and ' +
          'aliases); the framework invokes only the unqualified function, and the wildcard covers no other function.',
      });
    }

    // The state machine, from the ASL file, every placeholder filled with its function's ARN.
    const definitionSubstitutions = Object.fromEntries(
      Object.entries(steps).map(([name, fn]) => [`${name}FunctionArn`, fn.function.functionArn]),
    );
    const placeholders = aslPlaceholders(asl);
    const substituted = Object.keys(definitionSubstitutions).sort();
    if (JSON.stringify(placeholders) !== JSON.stringify(substituted)) {
      throw new ControlPlaneDefinitionError(
        `${RUN_EXPERIMENT_ASL_FILE} has placeholders ${placeholders.join(', ')}, but the stack substitutes ${substituted.join(', ')}`,
      );
    }
    const stateMachineLogs = new logs.LogGroup(this, 'RunExperimentLogs', {
      // Under /aws/vendedlogs/ so Step Functions' log delivery does not grow the account's log resource policy.
      logGroupName: `/aws/vendedlogs/states/${prefix}-RunExperiment`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'RunExperiment', {
      stateMachineName: `${prefix}-RunExperiment`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(asl),
      definitionSubstitutions,
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine.node.addDependency(this.migrations);
    // The ASL names unqualified ARNs, so the machine needs no version or alias (`:*`) permission.
    for (const fn of Object.values(steps)) fn.function.grantInvokeLatestVersion(this.stateMachine);
    const stateMachinePolicy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (stateMachinePolicy) {
      Validations.of(stateMachinePolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Required by AWS for the two features nag asks for: CloudWatch Logs delivery (logs:CreateLogDelivery, ' +
          'GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, ' +
          'DescribeResourcePolicies, DescribeLogGroups) and X-Ray (xray:PutTraceSegments, PutTelemetryRecords, ' +
          'GetSamplingRules, GetSamplingTargets) do not support resource-level permissions.',
      });
    }
    this.stateMachine.grantTaskResponse(this.callback);

    // Schedules: StartExecution of RunExperiment with each entry's run input.
    const scheduleEntries = props.schedules ?? [];
    const schedules: Record<string, scheduler.Schedule> = {};
    if (scheduleEntries.length > 0) {
      const group = new scheduler.ScheduleGroup(this, 'Schedules', { scheduleGroupName: prefix, removalPolicy: RemovalPolicy.DESTROY });
      for (const entry of scheduleEntries) {
        schedules[entry.name] = new scheduler.Schedule(this, `Schedule-${entry.name}`, {
          scheduleName: `${stageName}-${entry.name}`,
          scheduleGroup: group,
          description: entry.description ?? `RunExperiment ${entry.experiment} on ${entry.platforms.join(', ')}`,
          schedule: scheduler.ScheduleExpression.expression(entry.expression, entry.timezone ? TimeZone.of(entry.timezone) : undefined),
          enabled: entry.enabled,
          target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
            input: scheduler.ScheduleTargetInput.fromObject(scheduleRunInput(entry)),
            // A run that cannot start within the hour is skipped rather than started late.
            retryAttempts: 3,
            maxEventAge: Duration.hours(1),
          }),
        });
      }
    }
    this.schedules = schedules;

    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: 'RunExperiment: set FB_STATE_MACHINE_ARN to this for `fb run` against the cloud',
    });
    new CfnOutput(this, 'CallbackUrl', { value: this.callbackUrl, description: 'Where client agents report (POST)' });
  }

  /**
   * Read: `s3:GetObject` on the raw result files and `kms:Decrypt` on the bucket's key — what
   * reading a run's file takes. Write: `s3:PutObject` there and `kms:GenerateDataKey`/`Encrypt`,
   * what a presigned upload signed by this function needs. Narrower than `bucket.grantRead/Put`,
   * which add `s3:GetObject*`, `s3:GetBucket*`, `s3:List*`, `s3:Abort*` that nothing here uses.
   */
  private grantRawResults(fn: ControlPlaneFunction, results: ControlPlaneResults, access: 'read' | 'write' | 'read-write'): void {
    const rawObjects = `${results.rawResultsPrefix}*`;
    const reads = access !== 'write';
    const writes = access !== 'read';
    const actions = [...(reads ? ['s3:GetObject'] : []), ...(writes ? ['s3:PutObject'] : [])];
    iam.Grant.addToPrincipal({ grantee: fn, actions, resourceArns: [results.bucket.arnForObjects(rawObjects)] });
    if (reads) results.bucket.encryptionKey?.grantDecrypt(fn);
    if (writes) results.bucket.encryptionKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Encrypt');
    // cdk-nag names the bucket ARN by its logical id in the same stack and by its export name across stacks.
    // `exportValue` is what CDK itself calls for the cross-stack reference, so this is that same export.
    const bucketStack = Stack.of(results.bucket);
    const bucketArn =
      bucketStack === this
        ? `<${this.getLogicalId(results.bucket.node.defaultChild as CfnElement)}.Arn>`
        : (this.resolve(bucketStack.exportValue(results.bucket.bucketArn)) as { 'Fn::ImportValue': string })['Fn::ImportValue'];
    const reasons = {
      read: 'Raw result files are keyed per run (raw/<runId>.ndjson), so reading them needs a wildcard; it is limited to s3:GetObject under the raw/ prefix of the results bucket.',
      write:
        'Each run uploads its raw result file under its own key (raw/<runId>.ndjson) through a URL this function presigns, so it needs s3:PutObject on a wildcard; it is limited to the raw/ prefix of the results bucket.',
      'read-write':
        "Each run's raw file (raw/<runId>.ndjson) is read and its COPY TEXT files for Aurora's S3 import are written under raw/<runId>/, keys made per run; limited to s3:GetObject and s3:PutObject under the raw/ prefix of the results bucket.",
    };
    const policy = fn.role.node.tryFindChild('DefaultPolicy');
    if (policy) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${bucketArn}/${rawObjects}]`, reason: reasons[access] });
  }

  /** One zone, unnamed: keeps synth free of the availability-zone context lookup (the EC2 clients need only one). */
  override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs())];
  }
}
