/** What an experiment module needs: `defineExperiment` and the bench it programs against. */
export type { ClassifiedAnswer, ExperimentBench, InvocationResult, TimedAnswer } from './bench';
export { defineExperiment, type Experiment, type QuickProfile } from './define';
export type { ExperimentResult } from './result';
export { type ClockOffset, sendToStartLatency } from './clock';
export { forceColdParam, startCold } from './start-cold';
