/**
 * New PGlite databases started from a seed (pglite-executor.ts, `usePgliteSeed`) are the same as
 * ones made by initdb and the migrations, and a seed never touches a database that exists. The
 * suite runs with a seed (test-support/pglite-seed.ts); these tests also open databases without.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { usePgliteSeedFromEnv } from '../../test-support/pglite-seed';
import { MIGRATIONS } from './migrations';
import { openResultsStore } from './open-store';
import { usePgliteSeed } from './pglite-executor';
import type { SqlResultsStore } from './sql-store';
import { newRun, newRunId } from './store.contract';

afterEach(() => usePgliteSeedFromEnv());

async function schemaOf(store: SqlResultsStore): Promise<{ migrations: number[]; columns: string[] }> {
  const { rows } = await store.executor.query<{ column: string }>(
    `select table_name || '.' || column_name || ' ' || data_type as column from information_schema.columns
     where table_schema = 'public' order by table_name, ordinal_position`,
  );
  return { migrations: (await store.appliedMigrations()).map((migration) => migration.version), columns: rows.map((row) => row.column) };
}

describe('PGlite seed', () => {
  it('gives a new database the schema initdb and every migration give, in memory and in a directory', async () => {
    expect(process.env.FB_PGLITE_SEED, 'the global setup names the seed').toMatch(/seed\.tar$/);
    usePgliteSeed(undefined);
    const fresh = await openResultsStore();
    const expected = await schemaOf(fresh);
    await fresh.close();
    expect(expected.migrations).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(expected.columns).toContain('invocations.run_id text');

    usePgliteSeedFromEnv();
    for (const dataDir of [undefined, join(mkdtempSync(join(tmpdir(), 'fb-seeded-')), 'pglite')]) {
      const seeded = await openResultsStore(dataDir ? { dataDir } : {});
      expect(await schemaOf(seeded)).toEqual(expected);
      expect(await seeded.listRuns()).toEqual([]);
      await seeded.close();
    }
  });

  it('leaves a data directory that holds a database as it is', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'fb-seeded-')), 'pglite');
    const runId = newRunId('seeded');
    const first = await openResultsStore({ dataDir });
    await first.createRun(newRun(runId));
    await first.close();
    const again = await openResultsStore({ dataDir });
    expect((await again.listRuns()).map((run) => run.id)).toEqual([runId]);
    await again.close();
  });
});
