/**
 * Each provider against its fake platform (test-support/fake-platforms.ts) over real HTTP through
 * the Invoker: the exact request (method, path, auth header), every answer shape classified with
 * the right status, type and message, and secrets never in errors or config messages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../lab-functions/core/records';
import { startFakeApiGateway, startFakeAzureFunctions, startFakeOpenFaas } from '../../test-support/fake-platforms';
import { Invoker } from '../invoker';
import { createProvider, ProviderConfigError, type Provider, UnknownFunctionError } from '.';
import { classifyRecords, fallbackAnswer, messageFromText } from '../../lib/platforms/classify-answer';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function track<T extends { close(): Promise<void> }>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

function invokerFor(provider: Provider): Invoker {
  return track(new Invoker(provider, { timeoutMs: 10_000 }));
}

function rootOf(body: unknown): Record<string, unknown> {
  const map = body as ResponseBody;
  return map[map.root_identifier] as unknown as Record<string, unknown>;
}

function configError(config: unknown): string {
  try {
    createProvider(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ProviderConfigError');
}

describe('createProvider', () => {
  it('builds each platform from a valid config', () => {
    expect(createProvider({ platform: 'local', gatewayUrl: 'http://127.0.0.1:8080' }).platform).toBe('local');
    expect(createProvider({ platform: 'openfaas', gatewayUrl: 'https://gw.example.com' }).platform).toBe('openfaas');
    expect(createProvider({ platform: 'aws-lambda', invokeUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod', apiKey: 'k' }).platform).toBe('aws-lambda');
    expect(createProvider({ platform: 'azure-functions', functions: { function1: { url: 'https://app.azurewebsites.net/api/function1', key: 'k' } } }).platform).toBe(
      'azure-functions',
    );
  });

  it('accepts http:// only on loopback hosts', () => {
    for (const host of ['127.0.0.1:9', 'localhost:9', '[::1]:9']) {
      expect(() => createProvider({ platform: 'aws-lambda', invokeUrl: `http://${host}/prod`, apiKey: 'k' })).not.toThrow();
    }
    expect(configError({ platform: 'aws-lambda', invokeUrl: 'http://abc.execute-api.eu-west-1.amazonaws.com/prod', apiKey: 'k' })).toMatch(/^invalid provider config: invokeUrl: must be an https:\/\//);
    expect(configError({ platform: 'openfaas', gatewayUrl: 'http://10.0.0.5:8080' })).toContain('gatewayUrl');
    expect(configError({ platform: 'azure-functions', functions: { f: { url: 'http://app.azurewebsites.net/api/f', key: 'k' } } })).toContain('functions.f.url');
  });

  it('names the field of an invalid config but never echoes a secret', () => {
    const apiKey = 'AKIA-super-secret-api-key-value';
    const awsMessage = configError({ platform: 'aws-lambda', invokeUrl: `https://user:${apiKey}@abc.example.com`, apiKey: 42, extra: apiKey });
    expect(awsMessage).toContain('invokeUrl');
    expect(awsMessage).toContain('apiKey');
    expect(awsMessage).not.toContain(apiKey);

    const key = 'azure-function-key-1234567890==';
    const azureMessage = configError({ platform: 'azure-functions', functions: { function1: { url: `https://app.azurewebsites.net/api/function1?code=${key}`, key } } });
    expect(azureMessage).toContain('functions.function1.url');
    expect(azureMessage).not.toContain(key);

    const password = 'hunter2-password';
    const openFaasMessage = configError({ platform: 'openfaas', gatewayUrl: 'http://127.0.0.1:8080', basicAuth: { user: 'admin', password: '' } });
    expect(openFaasMessage).toContain('basicAuth.password');
    expect(configError({ platform: 'openfaas', gatewayUrl: 'http://127.0.0.1:8080', basicAuth: { user: 'admin', pasword: password } })).not.toContain(password);

    expect(configError({ platform: 'gcp' })).toContain('platform');
    expect(configError({ platform: 'azure-functions', functions: {} })).toContain('at least one function');
  });

  it('lists each provider\'s secrets', () => {
    const token = Buffer.from('admin:pw-1').toString('base64');
    expect(createProvider({ platform: 'openfaas', gatewayUrl: 'http://127.0.0.1:1', basicAuth: { user: 'admin', password: 'pw-1' } }).secrets).toEqual(['pw-1', token]);
    expect(createProvider({ platform: 'local', gatewayUrl: 'http://127.0.0.1:1' }).secrets).toEqual([]);
    expect(createProvider({ platform: 'aws-lambda', invokeUrl: 'https://a.example.com', apiKey: 'key-1' }).secrets).toEqual(['key-1']);
    expect(
      createProvider({
        platform: 'azure-functions',
        functions: { a: { url: 'https://a.example.com/api/a', key: 'ka' }, b: { url: 'https://b.example.com/api/b', key: 'kb' } },
      }).secrets,
    ).toEqual(['ka', 'kb']);
  });
});

describe('classification helpers', () => {
  it('keeps a record map with a root error as an error with its type and the body', () => {
    const body = { root_identifier: 'r', r: { identifier: 'r', error: { type: 'NestedInvocationError', message: 'boom' } } };
    expect(classifyRecords(500, body)).toEqual({ status: 'error', body, errorType: 'NestedInvocationError', errorMessage: 'boom' });
    expect(classifyRecords(200, body)).toEqual({ status: 'ok', body });
    expect(classifyRecords(500, { error: { type: 'X', message: 'y' } })).toBeUndefined();
  });

  it('derives a type from the status and trims text, HTML and long bodies to ≤ 500 chars', () => {
    expect(fallbackAnswer(404, '  not here\n')).toEqual({ status: 'error', errorType: 'HttpError404', errorMessage: 'not here' });
    expect(fallbackAnswer(500, '')).toEqual({ status: 'error', errorType: 'HttpError500', errorMessage: 'HTTP 500 with an empty body' });
    expect(fallbackAnswer(200, 'hello').errorType).toBe('InvalidResponseError');
    const long = fallbackAnswer(502, 'x'.repeat(2000)).errorMessage as string;
    expect(long.length).toBe(500);
    expect(messageFromText('<html><head><title>T</title><style>p{}</style></head><body><h1>Down &amp; out</h1></body></html>')).toBe('Down & out');
  });
});

describe.each(['local', 'openfaas'] as const)('%s provider', (flavour) => {
  async function setUp(options: { basicAuth?: { user: string; password: string }; functions?: string[] } = {}) {
    const fake = track(await startFakeOpenFaas({ flavour, ...options }));
    const provider = createProvider({ platform: flavour, gatewayUrl: fake.origin, basicAuth: options.basicAuth, functionPrefix: 'fb-3f2a-' });
    return { fake, provider, invoker: invokerFor(provider) };
  }

  it('POSTs the JSON input to /function/<deployed name> and classifies the record map as ok', async () => {
    const { fake, provider, invoker } = await setUp();
    expect(provider.requestFor('function1')).toEqual({
      origin: fake.origin,
      path: '/function/fb-3f2a-function1',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    const answer = await invoker.invoke('function1', { sleep: 0 });
    expect(answer.httpStatus).toBe(200);
    expect(answer.classified.status).toBe('ok');
    expect(rootOf(answer.classified.body)).toMatchObject({ function_name: 'fb-3f2a-function1', sleep: 0, platform: flavour, level: 0 });
    const [request] = fake.invocations;
    expect(request).toMatchObject({ method: 'POST', path: '/function/fb-3f2a-function1', body: '{"sleep":0}' });
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('sends basic auth when configured, and keeps the password out of every error', async () => {
    const basicAuth = { user: 'admin', password: 'correct-horse-battery' };
    const { fake, invoker } = await setUp({ basicAuth });
    const ok = await invoker.invoke('function1', {});
    expect(ok.classified.status).toBe('ok');
    expect(fake.invocations[0]?.headers.authorization).toBe(`Basic ${Buffer.from('admin:correct-horse-battery').toString('base64')}`);

    const wrong = createProvider({ platform: flavour, gatewayUrl: fake.origin, basicAuth: { user: 'admin', password: 'wrong-password-123' } });
    const denied = await invokerFor(wrong).invoke('function1', {});
    expect(denied).toMatchObject({ httpStatus: 401, classified: { status: 'error', errorType: 'HttpError401', errorMessage: 'Unauthorized' } });
    expect(JSON.stringify(denied)).not.toContain('wrong-password-123');
    expect(JSON.stringify(denied)).not.toContain(wrong.secrets[1]);
  });

  it('classifies a lab function\'s own failure (500 with records) and its 400', async () => {
    const { fake, invoker } = await setUp();
    fake.replyNext({ kind: 'lab-error', error: { type: 'NestedInvocationError', message: 'function2 answered 500' } }, { kind: 'invalid-input' });
    const failed = await invoker.invoke('function1', {});
    expect(failed.httpStatus).toBe(500);
    expect(failed.classified).toMatchObject({ status: 'error', errorType: 'NestedInvocationError', errorMessage: 'function2 answered 500' });
    expect(rootOf(failed.classified.body)).toMatchObject({ error: { type: 'NestedInvocationError' } });
    const invalid = await invoker.invoke('function1', {});
    expect(invalid.httpStatus).toBe(400);
    expect(invalid.classified).toMatchObject({ status: 'error', errorType: 'InvalidInputError' });
    expect(invalid.classified.errorMessage).toMatch(/sleep/);
  });

  if (flavour === 'local') {
    it('classifies the local gateway\'s JSON errors by their type', async () => {
      const { fake, invoker } = await setUp();
      fake.replyNext(
        { kind: 'platform', answer: 'throttled' },
        { kind: 'platform', answer: 'not-found' },
        { kind: 'platform', answer: 'unreachable' },
        { kind: 'platform', answer: 'unavailable' },
      );
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await invoker.invoke('function1', {}));
      expect(answers.map((answer) => [answer.httpStatus, answer.classified.status, answer.classified.errorType])).toEqual([
        [429, 'throttled', 'TooManyRequestsError'],
        [404, 'error', 'FunctionNotFoundError'],
        [502, 'error', 'UpstreamError'],
        [503, 'error', 'FunctionUnavailableError'],
      ]);
      expect(answers[1]?.classified.errorMessage).toBe('function fb-3f2a-function1 is not deployed');
    });
  } else {
    it('classifies the real gateway\'s plain-text answers by status, with the text as message', async () => {
      const { fake, invoker } = await setUp({ functions: ['fb-3f2a-function1'] });
      fake.replyNext({ kind: 'platform', answer: 'unreachable' }, { kind: 'platform', answer: 'throttled' }, { kind: 'platform', answer: 'upstream-timeout' }, {
        kind: 'raw',
        answer: { status: 500, headers: { 'content-type': 'text/plain' }, body: `${'e'.repeat(800)}\n` },
      });
      const unreachable = await invoker.invoke('function1', {});
      expect(unreachable.classified).toEqual({ status: 'error', errorType: 'HttpError502', errorMessage: "Can't reach service for: fb-3f2a-function1." });
      const throttled = await invoker.invoke('function1', {});
      expect(throttled.classified).toEqual({ status: 'throttled', errorType: 'HttpError429', errorMessage: 'Concurrent request limit exceeded. Max concurrent requests: 1' });
      const timedOut = await invoker.invoke('function1', {});
      expect(timedOut.classified).toMatchObject({ status: 'error', errorType: 'HttpError500' });
      const long = await invoker.invoke('function1', {});
      expect(long.classified.errorMessage).toHaveLength(500);

      const missing = await invoker.invoke('function9', {});
      expect(missing.httpStatus).toBe(404);
      expect(missing.classified).toEqual({
        status: 'error',
        errorType: 'HttpError404',
        errorMessage: 'error finding function fb-3f2a-function9.openfaas-fn: server returned non-200 status code (404) for function, fb-3f2a-function9, body:',
      });
    });
  }

  it('maps logical names through functionNames before the prefix', () => {
    const provider = createProvider({ platform: flavour, gatewayUrl: 'http://127.0.0.1:8080', functionNames: { function2: 'other-fn' }, functionPrefix: 'fb-' });
    expect(provider.requestFor('function2').path).toBe('/function/other-fn');
    expect(provider.requestFor('function1').path).toBe('/function/fb-function1');
    expect(provider.requestFor('fb-function3').path).toBe('/function/fb-function3');
    expect(() => provider.requestFor('')).toThrow(UnknownFunctionError);
  });
});

describe('aws-lambda provider', () => {
  const apiKey = 'aws-api-key-0123456789abcdef';

  async function setUp() {
    const fake = track(await startFakeApiGateway({ apiKey, stage: '/prod' }));
    const provider = createProvider({ platform: 'aws-lambda', invokeUrl: `${fake.origin}/prod/`, apiKey, functionPrefix: 'fb-3f2a-' });
    return { fake, provider, invoker: invokerFor(provider) };
  }

  it('POSTs to <invokeUrl>/<deployed name> with x-api-key and classifies records as ok', async () => {
    const { fake, provider, invoker } = await setUp();
    expect(provider.requestFor('function1')).toEqual({
      origin: fake.origin,
      path: '/prod/fb-3f2a-function1',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    });
    const answer = await invoker.invoke('function1', { sleep: 0 });
    expect(answer.classified.status).toBe('ok');
    expect(rootOf(answer.classified.body)).toMatchObject({ function_name: 'fb-3f2a-function1', platform: 'aws-lambda' });
    expect(fake.invocations[0]).toMatchObject({ method: 'POST', path: '/prod/fb-3f2a-function1', body: '{"sleep":0}' });
    expect(fake.invocations[0]?.headers['x-api-key']).toBe(apiKey);
  });

  it('classifies API Gateway\'s own answers', async () => {
    const { fake, invoker } = await setUp();
    const names = ['throttled', 'limit-exceeded', 'internal', 'unavailable', 'timeout'] as const;
    fake.replyNext(...names.map((answer) => ({ kind: 'platform' as const, answer })));
    const got = [];
    for (const _ of names) {
      const answer = await invoker.invoke('function1', {});
      got.push([answer.httpStatus, answer.classified.status, answer.classified.errorType, answer.classified.errorMessage]);
    }
    expect(got).toEqual([
      [429, 'throttled', 'TooManyRequests', 'Too Many Requests'],
      [429, 'throttled', 'LimitExceeded', 'Limit Exceeded'],
      [502, 'error', 'InternalServerError', 'Internal server error'],
      [503, 'error', 'ServiceUnavailable', 'Service Unavailable'],
      [504, 'timeout', 'EndpointRequestTimedOut', 'Endpoint request timed out'],
    ]);
  });

  it('classifies a rejected key as Forbidden, without the key in the answer', async () => {
    const { fake } = await setUp();
    const wrongKey = 'wrong-key-fedcba9876543210';
    const provider = createProvider({ platform: 'aws-lambda', invokeUrl: `${fake.origin}/prod`, apiKey: wrongKey });
    const answer = await invokerFor(provider).invoke('function1', {});
    expect(answer).toMatchObject({ httpStatus: 403, classified: { status: 'error', errorType: 'Forbidden', errorMessage: 'Forbidden' } });
    expect(fake.invocations).toHaveLength(0);
    expect(fake.received[0]?.headers['x-api-key']).toBe(wrongKey);
    expect(JSON.stringify(answer)).not.toContain(wrongKey);
  });

  it('classifies the lab\'s 400 and 500 answers with the lab\'s type', async () => {
    const { fake, invoker } = await setUp();
    fake.replyNext({ kind: 'invalid-input' }, { kind: 'lab-error' });
    const invalid = await invoker.invoke('function1', {});
    expect(invalid.classified).toMatchObject({ status: 'error', errorType: 'InvalidInputError' });
    const failed = await invoker.invoke('function1', {});
    expect(failed.httpStatus).toBe(500);
    expect(failed.classified).toMatchObject({ status: 'error', errorType: 'NestedInvocationError' });
    expect(failed.classified.body).toBeDefined();
  });

  it('warms connections with OPTIONS without the key, which API Gateway answers itself', async () => {
    const { fake, invoker } = await setUp();
    await invoker.warm('function1', 3);
    expect(fake.socketsAccepted).toBe(3);
    expect(fake.invocations).toHaveLength(0);
    expect(fake.received).toHaveLength(3);
    for (const request of fake.received) {
      expect(request).toMatchObject({ method: 'OPTIONS', path: '/prod/fb-3f2a-function1' });
      expect(request.headers['x-api-key']).toBeUndefined();
    }
    await invoker.invokeConcurrently('function1', 3, {});
    expect(fake.socketsAccepted).toBe(3);
  });

  it('redacts the key if an answer ever echoes it', async () => {
    const { fake, invoker } = await setUp();
    fake.replyNext({ kind: 'raw', answer: { status: 500, headers: { 'content-type': 'text/plain' }, body: `bad key ${apiKey} given` } });
    const answer = await invoker.invoke('function1', {});
    expect(answer.bodyText).toBe('bad key [redacted] given');
    expect(answer.classified).toEqual({ status: 'error', errorType: 'HttpError500', errorMessage: 'bad key [redacted] given' });
  });
});

describe('azure-functions provider', () => {
  const keys = { function1: 'key-one-AAAAAAAAAAAAAAAA==', function2: 'key-two-BBBBBBBBBBBBBBBB==' };

  async function setUp() {
    const app1 = track(await startFakeAzureFunctions({ functions: { function1: keys.function1 } }));
    const app2 = track(await startFakeAzureFunctions({ functions: { function2: keys.function2 } }));
    const provider = createProvider({
      platform: 'azure-functions',
      functions: {
        function1: { url: `${app1.origin}/api/function1`, key: keys.function1 },
        function2: { url: `${app2.origin}/api/function2`, key: keys.function2 },
      },
    });
    return { app1, app2, provider, invoker: invokerFor(provider) };
  }

  it('POSTs to each function\'s URL with x-functions-key, never ?code=', async () => {
    const { app1, app2, provider, invoker } = await setUp();
    expect(provider.requestFor('function1')).toEqual({
      origin: app1.origin,
      path: '/api/function1',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': keys.function1 },
    });
    const [one, two] = await Promise.all([invoker.invoke('function1', { sleep: 0 }), invoker.invoke('function2', {})]);
    expect(one?.classified.status).toBe('ok');
    expect(two?.classified.status).toBe('ok');
    expect(rootOf(one?.classified.body)).toMatchObject({ function_name: 'function1', platform: 'azure-functions' });
    expect(app1.invocations[0]).toMatchObject({ method: 'POST', path: '/api/function1' });
    expect(app1.invocations[0]?.headers['x-functions-key']).toBe(keys.function1);
    expect(app2.invocations[0]?.headers['x-functions-key']).toBe(keys.function2);
    expect([...app1.received, ...app2.received].every((request) => !request.path.includes('code='))).toBe(true);
  });

  it('warms each function app\'s connections with OPTIONS without the key, running nothing', async () => {
    const { app1, invoker } = await setUp();
    await invoker.warm('function1', 2);
    expect(app1.socketsAccepted).toBe(2);
    expect(app1.invocations).toHaveLength(0);
    expect(app1.received.map((request) => [request.method, request.path, request.headers['x-functions-key']])).toEqual([
      ['OPTIONS', '/api/function1', undefined],
      ['OPTIONS', '/api/function1', undefined],
    ]);
  });

  it('throws UnknownFunctionError at requestFor for an unconfigured function', async () => {
    const { provider, invoker } = await setUp();
    expect(() => provider.requestFor('function3')).toThrow(UnknownFunctionError);
    await expect(invoker.invoke('function3', {})).rejects.toThrow(/no Azure function configured for "function3"/);
  });

  it('classifies the host\'s answers: 401 empty, 429, 500 empty, 503 HTML', async () => {
    const { app1, invoker } = await setUp();
    app1.replyNext({ kind: 'platform', answer: 'throttled' }, { kind: 'platform', answer: 'internal' }, { kind: 'platform', answer: 'host-down' });
    const throttled = await invoker.invoke('function1', {});
    expect(throttled).toMatchObject({ httpStatus: 429, bodyText: '', classified: { status: 'throttled', errorType: 'HttpError429' } });
    const internal = await invoker.invoke('function1', {});
    expect(internal).toMatchObject({ httpStatus: 500, bodyText: '', classified: { status: 'error', errorType: 'HttpError500' } });
    const down = await invoker.invoke('function1', {});
    expect(down).toMatchObject({ httpStatus: 503, classified: { status: 'error', errorType: 'HttpError503', errorMessage: 'Function host is not running.' } });

    const wrong = createProvider({ platform: 'azure-functions', functions: { function1: { url: `${app1.origin}/api/function1`, key: 'not-the-key-ZZZZZZZZ' } } });
    const denied = await invokerFor(wrong).invoke('function1', {});
    expect(denied).toMatchObject({ httpStatus: 401, bodyText: '', classified: { status: 'error', errorType: 'Unauthorized' } });
    expect(JSON.stringify(denied)).not.toContain('not-the-key-ZZZZZZZZ');
  });

  it('classifies the lab\'s 400 and 500 answers with the lab\'s type', async () => {
    const { app1, invoker } = await setUp();
    app1.replyNext({ kind: 'invalid-input' }, { kind: 'lab-error', error: { type: 'UnknownFeatureError', message: 'no such feature' } });
    expect((await invoker.invoke('function1', {})).classified).toMatchObject({ status: 'error', errorType: 'InvalidInputError' });
    const failed = await invoker.invoke('function1', {});
    expect(failed.classified).toMatchObject({ status: 'error', errorType: 'UnknownFeatureError', errorMessage: 'no such feature' });
  });
});
