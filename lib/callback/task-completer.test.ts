/**
 * Tests of both task completers: the exact SendTask* inputs (via aws-sdk-client-mock), Step
 * Functions' size limits, and the translation of "task gone" / other errors; the broker one on a
 * real TokenBroker.
 */
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TaskError, TokenBroker } from './local-token-broker';
import { TaskCompleterUnavailableError, TaskNoLongerWaitingError, TaskOutputTooLargeError } from './errors';
import {
  BrokerTaskCompleter,
  SfnTaskCompleter,
  serializeTaskOutput,
  TASK_CAUSE_MAX_CHARS,
  TASK_ERROR_MAX_CHARS,
  TASK_OUTPUT_MAX_BYTES,
  truncateChars,
} from './task-completer';

const sfnMock = mockClient(SFNClient);
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAexampleTaskToken';

/** A JSON object whose serialization is exactly `bytes` long. */
function outputOfBytes(bytes: number): { blob: string } {
  return { blob: 'a'.repeat(bytes - '{"blob":""}'.length) };
}

describe('Function: serializeTaskOutput', () => {
  it('accepts exactly 256 KiB of JSON and refuses one byte more', () => {
    expect(serializeTaskOutput(outputOfBytes(TASK_OUTPUT_MAX_BYTES))).toHaveLength(TASK_OUTPUT_MAX_BYTES);
    expect(() => serializeTaskOutput(outputOfBytes(TASK_OUTPUT_MAX_BYTES + 1))).toThrow(TaskOutputTooLargeError);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const euros = { blob: '€'.repeat(100_000) }; // 100,000 characters, 300,000 bytes
    expect(() => serializeTaskOutput(euros)).toThrow(/300011 bytes.*262144/);
  });

  it('sends undefined as null', () => {
    expect(serializeTaskOutput(undefined)).toBe('null');
  });
});

describe('Function: truncateChars', () => {
  it('keeps short text and cuts long text', () => {
    expect(truncateChars('abc', 3)).toBe('abc');
    expect(truncateChars('abcd', 3)).toBe('abc');
  });

  it('never leaves half a surrogate pair', () => {
    expect(truncateChars('ab😀', 3)).toBe('ab');
  });
});

describe('Class: SfnTaskCompleter', () => {
  beforeEach(() => {
    sfnMock.reset();
  });

  it('sends SendTaskSuccess with the token and the output as JSON', async () => {
    // Prepare
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const completer = new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' }));

    // Act
    await completer.success(TOKEN, { rows: 3, file: 's3://bucket/run.arrow' });

    // Assess
    const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ taskToken: TOKEN, output: '{"rows":3,"file":"s3://bucket/run.arrow"}' });
  });

  it('refuses an output over 256 KiB without calling Step Functions', async () => {
    const completer = new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' }));
    await expect(completer.success(TOKEN, outputOfBytes(TASK_OUTPUT_MAX_BYTES + 1))).rejects.toThrow(TaskOutputTooLargeError);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('sends SendTaskFailure with error and cause cut to Step Functions limits', async () => {
    // Prepare
    sfnMock.on(SendTaskFailureCommand).resolves({});
    const completer = new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' }));

    // Act
    await completer.failure(TOKEN, 'E'.repeat(300), 'c'.repeat(40_000));

    // Assess
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: TOKEN,
      error: 'E'.repeat(TASK_ERROR_MAX_CHARS),
      cause: 'c'.repeat(TASK_CAUSE_MAX_CHARS),
    });
  });

  it('sends SendTaskHeartbeat with the token', async () => {
    sfnMock.on(SendTaskHeartbeatCommand).resolves({});
    await new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' })).heartbeat(TOKEN);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand)[0]?.args[0].input).toEqual({ taskToken: TOKEN });
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid Token', $metadata: {} })],
  ])('turns %s into TaskNoLongerWaitingError', async (name, error) => {
    sfnMock.on(SendTaskSuccessCommand).rejects(error);
    const failure = await new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' })).success(TOKEN, {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TaskNoLongerWaitingError);
    expect(failure).toMatchObject({ taskError: name, statusCode: 410 });
  });

  it('turns any other error into TaskCompleterUnavailableError', async () => {
    sfnMock.on(SendTaskHeartbeatCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const failure = await new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' })).heartbeat(TOKEN).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TaskCompleterUnavailableError);
    expect(failure).toMatchObject({ reason: 'ThrottlingException', statusCode: 502 });
  });
});

describe('Class: BrokerTaskCompleter', () => {
  it('resolves the waiting task with the output as it went through JSON', async () => {
    // Prepare
    const broker = new TokenBroker();
    const { token, result } = broker.issue();

    // Act
    await new BrokerTaskCompleter(broker).success(token, { at: new Date('2026-11-27T10:00:00Z'), rows: 3 });

    // Assess
    await expect(result).resolves.toEqual({ at: '2026-11-27T10:00:00.000Z', rows: 3 });
  });

  it('fails the waiting task with the truncated error and cause', async () => {
    const broker = new TokenBroker();
    const { token, result } = broker.issue();
    await new BrokerTaskCompleter(broker).failure(token, 'AgentError'.repeat(30), 'x'.repeat(40_000));
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).name).toHaveLength(TASK_ERROR_MAX_CHARS);
    expect((error as TaskError).message).toHaveLength(TASK_CAUSE_MAX_CHARS);
  });

  it('answers a used or unknown token with TaskNoLongerWaitingError, as Step Functions does', async () => {
    const broker = new TokenBroker();
    const { token, result } = broker.issue();
    const completer = new BrokerTaskCompleter(broker);
    await completer.heartbeat(token);
    await completer.success(token, 1);
    await expect(result).resolves.toBe(1);
    await expect(completer.success(token, 2)).rejects.toThrow(TaskNoLongerWaitingError);
    await expect(completer.heartbeat(token)).rejects.toThrow(TaskNoLongerWaitingError);
    await expect(completer.failure('unknown', 'E', 'c')).rejects.toMatchObject({ taskError: 'TaskTimedOut' });
  });

  it('refuses an output over 256 KiB and leaves the task waiting', async () => {
    const broker = new TokenBroker();
    const { token, result } = broker.issue();
    await expect(new BrokerTaskCompleter(broker).success(token, outputOfBytes(TASK_OUTPUT_MAX_BYTES + 1))).rejects.toThrow(TaskOutputTooLargeError);
    expect(broker.size).toBe(1);
    broker.failAll('Shutdown', 'test over');
    await expect(result).rejects.toThrow('test over');
  });
});
