// Generated from the files in experiments/ by lib/experiment/catalog-file.ts: do not edit.
// `fb` and `cdk synth` regenerate it when experiments/ changes; a test checks it is current.
import type { Experiment } from './define';
import basicWeakestLink from '../../experiments/basic-weakest-link';
import coldstartIdentifierNested from '../../experiments/coldstart-identifier-nested';
import coldstartIdentifier from '../../experiments/coldstart-identifier';
import coldtimeLargeFunctions from '../../experiments/coldtime-large-functions';
import concurrencyBenchmarking from '../../experiments/concurrency-benchmarking';
import devExperiment from '../../experiments/dev-experiment';
import functionLifetime from '../../experiments/function-lifetime';
import growingLoadSpikes from '../../experiments/growing-load-spikes';
import linearInvocationNested from '../../experiments/linear-invocation-nested';
import linearInvocation from '../../experiments/linear-invocation';
import scenarioPyramid from '../../experiments/scenario-pyramid';
import simpleColdFunctionNested from '../../experiments/simple-cold-function-nested';
import simpleColdFunctionThreadedTwelve from '../../experiments/simple-cold-function-threaded-twelve';
import simpleColdFunction from '../../experiments/simple-cold-function';
import singleFunctionTimeToColdStart from '../../experiments/single-function-time-to-cold-start';
import throughputBenchmarking from '../../experiments/throughput-benchmarking';
import timeToColdStartTwelveThreads from '../../experiments/time-to-cold-start-twelve-threads';
import trackCloudfunctionsLifecycle from '../../experiments/track-cloudfunctions-lifecycle';
import weakestLink from '../../experiments/weakest-link';

/** Every experiment, with the file it came from (its name must be the file name). */
export const EXPERIMENT_CATALOG: readonly (readonly [file: string, experiment: Experiment])[] = [
  ['basic-weakest-link', basicWeakestLink as unknown as Experiment],
  ['coldstart-identifier-nested', coldstartIdentifierNested as unknown as Experiment],
  ['coldstart-identifier', coldstartIdentifier as unknown as Experiment],
  ['coldtime-large-functions', coldtimeLargeFunctions as unknown as Experiment],
  ['concurrency-benchmarking', concurrencyBenchmarking as unknown as Experiment],
  ['dev-experiment', devExperiment as unknown as Experiment],
  ['function-lifetime', functionLifetime as unknown as Experiment],
  ['growing-load-spikes', growingLoadSpikes as unknown as Experiment],
  ['linear-invocation-nested', linearInvocationNested as unknown as Experiment],
  ['linear-invocation', linearInvocation as unknown as Experiment],
  ['scenario-pyramid', scenarioPyramid as unknown as Experiment],
  ['simple-cold-function-nested', simpleColdFunctionNested as unknown as Experiment],
  ['simple-cold-function-threaded-twelve', simpleColdFunctionThreadedTwelve as unknown as Experiment],
  ['simple-cold-function', simpleColdFunction as unknown as Experiment],
  ['single-function-time-to-cold-start', singleFunctionTimeToColdStart as unknown as Experiment],
  ['throughput-benchmarking', throughputBenchmarking as unknown as Experiment],
  ['time-to-cold-start-twelve-threads', timeToColdStartTwelveThreads as unknown as Experiment],
  ['track-cloudfunctions-lifecycle', trackCloudfunctionsLifecycle as unknown as Experiment],
  ['weakest-link', weakestLink as unknown as Experiment],
];
