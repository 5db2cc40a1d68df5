import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createSteps, type StepDependencies } from '../../lib/control-plane/steps';
import { createStepHandler } from '../shared/step-handler';
import { acquireLockSchema, branchSchema, teardownCheckSchema, collectResultsSchema, releaseLockSchema, startAgentSchema, validateInputSchema } from './schemas';

/**
 * One Lambda handler per Task of RunExperiment, each a thin shell (middleware, zod) over the same
 * step code the local control plane runs.
 */
export function createStepHandlers(deps: StepDependencies, options: { logger?: Logger; metrics?: Metrics | false } = {}) {
  const steps = createSteps(deps);
  const common = { logger: options.logger, metrics: options.metrics };
  return {
    ValidateInput: createStepHandler({ ...common, stateName: 'ValidateInput', schema: validateInputSchema, run: (input) => steps.ValidateInput(input) }),
    AcquireLock: createStepHandler({ ...common, stateName: 'AcquireLock', schema: acquireLockSchema, run: (input) => steps.AcquireLock(input) }),
    ProvisionFunctions: createStepHandler({ ...common, stateName: 'ProvisionFunctions', schema: branchSchema, run: (input) => steps.ProvisionFunctions(input) }),
    CheckFunctionsReady: createStepHandler({ ...common, stateName: 'CheckFunctionsReady', schema: branchSchema, run: (input) => steps.CheckFunctionsReady(input) }),
    ProvisionClient: createStepHandler({ ...common, stateName: 'ProvisionClient', schema: branchSchema, run: (input) => steps.ProvisionClient(input) }),
    CheckClientReady: createStepHandler({ ...common, stateName: 'CheckClientReady', schema: branchSchema, run: (input) => steps.CheckClientReady(input) }),
    StartAgent: createStepHandler({ ...common, stateName: 'StartAgent', schema: startAgentSchema, run: (input) => steps.StartAgent(input) }),
    CollectResults: createStepHandler({ ...common, stateName: 'CollectResults', schema: collectResultsSchema, run: (input) => steps.CollectResults(input) }),
    Teardown: createStepHandler({ ...common, stateName: 'Teardown', schema: branchSchema, run: (input) => steps.Teardown(input) }),
    CheckTeardown: createStepHandler({ ...common, stateName: 'CheckTeardown', schema: teardownCheckSchema, run: (input) => steps.CheckTeardown(input) }),
    FinishRun: createStepHandler({ ...common, stateName: 'FinishRun', schema: branchSchema, run: (input) => steps.FinishRun(input) }),
    ReleaseLock: createStepHandler({ ...common, stateName: 'ReleaseLock', schema: releaseLockSchema, run: (input) => steps.ReleaseLock(input) }),
  };
}

export type StepHandlers = ReturnType<typeof createStepHandlers>;
export type StepName = keyof StepHandlers;
