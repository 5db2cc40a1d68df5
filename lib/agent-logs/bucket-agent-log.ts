/**
 * An Azure VM client's agent log in the results bucket: Teardown saves the output of its Run
 * Command (which prints the agent's log before stopping it) at {@link azureAgentLogKey}, and
 * `fb logs --stage` reads it back.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { azureAgentLogKey } from './names';

export interface BucketAgentLogTarget {
  bucket: string;
  /** KMS key the bucket's objects are encrypted with (SSE-KMS); none: the bucket's default. */
  kmsKeyId?: string;
}

/** Saves `text` as the run's Azure agent log. */
export async function saveAzureAgentLog(s3: S3Client, target: BucketAgentLogTarget, runId: string, text: string): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: azureAgentLogKey(runId),
      Body: text,
      ContentType: 'text/plain; charset=utf-8',
      ...(target.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: target.kmsKeyId } : {}),
    }),
  );
}

/** The run's saved Azure agent log, or undefined when there is none. */
export async function readAzureAgentLog(s3: S3Client, bucket: string, runId: string): Promise<string | undefined> {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: azureAgentLogKey(runId) }));
    return answer.Body ? await answer.Body.transformToString('utf8') : undefined;
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return undefined;
    throw error;
  }
}
