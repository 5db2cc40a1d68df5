import { controlPlaneEnvironment, stepDependenciesFromEnvironment } from '../shared/environment';
import { installBundledExperiments } from '../shared/experiment-catalog';
import { createStepHandlers, type StepHandlers } from './handlers';

let built: StepHandlers | undefined;

/** The step handlers of this Lambda, built once per execution environment from its environment. */
export function handlersFromEnvironment(): StepHandlers {
  installBundledExperiments();
  built ??= createStepHandlers(stepDependenciesFromEnvironment(controlPlaneEnvironment(process.env)));
  return built;
}
