import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callbackIssuer, InMemoryCallbackRegistry } from '../../lib/callback/registry';
import type { CallbackLogger } from '../../lib/callback/handle-callback';
import { startLocalCallbackServer } from '../../lib/callback/local-callback-server';
import { fixedCallbackSigningKey, localCallbackSigningKey } from '../../lib/callback/signing-key';
import type { RunInput } from '../../lib/control-plane/run-input';
import { LocalFunctionProvisioner } from '../../lib/platforms/local/provisioner';
import { OpenFaasProvisioner, type OpenFaasProvisionerOptions } from '../../lib/platforms/openfaas/provisioner';
import { Logger } from '@aws-lambda-powertools/logger';
import { importPartialResults } from '../../lib/control-plane/abandoned-runs';
import { cleanUpExecution } from '../../lib/control-plane/cleanup-execution';
import { createStepHandlers, type StepHandlers, type StepName } from '../../lambdas/steps/handlers';
import type { StepDependencies } from '../../lib/control-plane/steps';
import type { ResultsStore } from '../../lib/results/store';
import type { RunRow } from '../../lib/results/types';
import { interruptibleTasks, RUN_INTERRUPTED } from './interruptible-tasks';
import { LocalAgentDriver } from './local-agent-driver';
import type { PlatformOptionsInput } from '../platform/options';
import { scalingSettings } from '../platform/options';
import { startLocalPlatform } from '../platform/start';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { type LocalExecutionEvent, type LocalExecutionResult, type LocalTaskHandler, loadDefinition, runLocalExecution, taskStates } from './local-sfn';
import { TokenBroker } from '../../lib/callback/local-token-broker';

/** The RunExperiment state machine, as deployed. */
export const RUN_EXPERIMENT_ASL = join(__dirname, '..', '..', 'state-machines', 'run-experiment.asl.json');

/** Where a local run's agent writes its results file (`fb run`'s progress counts the calls in it). */
export function localResultsFile(workDir: string, runId: string): string {
  return join(workDir, `${runId}.results.ndjson`);
}

/** The Lambda-backed states of RunExperiment and the `${…FunctionArn}` each Resource names. */
const LAMBDA_STATES = ['ValidateInput', 'AcquireLock', 'ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'CollectResults', 'Teardown', 'CheckTeardown', 'FinishRun', 'ReleaseLock'] as const;

/** The `${…FunctionArn}` placeholders of RunExperiment, as the local functions' ARNs. */
const LAMBDA_ARN_SUBSTITUTIONS: Record<string, string> = Object.fromEntries(
  [...LAMBDA_STATES, 'StartAgent'].map((state) => [`${state}FunctionArn`, `arn:aws:lambda:local:000000000000:function:fb-${state}`]),
);

/** RunExperiment as the local control plane runs it (placeholders substituted), and its file's text. */
export function localRunExperimentDefinition(): { definition: StateMachineDefinition; text: string } {
  return { definition: loadDefinition(RUN_EXPERIMENT_ASL, LAMBDA_ARN_SUBSTITUTIONS), text: readFileSync(RUN_EXPERIMENT_ASL, 'utf8') };
}

/** What a Lambda context carries, for a step handler run in this process. */
function localLambdaContext(state: string) {
  return {
    functionName: `fb-${state}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:fb-${state}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/local/fb-${state}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    callbackWaitsForEmptyEventLoop: false,
  };
}

export interface LocalRunOptions {
  input: RunInput;
  store: ResultsStore;
  /** Where agents' plans and results files go (e.g. `.fb/runs`). */
  workDir: string;
  /** Each line an agent prints. */
  onAgentOutput?: (runId: string, line: string) => void;
  /**
   * Stops the run (Ctrl-C): provisioning stops at the next Task, the agent's task fails, the branch
   * tears down as after any failure, and the run ends failed (`RunAborted: the run was interrupted`)
   * in whichever phase it came, its rows kept.
   */
  signal?: AbortSignal;
  /** An OpenFaaS gateway to deploy to for platform `openfaas` (the functions get per-run names). */
  openfaas?: OpenFaasProvisionerOptions;
  /** Shorter waits for tests. */
  readinessPollMs?: number;
  heartbeatTimeoutMs?: number;
  /** Run this agent entry instead of `bin/agent.js`, e.g. the bundle client machines run (`dist/agent/agent.js`). */
  agentEntry?: string;
  /** Where the callback endpoint reports refused and failed callbacks. @default JSON lines on stderr */
  callbackLogger?: CallbackLogger;
  /** The execution's ARN (the runs' `execution_id`). @default a new one, {@link localExecutionArn} of a UUID */
  executionArn?: string;
  /** Every interpreter event and Task handler call, as they happen (`fb serve`'s execution history). */
  onEvent?: (event: LocalExecutionEvent) => void;
  /**
   * StopExecution, unlike `signal`: the execution ends ABORTED at once, the Task handlers in flight
   * finish, and then the runs are torn down and failed as the deployment's status-change rule does
   * (cleanUpExecution with status ABORTED). The signal's `reason` may be a {@link StopReason}.
   */
  stopSignal?: AbortSignal;
  /** Every Retry's back-off replaced by this, ms (quick runs, tests). @default the ASL's IntervalSeconds and BackoffRate */
  retryIntervalMs?: number;
  /**
   * The execution's time limit, ms. Past it the execution ends TIMED_OUT, and its runs are torn
   * down and failed as after a stop. @default the ASL's top-level TimeoutSeconds (48 hours)
   */
  executionTimeoutMs?: number;
  /**
   * Wraps the platform adapters the steps and the cleanup use (function provisioners, client
   * drivers) and the callback issuer, e.g. to meter or log their calls, or to inject faults. The
   * local platforms are stopped at the end whatever the wrappers do.
   */
  decorateDependencies?: (built: LocalRunDependencies) => LocalRunDependencies;
}

/** What {@link LocalRunOptions.decorateDependencies} may wrap. */
export type LocalRunDependencies = Pick<StepDependencies, 'provisioners' | 'clients' | 'callbacks'>;

/** What StopExecution was given: kept on the execution and in the failed runs' reason. */
export interface StopReason {
  error?: string;
  cause?: string;
}

/** The region and account the local control plane's ARNs name (no AWS account is involved). */
export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The ARN of RunExperiment on this machine. */
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:RunExperiment`;

/** The ARN of the local RunExperiment execution named `name`. */
export function localExecutionArn(name: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:RunExperiment:${name}`;
}

export interface LocalRunOutcome {
  execution: LocalExecutionResult;
  /** The runs the execution made (one per platform), as stored. */
  runs: RunRow[];
}

/**
 * RunExperiment on the local interpreter with `lambdas` as its Tasks: each Task runs the very
 * Lambda handler AWS runs (middleware, input parsing and all), RunAgent through StartAgent with
 * the task token in `broker`; readiness waits shortened to `readinessPollMs`.
 */
export function executeRunExperimentLocally(options: {
  lambdas: StepHandlers;
  broker: TokenBroker;
  input: unknown;
  executionId: string;
  readinessPollMs: number;
  heartbeatMs: number;
  onEvent?: (event: LocalExecutionEvent) => void;
  stopSignal?: AbortSignal;
  /** Every Retry's back-off, ms. @default the ASL's */
  retryIntervalMs?: number;
  /** The execution's time limit, ms. @default the ASL's TimeoutSeconds */
  executionTimeoutMs?: number;
  /** Ctrl-C: once aborted, provisioning Tasks refuse to start and FinishRun fails the run (./interruptible-tasks.ts). */
  interruptSignal?: AbortSignal;
}): Promise<LocalExecutionResult> {
  const invokeLambda = (state: StepName, input: unknown) =>
    (options.lambdas[state] as unknown as (event: unknown, context: unknown) => Promise<unknown>)(input, localLambdaContext(state));
  const handlers: Record<string, LocalTaskHandler> = {};
  for (const state of LAMBDA_STATES) handlers[state] = (input) => invokeLambda(state, input);
  // The same Lambda as CollectResults (the ASL names its ARN), after the agent failed.
  handlers.CollectPartialResults = (input) => invokeLambda('CollectResults', input);
  const retryIntervalOverridesMs =
    options.retryIntervalMs === undefined ? undefined : Object.fromEntries(taskStates(localRunExperimentDefinition().definition).map((task) => [task.name, options.retryIntervalMs as number]));
  return runLocalExecution({
    definitionFile: RUN_EXPERIMENT_ASL,
    substitutions: LAMBDA_ARN_SUBSTITUTIONS,
    handlers: options.interruptSignal ? interruptibleTasks(handlers, options.interruptSignal) : handlers,
    callbackHandlers: { RunAgent: async (payload) => void (await invokeLambda('StartAgent', payload)) },
    broker: options.broker,
    input: options.input as never,
    executionId: options.executionId,
    waitTimeOverridesMs: { WaitForFunctions: options.readinessPollMs, WaitForClient: options.readinessPollMs, WaitForTeardown: options.readinessPollMs },
    heartbeatMs: { RunAgent: options.heartbeatMs },
    ...(retryIntervalOverridesMs ? { retryIntervalOverridesMs } : {}),
    ...(options.executionTimeoutMs === undefined ? {} : { executionTimeoutMs: options.executionTimeoutMs }),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
  });
}

/**
 * One RunExperiment execution on this machine: the same ASL as in AWS, run by the local
 * interpreter; each Lambda Task is the same step code with local provisioners (a local FaaS
 * platform per run), RunAgent spawns the client agent as a child process that reports back
 * through a loopback callback endpoint to a local task-token broker, and results land in the
 * local results store.
 */
export async function runLocalControlPlane(options: LocalRunOptions): Promise<LocalRunOutcome> {
  const definition = JSON.parse(readFileSync(RUN_EXPERIMENT_ASL, 'utf8'));
  const runAgentState = definition.States.RunPlatforms.ItemProcessor.States.RunAgent as { TimeoutSeconds: number; HeartbeatSeconds: number };
  const heartbeatMs = options.heartbeatTimeoutMs ?? runAgentState.HeartbeatSeconds * 1000;
  const broker = new TokenBroker();
  const registry = new InMemoryCallbackRegistry();
  const signingKey = localCallbackSigningKey();
  const callbackServer = await startLocalCallbackServer({ registry, signingKey, broker, ...(options.callbackLogger ? { logger: options.callbackLogger } : {}) });
  // A local platform per run, on a free port, its lab functions built first.
  const provisioner = new LocalFunctionProvisioner(async (settings) => {
    const platform = await startLocalPlatform({ ...(settings as Partial<PlatformOptionsInput>), port: 0, build: true });
    return { url: platform.url, stop: platform.stop, settings: scalingSettings(platform.platform.settings), credentials: platform.credentials };
  });
  const driver = new LocalAgentDriver({ planDir: options.workDir, onOutput: options.onAgentOutput, ...(options.agentEntry ? { agentEntry: options.agentEntry } : {}) });
  const built: LocalRunDependencies = {
    provisioners: { local: provisioner, ...(options.openfaas ? { openfaas: new OpenFaasProvisioner(options.openfaas) } : {}) },
    clients: { local: driver, openfaas: driver },
    callbacks: callbackIssuer(registry, callbackServer.url, runAgentState.TimeoutSeconds * 1000, fixedCallbackSigningKey(signingKey)),
  };
  const { provisioners, clients, callbacks } = options.decorateDependencies?.(built) ?? built;
  const lambdas: StepHandlers = createStepHandlers({
    store: options.store,
    provisioners,
    clients,
    callbacks,
    resultsLocation: (runId) => localResultsFile(options.workDir, runId),
    heartbeatIntervalMs: Math.max(50, Math.min(60_000, Math.floor(heartbeatMs / 3))),
  }, { logger: new Logger({ serviceName: 'faas-benchmarker-local', logLevel: 'SILENT' }), metrics: false });
  const executionId = options.executionArn ?? localExecutionArn(randomUUID());
  // Also before RunAgent: an agent the run never started is not started afterwards.
  const onAbort = () => broker.close(RUN_INTERRUPTED.error, RUN_INTERRUPTED.cause);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  try {
    const execution = await executeRunExperimentLocally({
      lambdas,
      broker,
      input: options.input,
      executionId,
      readinessPollMs: options.readinessPollMs ?? 200,
      heartbeatMs,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
      ...(options.retryIntervalMs === undefined ? {} : { retryIntervalMs: options.retryIntervalMs }),
      ...(options.executionTimeoutMs === undefined ? {} : { executionTimeoutMs: options.executionTimeoutMs }),
      ...(options.signal ? { interruptSignal: options.signal } : {}),
    });
    // As the deployment's rule on execution status changes does: an execution that ended without
    // its own Teardown (a terminal States.Runtime, a StopExecution, its timeout) leaves no run active and nothing running.
    // Locally the agent's results file is at hand: what it wrote before the stop is stored, marked partial.
    const collectPartialResults = (run: RunRow) => importPartialResults(options.store, run.id, localResultsFile(options.workDir, run.id), 'stopped');
    const cleanup = { store: options.store, provisioners, clients, callbacks, collectPartialResults };
    if (execution.status === 'FAILED') {
      await cleanUpExecution(cleanup, { executionArn: executionId, status: 'FAILED', error: execution.error ?? null, cause: execution.cause ?? null });
    } else if (execution.status === 'ABORTED') {
      const reason = (options.stopSignal?.reason ?? {}) as StopReason;
      await cleanUpExecution(cleanup, { executionArn: executionId, status: 'ABORTED', error: reason.error ?? null, cause: reason.cause ?? null });
    } else if (execution.status === 'TIMED_OUT') {
      await cleanUpExecution(cleanup, { executionArn: executionId, status: 'TIMED_OUT', error: 'States.Timeout', cause: null });
    }
    const runs = (await options.store.listRuns({ limit: 1000 })).filter((run) => run.execution_id === executionId);
    return { execution, runs };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    broker.failAll('RunAborted', 'the local control plane stopped');
    await callbackServer.close();
    await provisioner.stopAll();
  }
}
