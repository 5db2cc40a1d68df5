/**
 * What a platform implements, in one file (README.md in this folder walks through adding one).
 *
 * Control-plane side, used by the RunExperiment steps (lib/control-plane/steps.ts):
 * - {@link FunctionProvisioner}: deploys the lab functions of a run, says when they are ready, tells
 *   the agent how to reach them, removes them.
 * - {@link ClientDriver}: the client of a run, where the agent runs. In the clouds it is a
 *   {@link ClientMachine} made for the run plus an {@link AgentDriver} that starts the agent on it
 *   (client/machine-client-driver.ts puts the two together); locally, a child process.
 *
 * Agent side, used by the client agent's invoker (no cloud SDK: the agent bundle carries these):
 * - {@link Provider}: how one invocation is addressed over HTTP and what the platform's answers mean.
 *
 * Every control-plane method gets the branch's state as the state machine keeps it
 * ({@link BranchInput}), and nothing may depend on memory between calls: in AWS each step may run
 * in a different Lambda. What the methods answer ends up in the Step Functions execution history,
 * so it never holds a secret; secrets go only into the agent's plan ({@link FunctionProvisioner.agentTarget}).
 */
import type { AgentOutcome, AgentPlan } from '../agent/plan';
import type { ProviderConfig } from '../agent/provider-config';
import type { ClassifiedAnswer } from '../experiment/bench';
import type { ClientSizing } from './client/machine-size';

/** One platform's run inside the Map: its row id and platform. */
export interface BranchRun {
  runId: string;
  platform: string;
}

/** What every branch state receives (the Map's ItemSelector, plus earlier results). */
export interface BranchInput {
  run: BranchRun;
  experiment: string;
  params: Record<string, unknown>;
  quick: boolean;
  platformOptions: Record<string, unknown>;
  /** What ProvisionFunctions or the last CheckFunctionsReady answered. */
  functions?: Record<string, unknown>;
  /** What ProvisionClient or the last CheckClientReady answered. */
  client?: Record<string, unknown>;
  agent?: AgentOutcome;
  error?: { Error: string; Cause?: string };
}

/** What a Wait + Choice loop polls: `ready`, or `failed` with a reason when it never will be. */
export type ReadinessCheck = { ready: boolean; failed?: boolean; reason?: string } & Record<string, unknown>;

/**
 * Where a deletion stands, polled after Teardown until everything is gone (the state machine's
 * WaitForTeardown → CheckTeardown loop): `gone` once nothing is left, `failed` with a reason when
 * the deletion stopped without removing everything (CloudFormation `DELETE_FAILED`, a resource
 * group that is no longer being deleted), else still going. `state` is the provider's own word.
 */
export interface RemovalCheck {
  gone: boolean;
  failed?: boolean;
  state: string;
  reason?: string;
}

/** Deploys the lab functions of a run on one platform (AWS: a per-run stack; local: the local platform). */
export interface FunctionProvisioner {
  /**
   * Start deploying; idempotent per run (a retried step must not deploy twice). An answer's
   * `settings` (the platform settings in force, every default applied) go into the run's manifest.
   */
  provision(input: BranchInput): Promise<Record<string, unknown>>;
  /** `ready` once the functions answer; `failed` with a reason when they never will. */
  check(input: BranchInput): Promise<ReadinessCheck>;
  /**
   * How the agent reaches the functions (`input.functions` is the last check's answer): the
   * provider config the agent validates (lib/agent/provider-config.ts). Called by StartAgent right
   * before the plan is sent, so it may read secrets (an API key, function keys) that must never
   * be in a state's output.
   */
  agentTarget(input: BranchInput): Promise<ProviderConfig>;
  /** Start deleting everything provision made; idempotent. */
  teardown(input: BranchInput): Promise<void>;
  /** How far that deletion has got (polled until `gone` or `failed`). */
  removal(input: BranchInput): Promise<RemovalCheck>;
}

/** Provisions the client and starts the agent on it (AWS: an Azure VM + Run Command; local: a child process). */
export interface ClientDriver {
  /** Start making the client; returns at once (`ready: false` while it boots). */
  provision(input: BranchInput): Promise<Record<string, unknown>>;
  /** Polled until the client takes commands (`input.client` is what provision or the last check answered). */
  check(input: BranchInput): Promise<ReadinessCheck>;
  /** Hand the agent its plan and start it; the agent's callback completes the RunAgent task. */
  startAgent(plan: AgentPlan, input: BranchInput): Promise<void>;
  teardown(input: BranchInput): Promise<void>;
  /** How far the client's deletion has got (polled until `gone` or `failed`). */
  removal(input: BranchInput): Promise<RemovalCheck>;
  /**
   * Asked by ValidateInput, before anything is made: refuse with ClientSizeNotOfferedError
   * (errors.ts) a client size its region does not offer. Absent where the client has no size
   * (the local platform's child process). See {@link ClientMachine.checkSizeOffered}.
   */
  checkSizeOffered?(sizing: ClientSizing): Promise<void>;
}

/**
 * A client machine made for one run: an EC2 instance when the functions are on Azure, an Azure VM
 * when they are on AWS Lambda or OpenFaaS (each platform is benchmarked from the opposite cloud).
 */
export interface ClientMachine {
  /**
   * Start making the machine and return at once (no waiting for it to boot); idempotent per run,
   * so a retried ProvisionClient makes no second machine. Answers `{ kind, …, ready: false }`.
   */
  create(input: BranchInput): Promise<Record<string, unknown>>;
  /**
   * Polled by the state machine's Wait + Choice loop: `ready: true` (with what the agent driver
   * needs to reach it, e.g. `instanceId`, or `resourceGroup` + `vmName`) once the machine is up
   * and takes commands (SSM `Online`, the Azure VM agent `Ready`): the agent command itself waits
   * for the boot script to finish installing; `failed: true` with a reason when it
   * never will; else `ready: false`.
   */
  check(input: BranchInput): Promise<ReadinessCheck>;
  /** Delete the machine and everything made with it; idempotent, and a machine already gone is fine. Does not wait. */
  destroy(input: BranchInput): Promise<void>;
  /** How far that deletion has got. */
  removal(input: BranchInput): Promise<RemovalCheck>;
  /**
   * Refuse with ClientSizeNotOfferedError (errors.ts) a size the machine's region does not offer,
   * where the cloud can tell. The size is the one create would use: `sizing.platformOptions` (the
   * run's option, else the experiment's declaration, lib/platforms/client/machine-size.ts), else
   * the machine's own default; `sizing.chosenBy` says who chose it, for the message. Resolves when
   * the size is offered, and also when the cloud could not be asked (throttled, denied): that is
   * reported, and create remains where the size is finally accepted. Optional: a machine without
   * it is not checked.
   */
  checkSizeOffered?(sizing: ClientSizing): Promise<void>;
}

/** Starts the agent on the machine `input.client` names (SSM Run Command, Azure Run Command), and stops it. */
export interface AgentDriver {
  startAgent(plan: AgentPlan, input: BranchInput): Promise<void>;
  teardown(input: BranchInput): Promise<void>;
}

/**
 * How a new client machine gets the agent: a URL it can GET the agent bundle from
 * (`dist/agent/agent.js`, one file, needs only Node 20), made fresh for each machine (e.g. a
 * presigned S3 GET valid for an hour). The machine downloads it at boot (client/boot-script.ts).
 */
export type AgentBundleUrl = () => Promise<string>;

/**
 * A FaaS platform as the client agent sees it: how to address one invocation over HTTP, and what
 * its answers mean. Providers only describe; the invoker sends (over pre-opened keep-alive
 * connections) and times.
 */
export interface Provider {
  /** `local`, `openfaas`, `aws-lambda`, `azure-functions`. */
  readonly platform: string;
  /** The HTTP request for one invocation of `functionName` with a JSON `body`. */
  requestFor(functionName: string): ProviderRequest;
  /** What an answer means: ok with records, throttled, or an error with the platform's reason. */
  classify(httpStatus: number, bodyText: string): Classified;
  /**
   * Headers and paths that must never be logged (API keys, function keys): the invoker redacts
   * these values from anything it stores or prints.
   */
  readonly secrets: readonly string[];
  /**
   * The request that retires every instance of `functionName`, so that its next call is cold
   * (OpenFaaS and the local platform: scale to zero through the gateway). Absent where the agent
   * cannot force a cold start by itself.
   */
  forceColdRequest?(functionName: string): ProviderRequest & { body: string };
}

/**
 * Makes the next call of a run's function cold, from the control plane (for platforms where the
 * agent cannot: it holds no cloud credentials). Asked for by the agent through the callback
 * endpoint (`kind: 'force-cold'`).
 */
export interface ColdForcer {
  forceCold(runId: string, functionName: string): Promise<void>;
}

export interface ProviderRequest {
  /** `http://127.0.0.1:8080`: one connection pool per origin. */
  origin: string;
  /** Path and query, e.g. `/function/function1`. */
  path: string;
  method: 'POST';
  headers: Record<string, string>;
}

/** What an answer means (the shape experiments see in `InvocationResult.answer.classified`). */
export type Classified = ClassifiedAnswer;
