/** The CheckTeardown Task of RunExperiment (state-machines/run-experiment.asl.json). */
import { handlersFromEnvironment } from './from-environment';

export const handler = handlersFromEnvironment().CheckTeardown;
