import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CallbackClient } from './callback-client';
import { freshUploadUrl } from './main';

const SECRET = 'run-secret-0123456789abcdef';
let server: Server | undefined;
afterEach(() => server?.close());

/** A callback endpoint answering each request with `answer(body)`, recording what it got. */
async function endpoint(answer: (body: Record<string, unknown>) => { status: number; body: unknown }) {
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
  const client = new CallbackClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, runId: 'run-1', secret: SECRET });
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
