/**
 * Tests of the ControlPlaneStack, on one app (results stack + control plane with two sample
 * schedules) synthesized once with bundling skipped: every ASL placeholder substituted with its own
 * function's ARN, the state machine logging ALL with execution data and traced, each role holding
 * only what its code uses (no `Resource: "*"` beyond the AWS-required X-Ray and log-delivery
 * actions), the callback API, schedules, the migrations custom resource, and cdk-nag AwsSolutions
 * with every acknowledgement specific, reasoned and on the construct that has the finding.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { addPolicyGates } from './policy-gates';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledgements, synthWithNag } from '../../test-support/cdk-nag';
import { loadStageSchedules } from '../config/schedules-source';
import { stagePlatforms } from '../config/stage-platforms';
import { loadStageConfig } from '../config/stage';
import { MIGRATIONS } from '../results/migrations';
import { IMPORT_WAIT_MS } from '../control-plane/aurora-import';
import { aslPlaceholders, aslStates, RUN_EXPERIMENT_ASL_FILE } from '../constructs/run-experiment-definition';
import { STEP_FUNCTIONS, type StepFunctionName } from '../constructs/run-experiment-steps';
import { CallbackEndpoint } from '../constructs/callback-endpoint';
import { ExperimentSchedules } from '../constructs/experiment-schedules';
import { RunExperimentStateMachine } from '../constructs/run-experiment-state-machine';
import { RunExperimentSteps } from '../constructs/run-experiment-steps';
import { migrationsHash, SchemaMigrations } from '../constructs/schema-migrations';
import { ControlPlaneStack, controlPlaneStackProps } from './control-plane-stack';
import { ResultsStack, resultsStackProps } from './results-stack';

const CONFIG = loadStageConfig({ account: '123456789012', region: 'eu-west-1', stageName: 'test' });
/** Bundling is skipped (no esbuild run per test); `npx cdk synth` bundles for real. */
const TEST_APP_PROPS = { context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false };
/** A schedule file with a cron and a rate schedule, as a user would write it. */
const SCHEDULE_FILE = [
  {
    name: 'nightly-coldstart',
    experiment: 'coldstart-identifier',
    platforms: ['aws-lambda'],
    quick: true,
    expression: 'cron(0 3 * * ? *)',
    timezone: 'Europe/Copenhagen',
    enabled: true,
  },
  {
    name: 'weekly-concurrency',
    description: 'Concurrency sweep once a week',
    experiment: 'concurrency-benchmarking',
    platforms: ['aws-lambda', 'azure-functions'],
    params: { concurrency: [2, 4] },
    expression: 'rate(7 days)',
    enabled: false,
  },
];
/** The schedules of {@link SCHEDULE_FILE} as the app loads them: schedules.json at a project root, for a stage with Azure. */
function schedulesFromFile() {
  const root = mkdtempSync(join(tmpdir(), 'fb-stack-schedules-'));
  try {
    writeFileSync(join(root, 'schedules.json'), JSON.stringify(SCHEDULE_FILE));
    const platforms = stagePlatforms({ azureSubscriptionId: '00000000-0000-4000-8000-000000000000', openfaasGatewayUrl: '' });
    return loadStageSchedules({ context: undefined, projectRoot: root, stagePlatforms: platforms });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
const SCHEDULES = schedulesFromFile();
const ASL_TEXT = readFileSync(RUN_EXPERIMENT_ASL_FILE, 'utf8');
const STEP_NAMES = Object.keys(STEP_FUNCTIONS) as StepFunctionName[];
/** The only actions allowed on `Resource: "*"`: none of them supports resource-level permissions. */
const STAR_ONLY_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];
const DATA_API_ACTIONS = ['rds-data:BatchExecuteStatement', 'rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:ExecuteStatement', 'rds-data:RollbackTransaction'];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}


const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

// One app, one synth, shared by every assertion below.
const app = new App(TEST_APP_PROPS);
const results = new ResultsStack(app, 'Results', resultsStackProps(CONFIG));
const stack = new ControlPlaneStack(app, 'ControlPlane', controlPlaneStackProps(CONFIG, results, SCHEDULES));
addPolicyGates(app);
let synthFailure: string | undefined;
let template: Template;

const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const stepFunctionId = (name: StepFunctionName) => logicalId(stack.steps[name].function);
const stateMachineId = () => logicalId(stack.stateMachine);
/** The migrate Lambda, inside the `Migrations` construct. */
const migrateFunction = () => (stack.node.findChild('Migrations') as SchemaMigrations).function.function;
/** Owners of the policies in {@link policiesByOwner}: construct paths below the stack. */
const stepOwner = (name: StepFunctionName) => `Steps/${name}`;
const CALLBACK_OWNER = 'Callback/Function';
const MIGRATE_OWNER = 'Migrations/Function';
/** The execution-cleanup Lambda: not a Task, but it reads and writes the results store. */
const CLEANUP_OWNER = 'Steps/CleanupExecution';

/** Statements of the inline policies, by the path below the stack of the construct whose role they belong to (e.g. `Steps/StartAgent`). */
function policiesByOwner(): Map<string, Statement[]> {
  const byLogicalId = new Map<string, Statement[]>();
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    byLogicalId.set(id, policy.Properties.PolicyDocument.Statement as Statement[]);
  }
  const owners = new Map<string, Statement[]>();
  for (const construct of stack.node.findAll()) {
    const child = construct.node.defaultChild;
    if (!child || construct.node.id !== 'DefaultPolicy') continue;
    const statements = byLogicalId.get(stack.getLogicalId(child as CfnElement));
    const owner = construct.node.path.replace(/^ControlPlane\//, '').replace(/\/(Role|ServiceRole)\/DefaultPolicy$/, '').replace(/\/DefaultPolicy$/, '');
    if (statements) owners.set(owner, statements);
  }
  return owners;
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) => asArray(statement.Action));
}

beforeAll(() => {
  ({ template, failure: synthFailure } = synthWithNag(app, stack));
});

describe('Stack: ControlPlaneStack — composition', () => {
  it('is composed of its constructs, each holding its own resources', () => {
    expect(stack.node.findChild('Callback')).toBeInstanceOf(CallbackEndpoint);
    expect(stack.node.findChild('Steps')).toBeInstanceOf(RunExperimentSteps);
    expect(stack.node.findChild('Migrations')).toBeInstanceOf(SchemaMigrations);
    expect(stack.node.findChild('RunExperiment')).toBeInstanceOf(RunExperimentStateMachine);
    expect(stack.node.findChild('Schedules')).toBeInstanceOf(ExperimentSchedules);
    expect(stack.cloud).toBeUndefined();
    expect(stack.callback.node.path).toBe('ControlPlane/Callback/Function');
    expect(stack.callbackApi.node.path).toBe('ControlPlane/Callback/Api');
    expect(stack.steps.StartAgent.node.path).toBe('ControlPlane/Steps/StartAgent');
    expect(stack.migrations.node.path).toBe('ControlPlane/Migrations/Resource');
    expect(stack.stateMachine.node.path).toBe('ControlPlane/RunExperiment/StateMachine');
    expect(stack.schedules['nightly-coldstart']?.node.path).toBe('ControlPlane/Schedules/Schedule-nightly-coldstart');
  });
});

describe('Stack: ControlPlaneStack — state machine', () => {
  it('inlines the ASL and substitutes exactly its placeholders, each with its own step function ARN', () => {
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machine).toBeDefined();
    const properties = machine?.Properties as { DefinitionString: unknown; DefinitionSubstitutions: Record<string, unknown>; DefinitionS3Location?: unknown };
    expect(properties.DefinitionS3Location).toBeUndefined();
    // The definition is a string, or a Fn::Join of strings and tokens: its literal parts hold the placeholders.
    const definitionParts =
      typeof properties.DefinitionString === 'string'
        ? [properties.DefinitionString]
        : ((properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].filter((part) => typeof part === 'string') as string[]);
    const definition = definitionParts.join('');
    expect(JSON.parse(definition)).toEqual(JSON.parse(ASL_TEXT));

    const inAsl = [...ASL_TEXT.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]);
    const inDefinition = [...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]);
    expect(new Set(inDefinition)).toEqual(new Set(inAsl));
    expect(new Set(Object.keys(properties.DefinitionSubstitutions))).toEqual(new Set(inAsl));
    expect(inAsl.length).toBeGreaterThanOrEqual(10);
    for (const name of STEP_NAMES) {
      expect(properties.DefinitionSubstitutions[`${name}FunctionArn`], name).toEqual({ 'Fn::GetAtt': [stepFunctionId(name), 'Arn'] });
    }
    // RunAgent reaches StartAgent through lambda:invoke.waitForTaskToken's FunctionName.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder, not a template literal
    expect(definition).toContain('"FunctionName": "${StartAgentFunctionArn}"');
  });

  it('is a Standard workflow that logs ALL events with execution data to its own log group, traced', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'faas-benchmarker-test-RunExperiment',
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RunExperimentLogs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/faas-benchmarker-test-RunExperiment',
      RetentionInDays: CONFIG.logRetentionDays,
    });
  });

  it('may invoke exactly the eleven step functions, unqualified, and nothing else', () => {
    const statements = policiesByOwner().get('RunExperiment/StateMachine') ?? [];
    const invoke = statements.filter((statement) => asArray(statement.Action).includes('lambda:InvokeFunction'));
    const resources = invoke.flatMap((statement) => asArray(statement.Resource));
    const expected = STEP_NAMES.flatMap((name) => [
      { 'Fn::GetAtt': [stepFunctionId(name), 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [stepFunctionId(name), 'Arn'] }, ':$LATEST']] },
    ]);
    expect(resources).toHaveLength(expected.length);
    expect(resources).toEqual(expect.arrayContaining(expected));
    expect(JSON.stringify(resources)).not.toContain(':*');
  });

  it('is created after the schema migrations have run', () => {
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machine?.DependsOn).toContain(logicalId(stack.migrations));
  });
});

describe('Stack: ControlPlaneStack — step functions', () => {
  it.each(STEP_NAMES)('%s runs Node.js 24 on arm64, traced, logging to its own log group, within its Task timeout', (name) => {
    const task = aslStates(JSON.parse(ASL_TEXT)).get(name);
    const expectedTimeout = name === 'StartAgent' ? 600 : Math.min(task?.TimeoutSeconds ?? Number.NaN, 900);
    const fn = template.findResources('AWS::Lambda::Function')[stepFunctionId(name)];
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: expectedTimeout,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logicalId(stack.steps[name].logGroup) } },
      Handler: 'index.handler',
    });
    const logGroup = template.findResources('AWS::Logs::LogGroup')[logicalId(stack.steps[name].logGroup)];
    expect(logGroup?.Properties.RetentionInDays).toBe(CONFIG.logRetentionDays);
  });

  it('gives CheckFunctionsReady a 300 s Lambda and Task (four cold Azure hosts polled in one check) and retries its States.Timeout', () => {
    const fn = template.findResources('AWS::Lambda::Function')[stepFunctionId('CheckFunctionsReady')];
    expect(fn?.Properties.Timeout).toBe(300);
    const task = aslStates(JSON.parse(ASL_TEXT)).get('CheckFunctionsReady') as { TimeoutSeconds?: number; Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[] } | undefined;
    expect(task?.TimeoutSeconds).toBe(300);
    const timeoutRetry = task?.Retry?.find((retrier) => retrier.ErrorEquals.includes('States.Timeout'));
    expect(timeoutRetry?.MaxAttempts).toBeGreaterThanOrEqual(1);
    // The transient errors keep their own retrier (a timeout does not use up their attempts).
    expect(task?.Retry?.find((retrier) => retrier.ErrorEquals.includes('ProvisionTransientError'))).not.toBe(timeoutRetry);
  });

  it('lets CollectResults outlast an S3 import it waits for: its Lambda waits less than it may run, and ImportStillRunningError is retried', () => {
    const fn = template.findResources('AWS::Lambda::Function')[stepFunctionId('CollectResults')];
    // Reading and staging the agent's file gets what is left after the wait.
    expect(fn?.Properties.Timeout * 1000 - IMPORT_WAIT_MS).toBeGreaterThanOrEqual(120_000);
    for (const name of ['CollectResults', 'CollectPartialResults']) {
      const task = aslStates(JSON.parse(ASL_TEXT)).get(name) as { Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[] } | undefined;
      const retrier = task?.Retry?.find((entry) => entry.ErrorEquals.includes('ImportStillRunningError'));
      expect(retrier?.MaxAttempts, name).toBeGreaterThanOrEqual(1);
    }
  });

  it('gives every step the environment lambdas/shared/environment.ts reads, CALLBACK_URL being the API route', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    for (const name of STEP_NAMES) {
      const variables = functions[stepFunctionId(name)]?.Properties.Environment.Variables as Record<string, unknown>;
      const issuer = name === 'StartAgent' ? ['CALLBACK_SIGNING_KEY_SECRET_ARN'] : [];
      expect(Object.keys(variables).sort(), name).toEqual(
        ['AGENT_TIMEOUT_SECONDS', 'CALLBACK_URL', 'NODE_OPTIONS', 'RESULTS_BUCKET', 'RESULTS_CLUSTER_ARN', 'RESULTS_DATABASE', 'RESULTS_SECRET_ARN', ...issuer].sort(),
      );
      expect(variables.AGENT_TIMEOUT_SECONDS).toBe(String(aslStates(JSON.parse(ASL_TEXT)).get('RunAgent')?.TimeoutSeconds));
      expect(variables.RESULTS_DATABASE).toBe('faas_benchmarker');
      expect(variables.CALLBACK_URL).toEqual({
        'Fn::Join': ['', ['https://', { Ref: logicalId(stack.callbackApi) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/callback']],
      });
    }
  });
});

describe('Stack: ControlPlaneStack — IAM', () => {
  it('uses Resource "*" only for actions that support no resource-level permissions', () => {
    for (const [owner, statements] of policiesByOwner()) {
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const action of asArray(statement.Action)) expect(action, `${owner}: wildcard action`).not.toContain('*');
        if (asArray(statement.Resource).includes('*')) {
          expect(STAR_ONLY_ACTIONS, `${owner}: ${JSON.stringify(statement.Action)} on "*"`).toEqual(expect.arrayContaining(asArray(statement.Action)));
        }
      }
    }
    // No policy lives outside the roles walked above.
    expect(policiesByOwner().size).toBe(Object.keys(template.findResources('AWS::IAM::Policy')).length);
  });

  it('grants the Data API to exactly the functions that use the results store', () => {
    const withDataApi = [...policiesByOwner()]
      .filter(([, statements]) => actionsOf(statements).includes('rds-data:ExecuteStatement'))
      .map(([owner]) => owner)
      .sort();
    const storeSteps = STEP_NAMES.filter((name) => STEP_FUNCTIONS[name].resultsStore);
    expect(withDataApi).toEqual([...storeSteps.map(stepOwner), CALLBACK_OWNER, MIGRATE_OWNER, CLEANUP_OWNER].sort());
    expect(storeSteps).not.toContain('ValidateInput');
    for (const owner of withDataApi) {
      const statements = policiesByOwner().get(owner) ?? [];
      expect(actionsOf(statements)).toEqual(expect.arrayContaining([...DATA_API_ACTIONS, 'secretsmanager:GetSecretValue']));
    }
  });

  it('lets only StartAgent (the issuer) and the callback Lambda read the callback signing key, and tells only them where it is', () => {
    const keys = template.findResources('AWS::SecretsManager::Secret', { Properties: { GenerateSecretString: { PasswordLength: 64 } } });
    expect(Object.keys(keys)).toHaveLength(1);
    const keyId = Object.keys(keys)[0] ?? '';
    const readers = [...policiesByOwner()]
      .filter(([, statements]) => statements.some((statement) => asArray(statement.Action).includes('secretsmanager:GetSecretValue') && JSON.stringify(statement.Resource).includes(keyId)))
      .map(([owner]) => owner)
      .sort();
    expect(readers).toEqual([CALLBACK_OWNER, stepOwner('StartAgent')].sort());
    const told = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([, fn]) => JSON.stringify(fn.Properties.Environment?.Variables?.CALLBACK_SIGNING_KEY_SECRET_ARN ?? null).includes(keyId))
      .map(([id]) => id)
      .sort();
    expect(told).toEqual([logicalId(stack.callback.function), stepFunctionId('StartAgent')].sort());
    // The key is generated by Secrets Manager: its value is in neither the template nor an output.
    expect(keys[keyId]?.Properties.SecretString).toBeUndefined();
  });

  it('leaves ValidateInput, CheckFunctionsReady, ProvisionClient and CheckClientReady with logs and X-Ray only (no cloud configured)', () => {
    for (const name of ['ValidateInput', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady'] as const) {
      expect(actionsOf(policiesByOwner().get(stepOwner(name)) ?? []).sort(), name).toEqual(
        ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
      );
    }
  });

  it('lets only CollectResults read raw result files: s3:GetObject under raw/ and kms:Decrypt on the data key', () => {
    const owners = [...policiesByOwner()].filter(([, statements]) => actionsOf(statements).includes('s3:GetObject'));
    expect(owners.map(([owner]) => owner)).toEqual([stepOwner('CollectResults')]);
    const statements = owners[0]?.[1] ?? [];
    const s3 = statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('s3:')));
    expect(s3).toEqual([
      expect.objectContaining({
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::ImportValue': expect.stringMatching(/^Results:ExportsOutputFnGetAttResultsBucket\w+Arn/) }, '/raw/*']] },
      }),
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::ImportValue': expect.stringMatching(/^Results:ExportsOutputFnGetAttDataKey\w+Arn/) } }),
    );
  });

  it('lets StartAgent and the callback (they presign the agent\'s upload) and CollectResults (it stages Aurora\'s import) put raw result files, and no one else', () => {
    const owners = [...policiesByOwner()].filter(([, statements]) => actionsOf(statements).includes('s3:PutObject'));
    expect(owners.map(([owner]) => owner).sort()).toEqual([CALLBACK_OWNER, stepOwner('CollectResults'), stepOwner('StartAgent')].sort());
    for (const owner of [stepOwner('StartAgent'), CALLBACK_OWNER]) {
    const statements = policiesByOwner().get(owner) ?? [];
    expect(statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('s3:')))).toEqual([
      expect.objectContaining({
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::ImportValue': expect.stringMatching(/^Results:ExportsOutputFnGetAttResultsBucket\w+Arn/) }, '/raw/*']] },
      }),
    ]);
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Encrypt']));
    expect(actionsOf(statements)).not.toContain('s3:GetObject');
    }
  });

  it('lets the callback Lambda SendTask* on this state machine only, and no one else', () => {
    const sendTask = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];
    const granted = [...policiesByOwner()].flatMap(([owner, statements]) =>
      statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('states:SendTask'))).map((statement) => ({ owner, statement })),
    );
    expect(granted).toHaveLength(1);
    expect(granted[0]?.owner).toBe(CALLBACK_OWNER);
    expect(asArray(granted[0]?.statement.Action).sort()).toEqual([...sendTask].sort());
    expect(granted[0]?.statement.Resource).toEqual({ Ref: stateMachineId() });
  });

  it('gives every function its own role with no managed policy', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('Stack: ControlPlaneStack — callback API', () => {
  it('routes POST /callback to the callback Lambda (payload 2.0), throttled, with JSON access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /callback', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.callback.function), 'Arn'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CallbackApiAccessLogs'), 'Arn'] }, Format: Match.stringLikeRegexp('\\$context\\.requestId') },
    });
    const format = JSON.parse(Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]?.Properties.AccessLogSettings.Format);
    expect(JSON.stringify(format)).not.toMatch(/header|authorization|body/i);
  });

  it('gives the callback Lambda the state machine region, the results database and the bucket of fresh upload URLs', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.callback.function)];
    expect(Object.keys(fn?.Properties.Environment.Variables).sort()).toEqual(
      ['CALLBACK_SIGNING_KEY_SECRET_ARN', 'NODE_OPTIONS', 'RESULTS_BUCKET', 'RESULTS_CLUSTER_ARN', 'RESULTS_DATABASE', 'RESULTS_SECRET_ARN', 'STATE_MACHINE_REGION'].sort(),
    );
    expect(fn?.Properties.Environment.Variables.STATE_MACHINE_REGION).toBe('eu-west-1');
    expect(fn?.Properties.Timeout).toBeLessThan(30);
  });
});

describe('Stack: ControlPlaneStack — schedules', () => {
  it('makes one schedule per entry of the file, with its expression, time zone, state and the entry as run input', () => {
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    expect(Object.keys(schedules)).toHaveLength(SCHEDULE_FILE.length);
    const byName = Object.fromEntries(Object.values(schedules).map((schedule) => [schedule.Properties.Name, schedule.Properties]));
    for (const entry of SCHEDULE_FILE) {
      const properties = byName[`test-${entry.name}`];
      expect(properties, entry.name).toMatchObject({
        GroupName: 'faas-benchmarker-test',
        ScheduleExpression: entry.expression,
        // Without a configured zone, CDK writes UTC explicitly.
        ScheduleExpressionTimezone: entry.timezone ?? 'Etc/UTC',
        State: entry.enabled ? 'ENABLED' : 'DISABLED',
        Target: { Arn: { Ref: stateMachineId() }, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } },
      });
      expect(JSON.parse(properties?.Target.Input), entry.name).toEqual({
        experiment: entry.experiment,
        platforms: entry.platforms,
        params: entry.params ?? {},
        quick: entry.quick ?? false,
      });
    }
    expect(byName['test-weekly-concurrency']?.Description).toBe('Concurrency sweep once a week');
    expect(byName['test-nightly-coldstart']?.Description).toBe('RunExperiment coldstart-identifier on aws-lambda');
  });

  it("lets the schedules' role start executions of this state machine only", () => {
    const statements = [...policiesByOwner()].filter(([owner]) => owner.startsWith('SchedulerRoleForTarget')).flatMap(([, s]) => s);
    expect(statements).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: stateMachineId() } })]);
  });

  it('makes no schedule (and no schedule group) when none is configured', () => {
    const bare = new App(TEST_APP_PROPS);
    const bareResults = new ResultsStack(bare, 'Results', resultsStackProps(CONFIG));
    const bareStack = new ControlPlaneStack(bare, 'ControlPlane', controlPlaneStackProps(CONFIG, bareResults, []));
    const bareTemplate = Template.fromStack(bareStack);
    bareTemplate.resourceCountIs('AWS::Scheduler::Schedule', 0);
    bareTemplate.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
  });
});

describe('Stack: ControlPlaneStack — schema migrations', () => {
  it('runs the migrations through a custom resource carrying the hash of the migration list', () => {
    template.resourceCountIs('Custom::ResultsSchemaMigrations', 1);
    template.hasResourceProperties('Custom::ResultsSchemaMigrations', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MigrationsProviderframeworkonEvent'), 'Arn'] },
      MigrationsHash: migrationsHash(MIGRATIONS),
      LatestVersion: String(MIGRATIONS.at(-1)?.version),
      Database: 'faas_benchmarker',
    });
    expect(migrationsHash(MIGRATIONS)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes the hash, and so re-runs the resource, when a migration is added or edited', () => {
    const added = [...MIGRATIONS, { version: 999, name: 'added', sql: 'select 1;' }];
    const edited = MIGRATIONS.map((migration, index) => (index === 0 ? { ...migration, sql: `${migration.sql}\n-- edited` } : migration));
    expect(migrationsHash(added)).not.toBe(migrationsHash(MIGRATIONS));
    expect(migrationsHash(edited)).not.toBe(migrationsHash(MIGRATIONS));
    expect(migrationsHash([...MIGRATIONS])).toBe(migrationsHash(MIGRATIONS));
  });

  it('runs lambdas/migrate with the Data API target and a timeout long enough for a paused writer', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(migrateFunction())];
    expect(fn?.Properties.Timeout).toBe(600);
    expect(Object.keys(fn?.Properties.Environment.Variables).sort()).toEqual(['NODE_OPTIONS', 'RESULTS_CLUSTER_ARN', 'RESULTS_DATABASE', 'RESULTS_SECRET_ARN']);
  });
});

describe('Functions: ASL helpers', () => {
  it('lists the placeholders of a definition once each, sorted', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ASL placeholders, not template literals
    expect(aslPlaceholders('{"a":"${B}","b":"${A}","c":"${B}","d":"$.x"}')).toEqual(['A', 'B']);
    expect(aslPlaceholders(ASL_TEXT)).toEqual(STEP_NAMES.map((name) => `${name}FunctionArn`).sort());
  });

  it('finds states inside Map item processors', () => {
    const states = aslStates(JSON.parse(ASL_TEXT));
    expect(states.get('RunAgent')?.TimeoutSeconds).toBe(90000);
    expect([...states.keys()]).toEqual(expect.arrayContaining(['ValidateInput', 'RunPlatforms', 'ProvisionFunctions', 'FinishRun', 'ReleaseLock']));
  });
});

describe('Stack: ControlPlaneStack — cleanup after executions that skip Teardown', () => {
  it('sends the state machine’s ABORTED, TIMED_OUT and FAILED status changes to the cleanup Lambda, retried', () => {
    const rules = template.findResources('AWS::Events::Rule');
    const [rule, ...others] = Object.values(rules) as { Properties: { EventPattern: Record<string, unknown>; Targets: { Arn: unknown; RetryPolicy?: Record<string, number> }[] } }[];
    expect(others).toEqual([]);
    expect(rule?.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'], stateMachineArn: [{ Ref: logicalId(stack.stateMachine) }] },
    });
    expect(JSON.stringify(rule?.Properties.Targets[0]?.Arn)).toContain(logicalId(stack.node.findChild('Steps').node.findChild('CleanupExecution').node.findChild('Function')));
    expect(rule?.Properties.Targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21_600 });
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' });
  });
});

describe('cdk-nag AwsSolutions on the control-plane stack', () => {
  it('synthesizes with no unacknowledged finding', () => {
    expect(synthFailure, `cdk-nag findings:\n${synthFailure}`).toBeUndefined();
  });

  it('acknowledges only specific findings, on the construct that has them, each with a reason', () => {
    const nag = acknowledgements(stack).filter((ack) => ack.id.startsWith('AwsSolutions-'));
    for (const ack of nag) {
      expect(ack.isStackOrApp, `${ack.id} acknowledged on ${ack.path}`).toBe(false);
      expect(ack.reason.length, `reason of ${ack.id} on ${ack.path}`).toBeGreaterThan(40);
      if (/^AwsSolutions-IAM[45]/.test(ack.id)) expect(ack.id, 'IAM4/IAM5 acknowledged per finding').toMatch(/\[.+\]$/);
    }
    const xray = [CALLBACK_OWNER, ...STEP_NAMES.map(stepOwner), MIGRATE_OWNER, CLEANUP_OWNER].map((owner) => ({ path: `ControlPlane/${owner}/Role/DefaultPolicy`, id: 'AwsSolutions-IAM5[Resource::*]' }));
    expect(nag.map(({ path, id }) => ({ path, id }))).toEqual(
      expect.arrayContaining([
        ...xray,
        { path: 'ControlPlane/Callback/Api/POST--callback', id: 'AwsSolutions-APIG4' },
        {
          path: 'ControlPlane/Steps/CollectResults/Role/DefaultPolicy',
          id: expect.stringMatching(/^AwsSolutions-IAM5\[Resource::Results:ExportsOutputFnGetAttResultsBucket\w+Arn\w+\/raw\/\*\]$/),
        },
        {
          path: 'ControlPlane/Steps/StartAgent/Role/DefaultPolicy',
          id: expect.stringMatching(/^AwsSolutions-IAM5\[Resource::Results:ExportsOutputFnGetAttResultsBucket\w+Arn\w+\/raw\/\*\]$/),
        },
        {
          path: 'ControlPlane/Callback/Function/Role/DefaultPolicy',
          id: expect.stringMatching(/^AwsSolutions-IAM5\[Resource::Results:ExportsOutputFnGetAttResultsBucket\w+Arn\w+\/raw\/\*\]$/),
        },
        { path: 'ControlPlane/Migrations/ProviderRole/DefaultPolicy', id: `AwsSolutions-IAM5[Resource::<${logicalId(migrateFunction())}.Arn>:*]` },
        { path: 'ControlPlane/RunExperiment/StateMachine/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]' },
        { path: 'ControlPlane/Callback/SigningKey', id: 'AwsSolutions-SMG4' },
      ]),
    );
    expect(nag).toHaveLength(xray.length + 7);
  });
});
