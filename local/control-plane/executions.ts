/**
 * The executions of one `fb serve`: Step Functions' StartExecution, DescribeExecution,
 * ListExecutions, StopExecution and GetExecutionHistory for the RunExperiment state machine, with
 * AWS's semantics, over a runner that runs one execution on the local interpreter
 * (./run-local.ts `runLocalControlPlane` in `fb serve`; a fake state machine in tests).
 *
 * - StartExecution: the name defaults to a UUID; a name already used answers the same execution
 *   when it is still running with the same input (StartExecution is idempotent), and
 *   ExecutionAlreadyExists otherwise. Input must be JSON; whether it is a RunExperiment input is
 *   ValidateInput's to judge, as in AWS (the execution then fails).
 * - StopExecution: the execution is ABORTED at once with the error and cause given; the runner
 *   then lets its Task handlers in flight finish and tears the runs down.
 * - Listings page with an opaque `nextToken`, newest executions first, history oldest first
 *   unless `reverseOrder`.
 */
import { randomUUID } from 'node:crypto';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { ExecutionHistory, type HistoryEvent } from './execution-history';
import type { LocalExecutionEvent, LocalExecutionResult } from './local-sfn';
import {
  ExecutionAlreadyExistsError,
  ExecutionDoesNotExistError,
  InvalidArnError,
  InvalidExecutionInputError,
  InvalidNameError,
  InvalidTokenError,
  StateMachineDoesNotExistError,
  ValidationError,
} from './sfn-errors';

/** Step Functions' execution statuses (PENDING_REDRIVE only filters: nothing here is redriven). */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** What a runner is given to run one execution. */
export interface ExecutionRunRequest {
  executionArn: string;
  name: string;
  /** The parsed input. */
  input: unknown;
  onEvent: (event: LocalExecutionEvent) => void;
  /** Aborted by StopExecution (and at shutdown), with a `{ error?, cause? }` reason. */
  stopSignal: AbortSignal;
}

/** Runs one execution to its end (ABORTED after a stop, once torn down). */
export type ExecutionRunner = (request: ExecutionRunRequest) => Promise<LocalExecutionResult>;

/** DescribeExecution's answer. */
export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
}

/** One item of ListExecutions. */
export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

export interface ExecutionServiceOptions {
  /** RunExperiment's ARN; executions are `arn:aws:states:<its region>:<its account>:execution:<its name>:<name>`. */
  stateMachineArn: string;
  /** The definition the executions run (for the history and DescribeStateMachine). */
  definition: StateMachineDefinition;
  /** The definition as text (DescribeStateMachine's `definition`). */
  definitionText: string;
  runner: ExecutionRunner;
  /** Told when an execution starts and when its runner has finished (an aborted one: once torn down). */
  onChange?: (execution: ExecutionDescription, change: 'started' | 'ended') => void;
  now?: () => Date;
}

interface Execution {
  description: ExecutionDescription;
  history: ExecutionHistory;
  controller: AbortController;
  /** Settles when the runner has finished (after any teardown). */
  finished: Promise<void>;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([^:]{1,80})$/;
/** Step Functions refuses whitespace, brackets, wildcards, these punctuation marks and control characters in names. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const MAX_INPUT_BYTES = 256 * 1024;

export class ExecutionService {
  private readonly executions = new Map<string, Execution>();
  private readonly order: Execution[] = [];
  private readonly region: string;
  private readonly accountId: string;
  private readonly stateMachineName: string;
  private readonly createdAt: Date;
  private readonly now: () => Date;

  constructor(private readonly options: ExecutionServiceOptions) {
    const match = STATE_MACHINE_ARN.exec(options.stateMachineArn);
    if (!match) throw new InvalidArnError(`not a state machine ARN: ${options.stateMachineArn}`);
    [, this.region = '', this.accountId = '', this.stateMachineName = ''] = match;
    this.now = options.now ?? (() => new Date());
    this.createdAt = this.now();
  }

  get stateMachineArn(): string {
    return this.options.stateMachineArn;
  }

  /** The role executions run as (none here; an ARN of the right shape for tools that print it). */
  get roleArn(): string {
    return `arn:aws:iam::${this.accountId}:role/${this.stateMachineName}`;
  }

  listStateMachines(): { stateMachineArn: string; name: string; type: 'STANDARD'; creationDate: Date }[] {
    return [{ stateMachineArn: this.stateMachineArn, name: this.stateMachineName, type: 'STANDARD', creationDate: this.createdAt }];
  }

  describeStateMachine(stateMachineArn: string) {
    this.checkStateMachine(stateMachineArn);
    return {
      stateMachineArn: this.stateMachineArn,
      name: this.stateMachineName,
      status: 'ACTIVE',
      definition: this.options.definitionText,
      roleArn: this.roleArn,
      type: 'STANDARD',
      creationDate: this.createdAt,
    };
  }

  start(request: { stateMachineArn: string; name?: string | undefined; input?: string | undefined }): { executionArn: string; startDate: Date } {
    this.checkStateMachine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (name.length < 1 || name.length > 80 || INVALID_NAME_CHARACTER.test(name)) throw new InvalidNameError(`Invalid Name: '${name}'`);
    const inputText = request.input ?? '{}';
    if (Buffer.byteLength(inputText) > MAX_INPUT_BYTES) throw new InvalidExecutionInputError(`Invalid State Machine Execution Input: the input is larger than ${MAX_INPUT_BYTES} bytes`);
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch (error) {
      throw new InvalidExecutionInputError(`Invalid State Machine Execution Input: '${(error as Error).message}'`);
    }
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${this.stateMachineName}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.description.status === 'RUNNING' && existing.description.input === inputText) return { executionArn, startDate: existing.description.startDate };
      throw new ExecutionAlreadyExistsError(`Execution Already Exists: '${executionArn}'`);
    }
    const description: ExecutionDescription = {
      executionArn,
      stateMachineArn: this.stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: this.now(),
      input: inputText,
      inputDetails: { included: true },
    };
    const history = new ExecutionHistory({ definition: this.options.definition, region: this.region, roleArn: this.roleArn });
    const controller = new AbortController();
    const execution: Execution = { description, history, controller, finished: Promise.resolve() };
    this.executions.set(executionArn, execution);
    this.order.push(execution);
    this.options.onChange?.(description, 'started');
    execution.finished = this.run(execution, input);
    return { executionArn, startDate: description.startDate };
  }

  describe(executionArn: string): ExecutionDescription {
    return { ...this.find(executionArn).description };
  }

  list(request: { stateMachineArn: string; statusFilter?: ExecutionStatus | undefined; maxResults?: number | undefined; nextToken?: string | undefined }): { executions: ExecutionListItem[]; nextToken?: string } {
    this.checkStateMachine(request.stateMachineArn);
    const matching = [...this.order].reverse().filter((execution) => !request.statusFilter || execution.description.status === request.statusFilter);
    const { items, nextToken } = page(matching, request);
    return {
      executions: items.map(({ description: { executionArn, stateMachineArn, name, status, startDate, stopDate } }) => ({ executionArn, stateMachineArn, name, status, startDate, ...(stopDate ? { stopDate } : {}) })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /** StopExecution: ABORTED now; the runner tears down in the background ({@link settled}). */
  stop(request: { executionArn: string; error?: string | undefined; cause?: string | undefined }): { stopDate: Date } {
    const execution = this.find(request.executionArn);
    const { description } = execution;
    if (description.status !== 'RUNNING') return { stopDate: description.stopDate ?? this.now() };
    const stopDate = this.now();
    Object.assign(description, { status: 'ABORTED', stopDate }, request.error !== undefined ? { error: request.error } : {}, request.cause !== undefined ? { cause: request.cause } : {});
    execution.history.stopRequested({ ...(request.error !== undefined ? { error: request.error } : {}), ...(request.cause !== undefined ? { cause: request.cause } : {}) }, stopDate);
    execution.controller.abort({ error: request.error, cause: request.cause });
    return { stopDate };
  }

  history(request: { executionArn: string; maxResults?: number | undefined; nextToken?: string | undefined; reverseOrder?: boolean | undefined; includeExecutionData?: boolean | undefined }): { events: HistoryEvent[]; nextToken?: string } {
    const execution = this.find(request.executionArn);
    const all = [...execution.history.events()];
    if (request.reverseOrder) all.reverse();
    const { items, nextToken } = page(all, request);
    const events = request.includeExecutionData === false ? items.map(withoutExecutionData) : items;
    return { events, ...(nextToken ? { nextToken } : {}) };
  }

  /** Stop every running execution (as StopExecution does) and wait until all are torn down. */
  async stopAll(reason: { error?: string; cause?: string }): Promise<void> {
    for (const execution of this.order) if (execution.description.status === 'RUNNING') this.stop({ executionArn: execution.description.executionArn, ...reason });
    await this.settled();
  }

  /** Settles when every execution's runner has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.order.map((execution) => execution.finished));
  }

  private async run(execution: Execution, input: unknown): Promise<void> {
    const { description } = execution;
    let result: LocalExecutionResult;
    try {
      result = await this.options.runner({
        executionArn: description.executionArn,
        name: description.name,
        input,
        onEvent: (event) => execution.history.accept(event),
        stopSignal: execution.controller.signal,
      });
    } catch (error) {
      // A bug, not a state's failure: the execution fails with it rather than staying RUNNING.
      result = { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) };
    }
    execution.history.close();
    if (description.status === 'RUNNING') {
      description.stopDate = this.now();
      if (result.status === 'SUCCEEDED') {
        description.status = 'SUCCEEDED';
        description.output = JSON.stringify(result.output ?? null);
        description.outputDetails = { included: true };
      } else if (result.status === 'FAILED') {
        Object.assign(description, { status: 'FAILED', error: result.error, cause: result.cause });
      } else {
        description.status = result.status;
      }
    }
    this.options.onChange?.({ ...description }, 'ended');
  }

  private checkStateMachine(stateMachineArn: string): void {
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new InvalidArnError(`Invalid Arn: 'Resource type not valid in this context: ${stateMachineArn}'`);
    if (stateMachineArn !== this.stateMachineArn) throw new StateMachineDoesNotExistError(`State Machine Does Not Exist: '${stateMachineArn}'`);
  }

  private find(executionArn: string): Execution {
    if (!EXECUTION_ARN.test(executionArn)) throw new InvalidArnError(`Invalid Arn: 'Resource type not valid in this context: ${executionArn}'`);
    const execution = this.executions.get(executionArn);
    if (!execution) throw new ExecutionDoesNotExistError(`Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }
}

/** One page of `items` from the offset `nextToken` carries. */
function page<T>(items: readonly T[], request: { maxResults?: number | undefined; nextToken?: string | undefined }): { items: T[]; nextToken?: string } {
  const size = request.maxResults || DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) throw new ValidationError(`maxResults must be from 0 to ${MAX_PAGE_SIZE}`);
  const offset = request.nextToken === undefined ? 0 : offsetOf(request.nextToken);
  const slice = items.slice(offset, offset + size);
  const next = offset + size;
  return { items: slice, ...(next < items.length ? { nextToken: Buffer.from(JSON.stringify({ offset: next })).toString('base64url') } : {}) };
}

function offsetOf(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // not one of ours
  }
  throw new InvalidTokenError(`Invalid Token: '${token}'`);
}

/** An event without its input, output and parameters (includeExecutionData: false). */
function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const stripped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') {
      const { input: _input, output: _output, parameters: _parameters, ...rest } = value as Record<string, unknown>;
      stripped[key] = rest;
    } else {
      stripped[key] = value;
    }
  }
  return stripped as unknown as HistoryEvent;
}
