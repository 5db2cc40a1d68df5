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
import type { SqlResultsStore } from './sql-store';
import { describeStoreContract } from './store.contract';

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
