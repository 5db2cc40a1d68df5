/**
 * Opening a deployed stage's results database (Aurora through the RDS Data API) from outside the
 * deployment, for the CLI and anything else that reads results: no migrations (the deployment
 * owns the schema; schema-check.ts refuses a version this code cannot read), and patience while
 * Aurora resumes from zero ACUs, with a hook so the caller can say that it is waiting.
 *
 * The Data API client is made for `region` unless one is given; its endpoint and credentials come
 * from the AWS SDK's own configuration (e.g. `AWS_ENDPOINT_URL_RDS_DATA`, `AWS_PROFILE`), which
 * the SDK reads itself.
 */
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiExecutor } from './data-api-executor';
import { mapAwsSetupError } from './deployed-errors';
import type { DataApiTarget } from './results-location';
import { checkReadableSchema } from './schema-check';
import { SqlResultsStore } from './sql-store';

/** How long to wait for Aurora to resume from zero ACUs (it takes about 15 s, sometimes more). */
export const DEFAULT_RESUME_TIMEOUT_MS = 90_000;

export interface OpenDeployedStoreOptions {
  target: DataApiTarget;
  /** The cluster's region, for the client made when `client` is absent. */
  region: string;
  client?: RDSDataClient;
  /** Default {@link DEFAULT_RESUME_TIMEOUT_MS}. */
  resumeTimeoutMs?: number;
  /** Default 2 s. */
  resumeRetryIntervalMs?: number;
  /** Called once, when the first call finds the database resuming. */
  onResumeWait?: () => void;
}

/**
 * Open the store and check its schema version.
 * @throws ResultsSchemaMismatchError, ResultsStoreUnavailableError (DataApiUnavailableError),
 * AwsCredentialsError, AwsRegionMissingError
 */
export async function openDeployedResultsStore(options: OpenDeployedStoreOptions): Promise<SqlResultsStore> {
  let told = false;
  const executor = new DataApiExecutor({
    ...(options.client ? { client: options.client } : { region: options.region }),
    resourceArn: options.target.clusterArn,
    secretArn: options.target.secretArn,
    database: options.target.database,
    resumeTimeoutMs: options.resumeTimeoutMs ?? DEFAULT_RESUME_TIMEOUT_MS,
    resumeRetryIntervalMs: options.resumeRetryIntervalMs ?? 2_000,
    onResumeWait: () => {
      if (told) return;
      told = true;
      options.onResumeWait?.();
    },
  });
  try {
    await checkReadableSchema(executor, { location: executor.location });
  } catch (error) {
    await executor.close();
    throw mapAwsSetupError(error, `reading ${executor.location}`);
  }
  return new SqlResultsStore(executor);
}
