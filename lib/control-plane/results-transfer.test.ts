import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseS3Uri, presignResultsUpload, readResultsFrom, ResultsLocationError } from './results-transfer';

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

const row = (seq: number) => ({ i: { run_id: 'r', seq, function_name: 'function1' } });

describe('Results transfer', () => {
  it('reads an agent’s results from s3:// with GetObject, and a missing object as no rows', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce({ Body: { transformToString: async () => `${JSON.stringify(row(0))}\n${JSON.stringify({ e: { run_id: 'r', table_name: 't', seq: 0, data: {} } })}\n` } as never });
    const s3 = new S3Client({ region: 'eu-west-1' });
    const read = await readResultsFrom('s3://results-bucket/raw/r.ndjson', s3);
    expect(read.invocations).toHaveLength(1);
    expect(read.experimentRows).toHaveLength(1);
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({ Bucket: 'results-bucket', Key: 'raw/r.ndjson' });
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));
    await expect(readResultsFrom('s3://results-bucket/raw/none.ndjson', s3)).resolves.toEqual({ invocations: [], experimentRows: [] });
    await expect(readResultsFrom('s3://results-bucket/raw/r.ndjson')).rejects.toThrow(ResultsLocationError);
  });

  it('presigns a PUT the agent can upload its file with, without AWS credentials of its own', async () => {
    const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const url = new URL(await presignResultsUpload(s3, 's3://results-bucket/raw/run-1.ndjson', 3600));
    expect(url.hostname).toBe('results-bucket.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/raw/run-1.ndjson');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toContain('host');
    expect(() => presignResultsUpload(s3, '/tmp/file', 60)).toThrow(ResultsLocationError);
    expect(parseS3Uri('s3://b/k/x')).toEqual({ bucket: 'b', key: 'k/x' });
    expect(parseS3Uri('/tmp/x')).toBeUndefined();
  });

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
      const { uploadResults } = await import('../../client-agent/main');
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const file = join(mkdtempSync(join(tmpdir(), 'fb-upload-')), 'r.ndjson');
      writeFileSync(file, `${JSON.stringify(row(0))}\n`);
      await uploadResults(file, `http://127.0.0.1:${(server.address() as AddressInfo).port}/raw/r.ndjson?X-Amz-Signature=abc`);
      expect(received).toEqual([{ method: 'PUT', type: 'application/x-ndjson', body: `${JSON.stringify(row(0))}\n` }]);
    } finally {
      server.close();
    }
  });
});
