/**
 * The results store the CLI uses, chosen at the edge from `--stage`/`--region` and the
 * environment (lib/results/results-location.ts has the rules): a deployed stage's Aurora through
 * the RDS Data API (`--stage <name>` or `FB_RESULTS`), a PostgreSQL server (`FB_DATABASE_URL`),
 * or embedded PGlite with its data under `.fb/` in the working directory, shared with any other
 * `fb` process using the same directory (lib/results/store-host.ts).
 *
 * A deployed database is opened without migrating it (its deployment owns the schema) and after
 * checking that its schema version is the one this code reads. Region, credentials and endpoints
 * of the AWS clients come from the SDK's default chain (`AWS_PROFILE`, `AWS_REGION`,
 * `AWS_ENDPOINT_URL_CLOUDFORMATION`, `AWS_ENDPOINT_URL_RDS_DATA`, …), which the SDK reads itself.
 */
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { openDeployedResultsStore } from '../../lib/results/open-deployed-store';
import { openResultsStore } from '../../lib/results/open-store';
import { describeResultsLocation, type ResultsLocation, resolveResultsLocation } from '../../lib/results/results-location';
import { findStageResults } from '../../lib/results/stage-results';
import type { ResultsStore } from '../../lib/results/store';
import { openSharedStore } from '../../lib/results/store-host';

export interface CliStoreOptions {
  /** `--stage <name>`: read that deployed stage's results. */
  stage?: string;
  /** `--region <region>`: where the stage's stacks are (default: the AWS SDK's). */
  region?: string;
  /**
   * The store runs on this machine write to (`fb run` on the local control plane). Those write in
   * bulk with COPY, which the Data API lacks, so a deployed location is refused rather than
   * failing after the run.
   */
  forLocalRuns?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Told when this process becomes the host of the embedded store (it opens PGlite itself). */
  onHost?: () => void;
}

/** Local runs cannot store into a deployed results database. */
export class DeployedStoreNotWritableError extends Error {
  override name = 'DeployedStoreNotWritableError';
}

export const RESUME_WAIT_LINE = 'waiting for the results database to resume (Aurora scales up from zero capacity, about 15 s)…';

export async function openCliStore(options: CliStoreOptions = {}): Promise<ResultsStore> {
  const env = options.env ?? process.env;
  const location = resolveResultsLocation({ stage: options.stage, region: options.region, results: env.FB_RESULTS, databaseUrl: env.FB_DATABASE_URL });
  if (options.forLocalRuns && (location.kind === 'stage' || location.kind === 'data-api')) {
    throw new DeployedStoreNotWritableError(
      `FB_RESULTS names a deployed results database (${describeResultsLocation(location)}), which runs on this machine cannot store into: unset FB_RESULTS to run locally`,
    );
  }
  return openAt(location, options.cwd ?? process.cwd(), options.onHost);
}

async function openAt(location: ResultsLocation, cwd: string, onHost?: () => void): Promise<ResultsStore> {
  const onResumeWait = () => console.error(RESUME_WAIT_LINE);
  switch (location.kind) {
    case 'stage': {
      const cloudFormation = new CloudFormationClient(location.region ? { region: location.region } : {});
      try {
        const found = await findStageResults(cloudFormation, location.stage);
        return await openDeployedResultsStore({ target: found, region: found.region, onResumeWait });
      } finally {
        cloudFormation.destroy();
      }
    }
    case 'data-api':
      return openDeployedResultsStore({ target: location.target, region: location.region, onResumeWait });
    case 'postgres':
      return openResultsStore({ databaseUrl: location.databaseUrl });
    case 'embedded': {
      const dataDir = join(cwd, '.fb', 'pglite');
      return openSharedStore({
        dataDir,
        openLocal: () => {
          onHost?.();
          return openResultsStore({ dataDir });
        },
        onWait: (clients) => console.error(`waiting for ${clients} other fb process(es) using .fb/ to finish…`),
      });
    }
  }
}

/** Open the store, run `work`, and always close it. */
export async function withStore<T>(work: (store: ResultsStore) => Promise<T>, options: CliStoreOptions = {}): Promise<T> {
  const store = await openCliStore(options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
