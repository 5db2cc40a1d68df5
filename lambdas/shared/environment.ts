import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type CallbackSigningKeySource, secretsManagerCallbackKey } from '../../lib/callback/signing-key';
import { SqlCallbackRegistry } from '../../lib/callback/sql-registry';
import { importStagedRunResults, stageRunResultsForImport } from '../../lib/control-plane/aurora-import';
import { presignResultsUpload, rawResultsLocation, readResultsFrom } from '../../lib/control-plane/results-transfer';
import type { StepDependencies } from '../../lib/control-plane/steps';
import { DataApiExecutor } from '../../lib/results/data-api-executor';
import { SqlResultsStore } from '../../lib/results/sql-store';
import { callbackIssuer } from '../../lib/callback/registry';
import type { CloudPlatformsConfig } from '../../lib/config/cloud-config';
import { DEPLOYED_HEARTBEAT_INTERVAL_MS } from '../../lib/cost/assumptions';
import { cloudConfigFromEnvironment, cloudPlatforms } from './cloud-step-dependencies';

export class MissingEnvironmentError extends Error {
  override name = 'MissingEnvironmentError';
}

/** The control plane's Lambda environment, read once at module load (the edge), named on failure. */
export interface ControlPlaneEnvironment {
  region: string;
  resultsClusterArn: string;
  resultsSecretArn: string;
  resultsDatabase: string;
  resultsBucket: string;
  callbackUrl: string;
  /** The RunAgent Task's TimeoutSeconds, for the callback's expiry. */
  agentTimeoutSeconds: number;
  /**
   * The Secrets Manager secret of the callback signing key (`CALLBACK_SIGNING_KEY_SECRET_ARN`); set,
   * and readable, only for StartAgent, the one step that issues callback secrets. Undefined: issuing
   * one fails with MissingEnvironmentError.
   */
  callbackSigningKeySecretArn: string | undefined;
  /** The cloud platforms' resources (`FB_CLOUD_CONFIG`); undefined: none. */
  cloud: CloudPlatformsConfig | undefined;
}

/** A variable that must be set, or a MissingEnvironmentError naming it. */
export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new MissingEnvironmentError(`environment variable ${name} is not set`);
  return value;
}

/** Where the results database is, for a Data API client. */
export function resultsDatabaseEnvironment(env: NodeJS.ProcessEnv): { region: string; resourceArn: string; secretArn: string; database: string } {
  return {
    region: requireEnv(env, 'AWS_REGION'),
    resourceArn: requireEnv(env, 'RESULTS_CLUSTER_ARN'),
    secretArn: requireEnv(env, 'RESULTS_SECRET_ARN'),
    database: requireEnv(env, 'RESULTS_DATABASE'),
  };
}

export function controlPlaneEnvironment(env: NodeJS.ProcessEnv): ControlPlaneEnvironment {
  const required = (name: string): string => requireEnv(env, name);
  return {
    region: required('AWS_REGION'),
    resultsClusterArn: required('RESULTS_CLUSTER_ARN'),
    resultsSecretArn: required('RESULTS_SECRET_ARN'),
    resultsDatabase: required('RESULTS_DATABASE'),
    resultsBucket: required('RESULTS_BUCKET'),
    callbackUrl: required('CALLBACK_URL'),
    agentTimeoutSeconds: Number(env.AGENT_TIMEOUT_SECONDS ?? 90_000),
    callbackSigningKeySecretArn: env.CALLBACK_SIGNING_KEY_SECRET_ARN || undefined,
    cloud: cloudConfigFromEnvironment(env),
  };
}

/** StartAgent's callback signing key, read from Secrets Manager on the first secret it issues. */
function callbackSigningKeyOf(environment: ControlPlaneEnvironment): CallbackSigningKeySource {
  const secretArn = environment.callbackSigningKeySecretArn;
  if (!secretArn) return () => Promise.reject(new MissingEnvironmentError('environment variable CALLBACK_SIGNING_KEY_SECRET_ARN is not set'));
  return secretsManagerCallbackKey(new SecretsManagerClient({ region: environment.region }), secretArn);
}

/**
 * The step dependencies in AWS: the results store and callback registry through the Data API
 * (Aurora may be resuming from zero: keep trying for a minute), and the provisioners and clients
 * of the cloud platforms the deployment enables (lambdas/shared/cloud-step-dependencies.ts); a run on
 * any other platform fails at ValidateInput with PlatformNotAvailableError, saying what it lacks.
 */
export function stepDependenciesFromEnvironment(environment: ControlPlaneEnvironment): StepDependencies {
  const executor = new DataApiExecutor({
    region: environment.region,
    resourceArn: environment.resultsClusterArn,
    secretArn: environment.resultsSecretArn,
    database: environment.resultsDatabase,
    resumeTimeoutMs: 60_000,
  });
  const registry = new SqlCallbackRegistry(executor);
  const s3 = new S3Client({ region: environment.region });
  const store = new SqlResultsStore(executor);
  const cloud = cloudPlatforms(environment.cloud, environment.region, { s3 });
  return {
    store,
    provisioners: cloud.provisioners,
    clients: cloud.clients,
    unavailable: cloud.unavailable,
    callbacks: callbackIssuer(registry, environment.callbackUrl, environment.agentTimeoutSeconds * 1000, callbackSigningKeyOf(environment)),
    resultsLocation: (runId) => rawResultsLocation(environment.resultsBucket, runId),
    resultsUploadUrl: (location) => presignResultsUpload(s3, location, environment.agentTimeoutSeconds),
    readResults: (location) => readResultsFrom(location, s3),
    // Aurora loads the rows itself from S3 (aws_s3.table_import_from_s3), then swaps them in in one transaction.
    importResults: async (runId, location) => {
      const rows = await readResultsFrom(location, s3);
      const staged = await stageRunResultsForImport(s3, { bucket: environment.resultsBucket, runId, ...rows });
      await importStagedRunResults(store, { ...staged, region: environment.region });
      return {
        invocations: staged.invocationCount,
        experimentRows: staged.experimentRowCount,
        ...(rows.missing ? { missing: true as const } : {}),
        ...(rows.tornLastLine === undefined ? {} : { tornLastLine: rows.tornLastLine }),
      };
    },
    heartbeatIntervalMs: DEPLOYED_HEARTBEAT_INTERVAL_MS,
    // Its state transitions, Data API and S3 requests are billed: each run's cost estimate counts them.
    controlPlane: 'deployed',
  };
}
