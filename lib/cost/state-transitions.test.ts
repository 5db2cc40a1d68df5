import { describe, expect, it } from 'vitest';
import { countStateTransitions, RUN_EXPERIMENT_DEFINITION, readinessWaitSeconds, StateMachineShapeError } from './state-transitions';

describe('Function: countStateTransitions', () => {
  it('counts each state of the completed path of RunExperiment once when each readiness loop polls once', () => {
    // By hand, from state-machines/run-experiment.asl.json.
    const path = ['ValidateInput', 'AcquireLock', 'RunPlatforms', 'ReleaseLock', 'AllCompleted', 'RunCompleted'];
    const branch = ['ProvisionFunctions', 'WaitForFunctions', 'CheckFunctionsReady', 'FunctionsReady', 'ProvisionClient', 'WaitForClient', 'CheckClientReady', 'ClientReady', 'RunAgent', 'CollectResults', 'Teardown', 'CheckTeardown', 'TeardownDone', 'FinishRun'];
    expect(countStateTransitions({ functions: 1, client: 1 })).toBe(path.length + branch.length);
    expect(countStateTransitions({ functions: 1, client: 1, teardown: 1 })).toBe(path.length + branch.length);
  });

  it('adds Wait, Check and Choice for every further poll, and polls at least once', () => {
    const once = countStateTransitions({ functions: 1, client: 1 });
    expect(countStateTransitions({ functions: 5, client: 1 })).toBe(once + 4 * 3);
    expect(countStateTransitions({ functions: 2, client: 3 })).toBe(once + 3 * 3);
    expect(countStateTransitions({ functions: 0, client: 0.2 })).toBe(once);
    // The deletions after Teardown: WaitForTeardown, CheckTeardown, TeardownDone per further poll.
    expect(countStateTransitions({ functions: 1, client: 1, teardown: 4 })).toBe(once + 3 * 3);
  });

  it('refuses a definition whose path names a missing state or never ends', () => {
    expect(() => countStateTransitions({ functions: 1, client: 1 }, { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' } } })).toThrow(StateMachineShapeError);
    expect(() => countStateTransitions({ functions: 1, client: 1 }, { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'A' } } })).toThrow(StateMachineShapeError);
  });
});

describe('Function: readinessWaitSeconds', () => {
  it('reads the Wait of each readiness loop from the definition', () => {
    const branch = RUN_EXPERIMENT_DEFINITION.States.RunPlatforms?.ItemProcessor?.States;
    expect(readinessWaitSeconds('functions')).toBe(branch?.WaitForFunctions?.Seconds);
    expect(readinessWaitSeconds('client')).toBe(branch?.WaitForClient?.Seconds);
    expect(readinessWaitSeconds('functions')).toBeGreaterThan(0);
  });
});
