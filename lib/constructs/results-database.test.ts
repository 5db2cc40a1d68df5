/**
 * The fallbacks of ResultsDatabase (the stack tests always pass the stage's values): the
 * STAGE_DEFAULTS when a prop is left out, and no auto-pause once the minimum capacity is above 0.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { STAGE_DEFAULTS } from '../config/stage';
import { ResultsDatabase, type ResultsDatabaseProps } from './results-database';

function build(props: Partial<ResultsDatabaseProps> = {}): Template {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new ResultsDatabase(stack, 'Database', {
    clusterIdentifier: 'test-results',
    encryptionKey: new kms.Key(stack, 'Key'),
    resultsBucket: new s3.Bucket(stack, 'Results'),
    rawResultsPrefix: 'raw/',
    flowLogsBucket: new s3.Bucket(stack, 'Logs'),
    ...props,
  });
  return Template.fromStack(stack);
}

describe('Construct: ResultsDatabase', () => {
  it('falls back to the stage defaults: 0–4 ACU pausing after 5 minutes, 7 days of backups, a year of logs', () => {
    const template = build();
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: STAGE_DEFAULTS.auroraMinAcu, MaxCapacity: STAGE_DEFAULTS.auroraMaxAcu, SecondsUntilAutoPause: STAGE_DEFAULTS.auroraAutoPauseMinutes * 60 },
      BackupRetentionPeriod: STAGE_DEFAULTS.backupRetentionDays,
      DBClusterIdentifier: 'test-results',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/rds/cluster/test-results/postgresql',
      RetentionInDays: STAGE_DEFAULTS.logRetentionDays,
    });
  });

  it('sets no auto-pause when the minimum capacity is above 0, and takes the given capacity and retention', () => {
    const template = build({ minCapacityAcu: 0.5, maxCapacityAcu: 8, autoPause: Duration.minutes(30), backupRetention: Duration.days(14) });
    const [cluster] = Object.values(template.findResources('AWS::RDS::DBCluster'));
    expect(cluster?.Properties.ServerlessV2ScalingConfiguration).toEqual({ MinCapacity: 0.5, MaxCapacity: 8 });
    expect(cluster?.Properties.BackupRetentionPeriod).toBe(14);
  });
});
