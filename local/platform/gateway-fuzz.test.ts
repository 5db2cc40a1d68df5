/**
 * Property-based fuzz test of the local platform gateway: one running platform, a bounded number
 * of raw HTTP requests (fuzzed bodies: JSON values, broken JSON, text that is not JSON; content
 * types; methods; paths with odd percent-escapes, dot segments and non-ASCII bytes) to the lab
 * functions and to the `/system` routes, each sent byte for byte over a socket. Every answer is
 * below 500, and afterwards the platform still serves a valid call from the same instance.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brokenJsonText, edgyNumber, fuzzJson, fuzzParameters, nastyString } from '../../test-support/fuzz';
import { invoke, rootRecord, startTestPlatform } from '../../test-support/platform';
import { basicAuthHeader } from './gateway-guard';

/** Requests in all (the platform's one function1 instance answers each in a few ms). */
const REQUESTS = 200;

/** Send exactly these bytes and answer the response's status code (0 if the server closed without one). */
function rawRequest(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const head = Buffer.concat(chunks).toString('latin1');
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0));
    });
    // write, not end: the request is complete by its Content-Length, and `Connection: close` ends the exchange.
    socket.write(bytes);
  });
}

/** Values that are wrong for a lab function (so nothing sleeps, spins or calls on), or harmless. */
const labBody = fc.oneof(
  fuzzJson.map((value) => JSON.stringify(value) ?? 'null'),
  fc.record({ sleep: fc.oneof(nastyString, fc.constantFrom(-1, 1e308, null)), level: edgyNumber, parent: nastyString }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
  fc.record({ invoke_nested: fc.oneof(nastyString, fc.array(fc.record({ function_name: nastyString }), { maxLength: 3 })) }).map((value) => JSON.stringify(value)),
  fc.constantFrom('{"run_function":"random"}', '{"level":8}', '{"throughput_time":"1"}', '{}', ''),
  brokenJsonText(fuzzJson),
);

const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '', '*/*', '\u00ff');
const method = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');

/** Path pieces that trip decoders and routers. */
const oddSegment = fc.oneof(
  fc.constantFrom('%zz', '%', '%E0%A4%A', '%C0%AF', '%00', '%2F', '%2e%2e', '..', '.', '%25', 'function1%00', 'fun%63tion1', '\u00e9', '\u00ff\u00fe', '?', '#', ';x=1', '//'),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.~%!$&\'()*+,;=:@'.split('')), maxLength: 30 }),
);
const path = fc.oneof(
  fc.tuple(fc.constantFrom('function1', 'function1', 'missing-fn'), fc.array(oddSegment, { maxLength: 3 })).map(([name, rest]) => `/function/${name}${rest.map((segment) => `/${segment}`).join('')}`),
  fc.array(oddSegment, { minLength: 1, maxLength: 2 }).map((segments) => `/function/${segments.join('')}`),
  fc.tuple(fc.constantFrom('/system/functions', '/system/function/', '/system/instances?function=', '/system/events?since=', '/healthz', '/', '//function/function1', '/system/info'), oddSegment).map(([base, tail]) => `${base}${tail}`),
);

interface FuzzRequest {
  method: string;
  path: string;
  contentType: string;
  body: string;
  withCredential: boolean;
}

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.record({ method, path, contentType, body: labBody, withCredential: fc.boolean() });

function encode(request: FuzzRequest, port: number, credential: string): Buffer {
  const body = Buffer.from(request.body, 'utf8');
  const headers = [
    `${request.method} ${request.path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    ...(request.contentType ? [`Content-Type: ${request.contentType}`] : []),
    ...(request.withCredential ? [`Authorization: ${credential}`] : []),
    `Content-Length: ${body.length}`,
    'Connection: close',
  ];
  // latin1: non-ASCII characters of the path go out as single raw bytes, as a careless client would send them.
  return Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

describe('Local gateway under fuzzing', () => {
  it(`answers ${REQUESTS} fuzzed requests below 500 and still serves a valid call from the same instance`, async () => {
    // Prepare: one platform, with function1 warm.
    const platform = await startTestPlatform();
    const credential = basicAuthHeader(platform.credentials);
    const before = await invoke(platform, 'function1', {});
    expect(before.status).toBe(200);
    const failures: { request: FuzzRequest; status: number }[] = [];
    const statuses = new Set<number>();

    // Act
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (request) => {
        const status = await rawRequest(platform.port, encode(request, platform.port, credential));
        statuses.add(status);
        if (status === 0 || status >= 500) failures.push({ request, status });
        expect(status, `${request.method} ${request.path} (${request.contentType}): ${request.body.slice(0, 200)}`).toBeGreaterThanOrEqual(100);
        expect(status).toBeLessThan(500);
      }),
      fuzzParameters(REQUESTS),
    );

    // Assess: the gateway and function1's instance still serve a valid call; no fuzzed request deployed anything.
    expect(failures).toEqual([]);
    // The fuzzing reached the function (400 InvalidInputError, 200) and the router's refusals (404, 401 or 403).
    expect([...statuses]).toEqual(expect.arrayContaining([200, 400, 404]));
    const after = await invoke(platform, 'function1', { sleep: 0 });
    expect(after.status).toBe(200);
    expect(rootRecord(after).function_name).toBe('function1');
    expect(after.instanceHeader).toBe(before.instanceHeader);
    expect(platform.platform.list().map((fn) => fn.name)).toEqual(['function1', 'function2', 'function3', 'monolith']);
  });
});
