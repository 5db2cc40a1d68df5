/**
 * `ResultsDatabase`: where results live (lib/results/README.md) — an Aurora Serverless v2 PostgreSQL 17
 * cluster with one serverless writer, the RDS Data API switched on (the control plane talks to it
 * over HTTPS with IAM, never over the network), IAM database authentication, a master password
 * that RDS keeps and rotates in Secrets Manager, deletion protection, automated backups,
 * PostgreSQL logs exported to an encrypted log group, and an IAM role associated for S3 import of
 * raw result files; in a VPC of its own with two isolated subnets only (no internet gateway, no
 * NAT gateway), VPC flow logs to S3, and a free S3 gateway endpoint limited to the results bucket
 * so the cluster can run `aws_s3.table_import_from_s3`.
 *
 * Everything that holds data is RETAIN. Cost when idle: with a minimum of 0 ACU the writer pauses
 * after the auto-pause delay and then costs nothing for compute (the first Data API call
 * afterwards waits for it to resume, roughly 15 s, and may fail with `DatabaseResumingException`,
 * so callers retry). Storage, backups beyond the free allowance, the RDS-managed secret (about
 * $0.40/month) and log storage still cost; the VPC, subnets, endpoint and security group are free.
 *
 * Children: `Vpc` (with its `S3Endpoint` and flow log), `SecurityGroup`, `S3ImportRole`,
 * `S3ImportPolicy`, `LogGroup` and `Cluster` (with its `Writer`). CloudFormation knows each resource
 * by a logical ID derived from its construct path, so renaming this construct or a child replaces
 * the resource — for the cluster, a new and empty database. lib/stacks/results-stack.test.ts pins
 * the stateful IDs; a refactor that must move one keeps its ID with `overrideLogicalId`.
 */
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { STAGE_DEFAULTS } from '../config/stage';
import { acknowledgeGuard } from './guard-rules';

/** The database that holds the results schema (lib/results/migrations). */
export const RESULTS_DATABASE_NAME = 'faas_benchmarker';
/** The master user; RDS generates and rotates its password. */
const RESULTS_MASTER_USERNAME = 'fb_admin';
/** Aurora PostgreSQL 17.9: supports Serverless v2 scale-to-zero (auto-pause needs 16.3+ / 17), the Data API and S3 import. */
const RESULTS_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_17_9;

/** Properties of a {@link ResultsDatabase}. Defaults are the stage defaults of lib/config/stage.ts. */
export interface ResultsDatabaseProps {
  /** The cluster identifier, e.g. `faas-benchmarker-dev-results`; it also names the log group RDS exports to. */
  readonly clusterIdentifier: string;

  /**
   * Customer-managed key of the database storage and its log group. The construct adds a key
   * policy statement that lets CloudWatch Logs of this account and region use it.
   */
  readonly encryptionKey: kms.IKey;

  /** The results bucket: the cluster may import the raw result files under {@link rawResultsPrefix}. */
  readonly resultsBucket: s3.IBucket;

  /** Key prefix of the raw result files in the results bucket, e.g. `raw/`. */
  readonly rawResultsPrefix: string;

  /**
   * Where the VPC's flow logs go (under `vpc-flow-logs/`). The stack must set the
   * `@aws-cdk/aws-s3:createDefaultLoggingPolicy` feature flag, so the bucket policy keeps the
   * delivery statements.
   */
  readonly flowLogsBucket: s3.IBucket;

  /**
   * Minimum capacity in Aurora capacity units. 0 lets the writer pause when idle.
   *
   * @default STAGE_DEFAULTS.auroraMinAcu (0)
   */
  readonly minCapacityAcu?: number;

  /**
   * Maximum capacity in Aurora capacity units.
   *
   * @default STAGE_DEFAULTS.auroraMaxAcu (4)
   */
  readonly maxCapacityAcu?: number;

  /**
   * How long the writer must be without connections before it pauses (only with a minimum of 0 ACU).
   *
   * @default - STAGE_DEFAULTS.auroraAutoPauseMinutes (5 minutes)
   */
  readonly autoPause?: Duration;

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
}

/** The results cluster (Aurora Serverless v2 PostgreSQL + Data API) in its isolated VPC. */
export class ResultsDatabase extends Construct {
  /** The Aurora cluster (`Cluster`); grant the control plane with `cluster.grantDataApiAccess(fn)`. */
  readonly cluster: rds.DatabaseCluster;
  /** The RDS-managed master-user secret (the Data API's `secretArn`). */
  readonly secret: secretsmanager.ISecret;
  /** The VPC of the cluster (`Vpc`, isolated subnets only). */
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: ResultsDatabaseProps) {
    super(scope, id);
    const { encryptionKey: key, resultsBucket: bucket } = props;
    const days = (value: number) => Duration.days(value);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      createInternetGateway: false,
      subnetConfiguration: [{ name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      // Nothing is placed in the default security group; restricting it would add a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
      flowLogs: {
        ToAccessLogsBucket: {
          destination: ec2.FlowLogDestination.toS3(props.flowLogsBucket, 'vpc-flow-logs/'),
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
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      }),
    );

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
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
    // Only the raw files of the results bucket, read-only; the bucket is SSE-KMS, so also kms:Decrypt on the data key.
    const rawObjects = `${props.rawResultsPrefix}*`;
    const s3ImportPolicy = new iam.Policy(this, 'S3ImportPolicy', {
      roles: [s3ImportRole],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(rawObjects)] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }),
      ],
    });
    const bucketLogicalId = s3ImportPolicy.stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(s3ImportPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${rawObjects}]`,
      reason:
        'aws_s3.table_import_from_s3 reads raw result files whose keys are made per run, so the object ARN needs a ' +
        'wildcard; it is limited to s3:GetObject under the raw/ prefix of the results bucket.',
    });

    // CloudWatch Logs encrypts the database log group with the key, for log groups of this account and region only.
    key.addToResourcePolicy(
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
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      // The name RDS exports to; creating it first lets the stack own its retention and encryption.
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      retention: props.logRetention ?? (STAGE_DEFAULTS.logRetentionDays as logs.RetentionDays),
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const minAcu = props.minCapacityAcu ?? STAGE_DEFAULTS.auroraMinAcu;
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: RESULTS_ENGINE_VERSION }),
      clusterIdentifier: props.clusterIdentifier,
      writer: rds.ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false, autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: minAcu,
      serverlessV2MaxCapacity: props.maxCapacityAcu ?? STAGE_DEFAULTS.auroraMaxAcu,
      ...(minAcu === 0 ? { serverlessV2AutoPauseDuration: props.autoPause ?? Duration.minutes(STAGE_DEFAULTS.auroraAutoPauseMinutes) } : {}),
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
      storageEncryptionKey: key,
      iamAuthentication: true,
      enableDataApi: true,
      deletionProtection: true,
      backup: { retention: props.backupRetention ?? days(STAGE_DEFAULTS.backupRetentionDays) },
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['postgresql'],
      s3ImportRole,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.cluster.node.addDependency(logGroup);
    acknowledgeGuard(
      this.cluster,
      'CT.RDS.PR.2',
      'no enhanced monitoring: the writer is an auto-pausing Aurora Serverless v2 instance reached only through the Data API, ' +
        'watched through its standard CloudWatch metrics (ACUs, connections) and the exported PostgreSQL log; OS-level metrics ' +
        'would add a monitoring role and an RDSOSMetrics log group outside the stack for an instance AWS manages.',
    );
    if (!this.cluster.secret) throw new Error('the results cluster has no master-user secret');
    this.secret = this.cluster.secret;
  }
}
