/**
 * An execution's history as Step Functions' GetExecutionHistory reports it, built from what the
 * local interpreter and the Task handler wrapper report (./local-sfn.ts `onEvent`):
 *
 * - the interpreter's StateEntered / StateExited become `<Type>StateEntered` / `<Type>StateExited`
 *   (TaskStateEntered, ChoiceStateEntered, WaitStateEntered, PassStateEntered, MapStateEntered, …);
 * - a Map state adds MapStateStarted (its item count), MapIterationStarted / Succeeded / Failed
 *   per item, and MapStateSucceeded / MapStateFailed;
 * - a Task whose Resource is a Lambda function's ARN adds LambdaFunctionScheduled and
 *   LambdaFunctionStarted when its handler is called, and LambdaFunctionSucceeded / Failed /
 *   TimedOut before it exits or after it fails, as AWS reports such a Task; a service-integration
 *   Task (RunAgent's `arn:aws:states:::lambda:invoke.waitForTaskToken`) adds TaskScheduled,
 *   TaskStarted, TaskSubmitted and TaskSucceeded / TaskFailed / TaskTimedOut instead; a retried
 *   Task is scheduled again, as in AWS;
 * - ExecutionStarted, ExecutionSucceeded, ExecutionFailed, ExecutionTimedOut, and ExecutionAborted
 *   (with the error and cause StopExecution was given, which the execution service passes on).
 *
 * A service-integration Task reports its resourceType and resource (`lambda`,
 * `invoke.waitForTaskToken`) with its parameters; a function-ARN Task its ARN and its input.
 * `previousEventId` is the event before (AWS links parallel branches' events to
 * their own predecessors; a single chain is what one local interpreter's log can say).
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { InterpreterEvent, LocalExecutionEvent, TaskHandlerEvent } from './local-sfn';

/** One event of GetExecutionHistory: id, previousEventId, timestamp, type and its `…EventDetails`. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: `${string}EventDetails`]: Record<string, unknown>;
}

/** What the history needs to know of each state (nested ones included), by name. */
interface StateFacts {
  Type: string;
  Resource?: string;
  ItemsPath?: string;
  TimeoutSeconds?: number;
  HeartbeatSeconds?: number;
}

const NOT_TRUNCATED = { truncated: false } as const;

/** Every state of the definition by name, nested ones (Map, Parallel) included. */
function statesByName(definition: StateMachineDefinition): Map<string, StateFacts> {
  const found = new Map<string, StateFacts>();
  const walk = (states: Record<string, unknown>) => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as StateFacts & { ItemProcessor?: { States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> }; Branches?: { States: Record<string, unknown> }[] };
      found.set(name, state);
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
      if (state.Iterator) walk(state.Iterator.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk((definition as unknown as { States: Record<string, unknown> }).States);
  return found;
}

/** `$.a.b` of `input`; the whole input for `$` or no path. Map's ItemsPath here is always a plain path. */
function valueAt(input: unknown, path: string | undefined): unknown {
  if (!path || path === '$') return input;
  let value = input;
  for (const key of path.replace(/^\$\.?/, '').split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** A Task whose Resource is a Lambda function's ARN (not a service integration): AWS reports it with LambdaFunction* events. */
function isFunctionArn(resource: string | undefined): boolean {
  return /^arn:aws[a-z-]*:lambda:[^:]*:\d{12}:function:[^:]+(:[^:]+)?$/.test(resource ?? '');
}

/** The resourceType and resource Step Functions reports for a Task's Resource. */
function taskResourceOf(resource: string | undefined): { resourceType: string; resource: string } {
  const integration = /^arn:aws[a-z-]*:states:::([a-z0-9-]+):(.+)$/.exec(resource ?? '');
  if (integration) return { resourceType: integration[1] as string, resource: integration[2] as string };
  return { resourceType: 'lambda', resource: 'invoke' };
}

export interface ExecutionHistoryOptions {
  definition: StateMachineDefinition;
  /** The region the ARNs name (TaskScheduled's `region`). */
  region: string;
  /** The role the execution runs as (ExecutionStarted's `roleArn`). */
  roleArn: string;
}

/**
 * The history of one execution, appended to as its events arrive. The interpreter forwards a Map
 * iteration's events asynchronously, so the Map's own exit can arrive before its iterations'
 * last events: the exit and whatever follows it at the top level are held until every iteration
 * has ended. Task handler calls are paired with their states per state name in arrival order (a
 * FIFO per name: parallel Map branches running the same state may swap their Task events, never
 * lose them).
 */
export class ExecutionHistory {
  private readonly list: HistoryEvent[] = [];
  private readonly states: Map<string, StateFacts>;
  /** Task states entered (or retried) whose handler call has not been recorded yet, by name. */
  private readonly awaitingCall = new Map<string, number>();
  /** Handler calls that arrived before their state's StateEntered, by name. */
  private readonly earlyCalls = new Map<string, Extract<TaskHandlerEvent, { type: 'TaskInvoked' }>[]>();
  /** Handler outcomes not yet paired with their state's exit or failure, by name. */
  private readonly outcomes = new Map<string, Exclude<TaskHandlerEvent, { type: 'TaskInvoked' }>[]>();
  /** Tasks (by iteration and name) whose last attempt failed: their exit after a Catch is no TaskSucceeded. */
  private readonly failedAttempt = new Set<string>();
  /** Per Map state: items, iterations ended. */
  private readonly maps = new Map<string, { length: number; ended: number }>();
  private held: InterpreterEvent[] | undefined;
  private heldFor: string | undefined;
  private ended = false;
  private stop: { details: { error?: string; cause?: string }; at: Date } | undefined;

  constructor(private readonly options: ExecutionHistoryOptions) {
    this.states = statesByName(options.definition);
  }

  /** The events so far, oldest first. */
  events(): readonly HistoryEvent[] {
    return this.list;
  }

  /** Take one event from the interpreter or the handler wrapper. */
  accept(event: LocalExecutionEvent): void {
    if (this.ended) return;
    switch (event.type) {
      case 'TaskInvoked':
        this.taskCalled(event);
        return;
      case 'TaskReturned':
      case 'TaskThrew':
        this.queue(this.outcomes, event.state, event);
        return;
      default:
        if (this.held && !isIterationEvent(event)) {
          this.held.push(event);
          return;
        }
        this.interpret(event);
    }
  }

  /**
   * StopExecution: the execution ended ABORTED with these details. The ExecutionAborted event is
   * recorded where the interpreter reports the abort (after the events it reported before it), or
   * at {@link close} if it never does.
   */
  stopRequested(details: { error?: string; cause?: string }, at: Date): void {
    this.stop ??= { details, at };
  }

  /** The execution's runner has finished: a stop the interpreter did not report is recorded now. */
  close(): void {
    if (!this.ended && this.stop) this.recordAbort();
  }

  private recordAbort(): void {
    const { details, at } = this.stop ?? { details: {}, at: new Date() };
    this.release();
    this.append('ExecutionAborted', at, { executionAbortedEventDetails: { ...(details.error ? { error: details.error } : {}), ...(details.cause ? { cause: details.cause } : {}) } });
    this.ended = true;
  }

  private interpret(event: InterpreterEvent): void {
    const at = new Date(event.timestamp);
    switch (event.type) {
      case 'ExecutionStarted':
        this.append('ExecutionStarted', at, { executionStartedEventDetails: { input: json(event.input), inputDetails: NOT_TRUNCATED, roleArn: this.options.roleArn } });
        return;
      case 'ExecutionSucceeded':
        this.release();
        this.append('ExecutionSucceeded', at, { executionSucceededEventDetails: { output: json(event.output), outputDetails: NOT_TRUNCATED } });
        this.ended = true;
        return;
      case 'ExecutionFailed':
        this.release();
        this.append('ExecutionFailed', at, { executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) } });
        this.ended = true;
        return;
      case 'ExecutionTimeout':
        this.release();
        this.append('ExecutionTimedOut', at, { executionTimedOutEventDetails: { error: 'States.Timeout' } });
        this.ended = true;
        return;
      case 'ExecutionAborted':
        // With StopExecution's error and cause (stopRequested()).
        this.recordAbort();
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.append(event.type, at, { [`${lowerFirst(event.type)}EventDetails`]: { name: event.parentState.name, index: event.index } });
        if (event.type !== 'MapIterationStarted') this.iterationEnded(event.parentState.name);
        return;
      case 'StateEntered':
        this.stateEntered(event, at);
        return;
      case 'StateExited':
        this.stateExited(event, at);
        return;
      case 'StateFailed':
        this.stateFailed(event, at);
        return;
      case 'StateRetried':
        // Tried again: its failure was not the last word.
        this.failedAttempt.delete(keyOf(event));
        if (event.state.type === 'Task') this.expectCall(event.state.name);
        return;
      default:
        // StateCaught (its state's exit follows), Parallel branch events (RunExperiment has no Parallel state).
        return;
    }
  }

  private stateEntered(event: Extract<InterpreterEvent, { type: 'StateEntered' }>, at: Date): void {
    const { name, type, input } = event.state;
    this.failedAttempt.delete(keyOf(event));
    this.append(`${type}StateEntered`, at, { stateEnteredEventDetails: { name, input: json(input), inputDetails: NOT_TRUNCATED } });
    if (type === 'Map') {
      const items = valueAt(input, this.states.get(name)?.ItemsPath);
      const length = Array.isArray(items) ? items.length : 0;
      this.maps.set(name, { length, ended: 0 });
      this.append('MapStateStarted', at, { mapStateStartedEventDetails: { length } });
    }
    if (type === 'Task') this.expectCall(name);
  }

  private stateExited(event: Extract<InterpreterEvent, { type: 'StateExited' }>, at: Date): void {
    const { name, type, output } = event.state;
    if (type === 'Map' && event.index === undefined) {
      const map = this.maps.get(name);
      if (map && map.ended < map.length && !this.held) {
        this.held = [event];
        this.heldFor = name;
        return;
      }
    }
    if (type === 'Task') {
      if (this.failedAttempt.delete(keyOf(event))) {
        // Caught: the TaskFailed is already recorded; the state exits with the Catch's output.
      } else {
        const outcome = this.take(this.outcomes, name, (candidate) => candidate.type === 'TaskReturned');
        const result = outcome?.type === 'TaskReturned' ? outcome.output : output;
        const when = outcome ? new Date(outcome.timestamp) : at;
        if (this.isFunctionTask(name)) this.append('LambdaFunctionSucceeded', when, { lambdaFunctionSucceededEventDetails: { output: json(result), outputDetails: NOT_TRUNCATED } });
        else this.append('TaskSucceeded', when, { taskSucceededEventDetails: { ...this.resourceOf(name), output: json(result), outputDetails: NOT_TRUNCATED } });
      }
    }
    if (type === 'Map') this.append('MapStateSucceeded', at, {});
    this.append(`${type}StateExited`, at, { stateExitedEventDetails: { name, output: json(output), outputDetails: NOT_TRUNCATED } });
  }

  private stateFailed(event: Extract<InterpreterEvent, { type: 'StateFailed' }>, at: Date): void {
    const { name, type } = event.state;
    if (type === 'Task') {
      this.failedAttempt.add(keyOf(event));
      const failure = { error: event.Error, cause: causeText(event.Cause) };
      const functionTask = this.isFunctionTask(name);
      const details = functionTask ? failure : { ...this.resourceOf(name), ...failure };
      if (event.Error === 'States.Timeout') {
        if (functionTask) this.append('LambdaFunctionTimedOut', at, { lambdaFunctionTimedOutEventDetails: details });
        else this.append('TaskTimedOut', at, { taskTimedOutEventDetails: details });
        return;
      }
      const outcome = this.take(this.outcomes, name, (candidate) => candidate.type === 'TaskThrew');
      const when = outcome ? new Date(outcome.timestamp) : at;
      if (functionTask) this.append('LambdaFunctionFailed', when, { lambdaFunctionFailedEventDetails: details });
      else this.append('TaskFailed', when, { taskFailedEventDetails: details });
      return;
    }
    if (type === 'Map') this.append('MapStateFailed', at, {});
  }

  /** A Task state was entered or retried: its handler call is (or will be) recorded next. */
  private expectCall(name: string): void {
    const early = this.take(this.earlyCalls, name, () => true);
    if (early) {
      this.recordCall(early);
      return;
    }
    this.awaitingCall.set(name, (this.awaitingCall.get(name) ?? 0) + 1);
  }

  private taskCalled(event: Extract<TaskHandlerEvent, { type: 'TaskInvoked' }>): void {
    const waiting = this.awaitingCall.get(event.state) ?? 0;
    if (waiting === 0) {
      this.queue(this.earlyCalls, event.state, event);
      return;
    }
    this.awaitingCall.set(event.state, waiting - 1);
    this.recordCall(event);
  }

  private recordCall(event: Extract<TaskHandlerEvent, { type: 'TaskInvoked' }>): void {
    const at = new Date(event.timestamp);
    const facts = this.states.get(event.state);
    if (this.isFunctionTask(event.state)) {
      this.append('LambdaFunctionScheduled', at, {
        lambdaFunctionScheduledEventDetails: {
          resource: facts?.Resource,
          input: json(event.input),
          inputDetails: NOT_TRUNCATED,
          ...(facts?.TimeoutSeconds !== undefined ? { timeoutInSeconds: facts.TimeoutSeconds } : {}),
        },
      });
      this.append('LambdaFunctionStarted', at, {});
      return;
    }
    const resource = this.resourceOf(event.state);
    const parameters = event.input;
    this.append('TaskScheduled', at, {
      taskScheduledEventDetails: {
        ...resource,
        region: this.options.region,
        parameters: json(parameters),
        ...(facts?.TimeoutSeconds !== undefined ? { timeoutInSeconds: facts.TimeoutSeconds } : {}),
        ...(facts?.HeartbeatSeconds !== undefined ? { heartbeatInSeconds: facts.HeartbeatSeconds } : {}),
      },
    });
    this.append('TaskStarted', at, { taskStartedEventDetails: resource });
    if (event.callback) this.append('TaskSubmitted', at, { taskSubmittedEventDetails: { ...resource, output: '{}', outputDetails: NOT_TRUNCATED } });
  }

  private isFunctionTask(name: string): boolean {
    return isFunctionArn(this.states.get(name)?.Resource);
  }

  private resourceOf(name: string): { resourceType: string; resource: string } {
    return taskResourceOf(this.states.get(name)?.Resource);
  }

  private iterationEnded(mapName: string): void {
    const map = this.maps.get(mapName);
    if (map) map.ended += 1;
    if (this.heldFor === mapName && map && map.ended >= map.length) this.release();
  }

  /** Record the events held back for a Map's iterations, in their order. */
  private release(): void {
    const held = this.held;
    this.held = undefined;
    this.heldFor = undefined;
    for (const event of held ?? []) this.interpret(event);
  }

  private append(type: string, timestamp: Date, details: Record<string, Record<string, unknown>>): void {
    const id = this.list.length + 1;
    this.list.push({ id, previousEventId: id - 1, timestamp, type, ...details });
  }

  private queue<T>(queues: Map<string, T[]>, name: string, item: T): void {
    const queue = queues.get(name) ?? [];
    queue.push(item);
    queues.set(name, queue);
  }

  private take<T>(queues: Map<string, T[]>, name: string, matches: (item: T) => boolean): T | undefined {
    const queue = queues.get(name);
    const index = queue?.findIndex(matches) ?? -1;
    if (!queue || index < 0) return undefined;
    return queue.splice(index, 1)[0];
  }
}

/** Events of a Map's iterations (forwarded late by the interpreter): never held back. */
function isIterationEvent(event: InterpreterEvent): boolean {
  return event.type.startsWith('MapIteration') || ('index' in event && event.index !== undefined);
}

function keyOf(event: { index?: number; state: { name: string } }): string {
  return `${event.index ?? ''}/${event.state.name}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return json(cause);
}
