/**
 * The store contract against a real PostgreSQL server (Debian's 15 in CI, the Aurora major line),
 * started for this file on a free loopback port; plus what only a server does: unreachable and
 * vanished servers, and two processes migrating one fresh database at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../../test-support/postgres';
import { ResultsStoreUnavailableError } from './errors';
import { MIGRATIONS } from './migrations';
import { openResultsStore } from './open-store';
import { describeStoreContract } from './store.contract';

let server: TestPostgres | undefined;

beforeAll(async () => {
  server = await startTestPostgres();
});

afterAll(async () => {
  await server?.stop();
});

const url = () => {
  if (!server) throw new Error('server not started');
  return server.url;
};

describeStoreContract('PostgreSQL', { open: () => openResultsStore({ databaseUrl: url() }) });

describe('openResultsStore with a database URL', () => {
  it('fails with ResultsStoreUnavailableError, without the password, when nothing listens', async () => {
    const error = await openResultsStore({ databaseUrl: 'postgres://fb:s3cret-pw@127.0.0.1:1/results', connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsStoreUnavailableError);
    expect((error as Error).message).toMatch(/^results store unavailable at postgres:\/\/fb:\*\*\*@127\.0\.0\.1:1\/results: .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('fails with ResultsStoreUnavailableError for a database that does not exist', async () => {
    const missing = url().replace(/\/postgres$/, '/no_such_db');
    await expect(openResultsStore({ databaseUrl: missing })).rejects.toBeInstanceOf(ResultsStoreUnavailableError);
  });

  it('lets two processes migrate one fresh database at once', async () => {
    const admin = await openResultsStore({ databaseUrl: url() });
    try {
      await admin.executor.query('create database concurrent_migrations');
      const fresh = url().replace(/\/postgres$/, '/concurrent_migrations');
      const stores = await Promise.all([openResultsStore({ databaseUrl: fresh }), openResultsStore({ databaseUrl: fresh })]);
      try {
        for (const store of stores) expect((await store.appliedMigrations()).map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    } finally {
      await admin.close();
    }
  });

  // Last in the file: it stops the shared server (afterAll's stop is then a no-op).
  it('reports a server that went away as ResultsStoreUnavailableError', async () => {
    const store = await openResultsStore({ databaseUrl: url(), connectTimeoutMs: 2000 });
    try {
      await server?.stop();
      await expect(store.listRuns()).rejects.toBeInstanceOf(ResultsStoreUnavailableError);
      await expect(store.listRuns()).rejects.toThrow(/^results store unavailable at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres: /);
    } finally {
      await store.close();
    }
  });
});
