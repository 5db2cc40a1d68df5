import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openResultsStore } from '../results/open-store';
import { failAbandonedLocalRuns } from './abandoned-runs';

describe('Function: failAbandonedLocalRuns', () => {
  it('fails the active runs of this host whose process is gone, and only those', async () => {
    const store = await openResultsStore();
    try {
      const base = { experiment: 'exp', platform: 'local', client_platform: 'local', params: {} };
      await store.createRun({ ...base, id: 'dead', manifest: { host: hostname(), pid: 2 ** 22 + 4321 } });
      await store.createRun({ ...base, id: 'alive', platform: 'openfaas', manifest: { host: hostname(), pid: process.pid } });
      await store.createRun({ ...base, id: 'elsewhere', experiment: 'exp', platform: 'local', manifest: { host: 'another-host', pid: 2 ** 22 + 4321 } });
      expect(await failAbandonedLocalRuns(store, { experiment: 'exp', platform: 'local' })).toEqual(['dead']);
      expect(await store.getRun('dead')).toMatchObject({ status: 'failed', reason: expect.stringContaining('abandoned') });
      expect((await store.getRun('elsewhere'))?.status).toBe('starting');
      expect(await failAbandonedLocalRuns(store, { experiment: 'exp', platform: 'openfaas' })).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
