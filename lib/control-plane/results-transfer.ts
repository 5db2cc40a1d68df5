import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { parseResultsText, readResultsFile, type ResultsFileContents } from '../agent/results-file';
import { describe } from '../errors/describe';
import { isTransientAwsError } from '../platforms/aws/transient';

export class ResultsLocationError extends Error {
  override name = 'ResultsLocationError';
}

/**
 * Moving a run's results failed in a way worth retrying (S3 throttled, a 5xx, the connection
 * dropped): CollectResults' Retry matches it by name. The database's own transient failures are
 * ResultsStoreUnavailableError.
 */
export class ImportTransientError extends Error {
  override name = 'ImportTransientError';
}

/** Bucket and key of an `s3://bucket/key` URI, or undefined for anything else (a local path). */
/** Where a run's agent uploads its raw results in AWS: `s3://<bucket>/raw/<runId>.ndjson`. */
export function rawResultsLocation(bucket: string, runId: string): string {
  return `s3://${bucket}/raw/${runId}.ndjson`;
}

export function parseS3Uri(location: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return match ? { bucket: match[1] as string, key: match[2] as string } : undefined;
}

/**
 * The rows of an agent's results, wherever they are: `s3://bucket/key` (the cloud: the agent
 * uploaded them with a presigned PUT) or a local path (the embedded default). A missing object or
 * file has no rows (an agent that failed before writing any).
 */
export async function readResultsFrom(location: string, s3?: S3Client): Promise<ResultsFileContents> {
  const object = parseS3Uri(location);
  if (!object) return readResultsFile(location);
  if (!s3) throw new ResultsLocationError(`results at ${location}, but no S3 client is configured`);
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
    return parseResultsText((await answer.Body?.transformToString('utf8')) ?? '', location);
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return { invocations: [], experimentRows: [], missing: true };
    if (isTransientAwsError(error)) throw new ImportTransientError(`could not read ${location}: ${describe(error)}`, { cause: error });
    throw error;
  }
}

/**
 * A presigned PUT for the agent's results file, so the agent needs no AWS credentials. Note: a URL
 * signed with a Lambda role's temporary credentials stops working when those credentials expire
 * (hours), whatever `expiresInSeconds` says; so the agent asks the callback endpoint for a fresh one
 * when it finishes (`upload-url`), and this one is only its fallback.
 */
export function presignResultsUpload(s3: S3Client, location: string, expiresInSeconds: number): Promise<string> {
  const object = parseS3Uri(location);
  if (!object) throw new ResultsLocationError(`not an s3:// location: ${location}`);
  const seconds = Math.max(60, Math.min(expiresInSeconds, 7 * 24 * 3600));
  return getSignedUrl(s3, new PutObjectCommand({ Bucket: object.bucket, Key: object.key, ContentType: 'application/x-ndjson' }), { expiresIn: seconds });
}
