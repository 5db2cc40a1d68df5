/**
 * The suite's PGlite seed (lib/results/pglite-executor.ts, `usePgliteSeed`): one migrated, empty
 * results database made before the tests and written as a data directory tarball, so the hundreds
 * of stores the tests open (in process, and in the `fb` processes they start) skip PostgreSQL's
 * initdb and the migrations: about 1 s each instead of 3 to 4.
 *
 * The global setup makes it ({@link makePgliteSeed}) and names it in FB_PGLITE_SEED, which the test
 * workers inherit; each worker's setup file hands it to the executor ({@link usePgliteSeedFromEnv}),
 * and `fb` children read it in bin/fb.ts. Tests of a database's very first start (initdb and every
 * migration on an empty database) open theirs with the seed turned off.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openResultsStore } from '../lib/results/open-store';
import { type PgliteExecutor, usePgliteSeed } from '../lib/results/pglite-executor';

export const PGLITE_SEED_ENV = 'FB_PGLITE_SEED';

/** Make the seed in a new temporary directory and return its path. */
export async function makePgliteSeed(): Promise<string> {
  usePgliteSeed(undefined);
  const store = await openResultsStore();
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'fb-pglite-seed-')), 'seed.tar');
    writeFileSync(file, await (store.executor as PgliteExecutor).dumpDataDir());
    return file;
  } finally {
    await store.close();
  }
}

/** In a test worker: start new databases from the suite's seed, when the global setup made one. */
export function usePgliteSeedFromEnv(): void {
  usePgliteSeed(process.env[PGLITE_SEED_ENV] || undefined);
}
