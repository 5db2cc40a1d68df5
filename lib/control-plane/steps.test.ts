import { describe, expect, it, vi } from 'vitest';
import type { ResultsStore } from '../results/store';
import { createSteps, describeFailure, type StepDependencies } from './steps';

function dependencies(overrides: Partial<StepDependencies> = {}): StepDependencies & { store: ResultsStore } {
  const store = {
    setRunStatus: vi.fn(async () => undefined),
    importRunResults: vi.fn(async () => undefined),
  } as unknown as ResultsStore;
  return {
    store,
    provisioners: {},
    clients: {},
    callbacks: { issue: async () => ({ url: 'http://127.0.0.1:1/callback', secret: 's' }) },
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
    const rows = { invocations: [{ run_id: 'r1', seq: 0 }], experimentRows: [] };
    const deps = dependencies({ readResults: vi.fn(async () => rows as never) });
    await expect(createSteps(deps).CollectResults(collect)).resolves.toEqual({ invocations: 1, experimentRows: 0 });
    expect(deps.store.importRunResults).toHaveBeenCalledWith('r1', rows.invocations, []);
  });
});

describe('Function: describeFailure', () => {
  it('reads the message out of a Lambda error Cause, and keeps a plain cause', () => {
    expect(describeFailure({ Error: 'ImportTransientError', Cause: JSON.stringify({ errorType: 'ImportTransientError', errorMessage: 'reset' }) })).toBe('ImportTransientError: reset');
    expect(describeFailure({ Error: 'States.HeartbeatTimeout', Cause: 'no heartbeat for 600000 ms' })).toBe('States.HeartbeatTimeout: no heartbeat for 600000 ms');
    expect(describeFailure({ Error: 'States.Timeout' })).toBe('States.Timeout');
  });
});
