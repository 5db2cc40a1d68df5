import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientDriver, FunctionProvisioner } from '../../lib/platforms/platform';
import { openResultsStore } from '../../lib/results/open-store';
import type { SqlResultsStore } from '../../lib/results/sql-store';
import { createStepHandlers, type StepHandlers } from './handlers';

const context = {
  functionName: 'fb-AcquireLock',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fb-AcquireLock',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/fb-AcquireLock',
  logStreamName: '2026/11/27/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 30_000,
  callbackWaitsForEmptyEventLoop: true,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

let store: SqlResultsStore;
let handlers: StepHandlers;
const torn: string[] = [];

beforeAll(async () => {
  store = await openResultsStore();
  const provisioner: FunctionProvisioner = {
    provision: async () => ({ gatewayUrl: 'http://127.0.0.1:1' }),
    check: async () => ({ ready: true }),
    agentTarget: async () => ({ platform: 'openfaas', gatewayUrl: 'http://127.0.0.1:1' }),
    teardown: async (input) => {
      torn.push(`functions:${input.run.runId}`);
    },
    removal: async () => ({ gone: true, state: 'removed' }),
  };
  const driver: ClientDriver = {
    provision: async () => ({ kind: 'test' }),
    check: async () => ({ kind: 'test', ready: true }),
    startAgent: async () => undefined,
    teardown: async (input) => {
      torn.push(`client:${input.run.runId}`);
    },
    removal: async () => ({ gone: true, state: 'removed' }),
  };
  handlers = createStepHandlers({
    store,
    provisioners: { local: provisioner },
    clients: { local: driver },
    callbacks: { issue: async () => ({ url: 'http://127.0.0.1:1/callback', secret: 's' }), revoke: async () => {} },
    resultsLocation: (runId) => `/tmp/${runId}.ndjson`,
    heartbeatIntervalMs: 1000,
  }, { logger: new Logger({ serviceName: 'steps-test', logLevel: 'SILENT' }) });
});

afterAll(async () => {
  await store?.close();
});

const invoke = (name: keyof StepHandlers, event: unknown) => (handlers[name] as unknown as (event: unknown, context: unknown) => Promise<unknown>)(event, context);

describe('Step Lambdas', () => {
  it('ValidateInput resolves parameters and names unknown experiments', async () => {
    await expect(invoke('ValidateInput', { experiment: 'linear-invocation', platforms: ['local'], quick: true })).resolves.toMatchObject({
      experiment: 'linear-invocation',
      params: { callsPerFunction: 25, initialIdleSeconds: 0 },
    });
    await expect(invoke('ValidateInput', { experiment: 'nope', platforms: ['local'] })).rejects.toMatchObject({ name: 'UnknownExperimentError' });
    await expect(invoke('ValidateInput', { experiment: 'linear-invocation', platforms: ['aws-lambda'] })).rejects.toMatchObject({ name: 'PlatformNotAvailableError' });
    await expect(invoke('ValidateInput', { experiment: 'linear-invocation', platforms: ['gcp'] })).rejects.toMatchObject({ name: 'InvalidRunInputError' });
  });

  it('AcquireLock writes one starting run per platform and refuses a second with the name the ASL catches', async () => {
    const event = { experiment: 'lambda-lock-test', platforms: ['local'], params: {}, quick: true, executionId: 'arn:aws:states:eu-west-1:123456789012:execution:RunExperiment:e1' };
    const { runs } = (await invoke('AcquireLock', event)) as { runs: { runId: string; platform: string }[] };
    expect(runs).toHaveLength(1);
    expect(await store.getRun(runs[0]?.runId as string)).toMatchObject({ status: 'starting', execution_id: event.executionId });
    await expect(invoke('AcquireLock', event)).rejects.toMatchObject({ name: 'ExperimentAlreadyRunningError' });
  });

  it('refuses malformed state input with InvalidStepInputError before doing anything', async () => {
    await expect(invoke('AcquireLock', { experiment: 'x' })).rejects.toMatchObject({ name: 'InvalidStepInputError', message: expect.stringContaining('AcquireLock') });
    await expect(invoke('Teardown', { run: { runId: '' } })).rejects.toMatchObject({ name: 'InvalidStepInputError' });
  });

  it('Teardown and FinishRun end a failed branch with a readable reason from a Lambda error Cause', async () => {
    const { runs } = (await invoke('AcquireLock', { experiment: 'lambda-finish-test', platforms: ['local'], params: {}, quick: true, executionId: 'e2' })) as { runs: { runId: string; platform: string }[] };
    const run = runs[0] as { runId: string; platform: string };
    const branch = { run, experiment: 'lambda-finish-test', params: {}, quick: true, error: { Error: 'ProvisionFailedError', Cause: JSON.stringify({ errorType: 'ProvisionFailedError', errorMessage: 'stack rolled back', trace: [] }) } };
    await invoke('Teardown', branch);
    expect(torn).toEqual([`client:${run.runId}`, `functions:${run.runId}`]);
    await expect(invoke('FinishRun', branch)).resolves.toEqual({ runId: run.runId, platform: 'local', status: 'failed', reason: 'ProvisionFailedError: stack rolled back' });
    expect((await store.getRun(run.runId))?.status_history.map((change) => change.status)).toEqual(['starting', 'destroying', 'failed']);
  });

  it('ReleaseLock marks failed the runs a branch left unfinished and counts those not completed', async () => {
    const { runs } = (await invoke('AcquireLock', { experiment: 'lambda-release-test', platforms: ['local', 'openfaas'], params: {}, quick: true, executionId: 'e3' })) as { runs: { runId: string; platform: string }[] };
    const [done, stopped] = runs as [{ runId: string; platform: string }, { runId: string; platform: string }];
    await store.setRunStatus(done.runId, 'completed');
    await store.setRunStatus(stopped.runId, 'provisioning');
    await expect(invoke('ReleaseLock', { lock: { runs } })).resolves.toEqual({ failed: 1, released: [stopped.runId] });
    const row = await store.getRun(stopped.runId);
    expect(row?.status).toBe('failed');
    expect(row?.reason).toContain('the run ended while provisioning without recording its end');
    // Released: the same experiment may start again on both platforms.
    await expect(invoke('AcquireLock', { experiment: 'lambda-release-test', platforms: ['local', 'openfaas'], params: {}, quick: true, executionId: 'e4' })).resolves.toMatchObject({ runs: [{ platform: 'local' }, { platform: 'openfaas' }] });
  });
});

describe('Step Lambdas from the environment', () => {
  it('name the missing variable at module load', async () => {
    const { controlPlaneEnvironment } = await import('../shared/environment');
    expect(() => controlPlaneEnvironment({ AWS_REGION: 'eu-west-1' })).toThrow('RESULTS_CLUSTER_ARN');
  });
});
