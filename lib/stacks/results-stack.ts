/**
 * `ResultsStack`: the stateful half of the control plane (ARCHITECTURE §1, §5) — where results live.
 *
 * It creates:
 * - a customer-managed KMS key (yearly rotation) that encrypts the database storage, the results
 *   bucket and the database log group (the master-user secret stays on the AWS-managed
 *   `aws/secretsmanager` key, see below);
 * - a VPC with two isolated subnets only (no internet gateway, no NAT gateway), VPC flow logs to
 *   the access-logs bucket, and a free S3 gateway endpoint limited to the results bucket so the
 *   cluster can run `aws_s3.table_import_from_s3`;
 * - an Aurora Serverless v2 PostgreSQL 17 cluster with one serverless writer, the RDS Data API
 *   switched on (the control plane talks to it over HTTPS with IAM, never over the network), IAM
 *   database authentication, a master password that RDS keeps and rotates in Secrets Manager,
 *   deletion protection, automated backups, PostgreSQL logs exported to CloudWatch, and an IAM
 *   role associated for S3 import of raw result files;
 * - the results bucket (`raw/` holds the raw result files the agents upload; they move to
 *   Standard-IA and later expire) and the access-logs bucket that receives its server access logs.
 *
 * Everything that holds data is RETAIN and the stack has termination protection; construct IDs
 * here must never change, because a new ID means a new (empty) database or bucket.
 *
 * Cost when idle: with a minimum of 0 ACU the writer pauses after the auto-pause delay and then
 * costs nothing for compute (the first Data API call afterwards waits for it to resume, roughly
 * 15 s, and may fail with `DatabaseResumingException`, so callers retry). What still costs money:
 * the KMS key (about $1/month), the RDS-managed secret (about $0.40/month), Aurora storage and
 * backups beyond the free backup allowance, S3 storage, and CloudWatch Logs storage. The VPC,
 * its subnets, the gateway endpoint and the security group are free; there is no NAT gateway
 * and no interface endpoint.
 */
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { S3_CREATE_DEFAULT_LOGGING_POLICY } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { STAGE_DEFAULTS, type StageConfig } from '../config/stage';
import { SecureBucket } from '../constructs/secure-bucket';

/** Key prefix of the raw result files (one object per run and platform) in the results bucket. */
export const RAW_RESULTS_PREFIX = 'raw/';
/** The database that holds the results schema (lib/results/migrations). */
export const RESULTS_DATABASE_NAME = 'faas_benchmarker';
/** The master user; RDS generates and rotates its password. */
export const RESULTS_MASTER_USERNAME = 'fb_admin';
/** Aurora PostgreSQL 17.9: supports Serverless v2 scale-to-zero (auto-pause needs 16.3+ / 17), the Data API and S3 import. */
export const RESULTS_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_17_9;

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
   * @default - STAGE_DEFAULTS.logRetentionDays (90 days)
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
  /** Encrypts the database storage, the results bucket and the database log group. */
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
    const clusterIdentifier = `faas-benchmarker-${props.stageName}-results`;

    this.key = new kms.Key(this, 'DataKey', {
      description: `faas-benchmarker ${props.stageName}: results database storage, results bucket, database logs`,
      alias: `alias/faas-benchmarker/${props.stageName}/results`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts the database log group with the key, for log groups of this account and region only.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );

    const accessLogs = new SecureBucket(this, 'AccessLogsBucket', {
      isAccessLogDestination: true,
      lifecycleRules: [
        {
          id: 'expire-logs',
          expiration: props.accessLogsExpireAfter ?? days(STAGE_DEFAULTS.accessLogsExpireAfterDays),
          noncurrentVersionExpiration: days(1),
          abortIncompleteMultipartUploadAfter: days(1),
        },
      ],
    });
    this.accessLogsBucket = accessLogs.bucket;

    const results = new SecureBucket(this, 'ResultsBucket', {
      encryptionKey: this.key,
      serverAccessLogs: { bucket: accessLogs.bucket, prefix: 's3-access/results/' },
      lifecycleRules: [
        {
          id: 'raw-results',
          prefix: RAW_RESULTS_PREFIX,
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter:
                props.rawResultsInfrequentAccessAfter ?? days(STAGE_DEFAULTS.rawResultsInfrequentAccessAfterDays),
            },
          ],
          expiration: props.rawResultsExpireAfter ?? days(STAGE_DEFAULTS.rawResultsExpireAfterDays),
        },
        {
          // Agent plans (they hold a run's callback secret) are deleted at teardown; leftovers go after a day.
          id: 'agent-plans',
          prefix: 'plans/',
          expiration: days(1),
          noncurrentVersionExpiration: days(1),
        },
        {
          id: 'old-versions-and-uploads',
          noncurrentVersionExpiration: days(30),
          abortIncompleteMultipartUploadAfter: days(7),
        },
      ],
    });
    this.bucket = results.bucket;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      createInternetGateway: false,
      subnetConfiguration: [{ name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      // Nothing is placed in the default security group; restricting it would add a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
      flowLogs: {
        ToAccessLogsBucket: {
          destination: ec2.FlowLogDestination.toS3(accessLogs.bucket, 'vpc-flow-logs/'),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    // S3 import by the cluster goes through this free gateway endpoint, which reaches the results bucket only.
    const s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation'],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
      }),
    );

    const securityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: this.vpc,
      description: 'Results cluster: no ingress (reached only through the RDS Data API); the isolated subnets route out only to the S3 gateway endpoint',
      allowAllOutbound: true,
    });

    const s3ImportRole = new iam.Role(this, 'S3ImportRole', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Lets the results cluster read raw result files (aws_s3.table_import_from_s3)',
    });
    // Only the raw/ files of the results bucket, read-only; the bucket is SSE-KMS, so also kms:Decrypt on the data key.
    const s3ImportPolicy = new iam.Policy(this, 'S3ImportPolicy', {
      roles: [s3ImportRole],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${RAW_RESULTS_PREFIX}*`)] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn] }),
      ],
    });
    const resultsBucketLogicalId = this.getLogicalId(results.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(s3ImportPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${resultsBucketLogicalId}.Arn>/${RAW_RESULTS_PREFIX}*]`,
      reason:
        'aws_s3.table_import_from_s3 reads raw result files whose keys are made per run, so the object ARN needs a ' +
        'wildcard; it is limited to s3:GetObject under the raw/ prefix of the results bucket.',
    });

    const logGroup = new logs.LogGroup(this, 'DatabaseLogGroup', {
      // The name RDS exports to; creating it first lets the stack own its retention and encryption.
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: props.logRetention ?? (STAGE_DEFAULTS.logRetentionDays as logs.RetentionDays),
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const minAcu = props.auroraMinAcu ?? STAGE_DEFAULTS.auroraMinAcu;
    const cluster = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: RESULTS_ENGINE_VERSION }),
      clusterIdentifier,
      writer: rds.ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false, autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: minAcu,
      serverlessV2MaxCapacity: props.auroraMaxAcu ?? STAGE_DEFAULTS.auroraMaxAcu,
      ...(minAcu === 0
        ? { serverlessV2AutoPauseDuration: props.auroraAutoPause ?? Duration.minutes(STAGE_DEFAULTS.auroraAutoPauseMinutes) }
        : {}),
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      defaultDatabaseName: RESULTS_DATABASE_NAME,
      // RDS generates the master password, keeps it in Secrets Manager and rotates it (every 7 days by default).
      // The secret stays on the AWS-managed key: with the data key, `cluster.grantDataApiAccess(fn)` from another
      // stack adds `fn`'s role to the data key's policy (a kms:ViaService grant), so this stack would depend on the
      // control-plane stack and the two would form a cycle. Who may read it is decided by IAM either way.
      credentials: rds.Credentials.fromUsername(RESULTS_MASTER_USERNAME),
      manageMasterUserPassword: true,
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      iamAuthentication: true,
      enableDataApi: true,
      deletionProtection: true,
      backup: { retention: props.backupRetention ?? days(STAGE_DEFAULTS.backupRetentionDays) },
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['postgresql'],
      s3ImportRole,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    cluster.node.addDependency(logGroup);
    this.cluster = cluster;
    if (!cluster.secret) throw new Error('the results cluster has no master-user secret');
    this.secret = cluster.secret;

    new CfnOutput(this, 'ClusterArn', { value: cluster.clusterArn, description: 'Data API resourceArn' });
    new CfnOutput(this, 'SecretArn', { value: this.secret.secretArn, description: 'Data API secretArn' });
    new CfnOutput(this, 'DatabaseName', { value: RESULTS_DATABASE_NAME });
    new CfnOutput(this, 'ResultsBucketName', { value: this.bucket.bucketName });
  }

  /** The configured zones: overriding this getter keeps synth free of the availability-zone context lookup. */
  override get availabilityZones(): string[] {
    return this.zones;
  }
}
