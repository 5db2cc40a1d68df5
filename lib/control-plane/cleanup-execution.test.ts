import { describe, expect, it } from 'vitest';
import type { BranchInput, ClientDriver, FunctionProvisioner } from '../platforms/platform';
import type { RunRow, RunStatus } from '../results/types';
import { cleanUpExecution, executionStatusChangeSchema } from './cleanup-execution';

const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:faas-benchmarker-dev-RunExperiment:nightly-1';

/** The event EventBridge delivers for a Standard workflow that timed out (shape as AWS documents it). */
const TIMED_OUT_EVENT = {
  version: '0',
  id: '315c1398-40ff-a850-213b-158f73e60175',
  'detail-type': 'Step Functions Execution Status Change',
  source: 'aws.states',
  account: '123456789012',
  time: '2026-12-05T10:00:00Z',
  region: 'eu-west-1',
  resources: [EXECUTION],
  detail: {
    executionArn: EXECUTION,
    stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:faas-benchmarker-dev-RunExperiment',
    name: 'nightly-1',
    status: 'TIMED_OUT',
    startDate: 1764756000000,
    stopDate: 1764928800000,
    input: '{}',
    inputDetails: { included: true },
    output: null,
    outputDetails: null,
    error: 'States.Timeout',
    cause: null,
  },
};

function run(id: string, platform: string, status: RunStatus, executionId = EXECUTION): RunRow {
  return {
    id,
    experiment: 'linear-invocation',
    platform,
    client_platform: 'opposite-cloud',
    status,
    status_history: [],
    reason: null,
    params: { callsPerFunction: 3 },
    manifest: { quick: true, platform_options: { 'idle-timeout': '2s' } },
    execution_id: executionId,
    started_at: '2026-12-03T10:00:00Z',
    ended_at: null,
    invocation_count: 0,
    cost_estimate: null,
    result: null,
  } as RunRow;
}

function setUp(rows: RunRow[], failing: { client?: string; functions?: string } = {}) {
  const torn: string[] = [];
  const statuses = new Map<string, { status: string; reason?: string }>();
  const store = {
    listRuns: async () => rows,
    setRunStatus: async (runId: string, status: RunStatus, reason?: string) => {
      statuses.set(runId, { status, ...(reason ? { reason } : {}) });
    },
  };
  const part = (what: 'client' | 'functions') => async (input: BranchInput) => {
    torn.push(`${what}:${input.run.runId}:${JSON.stringify(input.platformOptions)}`);
    if (failing[what]) throw new Error(failing[what]);
  };
  const provisioner = { teardown: part('functions') } as unknown as FunctionProvisioner;
  const client = { teardown: part('client') } as unknown as ClientDriver;
  const revoked: string[] = [];
  const callbacks = { revoke: async (runId: string) => void revoked.push(runId) };
  return { deps: { store, provisioners: { 'aws-lambda': provisioner, openfaas: provisioner }, clients: { 'aws-lambda': client, openfaas: client }, callbacks }, torn, statuses, revoked };
}

describe('Function: cleanUpExecution', () => {
  it('tears down and fails the active runs of a timed-out execution, from the event AWS sends', async () => {
    const event = executionStatusChangeSchema.parse(TIMED_OUT_EVENT);
    const rows = [run('run-a', 'aws-lambda', 'running'), run('run-b', 'openfaas', 'completed'), run('run-c', 'openfaas', 'provisioning', 'arn:aws:states:eu-west-1:123456789012:execution:other')];
    const { deps, torn, statuses, revoked } = setUp(rows);
    const outcome = await cleanUpExecution(deps, event.detail);
    expect(outcome.cleaned).toEqual([{ runId: 'run-a', platform: 'aws-lambda', left: [] }]);
    // Its callback entry (task token, secret hash) is deleted with it.
    expect(revoked).toEqual(['run-a']);
    expect(torn).toEqual(['client:run-a:{"idle-timeout":"2s"}', 'functions:run-a:{"idle-timeout":"2s"}']);
    expect(statuses.get('run-a')).toEqual({ status: 'failed', reason: 'execution timed out while running (States.Timeout); its resources were removed' });
    expect(statuses.has('run-b')).toBe(false);
    expect(statuses.has('run-c')).toBe(false);
  });

  it('names what it could not remove, and still tries every part', async () => {
    const { deps, torn, statuses } = setUp([run('run-a', 'aws-lambda', 'destroying')], { client: 'TerminateInstances: AccessDenied' });
    const outcome = await cleanUpExecution(deps, { executionArn: EXECUTION, status: 'ABORTED', error: null, cause: null });
    expect(torn).toHaveLength(2);
    expect(outcome.cleaned[0]?.left).toEqual(['client: TerminateInstances: AccessDenied']);
    expect(statuses.get('run-a')?.reason).toBe('execution aborted while destroying; not removed: client: TerminateInstances: AccessDenied');
  });

  it('stores a stopped run\'s partial results after its client is torn down, and a failure to store them is named, not fatal', async () => {
    const { deps, torn, statuses } = setUp([run('run-a', 'aws-lambda', 'running'), run('run-b', 'openfaas', 'running')]);
    const collected: string[] = [];
    const collectPartialResults = async (row: RunRow) => {
      collected.push(`${row.id} after ${torn.filter((part) => part.startsWith(`client:${row.id}`)).length} client teardown`);
      if (row.id === 'run-b') throw new Error('results file unreadable');
    };
    await cleanUpExecution({ ...deps, collectPartialResults }, { executionArn: EXECUTION, status: 'ABORTED', error: 'Stop', cause: 'by hand' });
    expect(collected).toEqual(['run-a after 1 client teardown', 'run-b after 1 client teardown']);
    expect(statuses.get('run-a')).toEqual({ status: 'failed', reason: 'execution aborted while running (Stop: by hand); its resources were removed' });
    expect(statuses.get('run-b')).toEqual({ status: 'failed', reason: 'execution aborted while running (Stop: by hand); its resources were removed; its partial results could not be stored: results file unreadable' });
  });

  it('changes nothing for an execution that succeeded, or whose runs all ended', async () => {
    const { deps, torn, statuses } = setUp([run('run-a', 'aws-lambda', 'running')]);
    expect((await cleanUpExecution(deps, { executionArn: EXECUTION, status: 'SUCCEEDED' })).cleaned).toEqual([]);
    const ended = setUp([run('run-a', 'aws-lambda', 'failed')]);
    expect((await cleanUpExecution(ended.deps, { executionArn: EXECUTION, status: 'FAILED', error: 'RunFailed' })).cleaned).toEqual([]);
    expect([...torn, ...ended.torn]).toEqual([]);
    expect(statuses.size + ended.statuses.size).toBe(0);
  });

  it('refuses events that are not Step Functions status changes', () => {
    expect(executionStatusChangeSchema.safeParse({ ...TIMED_OUT_EVENT, source: 'aws.ec2' }).success).toBe(false);
    expect(executionStatusChangeSchema.safeParse({ ...TIMED_OUT_EVENT, detail: { status: 'ABORTED' } }).success).toBe(false);
  });
});
