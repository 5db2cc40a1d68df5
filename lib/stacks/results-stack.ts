/**
 * `ResultsStack`: the stateful half of the control plane (docs/architecture.md) — where results live.
 *
 * It creates:
 * - a customer-managed KMS key (yearly rotation) that encrypts the database storage, the results
 *   bucket and the database log group (the master-user secret stays on the AWS-managed
 *   `aws/secretsmanager` key, see lib/constructs/results-database.ts);
 * - the access-logs bucket (server access logs of the results bucket, the database VPC's flow logs)
 *   and the results bucket (`raw/` holds the raw result files the agents upload; they move to
 *   Standard-IA and later expire), both `SecureBucket`s;
 * - the `ResultsDatabase` (`Database`): Aurora Serverless v2 PostgreSQL 17 with the Data API, in a
 *   VPC with two isolated subnets and an S3 gateway endpoint for `aws_s3.table_import_from_s3`.
 *
 * Everything that holds data is RETAIN and the stack has termination protection. Construct IDs
 * here and in those constructs must never change: a new ID is a new logical ID, and CloudFormation
 * creates a new (empty) database, key or bucket in place of the retained one. results-stack.test.ts
 * pins the logical IDs of the stateful resources.
 *
 * Cost when idle: with a minimum of 0 ACU the writer pauses and costs nothing for compute. What
 * still costs money: the KMS key (about $1/month), the RDS-managed secret (about $0.40/month),
 * Aurora storage and backups beyond the free backup allowance, S3 storage, and CloudWatch Logs
 * storage. There is no NAT gateway and no interface endpoint.
 */
import { Aspects, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { S3_CREATE_DEFAULT_LOGGING_POLICY } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { STAGE_DEFAULTS, type StageConfig } from '../config/stage';
import { EncryptLogGroups } from '../constructs/log-group-encryption';
import { RESULTS_DATABASE_NAME, ResultsDatabase } from '../constructs/results-database';
import { SecureBucket } from '../constructs/secure-bucket';

/** Key prefix of the raw result files (one object per run and platform) in the results bucket. */
export const RAW_RESULTS_PREFIX = 'raw/';

/** Properties of the {@link ResultsStack}. Defaults are the stage defaults of lib/config/stage.ts. */
export interface ResultsStackProps extends StackProps {
  /** Stage name, part of the cluster identifier and log group name (e.g. `dev`, `prod`). */
  readonly stageName: string;

  /**
   * Availability zones of the two isolated subnets, by name.
   *
   * @default - the region's first two zones, chosen by CloudFormation at deploy time (`Fn::GetAZs`), so synth
   * needs no lookup and no zone name is hard-coded
   */
  readonly availabilityZones?: string[];

  /**
   * Minimum Aurora capacity in ACUs. 0 lets the writer pause when idle.
   *
   * @default STAGE_DEFAULTS.auroraMinAcu (0)
   */
  readonly auroraMinAcu?: number;

  /**
   * Maximum Aurora capacity in ACUs.
   *
   * @default STAGE_DEFAULTS.auroraMaxAcu (4)
   */
  readonly auroraMaxAcu?: number;

  /**
   * How long the writer must be without connections before it pauses (only with a minimum of 0 ACU).
   *
   * @default - STAGE_DEFAULTS.auroraAutoPauseMinutes (5 minutes)
   */
  readonly auroraAutoPause?: Duration;

  /**
   * How long automated backups are kept (1–35 days).
   *
   * @default - STAGE_DEFAULTS.backupRetentionDays (7 days)
   */
  readonly backupRetention?: Duration;

  /**
   * Retention of the database log group.
   *
   * @default - STAGE_DEFAULTS.logRetentionDays (365 days)
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Age at which raw result files move to S3 Standard-IA (at least 30 days).
   *
   * @default - STAGE_DEFAULTS.rawResultsInfrequentAccessAfterDays (30 days)
   */
  readonly rawResultsInfrequentAccessAfter?: Duration;

  /**
   * Age at which raw result files are deleted (the imported rows stay in the database).
   *
   * @default - STAGE_DEFAULTS.rawResultsExpireAfterDays (365 days)
   */
  readonly rawResultsExpireAfter?: Duration;

  /**
   * Age at which server access logs and VPC flow logs are deleted.
   *
   * @default - STAGE_DEFAULTS.accessLogsExpireAfterDays (90 days)
   */
  readonly accessLogsExpireAfter?: Duration;
}

/** The props of the results stack of a validated stage: its environment and every stage setting. */
export function resultsStackProps(config: StageConfig): ResultsStackProps {
  return {
    env: { account: config.account, region: config.region },
    stageName: config.stageName,
    availabilityZones: config.availabilityZones,
    auroraMinAcu: config.auroraMinAcu,
    auroraMaxAcu: config.auroraMaxAcu,
    auroraAutoPause: Duration.minutes(config.auroraAutoPauseMinutes),
    backupRetention: Duration.days(config.backupRetentionDays),
    logRetention: config.logRetentionDays as logs.RetentionDays,
    rawResultsInfrequentAccessAfter: Duration.days(config.rawResultsInfrequentAccessAfterDays),
    rawResultsExpireAfter: Duration.days(config.rawResultsExpireAfterDays),
    accessLogsExpireAfter: Duration.days(config.accessLogsExpireAfterDays),
  };
}

/** The results database (Aurora Serverless v2 PostgreSQL + Data API) and the raw-results bucket. */
export class ResultsStack extends Stack {
  /** Encrypts the database storage, the results bucket and the stage's log groups (all three stacks'). */
  readonly key: kms.IKey;
  /** The Aurora cluster; grant the control plane with `cluster.grantDataApiAccess(fn)`. */
  readonly cluster: rds.IDatabaseCluster;
  /** The RDS-managed master-user secret (the Data API's `secretArn`); `grantDataApiAccess` grants it too. */
  readonly secret: secretsmanager.ISecret;
  /** The results bucket; raw result files go under {@link RAW_RESULTS_PREFIX}. Grant with `bucket.grant…(fn, 'raw/*')`. */
  readonly bucket: s3.IBucket;
  /** The bucket that receives server access logs and VPC flow logs. */
  readonly accessLogsBucket: s3.IBucket;
  /** Name of the database that holds the results schema. */
  readonly databaseName: string = RESULTS_DATABASE_NAME;
  /** Key prefix of raw result files in {@link bucket}. */
  readonly rawResultsPrefix: string = RAW_RESULTS_PREFIX;
  /** The VPC of the cluster (isolated subnets only). */
  readonly vpc: ec2.IVpc;
  private readonly zones: string[];

  constructor(scope: Construct, id: string, props: ResultsStackProps) {
    super(scope, id, {
      description: `faas-benchmarker results store (${props.stageName}): Aurora Serverless v2 PostgreSQL with the Data API, raw-results bucket`,
      ...props,
      terminationProtection: true,
    });
    this.zones =
      props.availabilityZones && props.availabilityZones.length > 0
        ? [...props.availabilityZones]
        : [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
    // cdk.json sets no feature flags. Without this one, the flow-log delivery statements are left to AWS to add
    // to the access-logs bucket policy at creation, and the next update of that (stack-managed) policy drops them.
    this.node.setContext(S3_CREATE_DEFAULT_LOGGING_POLICY, true);
    const days = (value: number) => Duration.days(value);

    this.key = new kms.Key(this, 'DataKey', {
      description: `faas-benchmarker ${props.stageName}: results database storage, results bucket, log groups`,
      alias: `alias/faas-benchmarker/${props.stageName}/results`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Grants on the key only for AWS resources or by AWS services (Control Tower CT.KMS.PR.3): RDS makes the
    // grants its storage encryption needs; nothing else in the stage creates grants.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
    Aspects.of(this).add(new EncryptLogGroups(this.key));
    this.accessLogsBucket = new SecureBucket(this, 'AccessLogsBucket', {
      isAccessLogDestination: true,
      lifecycleRules: [
        {
          id: 'expire-logs',
          expiration: props.accessLogsExpireAfter ?? days(STAGE_DEFAULTS.accessLogsExpireAfterDays),
          noncurrentVersionExpiration: days(1),
          abortIncompleteMultipartUploadAfter: days(1),
        },
      ],
    }).bucket;
    this.bucket = new SecureBucket(this, 'ResultsBucket', {
      encryptionKey: this.key,
      serverAccessLogs: { bucket: this.accessLogsBucket, prefix: 's3-access/results/' },
      lifecycleRules: [
        {
          id: 'raw-results',
          prefix: RAW_RESULTS_PREFIX,
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: props.rawResultsInfrequentAccessAfter ?? days(STAGE_DEFAULTS.rawResultsInfrequentAccessAfterDays),
            },
          ],
          expiration: props.rawResultsExpireAfter ?? days(STAGE_DEFAULTS.rawResultsExpireAfterDays),
        },
        // Agent plans (they hold a run's callback secret) are deleted at teardown; leftovers go after a day.
        { id: 'agent-plans', prefix: 'plans/', expiration: days(1), noncurrentVersionExpiration: days(1) },
        { id: 'old-versions-and-uploads', noncurrentVersionExpiration: days(30), abortIncompleteMultipartUploadAfter: days(7) },
      ],
    }).bucket;
    const database = new ResultsDatabase(this, 'Database', {
      clusterIdentifier: `faas-benchmarker-${props.stageName}-results`,
      encryptionKey: this.key,
      resultsBucket: this.bucket,
      rawResultsPrefix: RAW_RESULTS_PREFIX,
      flowLogsBucket: this.accessLogsBucket,
      minCapacityAcu: props.auroraMinAcu,
      maxCapacityAcu: props.auroraMaxAcu,
      autoPause: props.auroraAutoPause,
      backupRetention: props.backupRetention,
      logRetention: props.logRetention,
    });
    this.vpc = database.vpc;
    this.cluster = database.cluster;
    this.secret = database.secret;

    new CfnOutput(this, 'ClusterArn', { value: this.cluster.clusterArn, description: 'Data API resourceArn' });
    new CfnOutput(this, 'SecretArn', { value: this.secret.secretArn, description: 'Data API secretArn' });
    new CfnOutput(this, 'DatabaseName', { value: RESULTS_DATABASE_NAME });
    new CfnOutput(this, 'ResultsBucketName', { value: this.bucket.bucketName });
  }

  /** The configured zones: overriding this getter keeps synth free of the availability-zone context lookup. */
  override get availabilityZones(): string[] {
    return this.zones;
  }
}
