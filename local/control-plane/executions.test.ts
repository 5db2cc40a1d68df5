import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../lib/callback/local-token-broker';
import { type ExecutionDescription, ExecutionService } from './executions';
import { loadDefinition, runLocalExecution } from './local-sfn';
import {
  ExecutionAlreadyExistsError,
  ExecutionDoesNotExistError,
  InvalidArnError,
  InvalidExecutionInputError,
  InvalidNameError,
  InvalidTokenError,
  StateMachineDoesNotExistError,
} from './sfn-errors';

const STATE_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:RunExperiment';
const EXECUTION_PREFIX = 'arn:aws:states:local:000000000000:execution:RunExperiment:';

/** A fast fake state machine: Work (a Task the test lets finish), then Done. */
const dir = mkdtempSync(join(tmpdir(), 'fb-executions-'));
const DEFINITION_FILE = join(dir, 'fake.asl.json');
writeFileSync(
  DEFINITION_FILE,
  JSON.stringify({
    StartAt: 'Work',
    States: {
      Work: { Type: 'Task', Resource: 'arn:aws:lambda:local:000000000000:function:work', Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A service whose executions' Work steps finish when the test says (`finish(name, output)`) or fail when the input says `fail`. */
function fakeService() {
  const pending = new Map<string, { resolve: (output: unknown) => void; started: Promise<void> }>();
  const changes: [string, ExecutionDescription['status'], 'started' | 'ended'][] = [];
  const stopReasons: unknown[] = [];
  const definition = loadDefinition(DEFINITION_FILE, {});
  const service = new ExecutionService({
    stateMachineArn: STATE_MACHINE_ARN,
    definition,
    definitionText: JSON.stringify(definition),
    onChange: (execution, change) => changes.push([execution.name, execution.status, change]),
    runner: async (request) => {
      if ((request.input as { crash?: boolean }).crash) throw new TypeError('a bug in the runner');
      const marks: (() => void)[] = [];
      const started = new Promise<void>((resolve) => marks.push(resolve));
      const markStarted = () => {
        for (const mark of marks) mark();
      };
      const work = new Promise<unknown>((resolve) => pending.set(request.name, { resolve, started }));
      request.stopSignal.addEventListener('abort', () => stopReasons.push(request.stopSignal.reason));
      return runLocalExecution({
        definitionFile: DEFINITION_FILE,
        substitutions: {},
        handlers: {
          Work: async (input) => {
            markStarted();
            if ((input as { fail?: boolean }).fail) throw Object.assign(new Error('work failed'), { name: 'WorkError' });
            return work;
          },
        },
        broker: new TokenBroker(),
        input: request.input as never,
        executionId: request.executionArn,
        onEvent: request.onEvent,
        stopSignal: request.stopSignal,
      });
    },
  });
  const started = async (name: string) => {
    while (!pending.has(name)) await new Promise((resolve) => setTimeout(resolve, 5));
    await pending.get(name)?.started;
  };
  const finish = (name: string, output: unknown) => pending.get(name)?.resolve(output);
  const ended = async (arn: string) => {
    while (service.describe(arn).status === 'RUNNING') await new Promise((resolve) => setTimeout(resolve, 5));
    return service.describe(arn);
  };
  return { service, finish, started, ended, changes, stopReasons };
}

describe.concurrent('ExecutionService', () => {
  it('starts, describes and completes an execution; the same name and input while running is the same execution, anything else ExecutionAlreadyExists', async () => {
    const { service, finish, started, ended, changes } = fakeService();
    const { executionArn, startDate } = service.start({ stateMachineArn: STATE_MACHINE_ARN, name: 'one', input: '{"n":1}' });
    expect(executionArn).toBe(`${EXECUTION_PREFIX}one`);
    expect(service.describe(executionArn)).toMatchObject({ status: 'RUNNING', name: 'one', input: '{"n":1}', stateMachineArn: STATE_MACHINE_ARN, startDate });
    expect(service.start({ stateMachineArn: STATE_MACHINE_ARN, name: 'one', input: '{"n":1}' })).toEqual({ executionArn, startDate });
    expect(() => service.start({ stateMachineArn: STATE_MACHINE_ARN, name: 'one', input: '{"n":2}' })).toThrow(ExecutionAlreadyExistsError);
    await started('one');
    finish('one', { done: true });
    const described = await ended(executionArn);
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"done":true}' });
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(startDate.getTime());
    expect(() => service.start({ stateMachineArn: STATE_MACHINE_ARN, name: 'one', input: '{"n":1}' })).toThrow(ExecutionAlreadyExistsError);
    await service.settled();
    expect(changes).toEqual([
      ['one', 'RUNNING', 'started'],
      ['one', 'SUCCEEDED', 'ended'],
    ]);
    const types = service.history({ executionArn }).events.map((event) => event.type);
    expect(types).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'SucceedStateEntered', 'SucceedStateExited', 'ExecutionSucceeded']);
  });

  it('gives an unnamed execution a UUID and fails one whose step fails, or whose runner crashes', async () => {
    const { service, started, ended } = fakeService();
    const { executionArn } = service.start({ stateMachineArn: STATE_MACHINE_ARN, input: '{"fail":true}' });
    expect(executionArn).toMatch(new RegExp(`^${EXECUTION_PREFIX}[0-9a-f-]{36}$`));
    await started(executionArn.split(':').pop() as string);
    expect(await ended(executionArn)).toMatchObject({ status: 'FAILED', error: 'WorkError', cause: 'work failed' });
    const crashed = service.start({ stateMachineArn: STATE_MACHINE_ARN, name: 'crash', input: '{"crash":true}' });
    expect(await ended(crashed.executionArn)).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: 'a bug in the runner' });
  });

  it('refuses what AWS refuses, with its error codes', () => {
    const { service } = fakeService();
    expect(() => service.start({ stateMachineArn: STATE_MACHINE_ARN, input: 'not json' })).toThrow(InvalidExecutionInputError);
    expect(() => service.start({ stateMachineArn: STATE_MACHINE_ARN, name: 'has space', input: '{}' })).toThrow(InvalidNameError);
    expect(() => service.start({ stateMachineArn: STATE_MACHINE_ARN, name: 'x'.repeat(81), input: '{}' })).toThrow(InvalidNameError);
    expect(() => service.start({ stateMachineArn: `${STATE_MACHINE_ARN}2`, input: '{}' })).toThrow(StateMachineDoesNotExistError);
    expect(() => service.start({ stateMachineArn: 'RunExperiment', input: '{}' })).toThrow(InvalidArnError);
    expect(() => service.describe(`${EXECUTION_PREFIX}missing`)).toThrow(ExecutionDoesNotExistError);
    expect(() => service.stop({ executionArn: `${EXECUTION_PREFIX}missing` })).toThrow(ExecutionDoesNotExistError);
    expect(() => service.history({ executionArn: 'arn:aws:states:local:000000000000:stateMachine:RunExperiment' })).toThrow(InvalidArnError);
    expect(() => service.list({ stateMachineArn: STATE_MACHINE_ARN, nextToken: 'garbage' })).toThrow(InvalidTokenError);
    expect(new ExecutionDoesNotExistError('x')).toMatchObject({ name: 'ExecutionDoesNotExistError', code: 'ExecutionDoesNotExist' });
  });

  it('stops a running execution: ABORTED at once with its error and cause, the step in flight let finish, no later state run', async () => {
    const { service, finish, started, changes, stopReasons } = fakeService();
    const { executionArn } = service.start({ stateMachineArn: STATE_MACHINE_ARN, name: 'stopped', input: '{}' });
    await started('stopped');
    const { stopDate } = service.stop({ executionArn, error: 'Halt', cause: 'by the test' });
    expect(service.describe(executionArn)).toMatchObject({ status: 'ABORTED', stopDate, error: 'Halt', cause: 'by the test' });
    expect(stopReasons).toEqual([{ error: 'Halt', cause: 'by the test' }]);
    // The runner waits for the Work step it had called.
    let settled = false;
    const settling = service.settled().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    finish('stopped', { late: true });
    await settling;
    expect(changes.at(-1)).toEqual(['stopped', 'ABORTED', 'ended']);
    const events = service.history({ executionArn }).events;
    expect(events.map((event) => event.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'ExecutionAborted']);
    expect(events.at(-1)).toMatchObject({ executionAbortedEventDetails: { error: 'Halt', cause: 'by the test' } });
    // Stopping again changes nothing.
    expect(service.stop({ executionArn, error: 'Again' })).toEqual({ stopDate });
    expect(service.describe(executionArn).error).toBe('Halt');
  });

  it('lists newest first, filtered by status, in pages; pages, reverses and strips the history', async () => {
    const { service, finish, started, ended } = fakeService();
    const arns = ['a', 'b', 'c'].map((name) => service.start({ stateMachineArn: STATE_MACHINE_ARN, name, input: '{}' }).executionArn);
    await started('b');
    finish('b', 'done');
    await ended(arns[1] as string);
    const first = service.list({ stateMachineArn: STATE_MACHINE_ARN, maxResults: 2 });
    expect(first.executions.map((execution) => execution.name)).toEqual(['c', 'b']);
    const second = service.list({ stateMachineArn: STATE_MACHINE_ARN, maxResults: 2, nextToken: first.nextToken });
    expect(second).toEqual({ executions: [expect.objectContaining({ name: 'a', status: 'RUNNING' })] });
    expect(service.list({ stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'SUCCEEDED' }).executions.map((execution) => execution.name)).toEqual(['b']);

    const all = service.history({ executionArn: arns[1] as string }).events;
    const pageOne = service.history({ executionArn: arns[1] as string, maxResults: 4 });
    const pageTwo = service.history({ executionArn: arns[1] as string, maxResults: 4, nextToken: pageOne.nextToken });
    const pageThree = service.history({ executionArn: arns[1] as string, maxResults: 4, nextToken: pageTwo.nextToken });
    expect([...pageOne.events, ...pageTwo.events, ...pageThree.events]).toEqual(all);
    expect(pageThree.nextToken).toBeUndefined();
    expect(service.history({ executionArn: arns[1] as string, reverseOrder: true }).events).toEqual([...all].reverse());
    const stripped = service.history({ executionArn: arns[1] as string, includeExecutionData: false }).events;
    expect(stripped[0]).toMatchObject({ type: 'ExecutionStarted', executionStartedEventDetails: { inputDetails: { truncated: false } } });
    expect(stripped[0]?.executionStartedEventDetails).not.toHaveProperty('input');

    // A shutdown stops the running ones, and waits for their steps in flight.
    const stopping = service.stopAll({ error: 'Shutdown' });
    finish('a', 'late');
    finish('c', 'late');
    await stopping;
    expect(service.list({ stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'RUNNING' }).executions).toEqual([]);
    expect(service.describe(arns[0] as string)).toMatchObject({ status: 'ABORTED', error: 'Shutdown' });
  });
});
