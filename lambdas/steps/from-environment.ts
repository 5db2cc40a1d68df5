import { controlPlaneEnvironment, stepDependenciesFromEnvironment } from '../shared/environment';
import { createStepHandlers, type StepHandlers } from './handlers';

let built: StepHandlers | undefined;

/** The step handlers of this Lambda, built once per execution environment from its environment. */
export function handlersFromEnvironment(): StepHandlers {
  built ??= createStepHandlers(stepDependenciesFromEnvironment(controlPlaneEnvironment(process.env)));
  return built;
}
