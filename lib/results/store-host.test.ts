import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResultsStore } from './store';
import { openSharedStore } from './store-host';
import type { NewRun, RunRow } from './types';

/** An in-memory stand-in for the PGlite store: the host logic is what is under test here. */
function memoryStore(closed: { value: boolean }): ResultsStore {
  const runs: RunRow[] = [];
  const unsupported = async () => {
    throw new Error('not used here');
  };
  return {
    migrate: async () => undefined,
    createRun: async (run: NewRun) => {
      const row: RunRow = { ...run, execution_id: null, status: 'starting', status_history: [], reason: null, started_at: new Date().toISOString(), ended_at: null, invocation_count: 0, cost_estimate: null, result: null };
      runs.push(row);
      return row;
    },
    setRunStatus: async (runId: string) => {
      if (!runs.some((run) => run.id === runId)) {
        const error = new Error(`no run ${runId}`);
        error.name = 'RunNotFoundError';
        throw error;
      }
    },
    setRunResult: unsupported,
    mergeRunManifest: unsupported,
    setRunCost: unsupported,
    insertInvocations: unsupported,
    insertExperimentRows: unsupported,
    importRunResults: unsupported,
    listRuns: async () => [...runs],
    getRun: async (id: string) => runs.find((run) => run.id === id),
    summarize: async () => [],
    invocationUsage: async () => [],
    instanceActivity: async () => [],
    experimentRows: async () => ({}),
    invocations: async () => [],
    close: async () => {
      closed.value = true;
    },
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fb-host-'));
  dirs.push(dir);
  return join(dir, 'pglite');
}

const newRun = (id: string): NewRun => ({ id, experiment: 'e', platform: 'local', client_platform: 'local', params: {}, manifest: {} });

describe('Function: openSharedStore', () => {
  it('makes the first opener the host and later openers its clients, sharing one store', async () => {
    const dataDir = scratch();
    const closed = { value: false };
    let opened = 0;
    const openLocal = async () => {
      opened += 1;
      return memoryStore(closed);
    };
    const host = await openSharedStore({ dataDir, openLocal });
    const lock = JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, port: expect.any(Number), token: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(statSync(`${dataDir}.lock`).mode & 0o777).toBe(0o600);

    const client = await openSharedStore({ dataDir, openLocal });
    expect(opened).toBe(1);
    await client.createRun(newRun('run-a'));
    expect((await host.listRuns()).map((run) => run.id)).toEqual(['run-a']);
    expect((await client.getRun('run-a'))?.id).toBe('run-a');
    expect(await client.getRun('nope')).toBeUndefined();
    // Errors keep their name across the process boundary.
    await expect(client.setRunStatus('nope', 'failed')).rejects.toMatchObject({ name: 'RunNotFoundError', message: 'no run nope' });

    // The host waits for its client before it closes the store.
    const hostClosing = (async () => {
      await sleep(10);
      return host.close();
    })();
    await sleep(300);
    expect(closed.value).toBe(false);
    await client.close();
    await hostClosing;
    expect(closed.value).toBe(true);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('refuses callers without the token', async () => {
    const dataDir = scratch();
    const host = await openSharedStore({ dataDir, openLocal: async () => memoryStore({ value: false }) });
    const { port } = JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'));
    const response = await fetch(`http://127.0.0.1:${port}/listRuns`, { method: 'POST', body: '[]' });
    expect(response.status).toBe(401);
    await host.close();
  });

  it('takes over the lock of a host that died', async () => {
    const dataDir = scratch();
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, port: 1, token: 'x' }));
    let opened = 0;
    const store = await openSharedStore({
      dataDir,
      openLocal: async () => {
        opened += 1;
        return memoryStore({ value: false });
      },
    });
    expect(opened).toBe(1);
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8')).pid).toBe(process.pid);
    await store.close();
  });

  it('removes its lock when opening the local store fails', async () => {
    const dataDir = scratch();
    await expect(openSharedStore({ dataDir, openLocal: async () => Promise.reject(new Error('corrupt data dir')) })).rejects.toThrow('corrupt data dir');
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
