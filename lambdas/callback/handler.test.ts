/**
 * Tests of the callback Lambda: HTTP API 2.0 events in, SendTask* calls out (SDK mocked), status
 * codes, powertools log lines captured from stdout (never holding the secret or the token), and
 * the environment read once.
 */
import { randomBytes } from 'node:crypto';
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallbackConfigurationError } from '../../lib/callback/errors';
import { SfnTaskCompleter } from '../../lib/callback/task-completer';
import { T0, callbackEvent, callbackLambdaContext, captureOutput, registeredRun } from '../../test-support/callback';
import { createCallbackSecret } from '../../lib/callback/secrets';
import { callbackSigningKey, fixedCallbackSigningKey } from '../../lib/callback/signing-key';
import { callbackConfigFromEnv, createCallbackHandler, handler as deployedHandler } from './handler';

// The module builds its exported `handler` from the environment at load; give it a region (hoisted above the imports).
vi.hoisted(() => {
  process.env.STATE_MACHINE_REGION ??= 'eu-west-1';
  process.env.RESULTS_CLUSTER_ARN ??= 'arn:aws:rds:eu-west-1:123456789012:cluster:faas-benchmarker-test-results';
  process.env.RESULTS_SECRET_ARN ??= 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:results-AbCdEf';
  process.env.RESULTS_DATABASE ??= 'faas_benchmarker';
  process.env.CALLBACK_SIGNING_KEY_SECRET_ARN ??= 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:callback-signing-key-AbCdEf';
});

const sfnMock = mockClient(SFNClient);

async function setUp(options: { nowMs?: number } = {}) {
  const run = await registeredRun();
  const handler = createCallbackHandler({
    registry: run.registry,
    signingKey: fixedCallbackSigningKey(run.signingKey),
    completer: new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' })),
    logger: new Logger({ serviceName: 'callback-test', logLevel: 'INFO' }),
    now: () => new Date(T0.getTime() + (options.nowMs ?? 60_000)),
  });
  const invoke = async (body: unknown, options: { secret?: string; base64?: boolean } = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await handler(callbackEvent(text, { authorization: `Bearer ${options.secret ?? run.secret}`, base64: options.base64 }), callbackLambdaContext() as never);
    return { statusCode: response.statusCode, headers: response.headers, body: JSON.parse(response.body) as Record<string, unknown> };
  };
  return { run, handler, invoke };
}

describe('Function: createCallbackHandler', () => {
  let output: ReturnType<typeof captureOutput>;
  beforeEach(() => {
    sfnMock.reset();
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    sfnMock.on(SendTaskFailureCommand).resolves({});
    sfnMock.on(SendTaskHeartbeatCommand).resolves({});
    output = captureOutput();
  });
  afterEach(() => {
    output.restore();
  });

  it('sends SendTaskSuccess with the exact token and output for a good secret', async () => {
    // Prepare
    const { run, invoke } = await setUp();
    const agentOutput = { rows: 1200, p50Ms: 12.5, files: ['a.arrow'] };

    // Act
    const response = await invoke({ runId: run.runId, kind: 'success', output: agentOutput });

    // Assess
    expect(response).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: { ok: true, runId: run.runId, kind: 'success' } });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input)).toEqual([{ taskToken: run.taskToken, output: JSON.stringify(agentOutput) }]);
    const lines = output.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'callback accepted', runId: run.runId, function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e8cb11bac0' }));
  });

  it('reads a base64-encoded body', async () => {
    const { run, invoke } = await setUp();
    expect((await invoke({ runId: run.runId, kind: 'heartbeat' }, { base64: true })).statusCode).toBe(200);
  });

  it('sends SendTaskFailure with error and cause truncated', async () => {
    const { run, invoke } = await setUp();
    await invoke({ runId: run.runId, kind: 'failure', error: 'E'.repeat(1000), cause: 'C'.repeat(100_000) });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({ taskToken: run.taskToken, error: 'E'.repeat(256), cause: 'C'.repeat(32_768) });
  });

  it('passes two heartbeats on', async () => {
    const { run, invoke } = await setUp();
    expect((await invoke({ runId: run.runId, kind: 'heartbeat' })).statusCode).toBe(200);
    expect((await invoke({ runId: run.runId, kind: 'heartbeat' })).statusCode).toBe(200);
    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand)).toHaveLength(2);
  });

  it('refuses wrong secret, unknown run, expiry, replay and oversized output without calling Step Functions, and never logs secret or token', async () => {
    // Prepare
    const { run, invoke } = await setUp();
    const { invoke: invokeLate } = await setUp({ nowMs: 90_000_000 });
    const wrong = 'Z'.repeat(43);

    // Act
    const answers = {
      wrongSecret: await invoke({ runId: run.runId, kind: 'success', output: {} }, { secret: wrong }),
      // A secret the control plane made for a run id that is not (or no longer) registered.
      unknownRun: await invoke({ runId: 'run-unknown', kind: 'success', output: {} }, { secret: createCallbackSecret(run.signingKey, 'run-unknown').secret }),
      expired: await invokeLate({ runId: run.runId, kind: 'heartbeat' }),
      tooLarge: await invoke({ runId: run.runId, kind: 'success', output: 'x'.repeat(300_000) }),
      invalid: await invoke('{"runId":'),
    };
    const accepted = await invoke({ runId: run.runId, kind: 'failure', error: 'AgentError' });
    const replay = await invoke({ runId: run.runId, kind: 'failure', error: 'AgentError' });

    // Assess
    expect(Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, [answer.statusCode, (answer.body.error as { type: string }).type]]))).toEqual({
      wrongSecret: [401, 'CallbackSecretMismatchError'],
      unknownRun: [404, 'CallbackRunUnknownError'],
      expired: [410, 'CallbackExpiredError'],
      tooLarge: [413, 'TaskOutputTooLargeError'],
      invalid: [400, 'CallbackRequestInvalidError'],
    });
    expect(accepted.statusCode).toBe(200);
    expect(replay.statusCode).toBe(409);
    expect(sfnMock.calls()).toHaveLength(1); // the accepted failure only
    const logs = output.text();
    expect(logs.match(/"callback refused"/g)).toHaveLength(6);
    for (const hidden of [run.secret, run.taskToken, wrong]) expect(logs).not.toContain(hidden);
  });

  it('answers 410 when Step Functions answers TaskTimedOut', async () => {
    const { run, invoke } = await setUp();
    sfnMock.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    const response = await invoke({ runId: run.runId, kind: 'success', output: {} });
    expect(response).toMatchObject({ statusCode: 410, body: { error: { type: 'TaskNoLongerWaitingError' } } });
    expect(output.text()).not.toContain(run.taskToken);
  });

  it('checks the secret with the key from its source, and never logs the key', async () => {
    // Prepare
    const { run, invoke } = await setUp();
    const keyHex = run.signingKey.export().toString('hex');
    const keyBase64 = run.signingKey.export().toString('base64');

    // Act
    const forged = await invoke({ runId: run.runId, kind: 'heartbeat' }, { secret: createCallbackSecret(callbackSigningKey(randomBytes(32)), run.runId).secret });
    const genuine = await invoke({ runId: run.runId, kind: 'heartbeat' });

    // Assess
    expect(forged).toMatchObject({ statusCode: 401, body: { error: { type: 'CallbackSecretMismatchError' } } });
    expect(genuine.statusCode).toBe(200);
    for (const hidden of [keyHex, keyBase64, run.secret]) expect(output.text()).not.toContain(hidden);
  });

  it('answers 503 without a registry query while the signing key cannot be read, and recovers', async () => {
    // Prepare
    const run = await registeredRun();
    const find = vi.spyOn(run.registry, 'find');
    let keyReadable = false;
    const handler = createCallbackHandler({
      registry: run.registry,
      signingKey: () => (keyReadable ? Promise.resolve(run.signingKey) : Promise.reject(new Error('AccessDeniedException'))),
      completer: new SfnTaskCompleter(new SFNClient({ region: 'eu-west-1' })),
      logger: new Logger({ serviceName: 'callback-test', logLevel: 'INFO' }),
      now: () => new Date(T0.getTime() + 60_000),
    });
    const heartbeat = () => handler(callbackEvent(JSON.stringify({ runId: run.runId, kind: 'heartbeat' }), { authorization: `Bearer ${run.secret}` }), callbackLambdaContext() as never);

    // Act
    const unavailable = await heartbeat();
    keyReadable = true;
    const recovered = await heartbeat();

    // Assess
    expect(unavailable.statusCode).toBe(503);
    expect(JSON.parse(unavailable.body)).toMatchObject({ error: { type: 'CallbackSigningKeyUnavailableError' } });
    expect(recovered.statusCode).toBe(200);
    expect(find).toHaveBeenCalledTimes(1);
  });

  it('answers 400 to an event that is not an HTTP API 2.0 event', async () => {
    const { handler } = await setUp();
    const response = await handler({ runId: 'r', kind: 'heartbeat' }, callbackLambdaContext() as never);
    expect(response.statusCode).toBe(400);
  });
});

describe('Function: callbackConfigFromEnv', () => {
  const results = { RESULTS_CLUSTER_ARN: 'arn:cluster', RESULTS_SECRET_ARN: 'arn:secret', RESULTS_DATABASE: 'db', CALLBACK_SIGNING_KEY_SECRET_ARN: 'arn:signing-key' };

  it('takes STATE_MACHINE_REGION, else AWS_REGION, else fails naming the variable', () => {
    expect(callbackConfigFromEnv({ STATE_MACHINE_REGION: 'eu-central-1', AWS_REGION: 'us-east-1', ...results }).stateMachineRegion).toBe('eu-central-1');
    expect(callbackConfigFromEnv({ AWS_REGION: 'us-east-1', ...results }).stateMachineRegion).toBe('us-east-1');
    expect(() => callbackConfigFromEnv({})).toThrow(CallbackConfigurationError);
    expect(() => callbackConfigFromEnv({})).toThrow(/STATE_MACHINE_REGION/);
  });

  it('needs the results database the registry lives in, naming what is missing', () => {
    expect(callbackConfigFromEnv({ AWS_REGION: 'eu-west-1', ...results }).results).toEqual({ resourceArn: 'arn:cluster', secretArn: 'arn:secret', database: 'db' });
    expect(() => callbackConfigFromEnv({ AWS_REGION: 'eu-west-1', RESULTS_CLUSTER_ARN: 'arn:cluster', RESULTS_DATABASE: 'db' })).toThrow(/RESULTS_SECRET_ARN/);
  });

  it('needs the signing key secret, naming it when missing', () => {
    expect(callbackConfigFromEnv({ AWS_REGION: 'eu-west-1', ...results }).signingKeySecretArn).toBe('arn:signing-key');
    expect(() => callbackConfigFromEnv({ AWS_REGION: 'eu-west-1', ...results, CALLBACK_SIGNING_KEY_SECRET_ARN: '' })).toThrow(/CALLBACK_SIGNING_KEY_SECRET_ARN/);
  });

  it('takes the results bucket for fresh upload URLs when it is given', () => {
    expect(callbackConfigFromEnv({ AWS_REGION: 'eu-west-1', ...results }).resultsBucket).toBeUndefined();
    expect(callbackConfigFromEnv({ AWS_REGION: 'eu-west-1', ...results, RESULTS_BUCKET: 'fb-results' }).resultsBucket).toBe('fb-results');
  });
});

describe('Const: handler', () => {
  it('is built at module load from the environment', () => {
    expect(typeof deployedHandler).toBe('function');
  });
});
