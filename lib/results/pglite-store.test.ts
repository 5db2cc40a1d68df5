/**
 * The store contract against embedded PGlite, file-backed in a temporary directory (so the
 * persistence test reopens a real data dir), plus what only PGlite does: creating its directory.
 * The contract's suite opens it twice: fresh (~3-5 s, initdb in WASM) and reopened (~0.7 s).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openResultsStore } from './open-store';
import { SqlResultsStore } from './sql-store';
import { describeStoreContract, invocationRow, newRun } from './store.contract';

let root = '';
let dataDir = '';

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fb-pglite-'));
  // Two levels that do not exist yet: openResultsStore creates them.
  dataDir = path.join(root, '.fb', 'pglite');
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

let lastOpened: SqlResultsStore | undefined;

// An empty database URL (an unset FB_DATABASE_URL passed through) means PGlite.
describeStoreContract('PGlite', {
  open: async () => {
    lastOpened = await openResultsStore({ databaseUrl: '', dataDir });
    return lastOpened;
  },
});

describe('openResultsStore without a database URL', () => {
  it('used PGlite and created its data directory', () => {
    expect(lastOpened?.executor.kind).toBe('pglite');
    expect(lastOpened?.executor.location).toBe(path.resolve(dataDir));
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
  });
});

describe('Reading a run back in pages', () => {
  it('returns every row in order whatever the page size (the Data API caps one answer at 1 MiB)', async () => {
    const store = await openResultsStore({ readPageRows: 2 });
    try {
      await store.createRun(newRun('paged'));
      await store.insertInvocations([0, 1, 2, 3, 4].map((seq) => invocationRow('paged', seq)));
      await store.insertExperimentRows([
        { run_id: 'paged', table_name: 'b', seq: 0, data: { n: 0 } },
        { run_id: 'paged', table_name: 'a', seq: 1, data: { n: 1 } },
        { run_id: 'paged', table_name: 'a', seq: 0, data: { n: 2 } },
        { run_id: 'paged', table_name: 'b', seq: 1, data: { n: 3 } },
        { run_id: 'paged', table_name: 'a', seq: 2, data: { n: 4 } },
      ]);
      expect((await store.invocations('paged')).map((row) => row.seq)).toEqual([0, 1, 2, 3, 4]);
      expect(await store.experimentRows('paged')).toEqual({ a: [{ n: 2 }, { n: 1 }, { n: 4 }], b: [{ n: 0 }, { n: 3 }] });
      expect(() => new SqlResultsStore(store.executor, { readPageRows: 0 })).toThrow(RangeError);
    } finally {
      await store.close();
    }
  });
});
