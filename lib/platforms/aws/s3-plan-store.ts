/**
 * Where a client machine fetches its agent plan from when the driver cannot hand it over
 * privately (Azure Run Command keeps a command's script in the VM's extension state): the plan
 * is put in S3 (SSE-KMS) under `<prefix><runId>.json`, and the machine gets a short-lived
 * presigned GET URL. `remove` deletes it once the run is over (the plan holds the callback secret).
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AgentPlan } from '../../agent/plan';

export interface S3PlanStoreOptions {
  s3: S3Client;
  bucket: string;
  /** @default 'plans/' */
  prefix?: string;
  /** KMS key of the plan objects. @default the bucket's default encryption */
  kmsKeyId?: string;
  /** Lifetime of the presigned URL. @default 900 */
  expiresSeconds?: number;
}

export class S3PlanStore {
  constructor(private readonly options: S3PlanStoreOptions) {}

  keyOf(runId: string): string {
    return `${this.options.prefix ?? 'plans/'}${runId}.json`;
  }

  /** Store the plan and answer a presigned GET URL for it. */
  async urlFor(plan: AgentPlan): Promise<string> {
    const { s3, bucket } = this.options;
    const key = this.keyOf(plan.runId);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(plan),
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        ...(this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId } : {}),
      }),
    );
    return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: this.options.expiresSeconds ?? 900 });
  }

  /** Delete the run's plan; deleting one that is not there is fine (S3 answers 204 either way). */
  async remove(runId: string): Promise<void> {
    await this.options.s3.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(runId) }));
  }
}
