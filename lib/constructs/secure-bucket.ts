/**
 * `SecureBucket`: an S3 bucket with the project's fixed safety settings, so no stack has to
 * remember them: all public access blocked, ACLs disabled (bucket-owner-enforced; a destination of
 * CloudFront logs is the one exception, see `receivesCloudFrontLogs`), TLS 1.2+ only
 * (`enforceSSL`), versioning, encryption at rest (SSE-KMS with a customer-managed key and an S3
 * Bucket Key, or SSE-S3), server access logging, and RETAIN on removal.
 *
 * A bucket that *receives* server access logs is made with `isAccessLogDestination: true`: S3 log
 * delivery supports only SSE-S3 on the destination, and the destination does not log its own
 * access (it would log into itself). cdk-nag's AwsSolutions-S1 accepts a bucket that other buckets
 * of the stack log to, so a destination that receives at least one bucket's logs needs no
 * acknowledgement.
 * Log delivery is granted with a bucket policy rather than the legacy log-delivery ACL, whatever
 * the app's `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` feature flag says.
 *
 * Idle cost: S3 storage of what is kept (plus KMS requests on access when a key is used); an empty
 * bucket costs nothing.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledgeGuard } from './guard-rules';

/** Where a bucket's server access logs go. */
export interface ServerAccessLogsTarget {
  /** The destination bucket (normally a `SecureBucket` made with `isAccessLogDestination`). */
  readonly bucket: s3.IBucket;
  /** Key prefix of this bucket's logs in the destination, e.g. `s3-access/results/`. */
  readonly prefix: string;
}

/** Properties of a {@link SecureBucket}. */
export interface SecureBucketProps {
  /**
   * Customer-managed KMS key for default encryption (SSE-KMS, with an S3 Bucket Key to keep KMS
   * request costs down). Not allowed together with `isAccessLogDestination`.
   *
   * @default - SSE-S3 (S3-managed keys)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Where this bucket's server access logs go. Required unless `isAccessLogDestination` is set.
   *
   * @default - none; only allowed for an access-log destination
   */
  readonly serverAccessLogs?: ServerAccessLogsTarget;

  /**
   * This bucket receives other buckets' server access logs (and may receive VPC flow logs). It is
   * then SSE-S3 encrypted and does not log its own access.
   *
   * @default false
   */
  readonly isAccessLogDestination?: boolean;

  /**
   * This access-log destination also receives CloudFront standard logs, which CloudFront delivers
   * with an ACL grant: ACLs are then enabled with object ownership "bucket owner preferred" (every
   * object still belongs to the bucket owner). Only with `isAccessLogDestination`.
   *
   * @default false
   */
  readonly receivesCloudFrontLogs?: boolean;

  /**
   * Lifecycle rules, e.g. transitions and expiry of raw files.
   *
   * @default - none: objects are kept until deleted
   */
  readonly lifecycleRules?: s3.LifecycleRule[];

  /**
   * Keep every version of every object (protects against overwrite and deletion).
   *
   * @default true
   */
  readonly versioned?: boolean;

  /**
   * What CloudFormation does with the bucket when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The settings that cannot be combined in a {@link SecureBucket}. */
export class SecureBucketConfigError extends Error {
  override name = 'SecureBucketConfigError';
}

/** An S3 bucket with public access blocked, TLS enforced, encryption, versioning and access logs. */
export class SecureBucket extends Construct {
  /** The bucket; grant access through its `grant…` methods. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);
    const isLogDestination = props.isAccessLogDestination ?? false;
    if (isLogDestination && props.encryptionKey) {
      throw new SecureBucketConfigError(`${this.node.path}: an access-log destination must use SSE-S3, not a KMS key`);
    }
    if (props.receivesCloudFrontLogs && !isLogDestination) {
      throw new SecureBucketConfigError(`${this.node.path}: receivesCloudFrontLogs needs isAccessLogDestination`);
    }
    if (!isLogDestination && !props.serverAccessLogs) {
      throw new SecureBucketConfigError(`${this.node.path}: serverAccessLogs is required (or set isAccessLogDestination)`);
    }
    // Grant log delivery through the bucket policy (ACLs stay disabled), independent of cdk.json.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: props.receivesCloudFrontLogs ? s3.ObjectOwnership.BUCKET_OWNER_PREFERRED : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,

      versioned: props.versioned ?? true,
      ...(props.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      ...(props.serverAccessLogs
        ? { serverAccessLogsBucket: props.serverAccessLogs.bucket, serverAccessLogsPrefix: props.serverAccessLogs.prefix }
        : {}),
      lifecycleRules: props.lifecycleRules,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledgeGuard(
      this.bucket,
      'CT.S3.PR.4',
      "nothing consumes this bucket's object events: its writers and readers (the run's steps, the database import, log " +
        'delivery, the UI deployment) are driven by their own control flow, and S3 notifications in CDK add a custom-resource Lambda.',
    );
    acknowledgeGuard(
      this.bucket,
      'CT.S3.PR.9',
      'no object lock: every object here is meant to go by lifecycle (raw results once imported and expired, agent plans ' +
        'after a day, logs after their expiry, UI assets at the next deploy), which a lock would forbid; versioning already keeps ' +
        'overwritten and deleted objects, and the bucket is retained when the stack goes.',
    );
    if (isLogDestination) {
      acknowledgeGuard(this.bucket, 'CT.S3.PR.2', 'a log destination does not log its own access: its logs would go into itself.');
      acknowledgeGuard(this.bucket, 'CT.S3.PR.10', 'S3 server access log delivery (and CloudFront standard logging) supports only SSE-S3 on the destination bucket.');
    }
  }
}
