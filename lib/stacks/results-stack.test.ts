import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { addPolicyGates } from './policy-gates';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledgements, synthWithNag } from '../../test-support/cdk-nag';
import { loadStageConfig } from '../config/stage';
import { RESULTS_DATABASE_NAME } from '../constructs/results-database';
import { RAW_RESULTS_PREFIX, ResultsStack, resultsStackProps } from './results-stack';

const CONFIG = loadStageConfig({ account: '123456789012', region: 'eu-west-1', stageName: 'test' });
/** Skip asset bundling: the results stack has no assets, but later stacks in the same app will. */
const TEST_CONTEXT = { 'aws:cdk:bundling-stacks': [] };
/**
 * CDK's built-in CloudFormation schema validation takes ~10 s per synth on this machine and is not what these
 * tests are about; `npx cdk synth` still runs it. cdk-nag runs as a plugin either way.
 */
const TEST_APP_PROPS = { context: TEST_CONTEXT, builtinCloudFormationValidation: false };


// One app, one synth, shared by every assertion below.
const app = new App(TEST_APP_PROPS);
const stack = new ResultsStack(app, 'Results', resultsStackProps(CONFIG));
addPolicyGates(app);
let synthFailure: string | undefined;
let template: Template;

beforeAll(() => {
  ({ template, failure: synthFailure } = synthWithNag(app, stack));
});

describe('Stack: ResultsStack', () => {
  it('runs Aurora PostgreSQL as Serverless v2 with the Data API on, scaling to zero when idle', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^1[67]\\.'),
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: CONFIG.auroraMaxAcu, SecondsUntilAutoPause: 300 },
      EnableHttpEndpoint: true,
      EnableIAMDatabaseAuthentication: true,
      DeletionProtection: true,
      BackupRetentionPeriod: CONFIG.backupRetentionDays,
      EnableCloudwatchLogsExports: ['postgresql'],
      DatabaseName: RESULTS_DATABASE_NAME,
      DBClusterIdentifier: 'faas-benchmarker-test-results',
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', PubliclyAccessible: false });
  });

  it('encrypts the storage, the results bucket and the database logs with the rotating customer key', () => {
    const keys = template.findResources('AWS::KMS::Key');
    expect(Object.keys(keys)).toHaveLength(1);
    const [keyId] = Object.keys(keys);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      StorageEncrypted: true,
      KmsKeyId: keyArn,
      ManageMasterUserPassword: true,
      // The RDS-managed secret is on aws/secretsmanager, so cross-stack Data API grants do not touch the key policy.
      MasterUserSecret: Match.absent(),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
        ],
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/rds/cluster/faas-benchmarker-test-results/postgresql',
      KmsKeyId: keyArn,
      RetentionInDays: CONFIG.logRetentionDays,
    });
  });

  it.each([
    'AWS::RDS::DBCluster',
    'AWS::RDS::DBInstance',
    'AWS::S3::Bucket',
    'AWS::KMS::Key',
    'AWS::Logs::LogGroup',
  ])('retains every %s when it leaves the stack', (type) => {
    const resources = Object.values(template.findResources(type));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('blocks public access, enforces TLS and versions both buckets, logging access of the results bucket', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
      });
      expect(bucket.Properties.AccessControl).toBeUndefined();
    }
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 's3-access/results/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: RAW_RESULTS_PREFIX,
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: CONFIG.rawResultsInfrequentAccessAfterDays }],
            ExpirationInDays: CONFIG.rawResultsExpireAfterDays,
          }),
          // Agent plans carry a run's callback secret: whatever teardown left is gone within a day.
          Match.objectLike({ Id: 'agent-plans', Prefix: 'plans/', ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }),
        ]),
      },
    });
  });

  it('puts the cluster in isolated subnets with no NAT or internet gateway, flow logs on and no ingress', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    // Zones picked at deploy time: no lookup at synth, no hard-coded zone name.
    template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] } });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    for (const group of Object.values(template.findResources('AWS::EC2::SecurityGroup'))) {
      expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    }
    template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 's3', TrafficType: 'ALL' });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  it('associates a role with the cluster that may only read raw result files, for S3 import', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      AssociatedRoles: [{ FeatureName: 's3Import', RoleArn: Match.anyValue() }],
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    );
    expect(statements.map((statement) => statement.Action).sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
  });

  it('has termination protection', () => {
    expect(stack.terminationProtection).toBe(true);
    const manifest = JSON.parse(readFileSync(join(app.outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts[stack.artifactId].properties.terminationProtection).toBe(true);
  });
});

/**
 * The logical IDs of the resources that hold data, or whose replacement replaces one. CloudFormation
 * knows a resource only by its logical ID, which CDK derives from the construct path: renaming or
 * moving a construct (here or in SecureBucket / ResultsDatabase) gives the resource a new ID, and the
 * next deploy creates a new, empty database, key or bucket in its place (the old one is retained and
 * orphaned). A changed ID here is therefore never "just update the snapshot": if a refactor must move
 * one of these constructs, keep its ID with `(construct.node.defaultChild as CfnResource).overrideLogicalId(...)`.
 * A new resource of one of these types is added to the list deliberately.
 */
const PINNED_STATEFUL_LOGICAL_IDS: Record<string, string[]> = {
  // The results database and its serverless writer.
  'AWS::RDS::DBCluster': ['DatabaseCluster5B53A178'],
  'AWS::RDS::DBInstance': ['DatabaseClusterWriterD43085C6'],
  // The cluster's subnet group: CloudFormation replaces the cluster to move it to another one.
  'AWS::RDS::DBSubnetGroup': ['DatabaseClusterSubnets5540150D'],
  // Encrypts the cluster storage and the results bucket: a new key is a new (empty) cluster.
  'AWS::KMS::Key': ['DataKey17AFBB84'],
  // Access logs and VPC flow logs; raw result files.
  'AWS::S3::Bucket': ['AccessLogsBucket9935880A', 'ResultsBucket260A22AD'],
  // The PostgreSQL log group (RETAIN, fixed name: a new ID would also collide with the retained group's name).
  'AWS::Logs::LogGroup': ['DatabaseLogGroupD348ED08'],
  // The master-user secret is RDS-managed: it belongs to the cluster (see below), not to a resource of this stack.
  'AWS::SecretsManager::Secret': [],
};

describe('Stack: ResultsStack — stateful logical IDs', () => {
  it('keeps the logical IDs of the database, its key, buckets and logs (a new ID replaces the resource)', () => {
    const actual = Object.fromEntries(
      Object.keys(PINNED_STATEFUL_LOGICAL_IDS).map((type) => [type, Object.keys(template.findResources(type)).sort()]),
    );
    expect(actual).toEqual(PINNED_STATEFUL_LOGICAL_IDS);
  });

  it('takes the Data API secret from the pinned cluster (RDS-managed master-user secret)', () => {
    expect(template.toJSON().Outputs.SecretArn.Value).toEqual({ 'Fn::GetAtt': ['DatabaseCluster5B53A178', 'MasterUserSecret.SecretArn'] });
  });
});

describe('cdk-nag AwsSolutions on the results stack', () => {
  it('synthesizes with no unacknowledged finding', () => {
    expect(synthFailure, `cdk-nag findings:\n${synthFailure}`).toBeUndefined();
  });

  it('acknowledges only specific findings, on the construct that has them, each with a reason', () => {
    const nag = acknowledgements(app).filter((ack) => ack.id.startsWith('AwsSolutions-'));
    for (const ack of nag) {
      expect(ack.isStackOrApp, `${ack.id} acknowledged on ${ack.path}`).toBe(false);
      expect(ack.reason.length, `reason of ${ack.id} on ${ack.path}`).toBeGreaterThan(40);
      if (/^AwsSolutions-IAM[45]/.test(ack.id)) expect(ack.id, 'IAM4/IAM5 acknowledged per finding').toMatch(/\[.+\]$/);
    }
    expect(nag.map(({ path, id }) => ({ path, id }))).toEqual([
      { path: 'Results/Database/S3ImportPolicy', id: expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<ResultsBucket\w+\.Arn>\/raw\/\*\]$/) },
    ]);
  });
});

describe('ResultsStack public properties', () => {
  it('let another stack grant Data API access and raw-file writes through grant methods', () => {
    const grantApp = new App(TEST_APP_PROPS);
    const results = new ResultsStack(grantApp, 'Results', resultsStackProps(CONFIG));
    const consumer = new Stack(grantApp, 'Consumer', { env: { account: CONFIG.account, region: CONFIG.region } });
    const role = new iam.Role(consumer, 'StepRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    results.cluster.grantDataApiAccess(role);
    results.bucket.grantPut(role, `${results.rawResultsPrefix}*`);

    const statements = Template.fromStack(consumer).findResources('AWS::IAM::Policy');
    const actions = Object.values(statements).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => s.Action),
    );
    expect(actions).toEqual(
      expect.arrayContaining(['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue', 's3:PutObject', 'kms:GenerateDataKey*']),
    );
    expect(results.databaseName).toBe(RESULTS_DATABASE_NAME);
  });
});
