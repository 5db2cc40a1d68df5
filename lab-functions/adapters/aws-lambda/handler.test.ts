import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  LambdaServiceException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyRecord, InvocationRecord, ResponseBody } from '../../core/records';
import { function1 } from '../../functions/function1';
import { function2 } from '../../functions/function2';
import { type ApiGatewayV2Event, createLambdaHandler, type LambdaContextLike, type LambdaResponseEnvelope } from './handler';

const LOG_STREAM = '2026/11/27/[$LATEST]abc123def4567890abc123def4567890';
const lambdaMock = mockClient(LambdaClient);

function httpEvent(body: string | undefined, overrides: Partial<ApiGatewayV2Event> = {}): ApiGatewayV2Event {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/function1',
    rawQueryString: '',
    headers: {
      accept: '*/*',
      'content-length': String(body?.length ?? 0),
      'content-type': 'application/json',
      host: 'r4nd0m1d.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'faas-benchmarker/0.1.0',
      'x-amzn-trace-id': 'Root=1-6746f0a1-0123456789abcdef01234567',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'r4nd0m1d',
      domainName: 'r4nd0m1d.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'r4nd0m1d',
      http: {
        method: 'POST',
        path: '/function1',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'faas-benchmarker/0.1.0',
      },
      requestId: 'BxWq2jNMoAMEVvQ=',
      routeKey: '$default',
      stage: '$default',
      time: '27/Nov/2026:10:15:30 +0000',
      timeEpoch: 1795774530000,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
    ...overrides,
  };
}

function lambdaContext(functionName = 'fb-3f2a-function1'): LambdaContextLike & Record<string, unknown> {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: LOG_STREAM,
    getRemainingTimeInMillis: () => 30_000,
    callbackWaitsForEmptyEventLoop: true,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function silentLogger(): Logger {
  return new Logger({ serviceName: 'lab-test', logLevel: 'SILENT' });
}

function parseBody(response: LambdaResponseEnvelope): ResponseBody {
  expect(response.headers).toEqual({ 'content-type': 'application/json' });
  expect(typeof response.body).toBe('string');
  return JSON.parse(response.body) as ResponseBody;
}

function rootOf(body: ResponseBody): InvocationRecord {
  return body[body.root_identifier] as InvocationRecord;
}

function recordsOf(body: ResponseBody): AnyRecord[] {
  return Object.entries(body)
    .filter(([key]) => key !== 'root_identifier')
    .map(([, value]) => value as AnyRecord);
}

/** A Lambda Invoke answer whose payload is `value` as JSON. */
function invokeAnswer(value: unknown, extra: Partial<InvokeCommandOutput> = {}): InvokeCommandOutput {
  return {
    $metadata: { httpStatusCode: 200 },
    StatusCode: 200,
    ExecutedVersion: '$LATEST',
    Payload: new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput['Payload'],
    ...extra,
  };
}

const ENV = { AWS_REGION: 'eu-west-1', FB_FUNCTION_PREFIX: 'fb-3f2a-' };

describe('createLambdaHandler', () => {
  beforeEach(() => lambdaMock.reset());
  afterEach(() => vi.restoreAllMocks());

  it('answers an API Gateway REST API proxy event (payload 1.0), as the per-run lab stack sends', async () => {
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger(), lambdaClient: new LambdaClient({ region: 'eu-west-1' }) });
    const restEvent = {
      resource: '/fb-3f2a-function1',
      path: '/fb-3f2a-function1',
      httpMethod: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'key-not-logged' },
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      requestContext: { accountId: '123456789012', apiId: 'abc123', stage: 'prod', httpMethod: 'POST', resourcePath: '/fb-3f2a-function1', requestId: 'r-1', identity: { sourceIp: '198.51.100.7', apiKey: 'key-not-logged' } },
      body: Buffer.from('{"sleep":0.01}').toString('base64'),
      isBase64Encoded: true,
    };
    const answer = await handler(restEvent as never, lambdaContext());
    expect(answer.statusCode).toBe(200);
    expect(rootOf(parseBody(answer))).toMatchObject({ function_name: 'function1', sleep: 0.01, platform: 'aws-lambda' });
    const bad = await handler({ ...restEvent, body: '{"sleep":-1}', isBase64Encoded: false } as never, lambdaContext());
    expect(bad.statusCode).toBe(400);
  });

  it('answers an HTTP API v2 event with one record, cold and then warm', async () => {
    const logger = silentLogger();
    const info = vi.spyOn(logger, 'info');
    const handler = createLambdaHandler(function1, { env: ENV, logger, lambdaClient: new LambdaClient({ region: 'eu-west-1' }) });

    const first = await handler(httpEvent('{"sleep":0}'), lambdaContext());
    expect(first.statusCode).toBe(200);
    const body = parseBody(first);
    expect(Object.keys(body)).toHaveLength(2);
    const record = rootOf(body);
    expect(record).toMatchObject({
      function_name: 'function1',
      parent: 'root',
      level: 0,
      cold: true,
      instance_invocation_count: 1,
      memory_mb: 256,
      platform: 'aws-lambda',
      region: 'eu-west-1',
      platform_instance_id: LOG_STREAM,
      sleep: 0,
    });
    expect(record.identifier).toBe(body.root_identifier);
    expect(record.instance_identifier).toContain(LOG_STREAM);
    expect(record.execution_end).toBeGreaterThanOrEqual(record.execution_start);

    const second = parseBody(await handler(httpEvent('{}'), lambdaContext()));
    const warm = rootOf(second);
    expect(warm.cold).toBe(false);
    expect(warm.instance_invocation_count).toBe(2);
    expect(warm.instance_identifier).toBe(record.instance_identifier);
    expect(warm.identifier).not.toBe(record.identifier);

    expect(info).toHaveBeenCalledTimes(2);
    expect(info).toHaveBeenNthCalledWith(1, 'lab invocation', {
      function: 'function1',
      trigger: 'http',
      status: 200,
      identifier: body.root_identifier,
    });
  });

  it('decodes a base64 body', async () => {
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger() });
    const encoded = Buffer.from(JSON.stringify({ sleep: 0.001 })).toString('base64');
    const response = await handler(httpEvent(encoded, { isBase64Encoded: true }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(rootOf(parseBody(response)).sleep).toBe(0.001);
  });

  it('treats an HTTP event without a body (GET) as an empty input', async () => {
    const event = httpEvent(undefined);
    event.requestContext.http.method = 'GET';
    const response = await createLambdaHandler(function1, { env: ENV, logger: silentLogger() })(event, lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(rootOf(parseBody(response)).parent).toBe('root');
  });

  it('answers a direct invocation with the same envelope', async () => {
    const logger = silentLogger();
    const info = vi.spyOn(logger, 'info');
    const handler = createLambdaHandler(function1, { env: ENV, logger });
    const response = await handler({ sleep: 0, parent: 'caller-1', level: 2 }, lambdaContext());
    expect(response.statusCode).toBe(200);
    const record = rootOf(parseBody(response));
    expect(record).toMatchObject({ parent: 'caller-1', level: 3, cold: true, platform: 'aws-lambda', memory_mb: 256 });
    expect(info).toHaveBeenCalledWith('lab invocation', expect.objectContaining({ trigger: 'direct', status: 200 }));
  });

  it('answers bad JSON with 400 InvalidInputError', async () => {
    const logger = silentLogger();
    const info = vi.spyOn(logger, 'info');
    const handler = createLambdaHandler(function1, { env: ENV, logger });
    const response = await handler(httpEvent('{"sleep": 1,'), lambdaContext());
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: { type: 'InvalidInputError', message: expect.any(String) } });
    expect(info).toHaveBeenCalledWith('lab invocation', { function: 'function1', trigger: 'http', status: 400, error_type: 'InvalidInputError' });
  });

  it('answers an invalid field with 400, over HTTP and directly', async () => {
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger() });
    for (const response of [
      await handler(httpEvent('{"sleep":-1}'), lambdaContext()),
      await handler({ sleep: -1 }, lambdaContext()),
    ]) {
      expect(response.statusCode).toBe(400);
      const body = JSON.parse(response.body) as { error: { type: string; message: string } };
      expect(body.error.type).toBe('InvalidInputError');
      expect(body.error.message).toContain('sleep');
    }
  });

  it('invokes a nested function by its prefixed name and merges its records', async () => {
    const client = new LambdaClient({ region: 'eu-west-1' });
    const callee = createLambdaHandler(function2, { env: ENV, logger: silentLogger(), lambdaClient: client });
    lambdaMock.on(InvokeCommand).callsFake(async (input: { Payload: string }) => {
      const envelope = await callee(JSON.parse(input.Payload), lambdaContext('fb-3f2a-function2'));
      return invokeAnswer(envelope);
    });
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger(), lambdaClient: client });

    const response = await handler(
      httpEvent(JSON.stringify({ invoke_nested: [{ function_name: 'function2', invoke_payload: { sleep: 0 } }] })),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(200);
    const body = parseBody(response);
    const root = rootOf(body);

    const calls = lambdaMock.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toEqual({ FunctionName: 'fb-3f2a-function2', InvocationType: 'RequestResponse', Payload: expect.any(String) });
    expect(JSON.parse(input?.Payload as string)).toEqual({ sleep: 0, parent: root.identifier, level: 0 });

    const records = recordsOf(body);
    expect(records).toHaveLength(2);
    const child = records.find((record) => record.function_name === 'function2') as InvocationRecord;
    expect(child).toMatchObject({ parent: root.identifier, level: 1, platform: 'aws-lambda', http_status: 200, sleep: 0 });
    expect(child.invocation_start).toEqual(expect.any(Number));
    expect(child.invocation_end).toBeGreaterThanOrEqual(child.invocation_start as number);
    expect(child.error).toBeUndefined();
  });

  it('maps a logical name through FB_FUNCTION_NAMES', async () => {
    lambdaMock.on(InvokeCommand).resolves(invokeAnswer({ statusCode: 200, headers: {}, body: JSON.stringify(calleeBody()) }));
    const env = { AWS_REGION: 'eu-west-1', FB_FUNCTION_PREFIX: 'fb-3f2a-', FB_FUNCTION_NAMES: JSON.stringify({ function2: 'bench-two' }) };
    const handler = createLambdaHandler(function1, { env, logger: silentLogger(), lambdaClient: new LambdaClient({}) });
    const body = parseBody(await handler({ invoke_nested: [{ function_name: 'function2' }] }, lambdaContext()));
    expect(lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input.FunctionName).toBe('bench-two');
    expect(body['function2-callee']).toMatchObject({ function_name: 'function2', http_status: 200, invocation_start: expect.any(Number) });
  });

  it('merges the records of a callee that answered 500', async () => {
    const failed = calleeBody();
    (failed['function2-callee'] as InvocationRecord).error = { type: 'Error', message: 'boom' };
    lambdaMock.on(InvokeCommand).resolves(invokeAnswer({ statusCode: 500, headers: {}, body: JSON.stringify(failed) }));
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger(), lambdaClient: new LambdaClient({}) });
    const response = await handler({ invoke_nested: [{ function_name: 'function2' }] }, lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(parseBody(response)['function2-callee']).toMatchObject({ http_status: 500, error: { type: 'Error', message: 'boom' } });
  });

  it('records a throttled nested call as an error record inside a successful parent', async () => {
    lambdaMock
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ $metadata: { httpStatusCode: 429 }, message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }));
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger(), lambdaClient: new LambdaClient({}) });
    const response = await handler({ invoke_nested: [{ function_name: 'function2' }] }, lambdaContext());
    expect(response.statusCode).toBe(200);
    const body = parseBody(response);
    const root = rootOf(body);
    expect(root.error).toBeUndefined();
    const errorRecord = recordsOf(body).find((record) => record.identifier !== root.identifier);
    expect(errorRecord).toMatchObject({ function_name: 'function2', parent: root.identifier, level: 1, http_status: 429 });
    expect(errorRecord?.identifier).toMatch(/^error-function2-/);
    // The core names the failure; the SDK's error type travels with it.
    expect(JSON.stringify(errorRecord?.error)).toContain('TooManyRequestsException');
    expect(errorRecord?.error?.message).toContain('Rate Exceeded.');
  });

  it('records a missing callee with 404', async () => {
    lambdaMock.on(InvokeCommand).rejects(new ResourceNotFoundException({ $metadata: { httpStatusCode: 404 }, message: 'Function not found: arn:aws:lambda:eu-west-1:123456789012:function:fb-3f2a-function2' }));
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger(), lambdaClient: new LambdaClient({}) });
    const body = parseBody(await handler({ invoke_nested: [{ function_name: 'function2' }] }, lambdaContext()));
    const errorRecord = recordsOf(body).find((record) => record.function_name === 'function2');
    expect(errorRecord).toMatchObject({ http_status: 404 });
    expect(JSON.stringify(errorRecord?.error)).toContain('ResourceNotFoundException');
  });

  it('records another service error with 502', async () => {
    lambdaMock.on(InvokeCommand).rejects(
      new LambdaServiceException({ name: 'ServiceException', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'internal' }),
    );
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger(), lambdaClient: new LambdaClient({}) });
    const body = parseBody(await handler({ invoke_nested: [{ function_name: 'function2' }] }, lambdaContext()));
    const errorRecord = recordsOf(body).find((record) => record.function_name === 'function2');
    expect(errorRecord).toMatchObject({ http_status: 502 });
    expect(JSON.stringify(errorRecord?.error)).toContain('ServiceException');
  });

  it('records an unhandled error in the callee (FunctionError) with 502', async () => {
    lambdaMock.on(InvokeCommand).resolves(
      invokeAnswer(
        { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: 0f5a Error: Runtime exited with error: signal: killed', trace: ['at secret place'] },
        { FunctionError: 'Unhandled' },
      ),
    );
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger(), lambdaClient: new LambdaClient({}) });
    const response = await handler({ invoke_nested: [{ function_name: 'function2' }] }, lambdaContext());
    expect(response.statusCode).toBe(200);
    const body = parseBody(response);
    const errorRecord = recordsOf(body).find((record) => record.function_name === 'function2');
    expect(errorRecord).toMatchObject({ http_status: 502, level: 1 });
    expect(JSON.stringify(errorRecord?.error)).toContain('Runtime exited with error');
    expect(response.body).not.toContain('secret place');
  });

  it('records a nested call that got no answer at all', async () => {
    const noAnswer = new Error('socket hang up');
    noAnswer.name = 'TimeoutError';
    lambdaMock.on(InvokeCommand).rejects(noAnswer);
    const handler = createLambdaHandler(function1, { env: ENV, logger: silentLogger(), lambdaClient: new LambdaClient({}) });
    const response = await handler({ invoke_nested: [{ function_name: 'function2' }] }, lambdaContext());
    expect(response.statusCode).toBe(200);
    const errorRecord = recordsOf(parseBody(response)).find((record) => record.function_name === 'function2');
    expect(errorRecord).toMatchObject({ http_status: null, error: { type: 'TimeoutError', message: 'socket hang up' } });
  });
});

/** What a callee function2 answers: one record, its root. */
function calleeBody(): ResponseBody {
  return {
    root_identifier: 'function2-callee',
    'function2-callee': {
      identifier: 'function2-callee',
      uuid: 'callee',
      function_name: 'function2',
      parent: 'whatever',
      level: 1,
      instance_identifier: 'stream:uuid',
      platform_instance_id: 'stream',
      instance_started_at: 1,
      cold: true,
      instance_invocation_count: 1,
      execution_start: 2,
      execution_end: 3,
      cpu_time_ms: 1,
      memory_mb: 256,
      function_cores: 2,
      cpu_model: 'x',
      runtime: 'nodejs20',
      platform: 'aws-lambda',
      region: 'eu-west-1',
    },
  };
}
