import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CallbackClient } from './callback-client';
import { freshUploadUrl } from './main';
import { nextDelayMs, parseRetryAfter } from './callback-retry';

const SECRET = 'run-secret-0123456789abcdef';
let server: Server | undefined;
afterEach(() => server?.close());

/** A callback endpoint answering each request with `answer(body)`, recording what it got. */
async function endpoint(answer: (body: Record<string, unknown>) => { status: number; body: unknown }, options: ConstructorParameters<typeof CallbackClient>[1] = {}) {
  const received: { authorization?: string; body: Record<string, unknown> }[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      received.push({ authorization: req.headers.authorization, body });
      const { status, body: out } = answer(body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = new CallbackClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, runId: 'run-1', secret: SECRET }, options);
  return { client, received };
}

describe('the agent’s upload URL', () => {
  it('asks the callback endpoint for a fresh one with the run secret, and uploads there', async () => {
    const { client, received } = await endpoint(() => ({ status: 200, body: { ok: true, runId: 'run-1', kind: 'upload-url', uploadUrl: 'https://b.s3.amazonaws.com/raw/run-1.ndjson?X-Amz-Signature=fresh' } }));
    expect(await freshUploadUrl(client, 'https://plan-url')).toBe('https://b.s3.amazonaws.com/raw/run-1.ndjson?X-Amz-Signature=fresh');
    expect(received).toEqual([{ authorization: `Bearer ${SECRET}`, body: { runId: 'run-1', kind: 'upload-url' } }]);
  });

  it('falls back to the plan’s URL where the endpoint hands out none', async () => {
    const { client } = await endpoint(() => ({ status: 400, body: { error: { type: 'CallbackRequestInvalidError', message: 'this endpoint hands out no upload URLs' } } }));
    expect(await freshUploadUrl(client, 'https://plan-url')).toBe('https://plan-url');
  });

  it('treats an answer without a URL as none', async () => {
    const { client } = await endpoint(() => ({ status: 200, body: { ok: true } }));
    await expect(client.uploadUrl()).rejects.toThrow(/answered no uploadUrl/);
  });
});

describe('the agent’s callback retries', () => {
  const fast = { budgetMs: 2_000, baseDelayMs: 20, capDelayMs: 200 };
  const timing = { timing: { success: fast, heartbeat: fast } };

  it('tries a throttled outcome again until the endpoint takes it', async () => {
    let answered = 0;
    const { client, received } = await endpoint(() => (++answered <= 3 ? { status: 429, body: { message: 'Too Many Requests' } } : { status: 200, body: { ok: true } }), timing);
    await client.success({ rows: 1 });
    expect(received.map((request) => request.body.kind)).toEqual(['success', 'success', 'success', 'success']);
  });

  it('gives up at the end of the budget, saying how often it tried and what it last heard', async () => {
    const { client, received } = await endpoint(() => ({ status: 503, body: { error: { type: 'CallbackRegistryUnavailableError', message: 'retry later' } } }), timing);
    const started = performance.now();
    await expect(client.heartbeat()).rejects.toThrow(/callback heartbeat failed after \d+ attempts in \d+ s \(the last answer 503\)/);
    expect(received.length).toBeGreaterThan(2);
    // Never past its budget by more than one request's time.
    expect(performance.now() - started).toBeLessThan(fast.budgetMs + 1_000);
  });

  it('does not try a final refusal again', async () => {
    const { client, received } = await endpoint(() => ({ status: 401, body: { error: { type: 'CallbackSecretMismatchError', message: 'wrong secret' } } }), timing);
    await expect(client.success({})).rejects.toMatchObject({ name: 'CallbackRefusedError', status: 401 });
    expect(received).toHaveLength(1);
  });
});

describe('Function: nextDelayMs', () => {
  const timing = { budgetMs: 10_000, baseDelayMs: 500, capDelayMs: 4_000 };
  it('draws from 0 to base × 2^(attempt − 1), capped, and stops at the budget', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => nextDelayMs(timing, attempt, 0, undefined, () => 1))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(nextDelayMs(timing, 3, 0, undefined, () => 0.25)).toBe(500);
    expect(nextDelayMs(timing, 4, 7_000, undefined, () => 1)).toBeUndefined();
  });
  it('waits what Retry-After asks, within the cap and the budget', () => {
    expect(nextDelayMs(timing, 1, 0, 3)).toBe(3_000);
    expect(nextDelayMs(timing, 1, 0, 60)).toBe(4_000);
    expect(nextDelayMs(timing, 1, 9_000, 3)).toBeUndefined();
    expect([parseRetryAfter('7'), parseRetryAfter(['2']), parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), parseRetryAfter(undefined)]).toEqual([7, 2, undefined, undefined]);
  });
});
