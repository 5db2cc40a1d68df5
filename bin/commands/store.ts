import { join } from 'node:path';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import { openSharedStore } from '../../lib/results/store-host';

export interface CliStoreHooks {
  /** Told when this process becomes the host of the embedded store (it opens PGlite itself). */
  onHost?: () => void;
}

/**
 * The results store the CLI uses, chosen at the edge: a PostgreSQL server when `FB_DATABASE_URL`
 * is set, else embedded PGlite with its data under `.fb/` in the working directory, shared with
 * any other `fb` process using the same directory (see lib/results/store-host.ts).
 */
export function openCliStore(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), hooks: CliStoreHooks = {}): Promise<ResultsStore> {
  const databaseUrl = env.FB_DATABASE_URL || undefined;
  if (databaseUrl) return openResultsStore({ databaseUrl });
  const dataDir = join(cwd, '.fb', 'pglite');
  return openSharedStore({
    dataDir,
    openLocal: () => {
      hooks.onHost?.();
      return openResultsStore({ dataDir });
    },
    onWait: (clients) => console.error(`waiting for ${clients} other fb process(es) using .fb/ to finish…`),
  });
}

/** Open the store, run `work`, and always close it. */
export async function withStore<T>(work: (store: ResultsStore) => Promise<T>): Promise<T> {
  const store = await openCliStore();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
