import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openResultsStore } from '../results/open-store';
import type { SqlResultsStore } from '../results/sql-store';
import { SqlCallbackRegistry } from './sql-registry';

let store: SqlResultsStore;
let registry: SqlCallbackRegistry;

beforeAll(async () => {
  store = await openResultsStore();
  registry = new SqlCallbackRegistry(store.executor);
  await store.createRun({ id: 'run-1', experiment: 'e', platform: 'local', client_platform: 'local', params: {}, manifest: {} });
});

afterAll(async () => {
  await store?.close();
});

describe('Class: SqlCallbackRegistry', () => {
  it('stores a registration and finds it, with the hash and never a secret', async () => {
    const expiresAt = new Date('2026-11-27T12:00:00.000Z');
    await registry.register({ runId: 'run-1', secretHash: 'h1', taskToken: 't1', expiresAt });
    expect(await registry.find('run-1')).toEqual({ runId: 'run-1', secretHash: 'h1', taskToken: 't1', expiresAt, used: false });
    expect(await registry.find('nope')).toBeUndefined();
  });

  it('lets exactly one of concurrent claims win, and a release make it claimable again', async () => {
    await registry.register({ runId: 'run-1', secretHash: 'h2', taskToken: 't2', expiresAt: new Date(Date.now() + 60_000) });
    const claims = await Promise.all([registry.markUsed('run-1'), registry.markUsed('run-1'), registry.markUsed('run-1')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await registry.find('run-1'))?.used).toBe(true);
    await registry.release('run-1');
    expect(await registry.markUsed('run-1')).toBe(true);
    expect(await registry.markUsed('unknown')).toBe(false);
  });

  it('replaces the entry when a run registers again (a new task token and secret)', async () => {
    await registry.register({ runId: 'run-1', secretHash: 'h3', taskToken: 't3', expiresAt: new Date(Date.now() + 60_000) });
    expect(await registry.find('run-1')).toMatchObject({ secretHash: 'h3', taskToken: 't3', used: false });
  });

  it('deletes a run\'s entry, token and hash, when the run has ended (and again is a no-op)', async () => {
    await registry.remove('run-1');
    expect(await registry.find('run-1')).toBeUndefined();
    const { rows } = await store.executor.query<{ n: number }>('select count(*)::int as n from callbacks where run_id = $1', ['run-1']);
    expect(rows[0]?.n).toBe(0);
    await registry.remove('run-1');
  });
});
