import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uploadResults } from './main';

const row = (seq: number) => ({ i: { run_id: 'r', seq, function_name: 'function1' } });

describe('the agent’s results upload', () => {
  it('lets the agent upload to a presigned URL (a local server standing in for S3)', async () => {
    const received: { method?: string; type?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ method: req.method, type: req.headers['content-type'], body: Buffer.concat(chunks).toString() });
        res.writeHead(200).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'fb-upload-')), 'r.ndjson');
      writeFileSync(file, `${JSON.stringify(row(0))}\n`);
      await uploadResults(file, `http://127.0.0.1:${(server.address() as AddressInfo).port}/raw/r.ndjson?X-Amz-Signature=abc`);
      expect(received).toEqual([{ method: 'PUT', type: 'application/x-ndjson', body: `${JSON.stringify(row(0))}\n` }]);
    } finally {
      server.close();
    }
  });
});
