import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportTransientError, parseS3Uri, presignResultsUpload, readResultsFrom, ResultsLocationError } from './results-transfer';

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
    await expect(readResultsFrom('s3://results-bucket/raw/none.ndjson', s3)).resolves.toEqual({ invocations: [], experimentRows: [], missing: true });
    await expect(readResultsFrom('s3://results-bucket/raw/r.ndjson')).rejects.toThrow(ResultsLocationError);
  });

  it('turns a throttled, failing or dropped S3 read into ImportTransientError (CollectResults retries it), and passes refusals on', async () => {
    const s3 = new S3Client({ region: 'eu-west-1' });
    const s3Error = (name: string, status: number) => new S3ServiceException({ name, message: `${name} from S3`, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
    for (const failure of [s3Error('SlowDown', 503), s3Error('InternalError', 500), Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })]) {
      s3Mock.reset();
      s3Mock.on(GetObjectCommand).rejects(failure);
      const error = await readResultsFrom('s3://results-bucket/raw/r.ndjson', s3).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ImportTransientError);
      expect(error).toMatchObject({ name: 'ImportTransientError', message: expect.stringContaining('could not read s3://results-bucket/raw/r.ndjson: ') });
    }
    s3Mock.reset();
    s3Mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(readResultsFrom('s3://results-bucket/raw/r.ndjson', s3)).rejects.toMatchObject({ name: 'AccessDenied' });
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
});
