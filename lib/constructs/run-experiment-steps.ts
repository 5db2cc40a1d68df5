/**
 * `RunExperimentSteps`: the eleven step Lambdas of RunExperiment (lambdas/steps/*.ts), one
 * `ControlPlaneFunction` per Task of state-machines/run-experiment.asl.json, each with the full
 * step environment and granted only what its step code uses (see {@link STEP_FUNCTIONS}).
 *
 * A separate construct from `RunExperimentStateMachine`: the step Lambdas exist before the state
 * machine (which substitutes their ARNs) and the cloud platforms' grants are made on them in
 * between. Children: one `ControlPlaneFunction` per step, named after its placeholder (e.g.
 * `StartAgent`).
 *
 * Idle cost: nothing but CloudWatch Logs storage (Lambda bills per request and duration).
 */
import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ControlPlaneFunction } from './control-plane-function';
import { type ControlPlaneResults, grantRawResults, type RawResultsAccess, resultsEnvironment } from './control-plane-results';
import { ControlPlaneDefinitionError, type RunExperimentDefinition } from './run-experiment-definition';

/** What one step Lambda is and may touch. */
export interface StepFunctionSpec {
  /** The handler module, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  /** Reads or writes the results database (runs, callbacks) through the Data API. */
  readonly resultsStore: boolean;
  /** Access to the raw result files (`raw/*` of the results bucket): read them, write them (or presign uploads), or both. */
  readonly rawResults?: RawResultsAccess;
  /** Issues callback secrets, so reads the callback signing key (`CALLBACK_SIGNING_KEY_SECRET_ARN`). */
  readonly issuesCallbackSecrets?: boolean;
  /** The Lambda's timeout in seconds when it is not the Task's (RunAgent waits far longer than StartAgent runs). */
  readonly timeoutSeconds?: number;
  readonly memorySizeMiB?: number;
}

/**
 * The eleven step Lambdas of RunExperiment, by the name of the `${<name>FunctionArn}` placeholder
 * they fill, with the grants their step code (lib/control-plane/steps.ts) needs today:
 * - ValidateInput: schema and registry check — no database, no bucket; with the cloud platforms it
 *   also asks whether the client's region offers the run's client size (EC2 instance type
 *   offerings, Azure Compute Resource SKUs), granted by `CloudPlatforms`.
 * - CheckFunctionsReady, ProvisionClient, CheckClientReady: only the platform's provisioner / client
 *   driver. The cloud platforms' grants (CloudFormation, EC2, SSM, the Azure secret, plans, code
 *   assets) are each cloud step's own policy, made by the `CloudPlatforms` construct when Azure is
 *   configured (lib/constructs/cloud-platforms.ts).
 * - ReleaseLock: reads the execution's runs rows and marks failed any a branch left unfinished
 *   (so no run holds its experiment's lock), counting the runs that did not complete.
 * - StartAgent: sets `running`, registers the callback (runs, callbacks) and presigns the PUT the
 *   agent uploads its results file with, so it may put objects under `raw/` (a presigned URL only
 *   carries its signer's permissions). It tags each run's callback secret, so it alone of the steps
 *   reads the callback signing key.
 * - CollectResults: reads the agent's raw file, stages it as COPY TEXT files under `raw/<run>/`
 *   and has Aurora load them (`aws_s3.table_import_from_s3`, through the cluster's S3 import role).
 * Every step Lambda still gets the full environment, because lambdas/shared/environment.ts reads
 * all of it at module load.
 */
export const STEP_FUNCTIONS = {
  ValidateInput: { entry: 'lambdas/steps/validate-input.ts', description: 'RunExperiment ValidateInput: check the run input', resultsStore: false },
  AcquireLock: { entry: 'lambdas/steps/acquire-lock.ts', description: 'RunExperiment AcquireLock: one exclusive runs row per platform', resultsStore: true },
  ProvisionFunctions: { entry: 'lambdas/steps/provision-functions.ts', description: 'RunExperiment ProvisionFunctions: deploy the lab functions', resultsStore: true },
  // Its Lambda timeout is its Task's (300 s): room for four cold Azure hosts polled in parallel, each call bounded
  // (lib/platforms/azure-functions/function-keys.ts); the Task's own States.Timeout fires first and is retried.
  CheckFunctionsReady: { entry: 'lambdas/steps/check-functions-ready.ts', description: 'RunExperiment CheckFunctionsReady: are the lab functions up?', resultsStore: false },
  ProvisionClient: { entry: 'lambdas/steps/provision-client.ts', description: 'RunExperiment ProvisionClient: the client VM on the opposite cloud', resultsStore: false },
  CheckClientReady: { entry: 'lambdas/steps/check-client-ready.ts', description: 'RunExperiment CheckClientReady: does the client VM take commands?', resultsStore: false },
  StartAgent: {
    entry: 'lambdas/steps/start-agent.ts',
    description: 'RunExperiment RunAgent: register the callback and start the client agent',
    resultsStore: true,
    rawResults: 'write',
    issuesCallbackSecrets: true,
    // Long enough for a first Azure Run Command (it may install the VM's extension) to report the agent started.
    timeoutSeconds: 600,
  },
  CollectResults: {
    entry: 'lambdas/steps/collect-results.ts',
    description: 'RunExperiment CollectResults: import the raw results file',
    resultsStore: true,
    rawResults: 'read-write',
    memorySizeMiB: 1024,
  },
  Teardown: { entry: 'lambdas/steps/teardown.ts', description: 'RunExperiment Teardown: delete what the branch made', resultsStore: true },
  CheckTeardown: { entry: 'lambdas/steps/check-teardown.ts', description: 'RunExperiment CheckTeardown: are the run\'s stack, resource group and client gone?', resultsStore: false },
  FinishRun: { entry: 'lambdas/steps/finish-run.ts', description: 'RunExperiment FinishRun: completed or failed, with the reason', resultsStore: true },
  ReleaseLock: { entry: 'lambdas/steps/release-lock.ts', description: 'RunExperiment ReleaseLock: end unfinished runs, count failed platforms', resultsStore: true },
} as const satisfies Record<string, StepFunctionSpec>;

export type StepFunctionName = keyof typeof STEP_FUNCTIONS;

/** Lambda's own maximum timeout: a step Lambda cannot usefully outlive its Task, nor this. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Properties of {@link RunExperimentSteps}. */
export interface RunExperimentStepsProps {
  /** The RunExperiment definition: each Task's `TimeoutSeconds` and the agent's timeout. */
  readonly definition: RunExperimentDefinition;

  /** The results database and bucket the steps use (see {@link STEP_FUNCTIONS}). */
  readonly results: ControlPlaneResults;

  /** Where agents report (`CALLBACK_URL`; StartAgent writes it into each agent's plan). */
  readonly callbackUrl: string;

  /**
   * The callback signing key (`CallbackEndpoint.signingKey`): read by the steps that issue callback
   * secrets (StartAgent) only. Without it StartAgent cannot issue a secret.
   */
  readonly callbackSigningKey?: secretsmanager.ISecret;

  /**
   * Retention of each step Lambda's log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The step Lambdas of RunExperiment, each with its Task's timeout and its own grants. */
export class RunExperimentSteps extends Construct {
  /** The step Lambdas, by the name of their placeholder (and of their construct). */
  readonly functions: Readonly<Record<StepFunctionName, ControlPlaneFunction>>;
  /**
   * `CleanupExecution`: not a Task of the state machine but the target of the rule on its
   * execution status changes (lambdas/steps/cleanup-execution.ts); it tears down what a stopped,
   * timed-out or terminally failed execution left, so it has Teardown's environment and grants.
   */
  readonly cleanup: ControlPlaneFunction;

  constructor(scope: Construct, id: string, props: RunExperimentStepsProps) {
    super(scope, id);
    const { definition, results } = props;
    const environment = {
      ...resultsEnvironment(results),
      RESULTS_BUCKET: results.bucket.bucketName,
      CALLBACK_URL: props.callbackUrl,
      AGENT_TIMEOUT_SECONDS: String(definition.agentTimeoutSeconds),
    };
    const functions = {} as Record<StepFunctionName, ControlPlaneFunction>;
    for (const [name, spec] of Object.entries(STEP_FUNCTIONS) as [StepFunctionName, StepFunctionSpec][]) {
      const timeoutSeconds = spec.timeoutSeconds ?? definition.states.get(name)?.TimeoutSeconds;
      if (timeoutSeconds === undefined) {
        throw new ControlPlaneDefinitionError(`${definition.file}: Task ${name} has no TimeoutSeconds, so its Lambda timeout is unknown`);
      }
      const fn = new ControlPlaneFunction(this, name, {
        entry: spec.entry,
        description: spec.description,
        timeout: Duration.seconds(Math.min(timeoutSeconds, LAMBDA_MAX_TIMEOUT_SECONDS)),
        memorySizeMiB: spec.memorySizeMiB,
        logRetention: props.logRetention,
        environment:
          spec.issuesCallbackSecrets && props.callbackSigningKey
            ? { ...environment, CALLBACK_SIGNING_KEY_SECRET_ARN: props.callbackSigningKey.secretArn }
            : environment,
      });
      if (spec.issuesCallbackSecrets) props.callbackSigningKey?.grantRead(fn);
      if (spec.resultsStore) results.cluster.grantDataApiAccess(fn);
      if (spec.rawResults) grantRawResults(fn, results, spec.rawResults);
      functions[name] = fn;
    }
    this.functions = functions;
    this.cleanup = new ControlPlaneFunction(this, 'CleanupExecution', {
      entry: 'lambdas/steps/cleanup-execution.ts',
      description: 'RunExperiment cleanup: tear down and fail the runs of a stopped, timed-out or terminally failed execution',
      timeout: Duration.seconds(LAMBDA_MAX_TIMEOUT_SECONDS),
      logRetention: props.logRetention,
      environment,
    });
    results.cluster.grantDataApiAccess(this.cleanup);
  }
}
