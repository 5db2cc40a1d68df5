/**
 * The timed invoker over real loopback HTTP against the fake platforms: timestamps, retries of
 * connection failures only (timed on the final attempt), client timeouts, batches released
 * together over warm connections, and no new socket after warm().
 */
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakePlatform, type OpenFaasCanned, startFakeOpenFaas } from '../../test-support/fake-platforms';
import { createProvider } from '../providers';
import { Invoker, type InvokerOptions, WarmUpError } from '.';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const nowMs = () => performance.timeOrigin + performance.now();

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
