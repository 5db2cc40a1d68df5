/**
 * Tests of the callback rules over the Step Functions completer (SDK mocked): what is sent for
 * success/failure/heartbeat, every refusal with its status and no SDK call, single use under
 * replay and concurrency, retry after 502, and logs that never hold the secret or the task token.
 */
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { T0, recordingLogger, registeredRun } from '../../test-support/callback';
import { type CallbackHttpRequest, type HandleCallbackOptions, handleCallback } from './handle-callback';
import { type CallbackRegistry, registerCallback } from './registry';
import { createCallbackSecret } from './secrets';
import { SfnTaskCompleter, TASK_CAUSE_MAX_CHARS, TASK_ERROR_MAX_CHARS, TASK_OUTPUT_MAX_BYTES } from './task-completer';

const sfnMock = mockClient(SFNClient);

/** A run registered at T0, the handler's options around it (clock at T0 + 1 min), and a request maker. */
async function setUp(options: { ttlMs?: number; nowMs?: number } = {}) {
  const run = await registeredRun({ ttlMs: options.ttlMs });
  const log = recordingLogger();
  const clock = { now: new Date(T0.getTime() + (options.nowMs ?? 60_000)) };
  const handling: HandleCallbackOptions = {
    registry: run.registry,
    signingKey: run.signingKey,
    completer: new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' })),
    logger: log.logger,
    now: () => clock.now,
  };
  const request = (body: Record<string, unknown>, secret: string | undefined = run.secret): CallbackHttpRequest => ({
    body: JSON.stringify({ runId: run.runId, ...body }),
    authorization: secret === undefined ? undefined : `Bearer ${secret}`,
  });
  const send = (body: Record<string, unknown>, secret?: string) => handleCallback(request(body, secret), handling);
  return { run, log, clock, handling, request, send };
}

function errorType(response: { body: unknown }): string | undefined {
  return (response.body as { error?: { type: string } }).error?.type;
}

describe('Function: handleCallback', () => {
  beforeEach(() => {
    sfnMock.reset();
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    sfnMock.on(SendTaskFailureCommand).resolves({});
    sfnMock.on(SendTaskHeartbeatCommand).resolves({});
  });

  it('turns a success with the right secret into SendTaskSuccess with the token and the output JSON', async () => {
    // Prepare
    const { run, send, log } = await setUp();
    const output = { rows: 1200, resultsKey: 'runs/run-3f2a/invocations.arrow', durationMs: 61_234.5 };

    // Act
    const response = await send({ kind: 'success', output });

    // Assess
    expect(response).toEqual({ statusCode: 200, body: { ok: true, runId: run.runId, kind: 'success' } });
    const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ taskToken: run.taskToken, output: JSON.stringify(output) });
    expect(log.lines).toEqual([{ level: 'info', message: 'callback accepted', attributes: { runId: run.runId, kind: 'success', status: 200 } }]);
  });

  it('accepts the secret in the body as well as in the header, and both when they agree', async () => {
    const { run, handling } = await setUp();
    const body = JSON.stringify({ runId: run.runId, kind: 'heartbeat', secret: run.secret });
    expect((await handleCallback({ body, authorization: undefined }, handling)).statusCode).toBe(200);
    expect((await handleCallback({ body, authorization: `bearer ${run.secret}` }, handling)).statusCode).toBe(200);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand)).toHaveLength(2);
  });

  it('turns a failure into SendTaskFailure with error and cause truncated to the Step Functions limits', async () => {
    // Prepare
    const { run, send } = await setUp();

    // Act
    const response = await send({ kind: 'failure', error: `AgentError${'!'.repeat(400)}`, cause: 'c'.repeat(50_000) });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: run.taskToken,
      error: `AgentError${'!'.repeat(TASK_ERROR_MAX_CHARS - 'AgentError'.length)}`,
      cause: 'c'.repeat(TASK_CAUSE_MAX_CHARS),
    });
  });

  it('sends a failure without cause with an empty cause', async () => {
    const { run, send } = await setUp();
    await send({ kind: 'failure', error: 'ClientProvisioningError' });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({ taskToken: run.taskToken, error: 'ClientProvisioningError', cause: '' });
  });

  it('passes heartbeats on as SendTaskHeartbeat, any number of times, until the outcome is reported', async () => {
    // Prepare
    const { run, send } = await setUp();

    // Act
    const first = await send({ kind: 'heartbeat' });
    const second = await send({ kind: 'heartbeat' });
    await send({ kind: 'success', output: {} });
    const late = await send({ kind: 'heartbeat' });

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand).map((call) => call.args[0].input)).toEqual([{ taskToken: run.taskToken }, { taskToken: run.taskToken }]);
    expect(late.statusCode).toBe(409);
  });

  it('hands out a fresh upload URL to the secret holder, any number of times, without completing the task', async () => {
    const { run, send, handling } = await setUp();
    const asked: string[] = [];
    handling.uploadUrlFor = async (runId) => {
      asked.push(runId);
      return `https://fb-results.s3.eu-west-1.amazonaws.com/raw/${runId}.ndjson?X-Amz-Signature=${asked.length}`;
    };
    const first = await send({ kind: 'upload-url' });
    const second = await send({ kind: 'upload-url' });
    expect(first).toEqual({ statusCode: 200, body: { ok: true, runId: run.runId, kind: 'upload-url', uploadUrl: expect.stringContaining('Signature=1') } });
    expect(second.body).toMatchObject({ uploadUrl: expect.stringContaining('Signature=2') });
    expect((await send({ kind: 'upload-url' }, 'A'.repeat(43))).statusCode).toBe(401);
    expect(asked).toEqual([run.runId, run.runId]);
    expect(sfnMock.calls()).toHaveLength(0);
    expect((await send({ kind: 'success', output: {} })).statusCode).toBe(200);
    expect((await send({ kind: 'upload-url' })).statusCode).toBe(409);
  });

  it('forces a cold start through the platform on force-cold, any number of times, only for the secret’s holder', async () => {
    const { send, handling, run } = await setUp();
    expect(errorType(await send({ kind: 'force-cold', function: 'function2' }))).toBe('CallbackRequestInvalidError');
    const forced: string[] = [];
    handling.forceCold = async (runId, functionName) => {
      forced.push(`${runId}/${functionName}`);
    };
    expect(await send({ kind: 'force-cold', function: 'function2' })).toEqual({ statusCode: 200, body: { ok: true, runId: run.runId, kind: 'force-cold' } });
    expect((await send({ kind: 'force-cold', function: 'function3' })).statusCode).toBe(200);
    expect((await send({ kind: 'force-cold', function: 'function3' }, 'A'.repeat(43))).statusCode).toBe(401);
    expect(forced).toEqual([`${run.runId}/function2`, `${run.runId}/function3`]);
    handling.forceCold = async () => {
      throw new Error('EniLimitExceeded');
    };
    const refused = await send({ kind: 'force-cold', function: 'function1' });
    expect(refused.statusCode).toBe(502);
    expect(errorType(refused)).toBe('ColdStartNotForcedError');
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('refuses upload-url where it hands out none (400), and answers 503 when it cannot make one', async () => {
    const { send, handling } = await setUp();
    const refused = await send({ kind: 'upload-url' });
    expect(refused.statusCode).toBe(400);
    expect(errorType(refused)).toBe('CallbackRequestInvalidError');
    handling.uploadUrlFor = async () => {
      throw new Error('credentials expired');
    };
    expect((await send({ kind: 'upload-url' })).statusCode).toBe(503);
  });

  it.each([
    { case: 'a wrong secret', status: 401, type: 'CallbackSecretMismatchError', act: (s: Awaited<ReturnType<typeof setUp>>) => s.send({ kind: 'success', output: {} }, 'A'.repeat(43)) },
    {
      case: 'an unknown run',
      status: 404,
      type: 'CallbackRunUnknownError',
      act: (s: Awaited<ReturnType<typeof setUp>>) =>
        handleCallback({ body: JSON.stringify({ runId: 'run-other', kind: 'success', output: {} }), authorization: `Bearer ${createCallbackSecret(s.run.signingKey, 'run-other').secret}` }, s.handling),
    },
    {
      case: "the run's secret presented for another run",
      status: 401,
      type: 'CallbackSecretMismatchError',
      act: (s: Awaited<ReturnType<typeof setUp>>) => handleCallback({ body: JSON.stringify({ runId: 'run-other', kind: 'success', output: {} }), authorization: `Bearer ${s.run.secret}` }, s.handling),
    },
    {
      case: 'the secret of a replaced registration (right tag, hash no longer stored)',
      status: 401,
      type: 'CallbackSecretMismatchError',
      act: async (s: Awaited<ReturnType<typeof setUp>>) => {
        await registerCallback(s.run.registry, s.run.signingKey, { runId: s.run.runId, taskToken: s.run.taskToken, expiresAt: s.run.expiresAt });
        return s.send({ kind: 'success', output: {} });
      },
    },
    {
      case: 'an expired callback',
      status: 410,
      type: 'CallbackExpiredError',
      act: (s: Awaited<ReturnType<typeof setUp>>) => {
        s.clock.now = s.run.expiresAt;
        return s.send({ kind: 'success', output: {} });
      },
    },
    {
      case: 'a heartbeat of an expired callback',
      status: 410,
      type: 'CallbackExpiredError',
      act: (s: Awaited<ReturnType<typeof setUp>>) => {
        s.clock.now = new Date(s.run.expiresAt.getTime() + 1);
        return s.send({ kind: 'heartbeat' });
      },
    },
    {
      case: 'a success replayed after a success',
      status: 409,
      type: 'CallbackAlreadyCompletedError',
      act: async (s: Awaited<ReturnType<typeof setUp>>) => {
        expect((await s.send({ kind: 'success', output: { n: 1 } })).statusCode).toBe(200);
        sfnMock.resetHistory();
        return s.send({ kind: 'success', output: { n: 1 } });
      },
    },
    {
      case: 'a failure after a success',
      status: 409,
      type: 'CallbackAlreadyCompletedError',
      act: async (s: Awaited<ReturnType<typeof setUp>>) => {
        await s.send({ kind: 'success', output: {} });
        sfnMock.resetHistory();
        return s.send({ kind: 'failure', error: 'AgentError' });
      },
    },
    {
      case: 'a failure replayed after a failure',
      status: 409,
      type: 'CallbackAlreadyCompletedError',
      act: async (s: Awaited<ReturnType<typeof setUp>>) => {
        expect((await s.send({ kind: 'failure', error: 'AgentError', cause: 'boom' })).statusCode).toBe(200);
        sfnMock.resetHistory();
        return s.send({ kind: 'failure', error: 'AgentError', cause: 'boom' });
      },
    },
    {
      case: 'a success after a failure',
      status: 409,
      type: 'CallbackAlreadyCompletedError',
      act: async (s: Awaited<ReturnType<typeof setUp>>) => {
        await s.send({ kind: 'failure', error: 'AgentError' });
        sfnMock.resetHistory();
        return s.send({ kind: 'success', output: {} });
      },
    },
  ])('refuses $case with $status $type, without calling Step Functions, and logs neither secret nor token', async ({ status, type, act }) => {
    // Prepare
    const setup = await setUp();

    // Act
    const response = await act(setup);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(errorType(response)).toBe(type);
    expect(sfnMock.calls()).toHaveLength(0);
    const refusal = setup.log.lines.find((line) => line.level === 'warn');
    expect(refusal).toMatchObject({ message: 'callback refused', attributes: { status, errorType: type } });
    expect(setup.log.text()).not.toContain(setup.run.secret);
    expect(setup.log.text()).not.toContain(setup.run.taskToken);
    expect(setup.log.text()).not.toContain('A'.repeat(43)); // the wrong secret is a secret too
    expect(JSON.stringify(response.body)).not.toContain(setup.run.taskToken);
  });

  it('accepts a callback up to the last millisecond before expiry', async () => {
    const { run, send, clock } = await setUp();
    clock.now = new Date(run.expiresAt.getTime() - 1);
    expect((await send({ kind: 'success', output: {} })).statusCode).toBe(200);
  });

  it('answers 410 when Step Functions says TaskTimedOut, and keeps the run completed', async () => {
    // Prepare
    const { run, send, log } = await setUp();
    sfnMock.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: `Task Timed Out: '${run.taskToken}'`, $metadata: {} }));

    // Act
    const response = await send({ kind: 'success', output: {} });
    const retry = await send({ kind: 'success', output: {} });

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.body).toEqual({ error: { type: 'TaskNoLongerWaitingError', message: "the run's task is no longer waiting (TaskTimedOut)" } });
    expect(retry.statusCode).toBe(409);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    expect(log.text()).not.toContain(run.taskToken);
  });

  it('answers 410 to a heartbeat when Step Functions says the task timed out', async () => {
    const { send } = await setUp();
    sfnMock.on(SendTaskHeartbeatCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    expect(errorType(await send({ kind: 'heartbeat' }))).toBe('TaskNoLongerWaitingError');
  });

  it('answers 502 when Step Functions cannot be reached, and lets the agent retry', async () => {
    // Prepare
    const { run, send, log } = await setUp();
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejectsOnce(Object.assign(new Error(`socket hang up while sending ${run.taskToken}`), { name: 'TimeoutError' }))
      .resolves({});

    // Act
    const first = await send({ kind: 'success', output: { n: 1 } });
    const retry = await send({ kind: 'success', output: { n: 1 } });

    // Assess
    expect(first.statusCode).toBe(502);
    expect(errorType(first)).toBe('TaskCompleterUnavailableError');
    expect(retry.statusCode).toBe(200);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(2);
    expect(log.lines.find((line) => line.level === 'error')?.attributes).toMatchObject({ status: 502, cause: 'TimeoutError: socket hang up while sending [redacted]' });
    expect(log.text()).not.toContain(run.taskToken);
  });

  it('refuses an output over 256 KiB with 413 before any call, and the run may still report', async () => {
    // Prepare
    const { send } = await setUp();

    // Act
    const response = await send({ kind: 'success', output: { blob: 'a'.repeat(TASK_OUTPUT_MAX_BYTES) } });
    const smaller = await send({ kind: 'success', output: { key: 'runs/run-3f2a/blob' } });

    // Assess
    expect(response.statusCode).toBe(413);
    expect(response.body).toEqual({ error: { type: 'TaskOutputTooLargeError', message: 'task output is 262155 bytes of JSON; Step Functions accepts at most 262144' } });
    expect(smaller.statusCode).toBe(200);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('delivers exactly one of two concurrent successes', async () => {
    const { send } = await setUp();
    const answers = await Promise.all([send({ kind: 'success', output: 1 }), send({ kind: 'success', output: 2 })]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 409]);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('answers 503 when the registry fails', async () => {
    const { handling, request, log } = await setUp();
    const broken: CallbackRegistry = { ...handling.registry, find: () => Promise.reject(new Error('connection refused')) };
    const response = await handleCallback(request({ kind: 'heartbeat' }), { ...handling, registry: broken });
    expect(response.statusCode).toBe(503);
    expect(errorType(response)).toBe('CallbackRegistryUnavailableError');
    expect(log.lines[0]?.level).toBe('error');
  });

  const invalidRequests: { case: string; body: string | undefined; authorization?: string; mentions: RegExp }[] = [
    { case: 'no body', body: undefined, mentions: /empty body/ },
    { case: 'a body that is not JSON', body: '{"runId": ', mentions: /not valid JSON/ },
    { case: 'a JSON array', body: '[]', mentions: /invalid callback/ },
    { case: 'an unknown kind', body: '{"runId":"run-3f2a","kind":"done"}', mentions: /kind/ },
    { case: 'no run id', body: '{"kind":"heartbeat"}', mentions: /runId/ },
    { case: 'an empty run id', body: '{"runId":"","kind":"heartbeat"}', mentions: /runId/ },
    { case: 'a success without output', body: '{"runId":"run-3f2a","kind":"success"}', mentions: /output/ },
    { case: 'a failure without error', body: '{"runId":"run-3f2a","kind":"failure","cause":"x"}', mentions: /error/ },
    { case: 'an output on a heartbeat', body: '{"runId":"run-3f2a","kind":"heartbeat","output":{}}', mentions: /output/ },
    { case: 'an unknown key', body: '{"runId":"run-3f2a","kind":"heartbeat","taskToken":"t"}', mentions: /taskToken/ },
    { case: 'no secret anywhere', body: '{"runId":"run-3f2a","kind":"heartbeat"}', authorization: '', mentions: /no secret/ },
    { case: 'an Authorization header that is not Bearer', body: '{"runId":"run-3f2a","kind":"heartbeat"}', authorization: 'Basic dXNlcjpwdw==', mentions: /Bearer/ },
  ];

  it.each(invalidRequests)('refuses $case with 400 CallbackRequestInvalidError', async ({ body, authorization, mentions }) => {
    // Prepare
    const { handling, run } = await setUp();

    // Act
    const response = await handleCallback({ body, authorization: authorization === '' ? undefined : (authorization ?? `Bearer ${run.secret}`) }, handling);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(errorType(response)).toBe('CallbackRequestInvalidError');
    expect((response.body as { error: { message: string } }).error.message).toMatch(mentions);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('refuses different secrets in header and body with 400, and logs neither', async () => {
    const { run, handling, log } = await setUp();
    const body = JSON.stringify({ runId: run.runId, kind: 'heartbeat', secret: 'B'.repeat(43) });
    const response = await handleCallback({ body, authorization: `Bearer ${run.secret}` }, handling);
    expect(response.statusCode).toBe(400);
    expect(log.text()).not.toContain(run.secret);
    expect(log.text()).not.toContain('B'.repeat(43));
  });
});
