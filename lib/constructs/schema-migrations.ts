/**
 * `SchemaMigrations`: the results schema, migrated at deploy time — a custom resource (Provider
 * framework + lambdas/migrate) that applies lib/results/migrations through the Data API, and is
 * re-run whenever the migrations' hash changes. Make the resources that need the current schema
 * depend on {@link SchemaMigrations.resource} (the stack makes the state machine wait for it, so no
 * run sees an old schema).
 *
 * Children: `Function` (the migrate Lambda), `ProviderLogs`, `ProviderRole`, `Provider` and the
 * custom resource itself, `Resource`.
 *
 * Idle cost: nothing but CloudWatch Logs storage; the custom resource runs only during deploys.
 */
import { createHash } from 'node:crypto';
import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { MIGRATIONS, type Migration } from '../results/migrations';
import { ControlPlaneFunction, LAMBDA_OUTSIDE_VPC_REASON } from './control-plane-function';
import { acknowledgeGuard } from './guard-rules';
import { type ControlPlaneResults, resultsEnvironment } from './control-plane-results';

/** SHA-256 of the migrations (version, name and SQL): changes whenever a migration is added or edited. */
export function migrationsHash(migrations: readonly Migration[] = MIGRATIONS): string {
  return createHash('sha256')
    .update(JSON.stringify(migrations.map(({ version, name, sql }) => [version, name, sql])))
    .digest('hex');
}

/** Properties of {@link SchemaMigrations}. */
export interface SchemaMigrationsProps {
  /** The results database the migrations are applied to, through the Data API. */
  readonly results: ControlPlaneResults;

  /**
   * Retention of the migrate Lambda's and the Provider framework's log groups.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** A custom resource that applies lib/results/migrations at deploy time, again whenever they change. */
export class SchemaMigrations extends Construct {
  /** The custom resource (`Resource`): depend on it to be created after the migrations ran. */
  readonly resource: CustomResource;
  /** The Lambda that applies the migrations (`Function`). */
  readonly function: ControlPlaneFunction;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const { results } = props;
    const stack = Stack.of(this);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    this.function = new ControlPlaneFunction(this, 'Function', {
      entry: 'lambdas/migrate/handler.ts',
      description: 'Custom resource: apply the results-schema migrations through the Data API',
      // Up to 5 minutes waiting for a paused writer to resume, then the migrations themselves.
      timeout: Duration.minutes(10),
      logRetention,
      environment: resultsEnvironment(results),
    });
    results.cluster.grantDataApiAccess(this.function);
    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });
    const providerRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Provider framework of the results-schema migrations: invokes the migrate Lambda (lambdas/migrate)',
    });
    providerLogs.grantWrite(providerRole);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function.function,
      frameworkOnEventRole: providerRole,
      logGroup: providerLogs,
    });
    acknowledgeGuard(provider.node.findChild('framework-onEvent'), 'CT.LAMBDA.PR.3', `the CDK Provider framework's Lambda: ${LAMBDA_OUTSIDE_VPC_REASON}`);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ResultsSchemaMigrations',
      properties: {
        MigrationsHash: migrationsHash(MIGRATIONS),
        LatestVersion: String(MIGRATIONS.at(-1)?.version ?? 0),
        Database: results.databaseName,
      },
    });
    const providerPolicy = providerRole.node.tryFindChild('DefaultPolicy');
    if (providerPolicy) {
      Validations.of(providerPolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.function.function.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          'Added by the CDK Provider framework (grantInvoke of the migrate function also allows its versions and ' +
          'aliases); the framework invokes only the unqualified function, and the wildcard covers no other function.',
      });
    }
  }
}
