import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LocalTaskHandler } from './local-sfn';

/**
 * What an interrupted local run (Ctrl-C on `fb run`) fails with: the States error and cause that
 * RunAgent's task token is failed with, and that the Tasks below raise, so the run's reason reads
 * `RunAborted: the run was interrupted` whichever phase the interrupt came in.
 */
export const RUN_INTERRUPTED = { error: 'RunAborted', cause: 'the run was interrupted' } as const;

/**
 * A Task refused to start its work because the run was interrupted. Named `RunAborted`, as the
 * broker's failure of RunAgent is, so that a run's reason and the states' Catch see one name.
 */
export class RunInterruptedError extends Error {
  override name = RUN_INTERRUPTED.error;
  constructor() {
    super(RUN_INTERRUPTED.cause);
  }
}

/**
 * The branch Tasks that start provisioning work: once the run is interrupted each of them throws
 * {@link RunInterruptedError} instead, and its Catch (`States.ALL` → Teardown) tears down what is
 * there. A Task already in flight finishes (what it made is then torn down); CollectResults is
 * left alone, so the rows the agent wrote are kept.
 */
const REFUSED_ONCE_INTERRUPTED = ['ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady'] as const;

/**
 * `handlers` with Ctrl-C honoured at every phase of a branch: the provisioning Tasks refuse to
 * start once `signal` is aborted, and FinishRun, given no failure of the branch, records the
 * interrupt as the run's failure (a run interrupted while collecting or tearing down still ends
 * `failed`, its rows kept). ValidateInput and AcquireLock run as ever, so an interrupted run is
 * recorded. Handlers not named here are returned as they are.
 */
export function interruptibleTasks(handlers: Readonly<Record<string, LocalTaskHandler>>, signal: AbortSignal): Record<string, LocalTaskHandler> {
  const wrapped: Record<string, LocalTaskHandler> = { ...handlers };
  for (const state of REFUSED_ONCE_INTERRUPTED) {
    const handler = handlers[state];
    if (!handler) continue;
    wrapped[state] = async (input) => {
      // A turn of the event loop first: a Ctrl-C that arrived while the Tasks before ran on
      // promises alone (the in-process store does no I/O) is only seen once the loop polls.
      await nextTurn();
      if (signal.aborted) throw new RunInterruptedError();
      return handler(input);
    };
  }
  const finishRun = handlers.FinishRun;
  if (finishRun) {
    wrapped.FinishRun = async (input) => {
      await nextTurn();
      if (!signal.aborted || !isObject(input) || input.error !== undefined) return finishRun(input);
      return finishRun({ ...input, error: { Error: RUN_INTERRUPTED.error, Cause: RUN_INTERRUPTED.cause } });
    };
  }
  return wrapped;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
