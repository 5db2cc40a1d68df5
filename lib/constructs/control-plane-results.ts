/**
 * What the control plane is given of the results store (normally the stage's `ResultsStack`), and
 * the two ways its functions get at it: the Data API environment every such function reads, and
 * the narrow grant on the raw result files. Shared by `CallbackEndpoint`, `RunExperimentSteps` and
 * `SchemaMigrations`; this module creates no resources of its own.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ControlPlaneFunction } from './control-plane-function';

/** The results-store resources the control plane is granted; a `ResultsStack` provides them all. */
export interface ControlPlaneResults {
  /** The Aurora cluster (Data API on). */
  readonly cluster: rds.IDatabaseCluster;
  /** The Data API's `secretArn`: the cluster's master-user secret. */
  readonly secret: secretsmanager.ISecret;
  /** The results bucket. */
  readonly bucket: s3.IBucket;
  /** The database that holds the results schema. */
  readonly databaseName: string;
  /** Key prefix of raw result files in {@link bucket}, e.g. `raw/`. */
  readonly rawResultsPrefix: string;
}

/** How a function may touch the raw result files: read them, write them (or presign uploads), or both. */
export type RawResultsAccess = 'read' | 'write' | 'read-write';

/** The Data API target every function of the results store reads (lambdas/shared/environment.ts). */
export function resultsEnvironment(results: Pick<ControlPlaneResults, 'cluster' | 'secret' | 'databaseName'>): Record<string, string> {
  return {
    RESULTS_CLUSTER_ARN: results.cluster.clusterArn,
    RESULTS_SECRET_ARN: results.secret.secretArn,
    RESULTS_DATABASE: results.databaseName,
  };
}

const RAW_RESULTS_REASONS: Record<RawResultsAccess, string> = {
  read: 'Raw result files are keyed per run (raw/<runId>.ndjson), so reading them needs a wildcard; it is limited to s3:GetObject under the raw/ prefix of the results bucket.',
  write:
    'Each run uploads its raw result file under its own key (raw/<runId>.ndjson) through a URL this function presigns, so it needs s3:PutObject on a wildcard; it is limited to the raw/ prefix of the results bucket.',
  'read-write':
    "Each run's raw file (raw/<runId>.ndjson) is read and its COPY TEXT files for Aurora's S3 import are written under raw/<runId>/, keys made per run; limited to s3:GetObject and s3:PutObject under the raw/ prefix of the results bucket.",
};

/**
 * Read: `s3:GetObject` on the raw result files and `kms:Decrypt` on the bucket's key — what
 * reading a run's file takes. Write: `s3:PutObject` there and `kms:GenerateDataKey`/`Encrypt`,
 * what a presigned upload signed by this function needs. Narrower than `bucket.grantRead/Put`,
 * which add `s3:GetObject*`, `s3:GetBucket*`, `s3:List*`, `s3:Abort*` that nothing here uses.
 * The wildcard under the prefix is acknowledged to cdk-nag on the function's policy.
 */
export function grantRawResults(fn: ControlPlaneFunction, results: ControlPlaneResults, access: RawResultsAccess): void {
  const rawObjects = `${results.rawResultsPrefix}*`;
  const reads = access !== 'write';
  const writes = access !== 'read';
  const actions = [...(reads ? ['s3:GetObject'] : []), ...(writes ? ['s3:PutObject'] : [])];
  iam.Grant.addToPrincipal({ grantee: fn, actions, resourceArns: [results.bucket.arnForObjects(rawObjects)] });
  if (reads) results.bucket.encryptionKey?.grantDecrypt(fn);
  if (writes) results.bucket.encryptionKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Encrypt');
  // cdk-nag names the bucket ARN by its logical id in the same stack and by its export name across stacks.
  // `exportValue` is what CDK itself calls for the cross-stack reference, so this is that same export.
  const stack = Stack.of(fn);
  const bucketStack = Stack.of(results.bucket);
  const bucketArn =
    bucketStack === stack
      ? `<${stack.getLogicalId(results.bucket.node.defaultChild as CfnElement)}.Arn>`
      : (stack.resolve(bucketStack.exportValue(results.bucket.bucketArn)) as { 'Fn::ImportValue': string })['Fn::ImportValue'];
  const policy = fn.role.node.tryFindChild('DefaultPolicy');
  if (policy) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${bucketArn}/${rawObjects}]`, reason: RAW_RESULTS_REASONS[access] });
}
