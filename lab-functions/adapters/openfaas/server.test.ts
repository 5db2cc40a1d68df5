import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BAD_INPUTS, badInputText } from '../../core/bad-inputs';
import type { InvocationRecord, ResponseBody } from '../../core/records';
import { function1 } from '../../functions/function1';
import { monolith } from '../../functions/monolith';
import { createOpenFaasServer, type OpenFaasConfig, openFaasConfigFromEnv } from './server';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const config = (overrides: Partial<OpenFaasConfig> = {}): OpenFaasConfig => ({
  ...openFaasConfigFromEnv({ FB_MEMORY_MB: '512', FB_REGION: 'eu-test-1', HOSTNAME: 'function1-7f9c-x2p4q' }),
  ...overrides,
});

async function post(url: string, body: string, path = '/'): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: response.status, json: await response.json() };
}

const root = (json: unknown) => {
  const body = json as ResponseBody;
  return body[body.root_identifier] as InvocationRecord;
};

describe('Adapter: openfaas (of-watchdog HTTP mode)', () => {
  it('reads its configuration from the pod environment', () => {
    const read = openFaasConfigFromEnv({
      HOSTNAME: 'function2-5d8b-abcde',
      FB_MEMORY_MB: '256',
      FB_GATEWAY_URL: 'http://gateway.openfaas:8080/',
      FB_FUNCTION_PREFIX: 'exp-',
      FB_GATEWAY_USER: 'admin',
      FB_GATEWAY_PASSWORD: 'secret',
    });
    expect(read).toMatchObject({
      platform: 'openfaas',
      platformInstanceId: 'function2-5d8b-abcde',
      memoryMb: 256,
      gatewayUrl: 'http://gateway.openfaas:8080',
      names: { names: {}, prefix: 'exp-' },
      gatewayAuthorization: `Basic ${Buffer.from('admin:secret').toString('base64')}`,
    });
  });

  it('answers any path the watchdog forwards with the record map, cold only the first time', async () => {
    const url = await listen(createOpenFaasServer(function1, config()));
    const first = await post(url, '{"sleep":0.01}', '/');
    const second = await post(url, '', '/any/sub/path?x=1');
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(root(first.json)).toMatchObject({ function_name: 'function1', cold: true, memory_mb: 512, region: 'eu-test-1', platform: 'openfaas', sleep: 0.01 });
    expect(root(first.json).instance_identifier).toMatch(/^function1-7f9c-x2p4q:[0-9a-f-]{36}$/);
    expect(root(second.json)).toMatchObject({ cold: false, instance_invocation_count: 2 });
    expect(root(second.json).instance_identifier).toBe(root(first.json).instance_identifier);
  });

  it('runs the function on GET too, as OpenFaaS allows', async () => {
    const url = await listen(createOpenFaasServer(function1, config()));
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(root(await response.json()).function_name).toBe('function1');
  });

  it.each(BAD_INPUTS)('answers 400 with {error:{type,message}} for $case', async (input) => {
    const url = await listen(createOpenFaasServer(input.functionName === 'monolith' ? monolith : function1, config()));
    const { status, json } = await post(url, badInputText(input));
    expect(status).toBe(400);
    expect(json).toEqual({ error: { type: 'InvalidInputError', message: expect.stringContaining(input.mentions) } });
  });

  it('sends nested calls through the gateway as POST /function/<deployed name> with basic auth', async () => {
    const seen: { path: string | undefined; authorization: string | undefined; body: unknown }[] = [];
    const callee = createOpenFaasServer(function1, config({ platformInstanceId: 'callee-pod' }));
    const calleeUrl = await listen(callee);
    const gateway = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString();
      seen.push({ path: req.url, authorization: req.headers.authorization, body: JSON.parse(text) });
      const answer = await fetch(calleeUrl, { method: 'POST', body: text });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
    });
    const gatewayUrl = await listen(gateway);
    const url = await listen(
      createOpenFaasServer(function1, config({ gatewayUrl, names: { names: { function3: 'exp-fn-three' }, prefix: 'exp-' }, gatewayAuthorization: 'Basic abc' })),
    );
    const { status, json } = await post(url, JSON.stringify({ invoke_nested: [{ function_name: 'function2' }, { function_name: 'function3', invoke_payload: { sleep: 0 } }] }));
    expect(status).toBe(200);
    const caller = root(json);
    expect(seen).toEqual([
      { path: '/function/exp-function2', authorization: 'Basic abc', body: { parent: caller.identifier, level: 0 } },
      { path: '/function/exp-fn-three', authorization: 'Basic abc', body: { sleep: 0, parent: caller.identifier, level: 0 } },
    ]);
    const records = Object.values(json as ResponseBody).filter((value) => typeof value === 'object') as InvocationRecord[];
    expect(records).toHaveLength(3);
    expect(records.filter((record) => record.parent === caller.identifier).every((record) => record.platform_instance_id === 'callee-pod')).toBe(true);
  });

  it('turns an unreachable gateway into a nested error record inside a 200', async () => {
    const closed = createServer();
    const deadUrl = await listen(closed);
    closed.close();
    closed.closeAllConnections();
    await once(closed, 'close');
    const url = await listen(createOpenFaasServer(function1, config({ gatewayUrl: deadUrl })));
    const { status, json } = await post(url, JSON.stringify({ invoke_nested: [{ function_name: 'function2' }] }));
    expect(status).toBe(200);
    const errorRecord = Object.values(json as ResponseBody).find((value) => typeof value === 'object' && 'error' in value) as { error: { message: string }; http_status: number | null };
    expect(errorRecord.http_status).toBeNull();
    expect(errorRecord.error.message).toMatch(/ECONNREFUSED/);
  });

  it('answers 500 with an error record when the function itself fails', async () => {
    const url = await listen(createOpenFaasServer({ name: 'monolith', runFeature: () => { throw new Error('disk full'); } }, config()));
    const { status, json } = await post(url, '{"run_function":"fib","seed":4}');
    expect(status).toBe(500);
    expect(root(json).error).toEqual({ type: 'Error', message: 'disk full' });
  });

  it('answers 413 for a body over 6 MB', async () => {
    const url = await listen(createOpenFaasServer(function1, config()));
    const response = await fetch(url, { method: 'POST', body: `{"parent":"${'x'.repeat(6 * 1024 * 1024 + 10)}"}` }).catch((error: unknown) => error);
    // The server may close the connection before the client finishes sending; either is a refusal.
    if (response instanceof Response) expect(response.status).toBe(413);
    else expect(String(response)).toMatch(/fetch failed|socket|reset|EPIPE/i);
  });
});
