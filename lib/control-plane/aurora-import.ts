/**
 * Bulk import of a run's results into Aurora PostgreSQL through S3, for CollectResults in the
 * cloud: the Data API has no COPY, and sending a large run as batched INSERTs is slow and
 * bounded by the service's request limits, so the rows go to the results bucket as COPY TEXT
 * files and Aurora loads them itself with `aws_s3.table_import_from_s3`.
 *
 * Two steps:
 * - {@link stageRunResultsForImport} encodes the invocations and experiment rows with the store's
 *   COPY encoder (copy-encoder.ts, the same columns in the same order as COPY from the store) and
 *   uploads them as `raw/<runId>/invocations.tsv` and `raw/<runId>/experiment_rows.tsv` next to
 *   the agent's `raw/<runId>.ndjson`. Rows are checked here (types, run id), so a bad row fails
 *   with its index before anything reaches the database.
 * - {@link importStagedRunResults} has the store replace the run's rows with those files
 *   (SqlResultsStore.importRunResultsFromS3, lib/results/s3-import.ts): Aurora loads each file into
 *   a staging table by a statement that may outlive the Data API's 45 s call, the import waits for
 *   it up to {@link IMPORT_WAIT_MS}, then one transaction swaps the rows in. CollectResults can be
 *   retried: staging overwrites the same keys, a retry resumes waiting for a load still running
 *   (ImportStillRunningError is retried by name), and the import replaces, never appends.
 *
 * The cluster must have an IAM role for the `s3Import` feature that can read the bucket's
 * `raw/` prefix; the Lambda that stages needs PutObject there.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { encodeCopyChunks } from '../results/copy-encoder';
import { EXPERIMENT_ROW_COPY_COLUMNS, INVOCATION_COPY_COLUMNS, type SqlResultsStore } from '../results/sql-store';
import type { S3ImportOptions } from '../results/s3-import';
import type { ExperimentRow, InvocationRow } from '../results/types';
import { describe } from '../errors/describe';
import { isTransientAwsError } from '../platforms/aws/transient';
import { ImportTransientError } from './results-transfer';

/** Where a run's staged files are and how many rows each holds: what the import needs. */
export interface StagedRunResults {
  bucket: string;
  runId: string;
  invocationsKey: string;
  invocationCount: number;
  experimentRowsKey: string;
  experimentRowCount: number;
}

export const TSV_CONTENT_TYPE = 'text/tab-separated-values';

/** The keys a run's COPY TEXT files are staged under. */
export function stagedResultKeys(runId: string): { invocationsKey: string; experimentRowsKey: string } {
  return { invocationsKey: `raw/${runId}/invocations.tsv`, experimentRowsKey: `raw/${runId}/experiment_rows.tsv` };
}

/**
 * Encode a run's rows as COPY TEXT and upload them to the results bucket (both files, also when
 * empty, so the keys always hold this run's latest rows).
 * @throws RangeError when a row belongs to another run; CopyEncodingError for a value its column
 * cannot take; ImportTransientError when S3 throttles or fails on its side (worth retrying).
 */
export async function stageRunResultsForImport(
  s3: S3Client,
  input: { bucket: string; runId: string; invocations: readonly InvocationRow[]; experimentRows: readonly ExperimentRow[] },
): Promise<StagedRunResults> {
  const { bucket, runId, invocations, experimentRows } = input;
  const foreign = [...invocations, ...experimentRows].find((row) => row.run_id !== runId);
  if (foreign) throw new RangeError(`stageRunResultsForImport(${runId}) got a row of run ${foreign.run_id}`);
  // Encode both before uploading either, so an encoding error leaves the bucket untouched.
  const invocationsText = [...encodeCopyChunks(invocations, INVOCATION_COPY_COLUMNS)].join('');
  const experimentRowsText = [...encodeCopyChunks(experimentRows, EXPERIMENT_ROW_COPY_COLUMNS)].join('');
  const keys = stagedResultKeys(runId);
  try {
    await Promise.all([
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys.invocationsKey, Body: invocationsText, ContentType: TSV_CONTENT_TYPE })),
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys.experimentRowsKey, Body: experimentRowsText, ContentType: TSV_CONTENT_TYPE })),
    ]);
  } catch (error) {
    // Staging overwrites the same keys, so CollectResults can simply run again.
    if (isTransientAwsError(error)) throw new ImportTransientError(`could not stage run ${runId}'s results in s3://${bucket}/raw/${runId}/: ${describe(error)}`, { cause: error });
    throw error;
  }
  return { bucket, runId, ...keys, invocationCount: invocations.length, experimentRowCount: experimentRows.length };
}

/**
 * How long CollectResults waits for a load that outlived its Data API call. Its Lambda may run 900 s;
 * reading and staging the agent's file takes well under a minute even for the largest experiment,
 * so ten minutes of waiting leaves a wide margin, and a load longer still is waited for again by the
 * Task's retry.
 */
export const IMPORT_WAIT_MS = 10 * 60_000;

/**
 * Replace the run's rows in the store with the staged files (idempotent: importing twice leaves
 * the rows once). `region` is the bucket's region.
 * @throws RunNotFoundError when the run does not exist; ImportStillRunningError when a load is
 * still running after `options.waitMs` (default {@link IMPORT_WAIT_MS}).
 */
export function importStagedRunResults(store: SqlResultsStore, staged: StagedRunResults & { region: string }, options: S3ImportOptions = {}): Promise<void> {
  const { runId, ...files } = staged;
  return store.importRunResultsFromS3(runId, files, { waitMs: IMPORT_WAIT_MS, ...options });
}
