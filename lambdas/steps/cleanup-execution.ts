/**
 * CleanupExecution: the target of the EventBridge rule on RunExperiment's "Step Functions
 * Execution Status Change" events (ABORTED, TIMED_OUT, FAILED). It tears down and fails the runs
 * an execution left active when it ended without its own Teardown (lib/control-plane/cleanup-execution.ts).
 */
import { cleanUpExecution, executionStatusChangeSchema } from '../../lib/control-plane/cleanup-execution';
import { createStepHandler } from '../shared/step-handler';
import { controlPlaneEnvironment, stepDependenciesFromEnvironment } from '../shared/environment';

const deps = stepDependenciesFromEnvironment(controlPlaneEnvironment(process.env));

export const handler = createStepHandler({
  stateName: 'CleanupExecution',
  schema: executionStatusChangeSchema,
  run: (event) => cleanUpExecution(deps, event.detail),
});
