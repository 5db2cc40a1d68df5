import { describe, expect, it, vi } from 'vitest';
import { ProvisionTransientError } from '../platforms/errors';
import { ResultsStoreUnavailableError } from '../results/errors';
import type { ResultsStore } from '../results/store';
import { createSteps, describeFailure, ResultsIncompleteError, type StepDependencies } from './steps';

function dependencies(overrides: Partial<StepDependencies> = {}): StepDependencies & { store: ResultsStore } {
  const store = {
    setRunStatus: vi.fn(async () => undefined),
    importRunResults: vi.fn(async () => undefined),
    mergeRunManifest: vi.fn(async () => undefined),
    setRunResult: vi.fn(async () => undefined),
  } as unknown as ResultsStore;
  return {
    store,
    provisioners: {},
    clients: {},
    callbacks: { issue: async () => ({ url: 'http://127.0.0.1:1/callback', secret: 's' }), revoke: async () => {} },
    resultsLocation: (runId) => `/tmp/${runId}.ndjson`,
    heartbeatIntervalMs: 1000,
    ...overrides,
  };
}

const collect = { run: { runId: 'r1', platform: 'aws-lambda' }, agent: { resultsLocation: 's3://b/raw/r1.ndjson', invocations: 2, experimentRows: 1 } };

describe('Step: CollectResults', () => {
  it('hands a bulk import to the database where it can load the file itself (Aurora)', async () => {
    const importResults = vi.fn(async () => ({ invocations: 2, experimentRows: 1 }));
    const deps = dependencies({ importResults });
    await expect(createSteps(deps).CollectResults(collect)).resolves.toEqual({ invocations: 2, experimentRows: 1 });
    expect(importResults).toHaveBeenCalledWith('r1', 's3://b/raw/r1.ndjson');
    expect(deps.store.importRunResults).not.toHaveBeenCalled();
    expect(deps.store.setRunStatus).toHaveBeenCalledWith('r1', 'collecting');
  });

  it('otherwise reads the rows and imports them with the store (COPY)', async () => {
    const rows = { invocations: [{ run_id: 'r1', seq: 0 }, { run_id: 'r1', seq: 1 }], experimentRows: [{ run_id: 'r1', table_name: 't', seq: 0, data: {} }] };
    const deps = dependencies({ readResults: vi.fn(async () => rows as never) });
    await expect(createSteps(deps).CollectResults(collect)).resolves.toEqual({ invocations: 2, experimentRows: 1 });
    expect(deps.store.importRunResults).toHaveBeenCalledWith('r1', rows.invocations, rows.experimentRows);
  });

  it('records the client machine\'s CPU and the agent\'s own CPU use in the manifest', async () => {
    const deps = dependencies({ importResults: vi.fn(async () => ({ invocations: 2, experimentRows: 1 })) });
    const client = { cpuModel: 'AMD EPYC 7R13 Processor', cpuCores: 2, agentCpuMs: 30_000, wallMs: 60_000 };
    await createSteps(deps).CollectResults({ ...collect, agent: { ...collect.agent, client } });
    expect(deps.store.mergeRunManifest).toHaveBeenCalledWith('r1', {
      client_cpu: { cpu_model: 'AMD EPYC 7R13 Processor', cpu_cores: 2, agent_cpu_ms: 30_000, wall_ms: 60_000, agent_cpu_of_one_core: 0.5 },
    });
  });

  it('stores what a short, torn or missing file holds, then fails the run naming both counts', async () => {
    const torn = { invocations: [{ run_id: 'r1', seq: 0 }], experimentRows: [{ run_id: 'r1', table_name: 't', seq: 0, data: {} }], tornLastLine: 3 };
    const deps = dependencies({ readResults: vi.fn(async () => torn as never) });
    const error = await createSteps(deps).CollectResults(collect).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResultsIncompleteError);
    expect((error as Error).message).toBe(
      'the agent reported 2 invocation rows and 1 experiment rows; the results file (its line 3 was torn) held 1 and 1, which are stored',
    );
    expect(deps.store.importRunResults).toHaveBeenCalledWith('r1', torn.invocations, torn.experimentRows);
    expect(deps.store.mergeRunManifest).toHaveBeenCalledWith('r1', { results_file: { invocations: 1, experiment_rows: 1, torn_last_line: 3 } });

    const missing = dependencies({ importResults: vi.fn(async () => ({ invocations: 0, experimentRows: 0, missing: true as const })) });
    await expect(createSteps(missing).CollectResults(collect)).rejects.toThrow('the results file (no results file) held 0 and 0');
  });

  it('after a failed agent, keeps what its file holds and says so in the manifest, without checking counts', async () => {
    const rows = { invocations: [{ run_id: 'r1', seq: 0 }], experimentRows: [] };
    const readResults = vi.fn(async () => rows as never);
    const deps = dependencies({ readResults });
    await expect(createSteps(deps).CollectResults({ run: collect.run, partial: true })).resolves.toEqual({ invocations: 1, experimentRows: 0 });
    expect(readResults).toHaveBeenCalledWith('/tmp/r1.ndjson');
    expect(deps.store.mergeRunManifest).toHaveBeenCalledWith('r1', { partial_results: { invocations: 1, experiment_rows: 0 } });
    expect(deps.store.setRunStatus).not.toHaveBeenCalledWith('r1', 'collecting');
  });
});

describe('Function: describeFailure', () => {
  it('reads the message out of a Lambda error Cause, and keeps a plain cause', () => {
    expect(describeFailure({ Error: 'ImportTransientError', Cause: JSON.stringify({ errorType: 'ImportTransientError', errorMessage: 'reset' }) })).toBe('ImportTransientError: reset');
    expect(describeFailure({ Error: 'States.HeartbeatTimeout', Cause: 'no heartbeat for 600000 ms' })).toBe('States.HeartbeatTimeout: no heartbeat for 600000 ms');
    expect(describeFailure({ Error: 'States.Timeout' })).toBe('States.Timeout');
  });
});

describe('Step: FinishRun', () => {
  const branch = { run: { runId: 'r1', platform: 'local' }, experiment: 'e', params: {}, quick: true, platformOptions: {} };
  /** A store that records the order of the calls FinishRun makes. */
  function recordingStore(usage: () => Promise<unknown>) {
    const calls: string[] = [];
    const store = {
      getRun: vi.fn(async () => undefined),
      invocationUsage: vi.fn(usage),
      setRunCost: vi.fn(async (_runId: string, usd: number) => void calls.push(`cost ${usd}`)),
      mergeRunManifest: vi.fn(async () => void calls.push('manifest')),
      setRunStatus: vi.fn(async (_runId: string, status: string) => void calls.push(status)),
    } as unknown as ResultsStore;
    return { store, calls };
  }

  it('stores the run’s cost estimate before its final status', async () => {
    const { store, calls } = recordingStore(async () => [{ function_name: 'function1', memory_mb: null, root: true, invocations: 3, executed: 3, answered: 3, cold: 1, billed_ms: 9 }]);
    await expect(createSteps(dependencies({ store })).FinishRun(branch)).resolves.toMatchObject({ status: 'completed' });
    expect(calls).toEqual(['cost 0', 'completed']);
    const [, usd, estimate] = (store.setRunCost as ReturnType<typeof vi.fn>).mock.calls[0] as [string, number, Record<string, unknown>];
    expect(usd).toBe(0);
    expect(estimate).toMatchObject({ schema: 'fb.cost/1', kind: 'actual', usd: 0, items: [{ what: 'lab-function invocations (local)', quantity: 3, usd: 0 }, { what: 'client: this machine' }] });
  });

  it('says in the manifest why there is no estimate, and still ends the run', async () => {
    const { store, calls } = recordingStore(async () => {
      throw new RangeError('bad rounding');
    });
    await expect(createSteps(dependencies({ store })).FinishRun({ ...branch, error: { Error: 'X', Cause: 'y' } })).resolves.toMatchObject({ status: 'failed' });
    expect(calls).toEqual(['manifest', 'failed']);
    expect(store.mergeRunManifest).toHaveBeenCalledWith('r1', { cost: { usd: null, error: 'RangeError: bad rounding' } });
  });

  it('fails the step when the store is unavailable, for the state machine to retry', async () => {
    const { store, calls } = recordingStore(async () => {
      throw new ResultsStoreUnavailableError('aurora://results', new Error('Aurora is resuming'));
    });
    await expect(createSteps(dependencies({ store })).FinishRun(branch)).rejects.toThrow(ResultsStoreUnavailableError);
    expect(calls).toEqual([]);
  });
});

describe('Step: ReleaseLock', () => {
  it('deletes every run’s callback entry, ended or not, and fails a run left active', async () => {
    const revoked: string[] = [];
    const statuses = new Map([
      ['r1', 'completed'],
      ['r2', 'running'],
    ]);
    const store = {
      getRun: vi.fn(async (id: string) => ({ id, status: statuses.get(id) })),
      setRunStatus: vi.fn(async (id: string, status: string) => void statuses.set(id, status)),
    } as unknown as ResultsStore;
    const deps = dependencies({ store, callbacks: { issue: async () => ({ url: '', secret: '' }), revoke: async (runId) => void revoked.push(runId) } });
    const released = await createSteps(deps).ReleaseLock({ lock: { runs: [{ runId: 'r1', platform: 'local' }, { runId: 'r2', platform: 'local' }] as never } });
    expect(revoked).toEqual(['r1', 'r2']);
    expect(released).toEqual({ failed: 1, released: ['r2'] });
    expect(statuses.get('r2')).toBe('failed');
  });
});

describe('Step: FinishRun after the deletions', () => {
  const branch = { run: { runId: 'r1', platform: 'aws-lambda' }, experiment: 'e', params: {}, quick: true, platformOptions: {} };
  it('fails an otherwise completed run whose deletion failed, with what is left', async () => {
    const statuses: [string, string, string | undefined][] = [];
    const store = {
      getRun: vi.fn(async () => undefined),
      invocationUsage: vi.fn(async () => []),
      setRunCost: vi.fn(async () => undefined),
      mergeRunManifest: vi.fn(async () => undefined),
      setRunStatus: vi.fn(async (runId: string, status: string, reason?: string) => void statuses.push([runId, status, reason])),
    } as unknown as ResultsStore;
    const outcome = await createSteps(dependencies({ store })).FinishRun({ ...branch, teardownCheck: { failed: true, left: ['functions: lab stack fb-r1-lab is DELETE_FAILED: ApiKey: in use'] } });
    expect(outcome).toMatchObject({ status: 'failed', reason: 'TeardownIncomplete: not removed: functions: lab stack fb-r1-lab is DELETE_FAILED: ApiKey: in use' });
    expect(statuses.at(-1)).toEqual(['r1', 'failed', 'TeardownIncomplete: not removed: functions: lab stack fb-r1-lab is DELETE_FAILED: ApiKey: in use']);
  });
});

describe('Step: CheckTeardown', () => {
  it('asks both the client driver and the provisioner, and carries the time Teardown started', async () => {
    const removal = (check: { gone: boolean; state: string }) => vi.fn(async () => check);
    const provisioner = { removal: removal({ gone: false, state: 'DELETE_IN_PROGRESS' }) };
    const client = { removal: removal({ gone: true, state: 'terminated' }) };
    const deps = dependencies({ provisioners: { 'aws-lambda': provisioner as never }, clients: { 'aws-lambda': client as never }, now: () => new Date('2026-12-06T01:00:30.000Z') });
    const input = { run: { runId: 'r1', platform: 'aws-lambda' }, experiment: 'e', params: {}, quick: true, platformOptions: {}, teardown: { startedAt: '2026-12-06T01:00:00.000Z' } };
    const check = await createSteps(deps).CheckTeardown(input);
    expect(check).toEqual({ done: false, failed: false, startedAt: '2026-12-06T01:00:00.000Z', client: { gone: true, state: 'terminated' }, functions: { gone: false, state: 'DELETE_IN_PROGRESS' }, left: [] });
    expect(provisioner.removal).toHaveBeenCalledWith(input);
  });
});

describe('Step: Teardown', () => {
  const input = { run: { runId: 'r1', platform: 'aws-lambda' }, experiment: 'e', params: {}, quick: true, platformOptions: {} };
  const parts = (client: () => Promise<void>, functions: () => Promise<void>) =>
    dependencies({ provisioners: { 'aws-lambda': { teardown: vi.fn(functions) } as never }, clients: { 'aws-lambda': { teardown: vi.fn(client) } as never } });

  it('asks to be tried again only when every failure was transient', async () => {
    const throttled = async () => {
      throw new ProvisionTransientError('DeleteStack fb-r1-lab: Rate exceeded');
    };
    const refused = async () => {
      throw new Error('ExpiredToken: the security token included in the request is expired');
    };
    const fine = async () => {};
    await expect(createSteps(parts(fine, throttled)).Teardown(input)).rejects.toMatchObject({ name: 'TeardownTransientError', message: 'functions: DeleteStack fb-r1-lab: Rate exceeded' });
    // A refusal next to a throttle: retrying for minutes would not help; the run fails naming both.
    await expect(createSteps(parts(refused, throttled)).Teardown(input)).rejects.toMatchObject({
      name: 'TeardownIncompleteError',
      message: 'client: ExpiredToken: the security token included in the request is expired; functions: DeleteStack fb-r1-lab: Rate exceeded',
    });
    await expect(createSteps(parts(fine, fine)).Teardown(input)).resolves.toMatchObject({ removed: ['client', 'functions'] });
  });
});
