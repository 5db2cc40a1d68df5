import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LabFunctionDefinition } from '../../core/definition';
import type { AnyRecord, InvocationRecord, ResponseBody } from '../../core/records';
import { function1 } from '../../functions/function1';
import { function2 } from '../../functions/function2';
import { type AzureHttpHandler, azureFunctionsFromEnv, createAzureHandler, registerAzureFunction } from './handler';

const KEY = 'kX9fQ2-secret-function-key-Zt7wLpA0==';
const INSTANCE_ID = '5f3a0c6b1e2d4a97b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5';
const BASE_ENV = { WEBSITE_INSTANCE_ID: INSTANCE_ID, REGION_NAME: 'West Europe', FB_MEMORY_MB: '1536' };

interface SeenRequest {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The stand-in for the callee's function app: records what it got, answers with `respond`. */
let server: Server;
let baseUrl: string;
let seen: SeenRequest[] = [];
let respond: (request: SeenRequest, response: ServerResponse) => void | Promise<void>;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      void Promise.resolve(respond(request, res)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  seen = [];
  vi.restoreAllMocks();
});

function nestedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...BASE_ENV, FB_AZURE_FUNCTIONS: JSON.stringify({ function2: { url: `${baseUrl}/api/function2`, key: KEY } }), ...extra };
}

function httpRequest(body: string | undefined, method = 'POST'): HttpRequest {
  return new HttpRequest({
    method,
    url: 'https://fb-function1.azurewebsites.net/api/function1',
    ...(body === undefined ? {} : { body: { string: body } }),
    headers: { 'content-type': 'application/json', 'x-functions-key': 'caller-key-not-used-by-the-handler' },
  });
}

interface Invocation {
  response: HttpResponseInit;
  /** Everything logged through the context, at any level. */
  logged: unknown[][];
  log: ReturnType<typeof vi.fn>;
  error: ReturnType<typeof vi.fn>;
}

async function invoke(handler: AzureHttpHandler, request: HttpRequest): Promise<Invocation> {
  const logged: unknown[][] = [];
  const context = new InvocationContext({
    invocationId: 'e3b0c442-98fc-1c14-9afb-f4c8996fb924',
    functionName: 'function1',
    logHandler: (level, ...args) => logged.push([level, ...args]),
  });
  const log = vi.spyOn(context, 'log');
  const error = vi.spyOn(context, 'error');
  const response = await handler(request, context);
  // The key must never reach a response or a log line, whatever happened.
  expect(JSON.stringify(response)).not.toContain(KEY);
  expect(JSON.stringify(logged)).not.toContain(KEY);
  expect(JSON.stringify([log.mock.calls, error.mock.calls])).not.toContain(KEY);
  return { response, logged, log: log as unknown as Invocation['log'], error: error as unknown as Invocation['error'] };
}

function bodyOf(response: HttpResponseInit): ResponseBody {
  return response.jsonBody as ResponseBody;
}

function rootOf(body: ResponseBody): InvocationRecord {
  return body[body.root_identifier] as InvocationRecord;
}

function recordsOf(body: ResponseBody): AnyRecord[] {
  return Object.entries(body)
    .filter(([key]) => key !== 'root_identifier')
    .map(([, value]) => value as AnyRecord);
}

/** Answer as a real function2 app would: run the lab function on the request it received. */
function answerWith(handler: AzureHttpHandler) {
  return async (request: SeenRequest, response: ServerResponse) => {
    const result = await handler(
      new HttpRequest({ method: request.method ?? 'POST', url: `https://fb-function2.azurewebsites.net${request.url}`, body: { string: request.body } }),
      new InvocationContext({ functionName: 'function2', logHandler: () => undefined }),
    );
    response.writeHead(result.status ?? 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(result.jsonBody));
  };
}

describe('createAzureHandler', () => {
  it('answers with one record, cold and then warm', async () => {
    const handler = createAzureHandler(function1, { env: BASE_ENV });
    const first = await invoke(handler, httpRequest('{"sleep":0}'));
    expect(first.response.status).toBe(200);
    expect(first.response.headers).toEqual({ 'content-type': 'application/json' });
    const body = bodyOf(first.response);
    expect(Object.keys(body)).toHaveLength(2);
    const record = rootOf(body);
    expect(record).toMatchObject({
      function_name: 'function1',
      parent: 'root',
      level: 0,
      cold: true,
      instance_invocation_count: 1,
      platform: 'azure-functions',
      platform_instance_id: INSTANCE_ID,
      memory_mb: 1536,
      region: 'West Europe',
      sleep: 0,
    });
    expect(record.instance_identifier).toContain(INSTANCE_ID);

    const second = await invoke(handler, httpRequest(undefined, 'GET'));
    const warm = rootOf(bodyOf(second.response));
    expect(warm).toMatchObject({ cold: false, instance_invocation_count: 2, instance_identifier: record.instance_identifier });

    expect(first.log).toHaveBeenCalledTimes(1);
    expect(JSON.parse(first.log.mock.calls[0]?.[0] as string)).toEqual({
      message: 'lab invocation',
      function: 'function1',
      status: 200,
      identifier: body.root_identifier,
    });
    expect(first.error).not.toHaveBeenCalled();
  });

  it('falls back to WEBSITE_MEMORY_LIMIT_MB, no instance id and an unknown region', async () => {
    const handler = createAzureHandler(function1, { env: { WEBSITE_MEMORY_LIMIT_MB: '2048' } });
    const record = rootOf(bodyOf((await invoke(handler, httpRequest('{}'))).response));
    expect(record).toMatchObject({ memory_mb: 2048, platform_instance_id: null, region: 'unknown' });
  });

  it('answers bad JSON with 400 InvalidInputError', async () => {
    const { response, log } = await invoke(createAzureHandler(function1, { env: BASE_ENV }), httpRequest('{"sleep": '));
    expect(response.status).toBe(400);
    expect(response.jsonBody).toEqual({ error: { type: 'InvalidInputError', message: 'request body is not valid JSON' } });
    expect(JSON.parse(log.mock.calls[0]?.[0] as string)).toMatchObject({ status: 400, error_type: 'InvalidInputError' });
  });

  it('answers an invalid field with 400', async () => {
    const handler = createAzureHandler(function1, { env: BASE_ENV });
    for (const body of ['{"sleep":-1}', '{"run_function":"fib","seed":1}', '[1,2]']) {
      const { response } = await invoke(handler, httpRequest(body));
      expect(response.status).toBe(400);
      expect((response.jsonBody as { error: { type: string } }).error.type).toBe('InvalidInputError');
    }
  });

  it('answers 500 with an error record when the function throws', async () => {
    const exploding: LabFunctionDefinition = {
      name: 'monolith',
      runFeature: () => {
        throw new Error('feature exploded');
      },
    };
    const { response } = await invoke(createAzureHandler(exploding, { env: BASE_ENV }), httpRequest('{"run_function":"fib","seed":7}'));
    expect(response.status).toBe(500);
    const record = rootOf(bodyOf(response));
    expect(record).toMatchObject({ function_name: 'monolith', error: { type: 'Error', message: 'feature exploded' } });
  });

  it('calls a nested function app with its key in a header and merges its records', async () => {
    respond = answerWith(createAzureHandler(function2, { env: BASE_ENV }));
    const handler = createAzureHandler(function1, { env: nestedEnv() });
    const { response } = await invoke(
      handler,
      httpRequest(JSON.stringify({ invoke_nested: [{ function_name: 'function2', invoke_payload: { sleep: 0 } }] })),
    );
    expect(response.status).toBe(200);
    const body = bodyOf(response);
    const root = rootOf(body);

    expect(seen).toHaveLength(1);
    const call = seen[0] as SeenRequest;
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/api/function2');
    expect(call.headers['x-functions-key']).toBe(KEY);
    expect(call.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call.body)).toEqual({ sleep: 0, parent: root.identifier, level: 0 });
    expect(call.body).not.toContain(KEY);

    const records = recordsOf(body);
    expect(records).toHaveLength(2);
    const child = records.find((record) => record.function_name === 'function2') as InvocationRecord;
    expect(child).toMatchObject({ parent: root.identifier, level: 1, platform: 'azure-functions', http_status: 200, sleep: 0 });
    expect(child.invocation_end).toBeGreaterThanOrEqual(child.invocation_start as number);
    expect(child.error).toBeUndefined();
  });

  it('merges the records of a callee that answered 500', async () => {
    respond = answerWith(createAzureHandler({ name: 'monolith', runFeature: () => Promise.reject(new Error('callee exploded')) }, { env: BASE_ENV }));
    const env = nestedEnv({ FB_AZURE_FUNCTIONS: JSON.stringify({ monolith: { url: `${baseUrl}/api/monolith`, key: KEY } }) });
    const handler = createAzureHandler(function1, { env });
    const { response } = await invoke(
      handler,
      httpRequest(JSON.stringify({ invoke_nested: [{ function_name: 'monolith', invoke_payload: { run_function: 'fib', seed: 3 } }] })),
    );
    expect(response.status).toBe(200);
    const child = recordsOf(bodyOf(response)).find((record) => record.function_name === 'monolith');
    expect(child).toMatchObject({ level: 1, http_status: 500, error: { type: 'Error', message: 'callee exploded' } });
  });

  it('records a callee answering 401 as text, without echoing the key', async () => {
    respond = (_request, res) => {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end(`Unauthorized: function key ${KEY} is not valid for this app`);
    };
    const { response, logged } = await invoke(
      createAzureHandler(function1, { env: nestedEnv() }),
      httpRequest(JSON.stringify({ invoke_nested: [{ function_name: 'function2' }] })),
    );
    expect(response.status).toBe(200);
    const body = bodyOf(response);
    const errorRecord = recordsOf(body).find((record) => record.function_name === 'function2');
    expect(errorRecord).toMatchObject({ parent: body.root_identifier, level: 1, http_status: 401, error: { type: 'NestedInvocationError' } });
    expect(errorRecord?.error?.message).toContain('Unauthorized');
    expect(errorRecord?.error?.message).toContain('[redacted]');
    expect(logged).toHaveLength(1);
  });

  it('records an unknown callee as 404 UnknownFunctionError without calling anything', async () => {
    const { response } = await invoke(
      createAzureHandler(function1, { env: nestedEnv() }),
      httpRequest(JSON.stringify({ invoke_nested: [{ function_name: 'function3' }] })),
    );
    expect(seen).toHaveLength(0);
    const errorRecord = recordsOf(bodyOf(response)).find((record) => record.function_name === 'function3');
    expect(errorRecord).toMatchObject({ http_status: 404 });
    expect(errorRecord?.error?.message).toContain('no function app configured for function3');
  });

  it('records a callee that does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const env = nestedEnv({ FB_AZURE_FUNCTIONS: JSON.stringify({ function2: { url: `http://127.0.0.1:${port}/api/function2`, key: KEY } }) });
    const { response } = await invoke(
      createAzureHandler(function1, { env }),
      httpRequest(JSON.stringify({ invoke_nested: [{ function_name: 'function2' }] })),
    );
    expect(response.status).toBe(200);
    const errorRecord = recordsOf(bodyOf(response)).find((record) => record.function_name === 'function2');
    expect(errorRecord).toMatchObject({ http_status: null });
    expect(errorRecord?.error?.message).toMatch(/ECONNREFUSED/);
  });
});

describe('FB_AZURE_FUNCTIONS', () => {
  it('is optional', () => {
    expect(azureFunctionsFromEnv({}).size).toBe(0);
  });

  it.each([
    ['not JSON', `{"function2": {"url": "https://a.azurewebsites.net/api/f", "key": "${KEY}"`],
    ['an array', JSON.stringify([{ url: 'https://a.azurewebsites.net/api/f', key: KEY }])],
    ['a plain-http remote URL', JSON.stringify({ function2: { url: 'http://a.azurewebsites.net/api/f', key: KEY } })],
    ['a key in the URL', JSON.stringify({ function2: { url: `https://a.azurewebsites.net/api/f?code=${KEY}`, key: KEY } })],
    ['a missing key', JSON.stringify({ function2: { url: 'https://a.azurewebsites.net/api/f' } })],
    ['a wrong type', JSON.stringify({ function2: { url: 'https://a.azurewebsites.net/api/f', key: 42 } })],
  ])('rejects %s, naming the variable and never echoing the key', (_case, value) => {
    let message = '';
    try {
      createAzureHandler(function1, { env: { FB_AZURE_FUNCTIONS: value } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('FB_AZURE_FUNCTIONS');
    expect(message).not.toContain(KEY);
    expect(message).not.toContain('code=');
  });

  it('accepts https URLs and http on loopback', () => {
    const targets = azureFunctionsFromEnv({
      FB_AZURE_FUNCTIONS: JSON.stringify({
        function2: { url: 'https://fb-function2.azurewebsites.net/api/function2', key: KEY },
        function3: { url: 'http://localhost:7071/api/function3', key: 'k3' },
      }),
    });
    expect([...targets.keys()]).toEqual(['function2', 'function3']);
  });
});

describe('registerAzureFunction', () => {
  it('does not throw outside the Functions host', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const handler = registerAzureFunction(function1, { env: BASE_ENV });
    expect(typeof handler).toBe('function');
    const { response } = await invoke(handler, httpRequest('{}'));
    expect(response.status).toBe(200);
    warn.mockRestore();
  });
});
