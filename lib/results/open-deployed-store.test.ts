/**
 * Opening a deployed results database from the CLI side: through a real RDS Data API client
 * against the fake endpoint (test-support/fake-data-api.ts), without migrating it, refusing a
 * schema this code cannot read, waiting (and saying so once) while Aurora resumes, and naming
 * missing credentials.
 */
import { RDSDataClient, type RDSDataClientConfig } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDataApi, startFakeDataApi } from '../../test-support/fake-data-api';
import { DataApiExecutor } from './data-api-executor';
import { AwsCredentialsError } from './deployed-errors';
import { runMigrations } from './migrate';
import { MIGRATIONS } from './migrations';
import { openDeployedResultsStore } from './open-deployed-store';
import { checkReadableSchema, ResultsSchemaMismatchError } from './schema-check';
import { SqlResultsStore } from './sql-store';
import { newRun } from './store.contract';

const TARGET = {
  clusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:faas-benchmarker-dev-results',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b-AbCdEf',
  database: 'results',
};
const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

let fake: FakeDataApi;
const clients: RDSDataClient[] = [];

function client(credentials: RDSDataClientConfig['credentials'] = { accessKeyId: 'x', secretAccessKey: 'y' }): RDSDataClient {
  const made = new RDSDataClient({ endpoint: fake.url, region: 'eu-west-1', credentials, maxAttempts: 1 });
  clients.push(made);
  return made;
}

const open = (options: { onResumeWait?: () => void } = {}) =>
  openDeployedResultsStore({ target: TARGET, region: 'eu-west-1', client: client(), resumeRetryIntervalMs: 10, resumeTimeoutMs: 5_000, ...options });

beforeAll(async () => {
  fake = await startFakeDataApi();
  const executor = new DataApiExecutor({ client: client(), resourceArn: TARGET.clusterArn, secretArn: TARGET.secretArn, database: TARGET.database });
  await runMigrations(executor);
  await new SqlResultsStore(executor).createRun(newRun('deployed-run-1'));
});

afterAll(async () => {
  for (const made of clients) made.destroy();
  await fake?.close();
});

describe('openDeployedResultsStore', () => {
  it('reads a database at the current schema without changing it', async () => {
    const from = fake.requests.length;
    const store = await open();
    try {
      expect((await store.listRuns()).map((run) => run.id)).toEqual(['deployed-run-1']);
    } finally {
      await store.close();
    }
    const sent = fake.requests.slice(from).map((request) => request.sql ?? request.operation);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.filter((sql) => /\b(create|alter|insert|update|delete|drop)\b|advisory|BeginTransaction/i.test(sql))).toEqual([]);
  });

  it('refuses a database older than this code, naming both versions and how to migrate it', async () => {
    await fake.db.query('delete from schema_migrations where version = $1', [LATEST]);
    try {
      const error = await open().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResultsSchemaMismatchError);
      expect(error).toMatchObject({ name: 'ResultsSchemaMismatchError', databaseVersion: LATEST - 1, codeVersion: LATEST });
      expect((error as Error).message).toBe(
        `the results database at Data API ${TARGET.clusterArn} database results has schema version ${LATEST - 1}, this fb reads version ${LATEST}: ` +
          'deploy the stage again with this version (its deployment migrates the database), or use the fb version it was deployed with',
      );
    } finally {
      const migration = MIGRATIONS.at(-1);
      await fake.db.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, now())', [migration?.version, migration?.name]);
    }
  });

  it('refuses a database newer than this code', async () => {
    await fake.db.query(`insert into schema_migrations (version, name, applied_at) values ($1, 'from-the-future', now())`, [LATEST + 1]);
    try {
      const error = await open().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ResultsSchemaMismatchError', databaseVersion: LATEST + 1, codeVersion: LATEST });
      expect((error as Error).message).toMatch(/deployed by a newer version: update this checkout/);
    } finally {
      await fake.db.query('delete from schema_migrations where version = $1', [LATEST + 1]);
    }
  });

  it('refuses a database that has a migration this code does not know, and one with no schema at all', async () => {
    const executor = new DataApiExecutor({ client: client(), resourceArn: TARGET.clusterArn, secretArn: TARGET.secretArn, database: TARGET.database });
    const without = MIGRATIONS.filter((migration) => migration.version !== 2);
    await expect(checkReadableSchema(executor, { location: 'here', migrations: without })).rejects.toThrow(/migrations this fb does not know \(2 callbacks\)/);
    await expect(checkReadableSchema(executor, { location: 'here' })).resolves.toBe(LATEST);
    const empty = await startFakeDataApi();
    try {
      const emptyClient = new RDSDataClient({ endpoint: empty.url, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      clients.push(emptyClient);
      const store = openDeployedResultsStore({ target: TARGET, region: 'eu-west-1', client: emptyClient });
      await expect(store).rejects.toMatchObject({ name: 'ResultsSchemaMismatchError', databaseVersion: 0 });
      expect(await empty.db.query(`select to_regclass('runs') as runs`)).toMatchObject({ rows: [{ runs: null }] });
    } finally {
      await empty.close();
    }
  });

  it('waits while the database resumes, telling the caller once', async () => {
    fake.failNext('DatabaseResumingException', 3);
    let told = 0;
    const store = await open({ onResumeWait: () => told++ });
    try {
      expect(told).toBe(1);
      expect(await store.getRun('deployed-run-1')).toMatchObject({ status: 'starting' });
    } finally {
      await store.close();
    }
  });

  it('names missing credentials', async () => {
    const noCredentials = () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const error = await openDeployedResultsStore({ target: TARGET, region: 'eu-west-1', client: client(noCredentials) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCredentialsError);
    expect((error as Error).message).toMatch(/^no AWS credentials for reading Data API arn:aws:rds:.* database results: set AWS_PROFILE/);
  });
});
