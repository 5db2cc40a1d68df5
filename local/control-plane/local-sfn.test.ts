import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefinition, type LocalTaskHandler, MissingSubstitutionError, runLocalExecution, taskStates } from './local-sfn';
import { TaskError, TokenBroker } from '../../lib/callback/local-token-broker';

const DEFINITION = join(__dirname, '..', '..', 'state-machines', 'run-experiment.asl.json');
const FUNCTIONS = ['ValidateInput', 'AcquireLock', 'ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'StartAgent', 'CollectResults', 'Teardown', 'CheckTeardown', 'FinishRun', 'ReleaseLock'];
const SUBSTITUTIONS = Object.fromEntries(FUNCTIONS.map((name) => [`${name}FunctionArn`, `arn:aws:lambda:eu-west-1:123456789012:function:fb-${name}`]));

type Call = { state: string; input: Record<string, unknown> };

/**
 * Stub step handlers that record their calls; `overrides` replaces any of them. Each branch
 * (platform) reports `ready` on its second readiness check, so the Wait + Choice loop runs once.
 */
function scenario(overrides: Partial<Record<string, LocalTaskHandler>> = {}, agent?: (payload: Record<string, unknown>, broker: TokenBroker) => void) {
  const calls: Call[] = [];
  const broker = new TokenBroker();
  const checks = new Map<string, number>();
  const record = (state: string, result: (input: Record<string, unknown>) => unknown): LocalTaskHandler => async (input) => {
    calls.push({ state, input: input as Record<string, unknown> });
    return result(input as Record<string, unknown>);
  };
  const finished = new Map<string, string>();
  const platformOf = (input: Record<string, unknown>) => (input.run as { platform: string }).platform;
  const handlers: Record<string, LocalTaskHandler> = {
    ValidateInput: record('ValidateInput', (input) => ({ experiment: input.experiment, platforms: input.platforms, params: {}, quick: true, platformOptions: {} })),
    AcquireLock: record('AcquireLock', (input) => ({ runs: (input.platforms as string[]).map((platform) => ({ runId: `run-${platform}`, platform })) })),
    ProvisionFunctions: record('ProvisionFunctions', () => ({ ready: false })),
    CheckFunctionsReady: record('CheckFunctionsReady', (input) => {
      const platform = platformOf(input);
      const count = (checks.get(platform) ?? 0) + 1;
      checks.set(platform, count);
      return { ready: count >= 2, gatewayUrl: 'http://127.0.0.1:1' };
    }),
    ProvisionClient: record('ProvisionClient', () => ({ kind: 'local', ready: false })),
    CheckClientReady: record('CheckClientReady', () => ({ kind: 'local', ready: true })),
    CollectResults: record('CollectResults', () => ({ imported: 42 })),
    CollectPartialResults: record('CollectPartialResults', (input) => ({ imported: input.partial === true ? 7 : -1 })),
    Teardown: record('Teardown', () => ({ removed: true, startedAt: '2026-12-06T00:00:00.000Z' })),
    CheckTeardown: record('CheckTeardown', () => ({ done: true, failed: false, left: [] })),
    FinishRun: record('FinishRun', (input) => {
      const outcome = { runId: (input.run as { runId: string }).runId, status: input.error ? 'failed' : 'completed' };
      finished.set(outcome.runId, outcome.status);
      return outcome;
    }),
    // As the real step: the runs' final statuses (here what FinishRun recorded) decide.
    ReleaseLock: record('ReleaseLock', (input) => ({ failed: (input.lock as { runs: { runId: string }[] }).runs.filter((run) => finished.get(run.runId) !== 'completed').length })),
  };
  for (const [state, override] of Object.entries(overrides)) if (override) handlers[state] = record(state, override as (input: Record<string, unknown>) => unknown);
  const runAgent = (payload: Record<string, unknown> & { taskToken: string }) => {
    calls.push({ state: 'RunAgent', input: payload });
    if (agent) agent(payload, broker);
    else setTimeout(() => broker.sendTaskSuccess(payload.taskToken, { records: 10 }), 5);
  };
  const run = (input: Record<string, unknown> = { experiment: 'coldstart-identifier', platforms: ['local', 'openfaas'] }, extra: { executionTimeoutMs?: number } = {}) =>
    runLocalExecution({
      ...extra,
      definitionFile: DEFINITION,
      substitutions: SUBSTITUTIONS,
      handlers,
      callbackHandlers: { RunAgent: runAgent as never },
      broker,
      input: input as never,
      executionId: 'arn:aws:states:eu-west-1:123456789012:execution:RunExperiment:test-1',
      waitTimeOverridesMs: { WaitForFunctions: 1, WaitForClient: 1, WaitForTeardown: 1 },
      retryIntervalOverridesMs: { CollectResults: 0, ProvisionFunctions: 0, Teardown: 0, CheckTeardown: 0, FinishRun: 0 },
      heartbeatMs: { RunAgent: 300 },
    });
  const statesOf = (platform: string) => calls.filter((call) => !call.input.run || (call.input.run as { platform: string }).platform === platform).map((call) => call.state);
  return { calls, broker, run, statesOf };
}

const BRANCH = ['ProvisionFunctions', 'CheckFunctionsReady', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'RunAgent', 'CollectResults', 'Teardown', 'CheckTeardown', 'FinishRun'];

describe('RunExperiment on the local interpreter', () => {
  it('maps every Task and substitutes every placeholder', () => {
    const definition = loadDefinition(DEFINITION, SUBSTITUTIONS);
    expect(taskStates(definition).map((task) => task.name).sort()).toEqual(['AcquireLock', 'CheckClientReady', 'CheckFunctionsReady', 'CheckTeardown', 'CollectPartialResults', 'CollectResults', 'FinishRun', 'ProvisionClient', 'ProvisionFunctions', 'ReleaseLock', 'RunAgent', 'Teardown', 'ValidateInput'].sort());
    // CollectPartialResults is the CollectResults Lambda again.
    expect(taskStates(definition).find((task) => task.name === 'CollectPartialResults')?.resource).toBe(SUBSTITUTIONS.CollectResultsFunctionArn);
    expect(() => loadDefinition(DEFINITION, {})).toThrow(MissingSubstitutionError);
  });

  it('happy path: each platform provisions, waits until ready, runs the agent, collects and tears down', async () => {
    const { run, statesOf, calls, broker } = scenario();
    const result = await run();
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(statesOf('local')).toEqual(['ValidateInput', 'AcquireLock', ...BRANCH, 'ReleaseLock']);
    expect(statesOf('openfaas')).toEqual(['ValidateInput', 'AcquireLock', ...BRANCH, 'ReleaseLock']);
    const agentCall = calls.find((call) => call.state === 'RunAgent');
    expect(agentCall?.input).toMatchObject({ experiment: 'coldstart-identifier', quick: true, taskToken: expect.any(String), functions: { ready: true } });
    expect(calls.find((call) => call.state === 'AcquireLock')?.input.executionId).toBe('arn:aws:states:eu-west-1:123456789012:execution:RunExperiment:test-1');
    expect(broker.size).toBe(0);
  });

  it('a broker closed before RunAgent (an interrupted run) fails RunAgent without calling its handler: no agent is started', async () => {
    let broker: TokenBroker | undefined;
    const interrupted = scenario({
      CheckClientReady: async () => {
        broker?.close('RunAborted', 'the run was interrupted');
        return { kind: 'local', ready: true };
      },
    });
    broker = interrupted.broker;
    expect(await interrupted.run({ experiment: 'coldstart-identifier', platforms: ['local'] })).toMatchObject({ status: 'FAILED' });
    // RunAgent's handler records a 'RunAgent' call; CollectPartialResults follows its failure.
    expect(interrupted.statesOf('local')).toEqual(['ValidateInput', 'AcquireLock', 'ProvisionFunctions', 'CheckFunctionsReady', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'CollectPartialResults', 'Teardown', 'CheckTeardown', 'FinishRun', 'ReleaseLock']);
    const finish = interrupted.calls.find((call) => call.state === 'FinishRun');
    expect(finish?.input.error).toEqual({ Error: 'RunAborted', Cause: 'the run was interrupted' });
  });

  it('provisioning fails: the branch still tears down and the run ends failed with the reason', async () => {
    const { run, statesOf, calls } = scenario({
      ProvisionFunctions: async (input) => {
        if ((input as { run: { platform: string } }).run.platform === 'openfaas') throw new TaskError('ProvisionFailedError', 'gateway refused the deployment');
        return { ready: false };
      },
    });
    const result = await run();
    expect(result).toEqual({ status: 'FAILED', error: 'RunFailed', cause: expect.stringContaining('runs row') });
    expect(statesOf('openfaas').filter((state) => !['ValidateInput', 'AcquireLock', 'ReleaseLock'].includes(state))).toEqual(['ProvisionFunctions', 'Teardown', 'CheckTeardown', 'FinishRun']);
    const finish = calls.find((call) => call.state === 'FinishRun' && (call.input.run as { platform: string }).platform === 'openfaas');
    expect(finish?.input.error).toEqual({ Error: 'ProvisionFailedError', Cause: 'gateway refused the deployment' });
    expect(statesOf('local')).toContain('CollectResults');
  });

  it('waits for the deletions after Teardown, and hands FinishRun what one that failed left', async () => {
    let polls = 0;
    const { run, calls, statesOf } = scenario({
      CheckTeardown: (input) => {
        polls += 1;
        if ((input as { run: { platform: string } }).run.platform === 'local') return { done: polls >= 3, failed: false, left: [] };
        return { done: false, failed: true, left: ['functions: lab stack fb-x-lab is DELETE_FAILED: ApiKey: in use'] };
      },
    });
    const execution = await run();
    expect(execution.status).toBe('SUCCEEDED');
    // The local branch polls until its deletions are done; the failed one goes straight to FinishRun.
    expect(statesOf('local').filter((state) => state === 'CheckTeardown').length).toBeGreaterThanOrEqual(2);
    expect(statesOf('openfaas').slice(-3)).toEqual(['CheckTeardown', 'FinishRun', 'ReleaseLock']);
    const finish = calls.find((call) => call.state === 'FinishRun' && (call.input.run as { platform: string }).platform === 'openfaas');
    expect(finish?.input.teardownCheck).toMatchObject({ failed: true, left: ['functions: lab stack fb-x-lab is DELETE_FAILED: ApiKey: in use'] });
    expect(finish?.input.teardown).toMatchObject({ startedAt: '2026-12-06T00:00:00.000Z' });
  });

  it('functions that never become ready end the branch through Teardown', async () => {
    const { run, statesOf, calls } = scenario({ CheckFunctionsReady: async () => ({ ready: false, failed: true, reason: 'image pull failed' }) });
    const result = await run({ experiment: 'e', platforms: ['local'] });
    expect(result.status).toBe('FAILED');
    expect(statesOf('local')).toEqual(['ValidateInput', 'AcquireLock', 'ProvisionFunctions', 'CheckFunctionsReady', 'Teardown', 'CheckTeardown', 'FinishRun', 'ReleaseLock']);
    expect(calls.find((call) => call.state === 'Teardown')?.input.error).toEqual({ Error: 'ProvisioningFailed', Cause: 'image pull failed' });
  });

  it('a FinishRun that keeps failing still ends its branch, and ReleaseLock runs for every platform', async () => {
    const { run, statesOf, calls } = scenario({
      FinishRun: async (input) => {
        if ((input as { run: { platform: string } }).run.platform === 'openfaas') throw Object.assign(new Error('store down'), { name: 'ResultsStoreUnavailableError' });
        return { runId: (input as { run: { runId: string } }).run.runId, status: 'completed' };
      },
    });
    const result = await run();
    expect(statesOf('openfaas')).toEqual(expect.arrayContaining(['Teardown', 'FinishRun']));
    const release = calls.find((call) => call.state === 'ReleaseLock');
    expect(release?.input.lock).toEqual({ runs: [{ runId: 'run-local', platform: 'local' }, { runId: 'run-openfaas', platform: 'openfaas' }] });
    expect(result.status).toBe('FAILED');
  });

  it('polls the client until it takes commands, and hands RunAgent what the last check said', async () => {
    let polls = 0;
    const { run, statesOf, calls } = scenario({
      ProvisionClient: async () => ({ kind: 'ec2', instanceId: 'i-0abc', ready: false }),
      CheckClientReady: async (input) => {
        polls += 1;
        expect((input as { client: { instanceId: string } }).client.instanceId).toBe('i-0abc');
        return { kind: 'ec2', instanceId: 'i-0abc', ready: polls >= 3 };
      },
    });
    const result = await run({ experiment: 'e', platforms: ['azure-functions'] });
    expect(result.status).toBe('SUCCEEDED');
    expect(statesOf('azure-functions').filter((state) => state === 'CheckClientReady')).toHaveLength(3);
    expect(calls.find((call) => call.state === 'RunAgent')?.input.client).toEqual({ kind: 'ec2', instanceId: 'i-0abc', ready: true });
  });

  it('a client that never comes up ends the branch through Teardown with the reason', async () => {
    const { run, statesOf, calls } = scenario({ CheckClientReady: async () => ({ kind: 'azure-vm', ready: false, failed: true, reason: 'VM agent not ready after 20 min' }) });
    const result = await run({ experiment: 'e', platforms: ['aws-lambda'] });
    expect(result.status).toBe('FAILED');
    expect(statesOf('aws-lambda')).toEqual(['ValidateInput', 'AcquireLock', 'ProvisionFunctions', 'CheckFunctionsReady', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'Teardown', 'CheckTeardown', 'FinishRun', 'ReleaseLock']);
    expect(calls.find((call) => call.state === 'Teardown')?.input.error).toEqual({ Error: 'ClientProvisioningFailed', Cause: 'VM agent not ready after 20 min' });
  });

  it('the agent fails: its reason reaches Teardown and FinishRun', async () => {
    const { run, calls, statesOf } = scenario({}, (payload, broker) => setTimeout(() => broker.sendTaskFailure(payload.taskToken as string, 'AgentFailedError', 'experiment threw ProbeFailedError'), 5));
    const result = await run({ experiment: 'e', platforms: ['local'] });
    expect(result.status).toBe('FAILED');
    expect(statesOf('local')).not.toContain('CollectResults');
    // What the agent wrote before it failed is kept; the run still fails with the agent's reason.
    expect(statesOf('local')).toEqual(expect.arrayContaining(['RunAgent', 'CollectPartialResults', 'Teardown', 'FinishRun']));
    expect(calls.find((call) => call.state === 'CollectPartialResults')?.input).toEqual({ run: { runId: 'run-local', platform: 'local' }, partial: true });
    expect(calls.find((call) => call.state === 'FinishRun')?.input.error).toEqual({ Error: 'AgentFailedError', Cause: 'experiment threw ProbeFailedError' });
    expect(calls.find((call) => call.state === 'FinishRun')?.input.partial).toEqual({ imported: 7 });
  });

  it('the agent stops sending heartbeats: the Task times out and the branch tears down', async () => {
    const { run, calls, broker } = scenario({}, (payload, tokenBroker) => {
      // Two heartbeats, then silence.
      setTimeout(() => tokenBroker.sendTaskHeartbeat(payload.taskToken as string), 100);
      setTimeout(() => tokenBroker.sendTaskHeartbeat(payload.taskToken as string), 200);
    });
    const started = Date.now();
    const result = await run({ experiment: 'e', platforms: ['local'] });
    expect(result.status).toBe('FAILED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(calls.find((call) => call.state === 'Teardown')?.input.error).toMatchObject({ Error: 'States.HeartbeatTimeout' });
    expect(broker.size).toBe(0);
    // A late answer with the dead token is refused, as Step Functions refuses it.
    const agentToken = calls.find((call) => call.state === 'RunAgent')?.input.taskToken as string;
    expect(() => broker.sendTaskSuccess(agentToken, {})).toThrow(TaskError);
  });

  it('an import that fails once is retried and the run completes', async () => {
    let attempts = 0;
    const { run, calls } = scenario({
      CollectResults: async () => {
        attempts += 1;
        if (attempts === 1) throw new TaskError('ImportTransientError', 'connection reset');
        return { imported: 7 };
      },
    });
    const result = await run({ experiment: 'e', platforms: ['local'] });
    expect(result.status).toBe('SUCCEEDED');
    expect(attempts).toBe(2);
    expect(calls.find((call) => call.state === 'FinishRun')?.input.error).toBeUndefined();
  });

  it('a second run of the same experiment and platform is refused before anything is provisioned', async () => {
    const { run, calls } = scenario({
      AcquireLock: async () => {
        throw new TaskError('ExperimentAlreadyRunningError', 'coldstart-identifier on local is running as run-1');
      },
    });
    const result = await run();
    expect(result).toMatchObject({ status: 'FAILED', error: 'ExperimentAlreadyRunningError' });
    expect(calls.map((call) => call.state)).toEqual(['ValidateInput', 'AcquireLock']);
  });

  it('invalid input fails at once', async () => {
    const { run, calls } = scenario({
      ValidateInput: async () => {
        throw new TaskError('UnknownExperimentError', 'unknown experiment "nope"');
      },
    });
    expect(await run({ experiment: 'nope', platforms: ['local'] })).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(calls.map((call) => call.state)).toEqual(['ValidateInput']);
  });

  it('past its time limit the execution ends TIMED_OUT: the waiting agent Task fails and no further state starts', async () => {
    let beating: NodeJS.Timeout | undefined;
    const { run, calls, broker } = scenario({}, (payload, tokenBroker) => {
      // An agent that never finishes but keeps its Task alive.
      beating = setInterval(() => {
        try {
          tokenBroker.sendTaskHeartbeat(payload.taskToken as string);
        } catch {
          clearInterval(beating);
        }
      }, 50);
    });
    const result = await run({ experiment: 'e', platforms: ['local'] }, { executionTimeoutMs: 400 });
    clearInterval(beating);
    expect(result).toEqual({ status: 'TIMED_OUT' });
    expect(calls.map((call) => call.state)).toContain('RunAgent');
    expect(calls.map((call) => call.state)).not.toContain('Teardown');
    expect(broker.size).toBe(0);
  });

  it('a callback Task whose start fails withdraws its token: the branch tears down and nothing waits on it', async () => {
    const { run, calls, broker } = scenario({}, () => {
      throw new TaskError('AgentStartError', 'no such agent');
    });
    const result = await run({ experiment: 'e', platforms: ['local'] });
    expect(result).toMatchObject({ status: 'FAILED', error: 'RunFailed' });
    expect(calls.find((call) => call.state === 'Teardown')?.input.error).toMatchObject({ Error: 'AgentStartError' });
    expect(broker.size).toBe(0);
  });
});
