/**
 * The timed invoker over real loopback HTTP against the fake platforms: timestamps, retries of
 * connection failures only (timed on the final attempt), client timeouts, batches released
 * together over warm connections, and no new socket after warm(). The raw-socket batch path also
 * against a byte-scripted server: chunked and split answers, `connection: close`, bodies read until
 * close, resets, partial answers, stale idle sockets, timeouts and close().
 */
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FakePlatform, type OpenFaasCanned, startFakeOpenFaas } from '../../test-support/fake-platforms';
import { createProvider } from '../providers';
import { Invoker, type InvokerOptions, type TimedAnswer, WarmUpError } from '.';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const nowMs = () => performance.timeOrigin + performance.now();
const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setUp(options: InvokerOptions = {}): Promise<{ fake: FakePlatform<OpenFaasCanned>; invoker: Invoker }> {
  const fake = await startFakeOpenFaas({ flavour: 'local' });
  const invoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: fake.origin }), options);
  cleanups.push(async () => {
    await invoker.close();
    await fake.close();
  });
  return { fake, invoker };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Invoker', () => {
  it('times an answer: before ≤ sendAt ≤ firstByteAt ≤ endAt ≤ after, with the body and its classification', async () => {
    const { invoker } = await setUp();
    const before = nowMs();
    const answer = await invoker.invoke('function1', { sleep: 0 });
    const after = nowMs();
    expect(answer.attempts).toBe(1);
    expect(answer.httpStatus).toBe(200);
    expect(answer.classified.status).toBe('ok');
    const { sendAt, firstByteAt, endAt } = answer as { sendAt: number; firstByteAt: number; endAt: number };
    expect(before).toBeLessThanOrEqual(sendAt);
    expect(sendAt).toBeLessThanOrEqual(firstByteAt);
    expect(firstByteAt).toBeLessThanOrEqual(endAt);
    expect(endAt).toBeLessThanOrEqual(after);
    expect(JSON.parse(answer.bodyText as string)).toEqual(answer.classified.body);
  });

  it('measures a 2 s answer as ≥ 2000 ms', async () => {
    const { fake, invoker } = await setUp();
    fake.replyNext({ kind: 'records', delayMs: 2000 });
    const answer = await invoker.invoke('function1', {});
    expect(answer.classified.status).toBe('ok');
    expect((answer.firstByteAt as number) - (answer.sendAt as number)).toBeGreaterThanOrEqual(2000);
    expect((answer.endAt as number) - (answer.sendAt as number)).toBeLessThan(2500);
  });

  it('retries a dropped connection and times only the final attempt', async () => {
    const { fake, invoker } = await setUp();
    await invoker.warm('function1', 1);
    fake.replyNext({ kind: 'drop', delayMs: 400 });
    const started = nowMs();
    const answer = await invoker.invoke('function1', {});
    const total = nowMs() - started;
    expect(answer.attempts).toBe(2);
    expect(answer.classified.status).toBe('ok');
    expect(fake.invocations).toHaveLength(2);
    expect(total).toBeGreaterThanOrEqual(400);
    expect((answer.firstByteAt as number) - (answer.sendAt as number)).toBeLessThan(150);
    expect((answer.sendAt as number) - started).toBeGreaterThanOrEqual(400);
  });

  it('gives up after connectionRetries on a refused connection', async () => {
    const port = await closedPort();
    const invoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: `http://127.0.0.1:${port}` }));
    cleanups.push(() => invoker.close());
    const answer = await invoker.invoke('function1', {});
    expect(answer).toMatchObject({ attempts: 3, httpStatus: null, sendAt: null, firstByteAt: null, endAt: null, bodyText: null });
    expect(answer.classified).toMatchObject({ status: 'error', errorType: 'ECONNREFUSED' });
    expect(answer.classified.errorMessage).toContain(`127.0.0.1:${port}`);

    const once = new Invoker(createProvider({ platform: 'local', gatewayUrl: `http://127.0.0.1:${port}` }), { connectionRetries: 0 });
    cleanups.push(() => once.close());
    expect((await once.invoke('function1', {})).attempts).toBe(1);
    await expect(once.warm('function1', 2)).rejects.toThrow(WarmUpError);
  });

  it('never retries a throttle, an HTTP error or a connection dropped after the answer began', async () => {
    const { fake, invoker } = await setUp();
    fake.replyNext({ kind: 'platform', answer: 'throttled' }, { kind: 'platform', answer: 'unreachable' });
    const throttled = await invoker.invoke('function1', {});
    expect(throttled).toMatchObject({ attempts: 1, httpStatus: 429, classified: { status: 'throttled', errorType: 'TooManyRequestsError' } });
    const failed = await invoker.invoke('function1', {});
    expect(failed).toMatchObject({ attempts: 1, httpStatus: 502, classified: { status: 'error' } });
    expect(fake.invocations).toHaveLength(2);
  });

  it('classifies an answer slower than timeoutMs as a client timeout, without retrying it', async () => {
    const { fake, invoker } = await setUp({ timeoutMs: 300 });
    fake.replyNext({ kind: 'records', delayMs: 3000 });
    const started = nowMs();
    const answer = await invoker.invoke('function1', {});
    const took = nowMs() - started;
    expect(answer.classified).toEqual({ status: 'timeout', errorType: 'ClientTimeout', errorMessage: 'no complete answer within 300 ms' });
    expect(answer).toMatchObject({ attempts: 1, httpStatus: null, firstByteAt: null, endAt: null, bodyText: null });
    expect(answer.sendAt).not.toBeNull();
    expect(took).toBeGreaterThanOrEqual(295);
    expect(took).toBeLessThan(1500);
    expect(fake.invocations).toHaveLength(1);
    // The connection it was on is gone; the invoker still works.
    expect((await invoker.invoke('function1', {})).classified.status).toBe('ok');
  });

  it("ends a call at its own timeoutMs, as a client timeout, while the invoker's deadline stays for the others", async () => {
    const { fake, invoker } = await setUp({ timeoutMs: 30_000 });
    fake.replyNext({ kind: 'records', delayMs: 800 }, { kind: 'records', delayMs: 800 });
    const started = nowMs();
    const [short, long] = await Promise.all([invoker.invoke('function1', {}, { timeoutMs: 250 }), invoker.invoke('function1', {})]);
    expect(short.classified).toEqual({ status: 'timeout', errorType: 'ClientTimeout', errorMessage: 'no complete answer within 250 ms' });
    expect(short.sendAt).not.toBeNull();
    expect(short.sendAt as number).toBeLessThan(started + 200);
    // The other call, under the invoker's 30 s deadline, waits for its 800 ms answer.
    expect(long.classified.status).toBe('ok');
    expect(long.endAt as number).toBeGreaterThanOrEqual(started + 790);
    // A batch's calls take theirs too.
    fake.replyNext({ kind: 'records', delayMs: 3000 }, { kind: 'records', delayMs: 3000 });
    const batch = await invoker.invokeConcurrently('function1', 2, {}, { timeoutMs: 200 });
    expect(batch.map((answer) => answer.classified.errorMessage)).toEqual(['no complete answer within 200 ms', 'no complete answer within 200 ms']);
    await expect(invoker.invoke('function1', {}, { timeoutMs: 0 })).rejects.toThrow(RangeError);
  });

  it('never sends a request whose deadline passed while it waited for a connection', async () => {
    const { fake, invoker } = await setUp({ timeoutMs: 300, connectionsPerOrigin: 1 });
    fake.replyNext({ kind: 'records', delayMs: 1000 });
    // One connection: the second request waits in undici's queue behind the slow first one.
    const slowCall = invoker.invoke('function1', {});
    const queuedDeadline = nowMs() + 300;
    const [slow, queued] = await Promise.all([slowCall, invoker.invoke('function1', {})]);
    expect(slow?.classified.status).toBe('timeout');
    expect(slow?.sendAt).not.toBeNull();
    // Both deadlines fall at about the same moment: the queued request either timed out before
    // undici got to it (stopped in onRequestStart, never timed, never sent), or undici reached it
    // just before its deadline. Never is it sent after its deadline.
    expect(queued).toMatchObject({ attempts: 1, firstByteAt: null, classified: { status: 'timeout', errorType: 'ClientTimeout' } });
    if (queued?.sendAt !== null) expect(queued?.sendAt as number).toBeLessThan(queuedDeadline);
    await waitMs(200);
    expect(fake.invocations).toHaveLength(queued?.sendAt === null ? 1 : 2);
    const sentBefore = fake.invocations.length;
    expect((await invoker.invoke('function1', {})).classified.status).toBe('ok');
    expect(fake.invocations).toHaveLength(sentBefore + 1);
  });

  it('releases a batch of 50 together and returns the answers in request order', async () => {
    const { fake, invoker } = await setUp();
    await invoker.warm('function1', 50);
    // Nothing is answered before all 50 arrived; then the last arrived is answered first.
    fake.holdUntil(50, { order: 'reverse', staggerMs: 3 });
    const started = nowMs();
    const answers = await invoker.invokeConcurrently('function1', 50, { sleep: 0 });
    expect(nowMs() - started).toBeLessThan(10_000);
    expect(answers).toHaveLength(50);
    expect(answers.every((answer) => answer.classified.status === 'ok' && answer.attempts === 1)).toBe(true);
    expect(fake.invocations).toHaveLength(50);
    const sends = answers.map((answer) => answer.sendAt as number);
    const ends = answers.map((answer) => answer.endAt as number);
    // Sent in request order (one synchronous dispatch loop), completed in reverse: the order is the requests'.
    for (let i = 1; i < 50; i++) expect(sends[i]).toBeGreaterThanOrEqual(sends[i - 1] as number);
    expect(ends[0]).toBeGreaterThan(ends[49] as number);
    expect(Math.max(...sends) - Math.min(...sends)).toBeLessThan(50);
    for (const answer of answers) expect(answer.sendAt as number).toBeLessThanOrEqual(answer.firstByteAt as number);
  });

  it('warm(n) opens n connections, and a following batch of n opens none', async () => {
    const { fake, invoker } = await setUp();
    await invoker.warm('function1', 20);
    expect(fake.socketsAccepted).toBe(20);
    expect(fake.invocations).toHaveLength(0);
    expect(fake.received.every((request) => request.method === 'GET' && request.path === '/healthz')).toBe(true);
    const warmRequests = fake.received.length;

    await invoker.warm('function1', 20);
    expect(fake.received.length).toBe(warmRequests);

    const answers = await invoker.invokeConcurrently('function1', 20, {});
    expect(answers.every((answer) => answer.classified.status === 'ok')).toBe(true);
    expect(fake.socketsAccepted).toBe(20);
    expect(new Set(fake.invocations.map((request) => request.socket)).size).toBe(20);

    await invoker.warm('function1', 30);
    expect(fake.socketsAccepted).toBe(30);
    await invoker.invokeConcurrently('function1', 30, {});
    expect(fake.socketsAccepted).toBe(30);
  });

  it('ends requests in flight as errors on close', async () => {
    const { fake, invoker } = await setUp();
    fake.replyNext({ kind: 'records', delayMs: 5000 });
    const pending = invoker.invoke('function1', {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    await invoker.close();
    const answer = await pending;
    expect(answer.classified).toMatchObject({ status: 'error', errorType: 'InvokerClosedError' });
    await expect(invoker.invoke('function1', {})).rejects.toThrow(/closed/);
  });
});

// ---------------------------------------------------------------------------------------------
// The raw batch path, byte by byte

/** A request as the scripted server read it. */
interface ScriptedRequest {
  /** Accepted socket number (1, 2, …). */
  socketId: number;
  socket: Socket;
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

interface ScriptedServer {
  origin: string;
  readonly socketsAccepted: number;
  readonly received: ScriptedRequest[];
  /** Invocations (POST) among them, in arrival order. */
  readonly invocations: ScriptedRequest[];
  sockets: Set<Socket>;
  close(): Promise<void>;
}

/** A lab-style answer the `local` provider classifies as ok. */
const RECORDS = JSON.stringify({ root_identifier: 'r-1', 'r-1': { identifier: 'r-1', function_name: 'function1', level: 0 } });
const ok = (extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${extra}content-length: ${RECORDS.length}\r\n\r\n${RECORDS}`;

/**
 * A TCP server on 127.0.0.1 that parses requests (content-length bodies) and lets `answer` write
 * raw bytes for each invocation; warm-ups (`GET /healthz`) get `200 OK` with a 2-byte body.
 */
async function startScripted(answer: (request: ScriptedRequest, index: number) => void): Promise<ScriptedServer> {
  const received: ScriptedRequest[] = [];
  const invocations: ScriptedRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    const socketId = ++accepted;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (let guard = 0; guard < 1000; guard++) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const [requestLine = '', ...lines] = pending.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
        const length = Number(headers['content-length'] ?? 0);
        if (pending.length < end + 4 + length) return;
        const body = pending.subarray(end + 4, end + 4 + length).toString('utf8');
        pending = pending.subarray(end + 4 + length);
        const [method = '', path = ''] = requestLine.split(' ');
        const request: ScriptedRequest = { socketId, socket, method, path, headers, body };
        received.push(request);
        if (method === 'GET' && path === '/healthz') socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nOK');
        else {
          invocations.push(request);
          answer(request, invocations.length - 1);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const scripted: ScriptedServer = {
    origin: `http://127.0.0.1:${port}`,
    get socketsAccepted() {
      return accepted;
    },
    received,
    invocations,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return scripted;
}

async function setUpScripted(answer: (request: ScriptedRequest, index: number) => void, options: InvokerOptions = {}): Promise<{ server: ScriptedServer; invoker: Invoker }> {
  const server = await startScripted(answer);
  const invoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: server.origin }), options);
  cleanups.push(async () => {
    await invoker.close();
    await server.close();
  });
  return { server, invoker };
}

/** Counts requests that went through undici (single invokes, retries, batch overflow). */
function spyUndici() {
  return vi.spyOn(Pool.prototype, 'dispatch');
}

describe('Invoker batch release over raw connections', () => {
  it('writes one whole request per warm connection: host, content-type, content-length, connection and the body', async () => {
    const { fake, invoker } = await setUp();
    await invoker.warm('function1', 4);
    const undici = spyUndici();
    const answers = await invoker.invokeConcurrently('function1', 4, { sleep: 0, note: 'é' });
    expect(undici).not.toHaveBeenCalled();
    expect(answers.every((answer) => answer.classified.status === 'ok' && answer.attempts === 1)).toBe(true);
    expect(fake.socketsAccepted).toBe(4);
    for (const request of fake.invocations) {
      expect(request).toMatchObject({ method: 'POST', path: '/function/function1', body: JSON.stringify({ sleep: 0, note: 'é' }) });
      expect(request.headers).toMatchObject({ host: fake.origin.slice('http://'.length), 'content-type': 'application/json', connection: 'keep-alive', 'content-length': String(Buffer.byteLength(request.body)) });
    }
    for (const answer of answers) {
      const { sendAt, firstByteAt, endAt } = answer as { sendAt: number; firstByteAt: number; endAt: number };
      expect(sendAt).toBeLessThanOrEqual(firstByteAt);
      expect(firstByteAt).toBeLessThanOrEqual(endAt);
    }
    // The same connections carry the next batch, and the one after.
    for (let round = 0; round < 2; round++) {
      await invoker.warm('function1', 4);
      expect((await invoker.invokeConcurrently('function1', 4, {})).every((answer) => answer.classified.status === 'ok')).toBe(true);
    }
    expect(fake.socketsAccepted).toBe(4);
    expect(undici).not.toHaveBeenCalled();
    expect(invoker.stats()[fake.origin]).toEqual({ connected: 4, running: 0, size: 0 });
  });

  it('releases a batch the server answers only once all n arrived, over n connections opened by warm() alone', async () => {
    const held: ScriptedRequest[] = [];
    const { server, invoker } = await setUpScripted((request) => {
      held.push(request);
      if (held.length === 8) for (const waiting of held.splice(0).reverse()) waiting.socket.write(ok());
    });
    await invoker.warm('function1', 8);
    expect(server.socketsAccepted).toBe(8);
    const undici = spyUndici();
    const answers = await invoker.invokeConcurrently('function1', 8, {});
    expect(undici).not.toHaveBeenCalled();
    expect(answers.map((answer) => answer.classified.status)).toEqual(Array(8).fill('ok'));
    expect(server.socketsAccepted).toBe(8);
    expect(new Set(server.invocations.map((request) => request.socketId)).size).toBe(8);
  });

  it('reads chunked answers with trailers written a byte at a time, and answers without length read until close', async () => {
    const chunked = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${RECORDS.length.toString(16)};ext=1\r\n${RECORDS}\r\n0\r\nx-checksum: abc\r\n\r\n`;
    const { server, invoker } = await setUpScripted((request, index) => {
      if (index === 0) {
        // Read until close: the body ends when the server closes.
        request.socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n${RECORDS}`);
        return;
      }
      const bytes = Buffer.from(chunked);
      let i = 0;
      const next = () => {
        if (i < bytes.length && !request.socket.destroyed) request.socket.write(bytes.subarray(i, ++i), next);
      };
      next();
    });
    await invoker.warm('function1', 3);
    const answers = await invoker.invokeConcurrently('function1', 3, {});
    for (const answer of answers) {
      expect(answer).toMatchObject({ attempts: 1, httpStatus: 200, bodyText: RECORDS, classified: { status: 'ok' } });
      expect(answer.endAt as number).toBeGreaterThanOrEqual(answer.firstByteAt as number);
    }
    // The connection read until close is gone; the chunked ones are kept.
    await waitMs(20);
    expect(invoker.stats()[server.origin]?.connected).toBe(2);
    await invoker.warm('function1', 3);
    expect(server.socketsAccepted).toBe(4);
  });

  it('does not reuse a connection whose answer said connection: close', async () => {
    const { server, invoker } = await setUpScripted((request, index) => {
      request.socket.write(ok(index % 2 === 0 ? 'connection: close\r\n' : ''));
    });
    await invoker.warm('function1', 4);
    const first = await invoker.invokeConcurrently('function1', 4, {});
    expect(first.every((answer) => answer.classified.status === 'ok')).toBe(true);
    expect(invoker.stats()[server.origin]?.connected).toBe(2);
    await invoker.warm('function1', 4);
    expect(server.socketsAccepted).toBe(6);
    const undici = spyUndici();
    const second = await invoker.invokeConcurrently('function1', 4, {});
    expect(undici).not.toHaveBeenCalled();
    expect(second.every((answer) => answer.classified.status === 'ok' && answer.attempts === 1)).toBe(true);
    // Every request went on a connection that had not been closed by an answer before.
    const closedSockets = new Set(server.invocations.slice(0, 4).filter((_, index) => index % 2 === 0).map((request) => request.socketId));
    for (const request of server.invocations.slice(4)) expect(closedSockets.has(request.socketId)).toBe(false);
  });

  it('retries a connection reset before any answer byte through undici, with attempts 2 and the retry timed', async () => {
    const { server, invoker } = await setUpScripted((request, index) => {
      if (index === 1) request.socket.resetAndDestroy();
      else request.socket.write(ok());
    });
    await invoker.warm('function1', 3);
    const undici = spyUndici();
    const answers = await invoker.invokeConcurrently('function1', 3, {});
    expect(answers.map((answer) => answer.classified.status)).toEqual(['ok', 'ok', 'ok']);
    expect(answers.map((answer) => answer.attempts).sort()).toEqual([1, 1, 2]);
    expect(undici).toHaveBeenCalledTimes(1);
    expect(server.invocations).toHaveLength(4);
    const retried = answers.find((answer) => answer.attempts === 2) as TimedAnswer;
    const others = answers.filter((answer) => answer.attempts === 1);
    // Timed on the retry: sent after the first attempts went out (and after a new connection).
    for (const other of others) expect(retried.sendAt as number).toBeGreaterThan(other.sendAt as number);
    expect(server.socketsAccepted).toBe(4);
  });

  it('retries a batch request whose idle connection the server closed, and drops stale sockets at warm()', async () => {
    const { server, invoker } = await setUpScripted((request) => request.socket.write(ok()));
    await invoker.warm('function1', 3);
    // The server closes two idle connections; warm() notices and replaces them.
    const [a, b] = [...server.sockets];
    a?.end();
    b?.end();
    await waitMs(50);
    await invoker.warm('function1', 3);
    expect(server.socketsAccepted).toBe(5);
    const answers = await invoker.invokeConcurrently('function1', 3, {});
    expect(answers.every((answer) => answer.classified.status === 'ok' && answer.attempts === 1)).toBe(true);

    // Closed right as the batch is released: noticed before the write (that request then goes
    // through undici) or after it (resent through undici): ok either way, never a second retry.
    const [c] = [...server.sockets];
    const released = invoker.invokeConcurrently('function1', 3, {});
    c?.destroy();
    const again = await released;
    expect(again.every((answer) => answer.classified.status === 'ok')).toBe(true);
    expect(again.filter((answer) => answer.attempts === 2).length).toBeLessThanOrEqual(1);
  });

  it('answers an error, without retrying, when the connection dies after part of the answer', async () => {
    const { server, invoker } = await setUpScripted((request, index) => {
      if (index === 0) request.socket.end('HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{"partial');
      else if (index === 1) request.socket.end('HTTP/1.1 200 OK\r\ncontent-le');
      else request.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nxy');
    });
    await invoker.warm('function1', 3);
    const undici = spyUndici();
    const [partialBody, partialHead, extraBytes] = await invoker.invokeConcurrently('function1', 3, {});
    expect(undici).not.toHaveBeenCalled();
    expect(partialBody).toMatchObject({ attempts: 1, httpStatus: 200, endAt: null, bodyText: null, classified: { status: 'error', errorType: 'SocketError' } });
    expect(partialBody?.firstByteAt).not.toBeNull();
    expect(partialHead).toMatchObject({ attempts: 1, httpStatus: null, firstByteAt: null, classified: { status: 'error', errorType: 'SocketError' } });
    // The answer itself was complete; the stray byte after it only closes the connection.
    expect(extraBytes).toMatchObject({ attempts: 1, httpStatus: 200, bodyText: 'x' });
    expect(server.invocations).toHaveLength(3);
    await waitMs(20);
    expect(invoker.stats()[server.origin]?.connected ?? 0).toBe(0);
  });

  it('times out a raw request like any other and drops its connection', async () => {
    const { server, invoker } = await setUpScripted((request, index) => {
      if (index !== 0) request.socket.write(ok());
    }, { timeoutMs: 300 });
    await invoker.warm('function1', 2);
    const started = nowMs();
    const [slow, fast] = await invoker.invokeConcurrently('function1', 2, {});
    expect(nowMs() - started).toBeGreaterThanOrEqual(295);
    expect(slow?.classified).toEqual({ status: 'timeout', errorType: 'ClientTimeout', errorMessage: 'no complete answer within 300 ms' });
    expect(slow).toMatchObject({ attempts: 1, httpStatus: null, firstByteAt: null, endAt: null, bodyText: null });
    expect(slow?.sendAt).not.toBeNull();
    expect(fast?.classified.status).toBe('ok');
    await waitMs(20);
    expect(invoker.stats()[server.origin]?.connected).toBe(1);
    expect(server.sockets.size).toBe(1);
  });

  it('sends what warm() did not prepare through undici, and ends raw requests in flight on close()', async () => {
    const { server, invoker } = await setUpScripted((request, index) => {
      if (index < 3) request.socket.write(ok());
    });
    await invoker.warm('function1', 2);
    const undici = spyUndici();
    const first = await invoker.invokeConcurrently('function1', 3, {});
    expect(first.every((answer) => answer.classified.status === 'ok' && answer.attempts === 1)).toBe(true);
    expect(undici).toHaveBeenCalledTimes(1);
    await invoker.warm('function1', 2);
    const pending = invoker.invokeConcurrently('function1', 2, {});
    await waitMs(100);
    expect(server.invocations).toHaveLength(5);
    await invoker.close();
    const answers = await pending;
    for (const answer of answers) expect(answer.classified).toMatchObject({ status: 'error', errorType: 'InvokerClosedError' });
    await waitMs(20);
    expect(server.sockets.size).toBe(0);
    await expect(invoker.invokeConcurrently('function1', 1, {})).rejects.toThrow(/closed/);
  });

  it('redacts provider secrets from raw answers', async () => {
    const password = 'secret-password-123';
    const server = await startScripted((request) => {
      const body = `echo ${request.headers.authorization} ${password}`;
      request.socket.write(`HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    });
    const provider = createProvider({ platform: 'openfaas', gatewayUrl: server.origin, basicAuth: { user: 'admin', password } });
    const invoker = new Invoker(provider);
    cleanups.push(async () => {
      await invoker.close();
      await server.close();
    });
    await invoker.warm('function1', 1);
    const [answer] = await invoker.invokeConcurrently('function1', 1, {});
    expect(server.invocations[0]?.headers.authorization).toMatch(/^Basic /);
    expect(answer?.bodyText).not.toContain(password);
    expect(answer?.classified.errorMessage ?? '').not.toContain(password);
    expect(answer?.httpStatus).toBe(500);
  });
});
