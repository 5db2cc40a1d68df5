import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, invoke, rootRecord, sleepMs, startTestPlatform } from '../../test-support/platform';
import { basicAuthHeader } from './gateway-guard';
import type { RunningPlatform } from './start';

const scratch = mkdtempSync(join(tmpdir(), 'fb-gateway-attack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (fetch would not let a test set Host or Origin). */
function raw(platform: RunningPlatform, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest({ host: '127.0.0.1', port: platform.port, method, path, headers: { ...length, ...headers }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The deployment an attacker's page would send: a function whose instance loads code of the
 * page's choosing through NODE_OPTIONS, which here would write a marker file.
 */
function backdoor(marker: string, service = 'pwn') {
  const code = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'owned')`;
  return { service, image: 'faas-benchmarker/function1', envVars: { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(`import { createRequire } from 'node:module'; const require = createRequire('/'); ${code}`)}` } };
}

describe('Local gateway: a web page cannot make it run code', () => {
  it('refuses the browser attack in every form, and nothing it asked for runs', async () => {
    const platform = await startTestPlatform();
    const marker = join(scratch, 'owned-1');
    const host = `127.0.0.1:${platform.port}`;
    const body = JSON.stringify(backdoor(marker));
    const credential = basicAuthHeader(platform.credentials);
    const attempts: [string, string, string, Record<string, string>, number][] = [
      ['a cross-site text/plain POST from a page', 'POST', '/system/functions', { host, origin: 'https://evil.example', 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' }, 403],
      ['the same with Origin null (a sandboxed frame)', 'POST', '/system/functions', { host, origin: 'null', 'content-type': 'text/plain' }, 403],
      ['a DNS-rebound name with no Origin', 'POST', '/system/functions', { host: `rebind.evil.example:${platform.port}`, 'content-type': 'application/json' }, 403],
      ['a same-origin request without the credential', 'POST', '/system/functions', { host, 'content-type': 'application/json' }, 401],
      ['a wrong credential', 'POST', '/system/functions', { host, 'content-type': 'application/json', authorization: basicAuthHeader({ user: 'admin', password: 'guess' }) }, 401],
      ['the credential with text/plain', 'POST', '/system/functions', { host, 'content-type': 'text/plain', authorization: credential }, 415],
      ['the credential with NODE_OPTIONS', 'POST', '/system/functions', { host, 'content-type': 'application/json', authorization: credential }, 400],
      ['a PUT that backdoors function1, no credential', 'PUT', '/system/functions', { host, 'content-type': 'application/json' }, 401],
    ];
    for (const [what, method, path, headers, expected] of attempts) {
      const payload = method === 'PUT' ? JSON.stringify(backdoor(marker, 'function1')) : body;
      const answer = await raw(platform, method, path, headers, payload);
      expect({ what, status: answer.status }).toEqual({ what, status: expected });
    }
    const putWithCredential = await getJson<{ error: { message: string } }>(platform, '/system/functions', { method: 'PUT', body: JSON.stringify(backdoor(marker, 'function1')) });
    expect(putWithCredential.status).toBe(400);
    expect(putWithCredential.body.error.message).toContain('envVars.NODE_OPTIONS');

    // Nothing was deployed or changed: function1 still runs its own bundle, and no marker appears.
    expect(platform.platform.list().map((fn) => fn.name)).toEqual(['function1', 'function2', 'function3', 'monolith']);
    expect(rootRecord(await invoke(platform, 'function1')).function_name).toBe('function1');
    await sleepMs(200);
    expect(existsSync(marker)).toBe(false);
  });

  it('would have run the attacker’s code if the variable were let through (the test’s own check)', async () => {
    // The same payload, as a bundle the test registers itself, proves the marker check can fail.
    const marker = join(scratch, 'owned-control');
    const deployment = backdoor(marker);
    const nodeOptions = deployment.envVars.NODE_OPTIONS;
    execFileSync(process.execPath, ['-e', '0'], { env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: nodeOptions } });
    expect(existsSync(marker)).toBe(true);
  });

  it.each([
    ['NODE_OPTIONS', { NODE_OPTIONS: '--require=/tmp/x.js' }],
    ['a lower-case node_options', { node_options: '--require=/tmp/x.js' }],
    ['LD_PRELOAD', { LD_PRELOAD: '/tmp/x.so' }],
    ['OPENSSL_CONF', { OPENSSL_CONF: '/tmp/engine.cnf' }],
    ['PATH', { PATH: '/tmp' }],
    ['a name that is not a variable name', { 'A=B': 'c' }],
  ])('refuses envVars with %s (400, naming the variable)', async (_case, envVars) => {
    const platform = await startTestPlatform({ deployLabFunctions: false });
    const { status, body } = await getJson<{ error: { message: string } }>(platform, '/system/functions', { method: 'POST', body: JSON.stringify({ service: 'x', image: 'function1', envVars }) });
    expect(status).toBe(400);
    expect(body.error.message).toContain(`envVars.${Object.keys(envVars)[0]}`);
    expect(platform.platform.list()).toEqual([]);
  });

  it.each([
    ['a file: image', 'file:/etc/passwd'],
    ['an absolute path', '/etc/passwd'],
    ['a file: image whose name ends like a lab function', `file:${join(scratch, 'function1')}`],
  ])('refuses %s (only built lab-function bundles can be deployed)', async (_case, image) => {
    const platform = await startTestPlatform({ deployLabFunctions: false });
    const { status, body } = await getJson<{ error: { message: string } }>(platform, '/system/functions', { method: 'POST', body: JSON.stringify({ service: 'x', image }) });
    expect(status).toBe(400);
    expect(body.error.message).toContain('unknown locally');
  });

  it('lets programs in without a credential where nothing changes: invoke, health, listings', async () => {
    const platform = await startTestPlatform();
    // As `curl -X POST …/function/function1 -d '{…}'` sends it: form-encoded, no Origin, no credential.
    const answer = await raw(platform, 'POST', '/function/function1', { host: `localhost:${platform.port}`, 'content-type': 'application/x-www-form-urlencoded' }, '{"sleep":0.01}');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toHaveProperty('root_identifier');
    for (const path of ['/healthz', '/system/functions', '/system/instances', '/system/events', '/system/info']) {
      expect((await raw(platform, 'GET', path, { host: `127.0.0.1:${platform.port}` })).status).toBe(200);
    }
    // A page served by the gateway itself (same origin) may call it; IPv6 loopback is a name of it too.
    const sameOrigin = await raw(platform, 'POST', '/function/function1', { host: `127.0.0.1:${platform.port}`, origin: `http://127.0.0.1:${platform.port}`, 'sec-fetch-site': 'same-origin' }, '{}');
    expect(sameOrigin.status).toBe(200);
    expect((await raw(platform, 'GET', '/healthz', { host: `[::1]:${platform.port}` })).status).toBe(200);
  });

  it('refuses browser cross-site reads and invocations, even a GET with no Origin (an <img> tag)', async () => {
    const platform = await startTestPlatform();
    const host = `127.0.0.1:${platform.port}`;
    const image = await raw(platform, 'GET', '/function/function1', { host, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' });
    expect(image.status).toBe(403);
    const sameSite = await raw(platform, 'GET', '/system/functions', { host, 'sec-fetch-site': 'same-site' });
    expect(sameSite.status).toBe(403);
    const otherPort = await raw(platform, 'POST', '/function/function1', { host, origin: 'http://127.0.0.1:1' }, '{}');
    expect(otherPort.status).toBe(403);
    const rebound = await raw(platform, 'GET', '/system/functions', { host: `attacker.example:${platform.port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { type: 'ForeignRequestError' } });
    expect(platform.platform.list().every((fn) => fn.invocationCount === 0)).toBe(true);
  });

  it('asks for the credential with a basic-auth challenge on scale and delete too', async () => {
    const platform = await startTestPlatform();
    const host = `127.0.0.1:${platform.port}`;
    const scale = await raw(platform, 'POST', '/system/scale-function/function1', { host, 'content-type': 'application/json' }, '{"replicas":3}');
    expect(scale.status).toBe(401);
    expect(scale.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const remove = await raw(platform, 'DELETE', '/system/functions', { host, 'content-type': 'application/json' }, '{"functionName":"function1"}');
    expect(remove.status).toBe(401);
    expect(platform.platform.instances()).toEqual([]);
    expect(platform.platform.list()).toHaveLength(4);
  });
});

describe('Local gateway: slow and numerous clients', () => {
  it('closes a connection whose body trickles in past the request timeout, but lets a slow function answer', async () => {
    const platform = await startTestPlatform({ gatewayLimits: { requestTimeoutMs: 1000, headersTimeoutMs: 1000 } });
    const socket = connect(platform.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    const started = Date.now();
    socket.write(`POST /function/function1 HTTP/1.1\r\nhost: 127.0.0.1:${platform.port}\r\ncontent-length: 1000\r\n\r\n{`);
    const trickle = setInterval(() => socket.write(' '), 200);
    const closedAt = await Promise.race([closed, sleepMs(10_000).then(() => Number.NaN)]);
    clearInterval(trickle);
    socket.destroy();
    expect(closedAt - started).toBeLessThan(8000);
    expect(received).toMatch(/^HTTP\/1\.1 408/);

    // The request timeout covers receiving the request, not the function's time to answer.
    const slow = await invoke(platform, 'function1', { sleep: 1.6 });
    expect(slow.status).toBe(200);
  });

  it('closes connections beyond the limit and keeps serving the ones it holds', async () => {
    const platform = await startTestPlatform({ gatewayLimits: { maxConnections: 3 } });
    const healthz = `GET /healthz HTTP/1.1\r\nhost: 127.0.0.1:${platform.port}\r\n\r\n`;
    const sockets = [0, 1, 2].map(() => connect(platform.port, '127.0.0.1'));
    // An answer on each proves the server holds all three before the fourth arrives.
    expect(await Promise.all(sockets.map((socket) => exchange(socket, healthz)))).toEqual(Array(3).fill(expect.stringMatching(/^HTTP\/1\.1 200/)));
    const extra = connect(platform.port, '127.0.0.1');
    const extraClosed = await Promise.race([new Promise<boolean>((resolve) => extra.once('close', () => resolve(true))), sleepMs(10_000).then(() => false)]);
    expect(extraClosed).toBe(true);
    expect(await exchange(sockets[0] as Socket, healthz)).toMatch(/^HTTP\/1\.1 200/);
    for (const socket of sockets) socket.destroy();
  });
});

/** Write a request on an open socket and resolve with the answer's head. */
function exchange(socket: Socket, request: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.write(request);
  });
}
