/**
 * Tests of the migrations custom resource's handler against an in-memory PGlite database: Create
 * applies every migration, a later Update applies only what is new (nothing, here), Delete leaves
 * the database alone, the store is closed after each event, and the environment is read once,
 * naming what is missing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { MIGRATIONS } from '../../lib/results/migrations';
import { PgliteExecutor } from '../../lib/results/pglite-executor';
import type { SqlExecutor } from '../../lib/results/sql-executor';
import { SqlResultsStore } from '../../lib/results/sql-store';
import { MissingEnvironmentError } from '../shared/environment';
import { createMigrateHandler, migrateConfigFromEnv, PHYSICAL_RESOURCE_ID } from './handler';

// The module builds its exported `handler` from the environment at load (hoisted above the imports).
vi.hoisted(() => {
  process.env.AWS_REGION ??= 'eu-west-1';
  process.env.RESULTS_CLUSTER_ARN ??= 'arn:aws:rds:eu-west-1:123456789012:cluster:faas-benchmarker-test-results';
  process.env.RESULTS_SECRET_ARN ??= 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:results-AbCdEf';
  process.env.RESULTS_DATABASE ??= 'faas_benchmarker';
});

const quiet = new Logger({ serviceName: 'migrate-test', logLevel: 'SILENT' });

/** One empty in-memory database (not from the suite's seed) shared by the events; `close` of the per-event store is counted, not done. */
async function sharedDatabase() {
  const db = await PgliteExecutor.open(undefined, { fromSeed: false });
  const state = { opened: 0, closed: 0 };
  const executor: SqlExecutor = {
    kind: db.kind,
    location: db.location,
    query: (sql, params) => db.query(sql, params),
    copyFrom: (table, columns, text) => db.copyFrom(table, columns, text),
    transaction: (fn) => db.transaction(fn),
    close: async () => {
      state.closed++;
    },
  };
  const openStore = () => {
    state.opened++;
    return new SqlResultsStore(executor);
  };
  return { db, state, openStore };
}

describe('Function: createMigrateHandler', () => {
  it('applies every migration on Create, nothing more on a later Update, and closes the store each time', async () => {
    const { db, state, openStore } = await sharedDatabase();
    const handler = createMigrateHandler(openStore, quiet);
    const latest = String(MIGRATIONS.at(-1)?.version);
    try {
      await expect(handler({ RequestType: 'Create' })).resolves.toEqual({
        PhysicalResourceId: PHYSICAL_RESOURCE_ID,
        Data: { LatestVersion: latest, AppliedNow: MIGRATIONS.map((migration) => migration.version).join(',') },
      });
      await expect(handler({ RequestType: 'Update', PhysicalResourceId: PHYSICAL_RESOURCE_ID })).resolves.toEqual({
        PhysicalResourceId: PHYSICAL_RESOURCE_ID,
        Data: { LatestVersion: latest, AppliedNow: '' },
      });
      const { rows } = await db.query<{ version: number }>('select version from schema_migrations order by version');
      expect(rows.map((row) => Number(row.version))).toEqual(MIGRATIONS.map((migration) => migration.version));
      expect(state).toEqual({ opened: 2, closed: 2 });
    } finally {
      await db.close();
    }
  });

  it('keeps the schema on Delete without opening the database', async () => {
    const openStore = vi.fn(() => {
      throw new Error('must not be called');
    });
    const handler = createMigrateHandler(openStore, quiet);
    await expect(handler({ RequestType: 'Delete', PhysicalResourceId: PHYSICAL_RESOURCE_ID })).resolves.toEqual({ PhysicalResourceId: PHYSICAL_RESOURCE_ID });
    expect(openStore).not.toHaveBeenCalled();
  });

  it('fails the event (so CloudFormation rolls back) when a migration fails, still closing the store', async () => {
    let closed = 0;
    const failing = {
      appliedMigrations: async () => [],
      migrate: async () => {
        throw new Error('relation "runs" already exists');
      },
      close: async () => {
        closed++;
      },
    } as unknown as SqlResultsStore;
    const handler = createMigrateHandler(() => failing, quiet);
    await expect(handler({ RequestType: 'Update' })).rejects.toThrow('relation "runs" already exists');
    expect(closed).toBe(1);
  });
});

describe('Function: migrateConfigFromEnv', () => {
  it('reads the Data API target', () => {
    expect(
      migrateConfigFromEnv({ AWS_REGION: 'eu-west-1', RESULTS_CLUSTER_ARN: 'arn:c', RESULTS_SECRET_ARN: 'arn:s', RESULTS_DATABASE: 'db' }),
    ).toEqual({ region: 'eu-west-1', resourceArn: 'arn:c', secretArn: 'arn:s', database: 'db' });
  });

  it.each(['AWS_REGION', 'RESULTS_CLUSTER_ARN', 'RESULTS_SECRET_ARN', 'RESULTS_DATABASE'])('fails naming %s when it is missing', (name) => {
    const env: NodeJS.ProcessEnv = { AWS_REGION: 'eu-west-1', RESULTS_CLUSTER_ARN: 'arn:c', RESULTS_SECRET_ARN: 'arn:s', RESULTS_DATABASE: 'db' };
    delete env[name];
    expect(() => migrateConfigFromEnv(env)).toThrow(MissingEnvironmentError);
    expect(() => migrateConfigFromEnv(env)).toThrow(name);
  });
});
