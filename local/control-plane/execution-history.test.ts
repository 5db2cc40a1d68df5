import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskError, TokenBroker } from '../../lib/callback/local-token-broker';
import { ExecutionHistory, type HistoryEvent } from './execution-history';
import { loadDefinition, type LocalTaskHandler, runLocalExecution } from './local-sfn';

const DEFINITION_FILE = join(__dirname, '..', '..', 'state-machines', 'run-experiment.asl.json');
const FUNCTIONS = ['ValidateInput', 'AcquireLock', 'ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'StartAgent', 'CollectResults', 'Teardown', 'CheckTeardown', 'FinishRun', 'ReleaseLock'];
const SUBSTITUTIONS = Object.fromEntries(FUNCTIONS.map((name) => [`${name}FunctionArn`, `arn:aws:lambda:local:000000000000:function:fb-${name}`]));

/**
 * RunExperiment on the interpreter with stub steps (in-process, milliseconds), its events turned
 * into a history. `overrides` replace steps; the agent answers `{ records: 10 }`.
 */
async function historyOf(input: Record<string, unknown>, overrides: Record<string, LocalTaskHandler> = {}): Promise<{ status: string; events: readonly HistoryEvent[] }> {
  const broker = new TokenBroker();
  const handlers: Record<string, LocalTaskHandler> = {
    ValidateInput: (raw) => ({ ...(raw as Record<string, unknown>), params: {}, quick: true, platformOptions: {} }),
    AcquireLock: (raw) => ({ runs: ((raw as { platforms: string[] }).platforms ?? []).map((platform) => ({ runId: `run-${platform}`, platform })) }),
    ProvisionFunctions: () => ({ ready: false, gatewayUrl: 'http://127.0.0.1:1' }),
    CheckFunctionsReady: () => ({ ready: true }),
    ProvisionClient: () => ({ ready: false }),
    CheckClientReady: () => ({ ready: true }),
    CollectResults: () => ({ imported: 3 }),
    CollectPartialResults: () => ({ imported: 0 }),
    Teardown: () => ({ removed: true }),
    CheckTeardown: () => ({ done: true }),
    FinishRun: (raw) => ({ runId: (raw as { run: { runId: string } }).run.runId, status: 'completed' }),
    ReleaseLock: () => ({ failed: 0 }),
    ...overrides,
  };
  const history = new ExecutionHistory({ definition: loadDefinition(DEFINITION_FILE, SUBSTITUTIONS), region: 'local', roleArn: 'arn:aws:iam::000000000000:role/RunExperiment' });
  const result = await runLocalExecution({
    definitionFile: DEFINITION_FILE,
    substitutions: SUBSTITUTIONS,
    handlers,
    callbackHandlers: { RunAgent: (payload) => void setTimeout(() => broker.sendTaskSuccess(payload.taskToken, { records: 10 }), 2) },
    broker,
    input: input as never,
    executionId: 'arn:aws:states:local:000000000000:execution:RunExperiment:history-test',
    waitTimeOverridesMs: { WaitForFunctions: 1, WaitForClient: 1, WaitForTeardown: 1 },
    retryIntervalOverridesMs: { CollectResults: 0 },
    onEvent: (event) => history.accept(event),
  });
  return { status: result.status, events: history.events() };
}

const typesOf = (events: readonly HistoryEvent[]) => events.map((event) => event.type);
const detailsOf = (event: HistoryEvent | undefined, key: string) => event?.[`${key}EventDetails`] as Record<string, unknown> | undefined;

/** The events from a state's entry (by name, its nth entry) to its exit. */
function stateEvents(events: readonly HistoryEvent[], name: string, nth = 0): HistoryEvent[] {
  const entries = events.flatMap((event, index) => (event.type.endsWith('StateEntered') && detailsOf(event, 'stateEntered')?.name === name ? [index] : []));
  const start = entries[nth] ?? -1;
  const end = events.findIndex((event, index) => index > start && event.type.endsWith('StateExited') && detailsOf(event, 'stateExited')?.name === name);
  return events.slice(start, end + 1);
}

describe.concurrent('ExecutionHistory', () => {
  it('records a run on two platforms as AWS does: typed state events, Task lifecycles, Map iterations before the Map exits', async () => {
    const { status, events } = await historyOf({ experiment: 'e', platforms: ['local', 'openfaas'] });
    expect(status).toBe('SUCCEEDED');
    expect(events.map((event) => [event.id, event.previousEventId])).toEqual(events.map((_, index) => [index + 1, index]));
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(detailsOf(events[0], 'executionStarted')).toEqual({ input: '{"experiment":"e","platforms":["local","openfaas"]}', inputDetails: { truncated: false }, roleArn: 'arn:aws:iam::000000000000:role/RunExperiment' });
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(JSON.parse(String(detailsOf(events.at(-1), 'executionSucceeded')?.output))).toMatchObject({ released: { failed: 0 } });

    // A Task whose Resource is a function's ARN is reported as AWS reports it: LambdaFunction* events.
    expect(typesOf(stateEvents(events, 'ValidateInput'))).toEqual(['TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited']);
    const scheduled = stateEvents(events, 'ValidateInput')[1];
    expect(detailsOf(scheduled, 'lambdaFunctionScheduled')).toEqual({
      resource: 'arn:aws:lambda:local:000000000000:function:fb-ValidateInput',
      input: JSON.stringify({ experiment: 'e', platforms: ['local', 'openfaas'] }),
      inputDetails: { truncated: false },
      timeoutInSeconds: 60,
    });
    // Both branches' RunAgent (their events interleave): waitForTaskToken, submitted, succeeding with what the agent sent.
    const callbackScheduled = events.filter((event) => event.type === 'TaskScheduled' && detailsOf(event, 'taskScheduled')?.resource === 'invoke.waitForTaskToken');
    expect(callbackScheduled).toHaveLength(2);
    for (const event of callbackScheduled) {
      expect(detailsOf(event, 'taskScheduled')).toMatchObject({ resourceType: 'lambda', timeoutInSeconds: 90000, heartbeatInSeconds: 600 });
      expect(JSON.parse(String(detailsOf(event, 'taskScheduled')?.parameters))).toMatchObject({ FunctionName: 'arn:aws:lambda:local:000000000000:function:fb-StartAgent', Payload: { run: { platform: expect.any(String) } } });
      expect(typesOf(events.slice(event.id - 2, event.id + 2))).toEqual(['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted']);
    }
    const agentOutputs = events.filter((event) => event.type === 'TaskSucceeded' && detailsOf(event, 'taskSucceeded')?.resource === 'invoke.waitForTaskToken').map((event) => detailsOf(event, 'taskSucceeded')?.output);
    expect(agentOutputs).toEqual(['{"records":10}', '{"records":10}']);
    const types = typesOf(events);
    expect(detailsOf(events[types.indexOf('MapStateStarted')], 'mapStateStarted')).toEqual({ length: 2 });
    const iterations = events.filter((event) => event.type === 'MapIterationStarted').map((event) => detailsOf(event, 'mapIterationStarted'));
    expect(iterations).toEqual(expect.arrayContaining([{ name: 'RunPlatforms', index: 0 }, { name: 'RunPlatforms', index: 1 }]));
    expect(types.lastIndexOf('MapIterationSucceeded')).toBeLessThan(types.indexOf('MapStateSucceeded'));
    expect(types.indexOf('MapStateSucceeded') + 1).toBe(types.indexOf('MapStateExited'));
    expect(types.indexOf('MapStateExited')).toBeLessThan(types.indexOf('TaskStateEntered', types.indexOf('MapStateExited')));
    for (const prefix of ['Wait', 'Choice', 'Succeed']) expect(types).toContain(`${prefix}StateEntered`);
    expect(types.filter((type) => type === 'TaskScheduled' || type === 'LambdaFunctionScheduled')).toHaveLength(types.filter((type) => type === 'TaskStateEntered').length);
    expect(types.filter((type) => type === 'TaskScheduled')).toHaveLength(2);
  });

  it('schedules a retried Task again after its failure, and a caught failure exits without a success', async () => {
    let collects = 0;
    const { status, events } = await historyOf(
      { experiment: 'e', platforms: ['local'] },
      {
        CollectResults: () => {
          collects += 1;
          if (collects === 1) throw new TaskError('ImportTransientError', 'the store blinked');
          return { imported: 3 };
        },
        CheckClientReady: () => {
          throw new TaskError('ClientGone', 'the client vanished');
        },
      },
    );
    expect(status).toBe('SUCCEEDED');
    const checkClient = stateEvents(events, 'CheckClientReady');
    expect(typesOf(checkClient)).toEqual(['TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed', 'TaskStateExited']);
    expect(detailsOf(checkClient[3], 'lambdaFunctionFailed')).toEqual({ error: 'ClientGone', cause: 'the client vanished' });
    // Caught to Teardown: no agent ran, so the retried CollectResults never ran either.
    expect(typesOf(events)).not.toContain('ExecutionFailed');
    expect(stateEvents(events, 'RunAgent')).toEqual([]);

    collects = 0;
    const retried = await historyOf({ experiment: 'e', platforms: ['local'] }, {
      CollectResults: () => {
        collects += 1;
        if (collects === 1) throw new TaskError('ImportTransientError', 'the store blinked');
        return { imported: 3 };
      },
    });
    expect(typesOf(stateEvents(retried.events, 'CollectResults'))).toEqual(['TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited']);
  });

  it('ends with the Fail state and ExecutionFailed when ValidateInput refuses the input', async () => {
    const { status, events } = await historyOf({ experiment: 'e' }, { ValidateInput: () => Promise.reject(new TaskError('InvalidRunInputError', 'platforms: required')) });
    expect(status).toBe('FAILED');
    expect(typesOf(events)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed', 'TaskStateExited', 'FailStateEntered', 'ExecutionFailed']);
    expect(detailsOf(events.at(-1), 'executionFailed')).toEqual({ error: 'InvalidInput', cause: 'ValidateInput refused the input (an unknown experiment, platform or parameter, a platform this deployment cannot run, a function timeout or memory over the platform limit, or a client size the region does not offer); its failed task names which. Nothing was provisioned.' });
  });

  it('records StopExecution where the interpreter reports the abort, with its error and cause, and nothing after it', () => {
    const history = new ExecutionHistory({ definition: loadDefinition(DEFINITION_FILE, SUBSTITUTIONS), region: 'local', roleArn: 'arn:aws:iam::000000000000:role/RunExperiment' });
    history.accept({ type: 'ExecutionStarted', timestamp: 1_000, input: {} });
    history.accept({ type: 'StateEntered', timestamp: 1_001, state: { name: 'ValidateInput', type: 'Task', input: {} } });
    history.stopRequested({ error: 'Stop', cause: 'by hand' }, new Date(2_000));
    history.accept({ type: 'TaskInvoked', timestamp: 2_001, state: 'ValidateInput', input: {}, callback: false });
    history.accept({ type: 'ExecutionAborted', timestamp: 2_002 });
    history.accept({ type: 'TaskReturned', timestamp: 2_003, state: 'ValidateInput', output: {} });
    history.accept({ type: 'StateExited', timestamp: 2_004, state: { name: 'ValidateInput', type: 'Task', input: {}, output: {} } });
    history.close();
    expect(typesOf(history.events())).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'ExecutionAborted']);
    expect(history.events().at(-1)).toMatchObject({ timestamp: new Date(2_000), executionAbortedEventDetails: { error: 'Stop', cause: 'by hand' } });
  });
});
