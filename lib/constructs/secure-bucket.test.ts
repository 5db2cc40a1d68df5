import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { SecureBucket, SecureBucketConfigError } from './secure-bucket';

function newStack(): Stack {
  return new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
}

describe('Construct: SecureBucket', () => {
  it('grants server-access-log delivery by bucket policy, with ACLs disabled, whatever the feature flags say', () => {
    const stack = newStack();
    const logs = new SecureBucket(stack, 'Logs', { isAccessLogDestination: true });
    new SecureBucket(stack, 'Data', { serverAccessLogs: { bucket: logs.bucket, prefix: 'data/' } });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      AccessControl: Match.absent(),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
  });

  it('uses SSE-KMS with a bucket key when given a key', () => {
    const stack = newStack();
    const logs = new SecureBucket(stack, 'Logs', { isAccessLogDestination: true });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new SecureBucket(stack, 'Data', { encryptionKey: key, serverAccessLogs: { bucket: logs.bucket, prefix: 'data/' } });

    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
    });
  });

  it('refuses a bucket without access logs, and a KMS key on a log destination', () => {
    const stack = newStack();
    expect(() => new SecureBucket(stack, 'NoLogs')).toThrow(SecureBucketConfigError);
    const key = new kms.Key(stack, 'Key');
    expect(() => new SecureBucket(stack, 'KmsLogs', { isAccessLogDestination: true, encryptionKey: key })).toThrow(
      'an access-log destination must use SSE-S3',
    );
  });

  it('enables ACLs (bucket owner preferred) only on a log destination that receives CloudFront logs', () => {
    const stack = newStack();
    new SecureBucket(stack, 'CdnLogs', { isAccessLogDestination: true, receivesCloudFrontLogs: true });
    const buckets = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'));
    expect(buckets.map((bucket) => bucket.Properties.OwnershipControls)).toEqual([{ Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] }]);
    expect(buckets[0]?.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(() => new SecureBucket(stack, 'Data', { receivesCloudFrontLogs: true, serverAccessLogs: { bucket: new SecureBucket(stack, 'L', { isAccessLogDestination: true }).bucket, prefix: 'x/' } })).toThrow(
      'receivesCloudFrontLogs needs isAccessLogDestination',
    );
  });
});
