import { describe, expect, it } from 'vitest';
import { interruptibleTasks, RUN_INTERRUPTED, RunInterruptedError } from './interruptible-tasks';
import type { LocalTaskHandler } from './local-sfn';

/** Handlers that record which states ran and with what input. */
function recording(): { handlers: Record<string, LocalTaskHandler>; calls: { state: string; input: unknown }[] } {
  const calls: { state: string; input: unknown }[] = [];
  const handlers: Record<string, LocalTaskHandler> = {};
  for (const state of ['ValidateInput', 'AcquireLock', 'ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'CollectResults', 'Teardown', 'FinishRun']) {
    handlers[state] = async (input) => {
      calls.push({ state, input });
      return { state };
    };
  }
  return { handlers, calls };
}

const branch = { run: { runId: 'r1', platform: 'local' }, experiment: 'linear-invocation' };

describe.concurrent('interruptibleTasks', () => {
  it('passes every Task through while the run is not interrupted', async () => {
    const { handlers, calls } = recording();
    const tasks = interruptibleTasks(handlers, new AbortController().signal);
    for (const state of Object.keys(handlers)) await expect(tasks[state]?.(branch)).resolves.toEqual({ state });
    expect(calls.map((call) => call.input)).toEqual(Object.keys(handlers).map(() => branch));
  });

  it('once interrupted, the provisioning Tasks throw RunAborted without starting their work; the others still run', async () => {
    const { handlers, calls } = recording();
    const controller = new AbortController();
    const tasks = interruptibleTasks(handlers, controller.signal);
    controller.abort();
    for (const state of ['ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady']) {
      await expect(tasks[state]?.(branch)).rejects.toThrow(RunInterruptedError);
      await expect(tasks[state]?.(branch)).rejects.toMatchObject({ name: 'RunAborted', message: 'the run was interrupted' });
    }
    for (const state of ['ValidateInput', 'AcquireLock', 'CollectResults', 'Teardown']) await tasks[state]?.(branch);
    expect(calls.map((call) => call.state)).toEqual(['ValidateInput', 'AcquireLock', 'CollectResults', 'Teardown']);
  });

  it('sees an interrupt that comes while the Task waits for its turn of the event loop', async () => {
    const { handlers, calls } = recording();
    const controller = new AbortController();
    const tasks = interruptibleTasks(handlers, controller.signal);
    const provisioning = tasks.ProvisionFunctions?.(branch);
    const finishing = tasks.FinishRun?.(branch);
    controller.abort();
    await expect(provisioning).rejects.toThrow(RunInterruptedError);
    await finishing;
    expect(calls).toEqual([{ state: 'FinishRun', input: { ...branch, error: { Error: RUN_INTERRUPTED.error, Cause: RUN_INTERRUPTED.cause } } }]);
  });

  it('once interrupted, FinishRun of a branch that did not fail is given the interrupt as its failure', async () => {
    const { handlers, calls } = recording();
    const controller = new AbortController();
    const tasks = interruptibleTasks(handlers, controller.signal);
    controller.abort();
    await tasks.FinishRun?.(branch);
    expect(calls).toEqual([{ state: 'FinishRun', input: { ...branch, error: { Error: RUN_INTERRUPTED.error, Cause: RUN_INTERRUPTED.cause } } }]);
  });

  it("keeps a branch's own failure: FinishRun after a failed agent is told of that failure, not of the interrupt", async () => {
    const { handlers, calls } = recording();
    const controller = new AbortController();
    const tasks = interruptibleTasks(handlers, controller.signal);
    controller.abort();
    const failed = { ...branch, error: { Error: 'AgentFailedError', Cause: 'boom' } };
    await tasks.FinishRun?.(failed);
    expect(calls).toEqual([{ state: 'FinishRun', input: failed }]);
  });
});
