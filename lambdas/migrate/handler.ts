/**
 * The results-schema migrations custom resource (`Custom::ResultsSchemaMigrations` in
 * ControlPlaneStack, behind the CDK Provider framework): on Create and Update it applies every
 * pending migration of lib/results/migrations to the Aurora results database through the RDS
 * Data API (`SqlResultsStore.migrate()`: one transaction under an advisory lock, a no-op when
 * nothing is pending). CloudFormation sends an Update whenever the stack's migrations hash
 * changes, i.e. whenever a migration is added.
 *
 * Delete does nothing: the schema and its data belong to the RETAINed results database, not to
 * this resource. The physical id never changes, so an Update never triggers a Delete of the old one.
 *
 * Environment, read once at module load: `RESULTS_CLUSTER_ARN`, `RESULTS_SECRET_ARN`,
 * `RESULTS_DATABASE` (and `AWS_REGION`, set by Lambda). A paused Aurora writer (0 ACU) is waited
 * for up to {@link RESUME_TIMEOUT_MS}.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DataApiExecutor } from '../../lib/results/data-api-executor';
import { SqlResultsStore } from '../../lib/results/sql-store';
import { resultsDatabaseEnvironment } from '../shared/environment';

/** The custom resource's physical id: one schema per database, never replaced. */
export const PHYSICAL_RESOURCE_ID = 'results-schema';
/** How long to keep retrying while a paused Aurora writer resumes (the Lambda's timeout is longer). */
export const RESUME_TIMEOUT_MS = 5 * 60_000;

/** The parts of a CloudFormation custom-resource event (as the Provider framework passes it) used here. */
export interface MigrationsEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties?: Record<string, unknown>;
}

/** What the Provider framework reports to CloudFormation; `Data` values are `Fn::GetAtt`-able. */
export interface MigrationsResponse {
  PhysicalResourceId: string;
  Data?: { LatestVersion: string; AppliedNow: string };
}

/** Build the handler over a store factory (a fresh store per event, closed afterwards). */
export function createMigrateHandler(openStore: () => SqlResultsStore, logger = new Logger({ serviceName: 'faas-benchmarker-migrate' })) {
  return async (event: MigrationsEvent): Promise<MigrationsResponse> => {
    if (event.RequestType === 'Delete') {
      logger.info('delete: the results schema is kept with the retained database');
      return { PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_RESOURCE_ID };
    }
    const store = openStore();
    try {
      // On a new database the ledger table does not exist yet; any other failure resurfaces in migrate().
      const before = new Set((await store.appliedMigrations().catch(() => [])).map((migration) => migration.version));
      await store.migrate();
      const ledger = await store.appliedMigrations();
      const appliedNow = ledger.filter((migration) => !before.has(migration.version)).map((migration) => migration.version);
      const latest = ledger.at(-1)?.version ?? 0;
      logger.info('migrations applied', { requestType: event.RequestType, appliedNow, latestVersion: latest });
      return { PhysicalResourceId: PHYSICAL_RESOURCE_ID, Data: { LatestVersion: String(latest), AppliedNow: appliedNow.join(',') } };
    } finally {
      await store.close();
    }
  };
}

/** Everything this Lambda takes from its environment: where the results database is. */
export const migrateConfigFromEnv = resultsDatabaseEnvironment;

const config = migrateConfigFromEnv(process.env);
export const handler = createMigrateHandler(() => new SqlResultsStore(new DataApiExecutor({ ...config, resumeTimeoutMs: RESUME_TIMEOUT_MS })));
