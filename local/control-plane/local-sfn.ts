import { readFileSync } from 'node:fs';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { installPromiseWithResolvers } from './promise-polyfill';
import type { TokenBroker } from '../../lib/callback/local-token-broker';

/**
 * Runs the control plane's state-machine files locally with aws-local-stepfunctions: the same
 * ASL as in AWS, with each Task's work done by a local handler. It does what CloudFormation and
 * Step Functions do around an execution: substitutes `${Name}` placeholders, supplies the context
 * object, brokers task tokens (with heartbeat enforcement) and reports the outcome.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A local Task handler: the state's processed input in, the raw result out (or a named error thrown). */
export type LocalTaskHandler = (input: Json) => Promise<unknown> | unknown;

/** A `.waitForTaskToken` Task: called with the Payload including the issued token; the broker completes it. */
export type LocalCallbackHandler = (payload: Json & { taskToken: string }) => Promise<void> | void;

export interface LocalExecutionOptions {
  /** Path of the `.asl.json` file. */
  definitionFile: string;
  /** `${Name}` → value; every placeholder in the file must be given one. */
  substitutions: Record<string, string>;
  /** Handlers by state name; every Task needs one (an unmapped Task would call real AWS). */
  handlers: Record<string, LocalTaskHandler>;
  /** Handlers of `.waitForTaskToken` Tasks, by state name. */
  callbackHandlers?: Record<string, LocalCallbackHandler>;
  broker: TokenBroker;
  input: Json;
  executionId: string;
  /** Wait states shortened to these ms (by state name), e.g. for tests and quick runs. */
  waitTimeOverridesMs?: Record<string, number>;
  /** Retry back-off replaced by these ms (by state name). */
  retryIntervalOverridesMs?: Record<string, number>;
  /** Heartbeat timeout for callback Tasks, ms (the interpreter ignores HeartbeatSeconds). */
  heartbeatMs?: Record<string, number>;
  /** Told every interpreter event and every Task handler's call and outcome, in the order they happen. */
  onEvent?: (event: LocalExecutionEvent) => void;
  /**
   * StopExecution: the interpreter stops at once (no further state starts, Waits end), waiting
   * callback Tasks fail, and the result is ABORTED once the Task handlers in flight have settled.
   */
  stopSignal?: AbortSignal;
  /**
   * The execution's time limit, ms, in place of the definition's top-level `TimeoutSeconds`. Past
   * it the execution ends TIMED_OUT as a stop does: no further state starts, waiting callback
   * Tasks fail with `States.Timeout`, and the Task handlers in flight settle first.
   * @default the definition's `TimeoutSeconds`, or none
   */
  executionTimeoutMs?: number;
}

export type LocalExecutionResult = { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string } | { status: 'ABORTED' } | { status: 'TIMED_OUT' };

/** The interpreter's own event log entries (ExecutionStarted, StateEntered, MapIterationStarted, …). */
export type InterpreterEvent = EventLogOf<StateMachine>;
type EventLogOf<M extends StateMachine> = ReturnType<M['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A Task handler's call (`TaskInvoked`) and its outcome (`TaskReturned` / `TaskThrew`), as the handler wrapper saw them. */
export type TaskHandlerEvent =
  | { type: 'TaskInvoked'; timestamp: number; state: string; input: unknown; callback: boolean }
  | { type: 'TaskReturned'; timestamp: number; state: string; output: unknown }
  | { type: 'TaskThrew'; timestamp: number; state: string; error: string; cause: string };

export type LocalExecutionEvent = InterpreterEvent | TaskHandlerEvent;

export class MissingSubstitutionError extends Error {
  override name = 'MissingSubstitutionError';
}

export class UnmappedTaskError extends Error {
  override name = 'UnmappedTaskError';
}

/** Read an ASL file and substitute its `${Name}` placeholders, refusing any left unsubstituted. */
export function loadDefinition(file: string, substitutions: Record<string, string>): StateMachineDefinition {
  const text = readFileSync(file, 'utf8').replace(/\$\{([A-Za-z0-9_]+)\}/g, (placeholder, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new MissingSubstitutionError(`${file}: no substitution for ${placeholder}`);
    return value;
  });
  return JSON.parse(text) as StateMachineDefinition;
}

/** Every Task state's name and Resource, nested ones (Map, Parallel) included. */
export function taskStates(definition: StateMachineDefinition): { name: string; resource: string }[] {
  const found: { name: string; resource: string }[] = [];
  const walk = (states: Record<string, unknown>) => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as { Type?: string; Resource?: string; ItemProcessor?: { States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> }; Branches?: { States: Record<string, unknown> }[] };
      if (state.Type === 'Task') found.push({ name, resource: state.Resource ?? '' });
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
      if (state.Iterator) walk(state.Iterator.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk((definition as unknown as { States: Record<string, unknown> }).States);
  return found;
}

export async function runLocalExecution(options: LocalExecutionOptions): Promise<LocalExecutionResult> {
  installPromiseWithResolvers();
  const definition = loadDefinition(options.definitionFile, options.substitutions);
  const report = options.onEvent ?? (() => undefined);
  const inFlight = new Set<Promise<unknown>>();
  /** Each Task's handler, reported to `onEvent` and tracked until it settles (a stop waits for those in flight). */
  const tracked = (state: string, callback: boolean, run: (input: Json) => Promise<Json>) => (input: Json): Promise<Json> => {
    report({ type: 'TaskInvoked', timestamp: Date.now(), state, input, callback });
    const running = run(input).then(
      (output) => {
        report({ type: 'TaskReturned', timestamp: Date.now(), state, output });
        return output;
      },
      (error: unknown) => {
        const named = error as { name?: string; message?: string };
        report({ type: 'TaskThrew', timestamp: Date.now(), state, error: named?.name ?? 'Error', cause: named?.message ?? String(error) });
        throw error;
      },
    );
    const settled = running.catch(() => undefined).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
    return running;
  };
  const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const task of taskStates(definition)) {
    const callback = options.callbackHandlers?.[task.name];
    const handler = options.handlers[task.name];
    if (task.resource.endsWith('.waitForTaskToken')) {
      if (!callback) throw new UnmappedTaskError(`callback Task ${task.name} has no local handler`);
      taskResourceLocalHandlers[task.name] = tracked(task.name, true, async (input) => {
        const { token, result } = options.broker.issue({ heartbeatMs: options.heartbeatMs?.[task.name] });
        // Handled here too: a token that fails while the start is still under way (a closed broker, a
        // stop) or after a failed start is not an unhandled rejection; `await result` still throws.
        result.catch(() => undefined);
        // A closed broker (the run was interrupted) fails the Task without calling its handler:
        // the agent of a run interrupted before RunAgent is never started.
        if (options.broker.closed) return (await result) as Json;
        const payload = ((input as { Payload?: Json }).Payload ?? input) as { [key: string]: Json };
        try {
          await callback({ ...payload, taskToken: token } as Json & { taskToken: string });
        } catch (error) {
          // The Task failed to start: its token is withdrawn, so its heartbeat does not fire later.
          options.broker.withdraw(token);
          throw error;
        }
        return (await result) as Json;
      });
    } else {
      if (!handler) throw new UnmappedTaskError(`Task ${task.name} has no local handler`);
      taskResourceLocalHandlers[task.name] = tracked(task.name, false, async (input) => ((await handler(input)) ?? null) as Json);
    }
  }
  // The given limit replaces the definition's (the interpreter takes whole seconds only): its own timer below.
  if (options.executionTimeoutMs !== undefined) delete (definition as { TimeoutSeconds?: number }).TimeoutSeconds;
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(options.input, {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: options.waitTimeOverridesMs,
      retryIntervalOverrides: options.retryIntervalOverridesMs,
    },
    context: {
      Execution: { Id: options.executionId, Name: options.executionId.split(':').pop() ?? options.executionId, StartTime: new Date().toISOString(), Input: options.input },
      // The interpreter does not fill $$.Task.Token; each callback Task gets a real token from the broker instead.
      Task: { Token: 'issued-by-local-broker' },
    } as never,
  });
  const eventsDelivered = options.onEvent ? deliverEvents(execution.eventLogs, report) : Promise.resolve();
  const onStop = () => {
    execution.abort();
    // A callback Task waiting for its token would wait for ever: it fails, and later ones at once.
    options.broker.close('States.Aborted', 'the execution was stopped');
  };
  options.stopSignal?.addEventListener('abort', onStop, { once: true });
  if (options.stopSignal?.aborted) onStop();
  let timedOut = false;
  const timeout =
    options.executionTimeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          execution.abort();
          options.broker.close('States.Timeout', 'the execution timed out');
        }, options.executionTimeoutMs);
  try {
    const output = await execution.result;
    await eventsDelivered;
    return { status: 'SUCCEEDED', output };
  } catch (error) {
    await eventsDelivered;
    if (error instanceof ExecutionAbortedError || error instanceof ExecutionTimeoutError) {
      const pastTimeout = timedOut || error instanceof ExecutionTimeoutError;
      // A callback Task waiting for its token would wait for ever (the definition's timeout, unlike a stop, does not pass through onStop).
      if (pastTimeout) options.broker.close('States.Timeout', 'the execution timed out');
      // The interpreter stopped; the handlers it had called may still run: let them finish first.
      while (inFlight.size) await Promise.all([...inFlight]);
      return { status: pastTimeout ? 'TIMED_OUT' : 'ABORTED' };
    }
    if (error instanceof ExecutionError) {
      const caught = (error as ExecutionError & { getCause?: () => { name: string; message: string } }).getCause?.();
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      return { status: 'FAILED', error: caught?.name ?? cause?.name ?? error.name, cause: caught?.message ?? cause?.message ?? error.message };
    }
    throw error;
  } finally {
    clearTimeout(timeout);
    options.stopSignal?.removeEventListener('abort', onStop);
  }
}

/** Hand each interpreter event to `report`, until the interpreter closes its log (at the execution's end). */
async function deliverEvents(events: AsyncGenerator<InterpreterEvent>, report: (event: InterpreterEvent) => void): Promise<void> {
  for await (const event of events) report(event);
}
